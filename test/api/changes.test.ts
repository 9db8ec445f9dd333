// Changes through the API go through the desk's services: refused with 400 naming the field (an
// unknown key, a value out of its bounds), 404 for a crew or proposal that is not there, and when
// made, audited with via "api" in the journal and seen in /status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, asChange, asReader, openApiHarness } from './api-harness.ts';

let h: ApiHarness;

beforeAll(async () => {
  h = await openApiHarness();
}, 60_000);

afterAll(async () => {
  await h?.dispose();
});

async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
  const res = await h.api.app.inject({
    method,
    url,
    headers: method === 'GET' ? asReader : asChange,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> & { error?: string } };
}

describe('changes through the API', () => {
  it('refuses a body with an unknown key, naming the key', async () => {
    const cases: [method: 'POST' | 'PUT', url: string, body: Record<string, unknown>, key: string][] = [
      ['POST', '/api/v1/halt', { level: 'entries', levle: 'x' }, 'levle'],
      ['POST', '/api/v1/resume', { force: true }, 'force'],
      ['PUT', '/api/v1/crews/sma-btc/params/fast', { value: 3, valeu: 4 }, 'valeu'],
      ['POST', '/api/v1/crews/sma-btc/allocate', { capital: '100', extra: 1 }, 'extra'],
      ['POST', '/api/v1/crews/sma-btc/pause', { reason: 'x', why: 'y' }, 'why'],
      ['POST', '/api/v1/crews', { team: 'alpha', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', capital: '10', colour: 'red' }, 'colour'],
      ['PUT', '/api/v1/risk/maxPositionFraction', { value: 0.5, unit: '%' }, 'unit'],
      ['POST', '/api/v1/backtests', { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', speed: 9 }, 'speed'],
    ];
    for (const [method, url, body, key] of cases) {
      const res = await call(method, url, body);
      expect(res.status, `${method} ${url}`).toBe(400);
      expect(res.body.error, `${method} ${url}`).toContain(`unknown key "${key}"`);
    }
  });

  it('refuses an unknown query key and a malformed value, naming the field', async () => {
    const unknown = await call('GET', '/api/v1/audit?limit=5&page=2');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('unknown key "page"');
    const tooMany = await call('GET', '/api/v1/audit?limit=100000');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatch(/querystring\.limit: .*500/);
    const level = await call('POST', '/api/v1/halt', { level: 'everything' });
    expect(level.status).toBe(400);
    expect(level.body.error).toMatch(/body\.level: .*entries.*cancel.*flatten/);
  });

  it('refuses a param outside its bounds, naming the param and the bounds, and changes nothing', async () => {
    const res = await call('PUT', '/api/v1/crews/rsi-btc/params/period', { value: 5000 });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('period = 5000 refused');
    expect(res.body.error).toContain('allowed 2 … 100');
    const crew = await call('GET', '/api/v1/crews/rsi-btc');
    expect((crew.body.params as { values: { period: number } }).values.period).toBe(14);
  });

  it('refuses a risk limit outside its bounds and an unknown limit, naming them', async () => {
    const over = await call('PUT', '/api/v1/risk/maxPositionFraction', { value: 2 });
    expect(over.status).toBe(400);
    expect(over.body.error).toMatch(/maxPositionFraction = 2 refused.*<=1/);
    const unknown = await call('PUT', '/api/v1/risk/maxLeverage', { value: 2 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('params.name');
  });

  it('answers 404 for a crew or a proposal that is not there', async () => {
    expect((await call('GET', '/api/v1/crews/nobody')).status).toBe(404);
    const pause = await call('POST', '/api/v1/crews/nobody/pause', {});
    expect(pause.status).toBe(404);
    expect(pause.body.error).toContain('no crew "nobody" (crews: sma-btc, rsi-btc)');
    expect((await call('POST', '/api/v1/proposals/p-1/approve', {})).status).toBe(404);
    expect((await call('GET', '/api/v1/backtests/bt-none')).status).toBe(404);
  });

  it('sets a param within its bounds, audited via api', async () => {
    const res = await call('PUT', '/api/v1/crews/rsi-btc/params/period', { value: 21 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ from: 14, to: 21 });
    const audit = await h.harness.desk.journal.getAudit({ limit: 1 });
    expect(audit[0]).toMatchObject({ actor: 'api', via: 'api', action: 'crew.set', detail: { crew: 'rsi-btc', param: 'period', from: 14, to: 21 } });
  });

  it('halts: /status shows it, the journal audits it via api, and the audit route pages back', async () => {
    const res = await call('POST', '/api/v1/halt', { level: 'cancel', reason: 'api test' });
    expect(res.status).toBe(200);
    expect(h.service.status().halt).toMatchObject({ level: 'cancel', reason: 'api test', actor: 'api' });
    const status = await call('GET', '/api/v1/status');
    expect(status.body.halt).toMatchObject({ level: 'cancel' });
    expect(status.body.health).toMatchObject({ rssMb: expect.any(Number), eventLoopLagP99Ms: expect.any(Number) });
    const [row] = await h.harness.desk.journal.getAudit({ limit: 1 });
    expect(row).toMatchObject({ actor: 'api', via: 'api', action: 'halt:cancel' });
    const page1 = (await call('GET', '/api/v1/audit?limit=1')).body as unknown as { seq: number; action: string }[];
    expect(page1[0]!.action).toBe('halt:cancel');
    const page2 = (await call('GET', `/api/v1/audit?limit=1&before=${page1[0]!.seq}`)).body as unknown as { seq: number; action: string }[];
    expect(page2[0]!.action).toBe('crew.set');
    const resumed = await call('POST', '/api/v1/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.message).toMatch(/trading resumed/);
    const again = await call('POST', '/api/v1/resume', {});
    expect(again).toEqual({ status: 400, body: { error: 'trading is not halted' } });
  });

  it('audits every kind of change via api, each through the desk service', async () => {
    const changes: [method: 'POST' | 'PUT', url: string, body: unknown, action: RegExp][] = [
      ['POST', '/api/v1/crews/sma-btc/pause', { reason: 'audit test' }, /pause/],
      ['POST', '/api/v1/crews/sma-btc/resume', {}, /resume/],
      ['POST', '/api/v1/crews/sma-btc/allocate', { capital: '2500' }, /alloc/],
      ['PUT', '/api/v1/risk/maxCrewDrawdownPct', { value: 20 }, /risk/],
      ['POST', '/api/v1/crews', { team: 'alpha', id: 'sma-eth', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', capital: '500' }, /spawn/],
      ['POST', '/api/v1/crews/sma-eth/stop', {}, /stop/],
    ];
    for (const [method, url, body, action] of changes) {
      const res = await call(method, url, body);
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(200);
      const [row] = await h.harness.desk.journal.getAudit({ limit: 1 });
      expect(row, `${method} ${url}`).toMatchObject({ actor: 'api', via: 'api', action: expect.stringMatching(action) });
    }
  });

  it('reads the equity of a scope over a range, and refuses an unknown scope', async () => {
    expect((await call('GET', '/api/v1/equity?scope=crew:rsi-btc&from=0')).status).toBe(200);
    const bad = await call('GET', '/api/v1/equity?scope=team:nobody');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('no equity scope "team:nobody"');
  });
});
