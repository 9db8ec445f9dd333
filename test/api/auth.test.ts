// Every route the OpenAPI document lists needs a token: none or a wrong one is 401, the read token
// on a change is 403, and the document lists every route the server has (so no new route escapes
// this test by being left out of it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, asChange, asReader, openApiHarness } from './api-harness.ts';

let h: ApiHarness;
let doc: { paths: Record<string, Record<string, unknown>> };

const REQUIRED = [
  'GET /api/v1/status',
  'POST /api/v1/halt',
  'POST /api/v1/resume',
  'GET /api/v1/events',
  'GET /api/v1/openapi.json',
  'GET /metrics',
  'GET /api/v1/crews',
  'GET /api/v1/crews/{id}',
  'POST /api/v1/crews/{id}/pause',
  'POST /api/v1/crews/{id}/resume',
  'POST /api/v1/crews/{id}/stop',
  'POST /api/v1/crews',
  'PUT /api/v1/crews/{id}/params/{name}',
  'POST /api/v1/crews/{id}/allocate',
  'GET /api/v1/teams',
  'GET /api/v1/positions',
  'GET /api/v1/balances',
  'GET /api/v1/equity',
  'GET /api/v1/risk',
  'PUT /api/v1/risk/{name}',
  'GET /api/v1/risk/events',
  'GET /api/v1/audit',
  'GET /api/v1/proposals',
  'POST /api/v1/proposals/{id}/approve',
  'POST /api/v1/proposals/{id}/reject',
  'GET /api/v1/llm/usage',
  'POST /api/v1/backtests',
  'GET /api/v1/backtests/{id}',
  'GET /api/v1/backtests/{id}/chart.png',
  'GET /api/v1/forge/drafts',
  'GET /api/v1/research',
  'POST /api/v1/research/sweeps',
  'GET /api/v1/research/sweeps/{id}',
  'POST /api/v1/research/sweeps/{id}/cancel',
  'GET /api/v1/forge/drafts/{id}',
];

/** The document's operations as "METHOD /path/{param}". */
function operations(): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
}

/** A concrete URL for a documented path. */
function urlOf(path: string): string {
  return path.replace('{id}', 'sma-btc').replace('{name}', 'fast');
}

beforeAll(async () => {
  h = await openApiHarness();
  const res = await h.api.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: asReader });
  expect(res.statusCode).toBe(200);
  doc = res.json();
}, 60_000);

afterAll(async () => {
  await h?.dispose();
});

describe('the API’s tokens', () => {
  it('lists every route of the server in the OpenAPI document, the required ones included', () => {
    const documented = new Set(operations());
    const served = h.api.routes
      .filter((r) => r.method !== 'HEAD' && r.url !== '/' && r.url !== '/*')
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(served.length).toBeGreaterThan(25);
    for (const route of served) expect(documented, `${route} is served but not documented`).toContain(route);
    for (const route of REQUIRED) expect(documented, `${route} is required`).toContain(route);
  });

  it('refuses every documented route without a token or with a wrong one (401)', async () => {
    for (const op of operations()) {
      const [method, path] = op.split(' ') as [string, string];
      for (const headers of [{}, { authorization: 'Bearer not-the-token' }, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }]) {
        const res = await h.api.app.inject({ method: method as 'GET', url: urlOf(path), headers, ...(method === 'GET' ? {} : { payload: {} }) });
        expect(res.statusCode, `${op} with ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json().error).toMatch(/token/);
      }
    }
  });

  it('refuses the read token on every change (403) and lets it read', async () => {
    let changes = 0;
    for (const op of operations()) {
      const [method, path] = op.split(' ') as [string, string];
      if (method === 'GET') {
        if (path === '/api/v1/events') continue; // a stream that never ends: tested in sse.test.ts
        const res = await h.api.app.inject({ method: 'GET', url: urlOf(path), headers: asReader });
        expect([401, 403], `${op} with the read token`).not.toContain(res.statusCode);
        continue;
      }
      changes++;
      const res = await h.api.app.inject({ method: method as 'POST', url: urlOf(path), headers: asReader, payload: {} });
      expect(res.statusCode, `${op} with the read token`).toBe(403);
    }
    expect(changes).toBeGreaterThanOrEqual(12);
  });

  it('lets the change token change, and shows no token in any answer', async () => {
    const halted = await h.api.app.inject({ method: 'POST', url: '/api/v1/halt', headers: asChange, payload: { level: 'entries', reason: 'test' } });
    expect(halted.statusCode).toBe(200);
    expect(halted.json()).toMatchObject({ level: 'entries' });
    // Every documented read, and the refusals (which never echo what was presented).
    const reads = operations()
      .filter((op) => op.startsWith('GET ') && op !== 'GET /api/v1/events')
      .map((op) => urlOf(op.slice(4)));
    expect(reads.length).toBeGreaterThan(15);
    for (const url of reads) {
      const body = (await h.api.app.inject({ method: 'GET', url, headers: asChange })).body;
      expect(body, url).not.toContain('change-token');
      expect(body, url).not.toContain('read-token');
    }
    for (const headers of [asReader, { authorization: 'Bearer change-token-guess' }]) {
      const refused = await h.api.app.inject({ method: 'POST', url: '/api/v1/resume', headers });
      expect(refused.body).not.toContain('token-0123456789');
      expect(refused.body).not.toContain('change-token-guess');
    }
  });

  it('cannot be passed by spelling a path in percent-escapes or leaving the route', async () => {
    for (const url of ['/%61pi/v1/status', '/api/v1/%73tatus', '/m%65trics', '/%6Detrics', '/api/v1/crews/sma%2Dbtc', '/api/v1/nothing', '/api/v1/status/']) {
      expect((await h.api.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
    const escaped = await h.api.app.inject({ method: 'POST', url: '/%61pi/v1/halt', headers: asReader, payload: { level: 'flatten' } });
    expect(escaped.statusCode).toBe(403);
  });

  it('serves the dashboard’s page without a token', async () => {
    const res = await h.api.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
