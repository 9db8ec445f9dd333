// Where and how much: a host reachable from other machines is refused without a token, loopback is
// not; requests past the rate limit get 429, a wrong token's included (no guessing at speed); a
// desk with no token configured refuses every protected route and says how to set one; the
// dashboard's files need no token.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/api/auth.ts';
import { buildApi, startApi } from '../../src/api/server.ts';
import { apiConfigSchema, apiTokensFrom } from '../../src/config/api.ts';
import { type ApiHarness, asReader, openApiHarness } from './api-harness.ts';

let h: ApiHarness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('the API’s security', () => {
  it('refuses to listen beyond loopback without a token, naming the variable', async () => {
    h = await openApiHarness();
    const options = { services: { desk: h.service }, bus: h.harness.desk.bus, metrics: h.metrics, tokens: { change: null, read: null } };
    await expect(startApi({ ...options, config: apiConfigSchema.parse({ host: '0.0.0.0', port: 0 }) })).rejects.toThrow(
      /api\.host is 0\.0\.0\.0.*CREWDESK_API_TOKEN/,
    );
    const local = await startApi({ ...options, config: apiConfigSchema.parse({ host: '127.0.0.1', port: 0 }) });
    expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(`${local.url}api/v1/status`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toContain('set CREWDESK_API_TOKEN');
    await local.close();
  }, 60_000);

  it('refuses tokens from the environment that are short, two words, or the same for reading and changing, naming the variable', () => {
    const good = 'a'.repeat(16);
    expect(apiTokensFrom({ CREWDESK_API_TOKEN: ` ${good} `, CREWDESK_API_READ_TOKEN: '' })).toEqual({ change: good, read: null });
    expect(() => apiTokensFrom({ CREWDESK_API_TOKEN: 'secret' })).toThrow(/CREWDESK_API_TOKEN is 6 characters long: use at least 16/);
    expect(() => apiTokensFrom({ CREWDESK_API_READ_TOKEN: 'two words of reading' })).toThrow(/CREWDESK_API_READ_TOKEN has a space inside/);
    expect(() => apiTokensFrom({ CREWDESK_API_TOKEN: good, CREWDESK_API_READ_TOKEN: good })).toThrow(/READ_TOKEN is the same as CREWDESK_API_TOKEN/);
  });

  it('gives a page on another origin nothing: its preflight is refused and no answer allows it', async () => {
    h = await openApiHarness();
    const origin = { origin: 'https://evil.example' };
    const preflight = await h.api.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/halt',
      headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.statusCode).toBe(401);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    // A form post (no preflight, no header, no cookie) changes nothing either.
    const form = await h.api.app.inject({
      method: 'POST',
      url: '/api/v1/halt',
      headers: { ...origin, 'content-type': 'text/plain' },
      payload: 'level=flatten',
    });
    expect(form.statusCode).toBe(401);
    expect(form.headers['set-cookie']).toBeUndefined();
    expect(h.harness.desk.engine.halt.level).not.toBe('flatten');
  }, 60_000);

  it('answers a failing route with a bare 500 and logs the failure for the owner', async () => {
    h = await openApiHarness();
    const logged: { obj: { err?: Error; route?: string }; msg: string }[] = [];
    const api = await buildApi({
      services: {
        desk: h.service,
        manager: {
          usage: () => {
            throw new Error('usage store at /secret/path broke');
          },
        } as never,
      },
      bus: h.harness.desk.bus,
      metrics: h.metrics,
      tokens: { change: 'x'.repeat(24), read: null },
      config: apiConfigSchema.parse({ port: 0 }),
      log: { error: ((obj: { err?: Error; route?: string }, msg: string) => logged.push({ obj, msg })) as never },
    });
    try {
      const res = await api.app.inject({ method: 'GET', url: '/api/v1/llm/usage', headers: { authorization: `Bearer ${'x'.repeat(24)}` } });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: 'internal error' });
      expect(logged).toHaveLength(1);
      expect(logged[0]!.obj.route).toBe('GET /api/v1/llm/usage');
      expect(logged[0]!.obj.err?.message).toContain('usage store');
    } finally {
      await api.close();
    }
  }, 60_000);

  it('keeps the desk’s secrets out of every answer and every streamed fact', async () => {
    h = await openApiHarness();
    const exchangeSecret = 'binance-secret-5f2c9a71d0';
    const token = 'change-token-for-the-scrub-test';
    const api = await buildApi({
      services: { desk: h.service },
      bus: h.harness.desk.bus,
      metrics: h.metrics,
      tokens: { change: token, read: null },
      config: apiConfigSchema.parse({ port: 0 }),
      secrets: [exchangeSecret],
    });
    try {
      const auth = { authorization: `Bearer ${token}` };
      // A halt reason that quotes them (as a pasted error text might): stored as given, never shown.
      const reason = `exchange said: bad key ${exchangeSecret}; tried ${token}`;
      expect((await api.app.inject({ method: 'POST', url: '/api/v1/halt', headers: auth, payload: { level: 'entries', reason } })).statusCode).toBe(200);
      h.harness.desk.bus.publish({ type: 'error', source: 'exchange', message: `request failed: apiKey=${exchangeSecret}`, at: 0 });
      for (const url of ['/api/v1/status', '/api/v1/audit', '/api/v1/risk/events']) {
        const body = (await api.app.inject({ method: 'GET', url, headers: auth })).body;
        expect(body, url).not.toContain(exchangeSecret);
        expect(body, url).not.toContain(token);
      }
      expect((await api.app.inject({ method: 'GET', url: '/api/v1/status', headers: auth })).json().halt.reason).toBe(
        'exchange said: bad key [redacted]; tried [redacted]',
      );
      await api.app.listen({ host: '127.0.0.1', port: 0 });
      const address = api.app.server.address();
      const controller = new AbortController();
      const res = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/events`, {
        headers: { ...auth, 'last-event-id': '0' },
        signal: controller.signal,
      });
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk, { stream: true });
        if (text.includes('request failed')) break;
      }
      controller.abort();
      expect(text).toContain('event: halt');
      expect(text).toContain('request failed: apiKey=[redacted]');
      expect(text).not.toContain(exchangeSecret);
      expect(text).not.toContain(token);
    } finally {
      await api.close();
    }
  }, 60_000);

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'desk.example.com']) expect(isLoopback(host), host).toBe(false);
  });

  it('limits the rate per token, a wrong one included', async () => {
    h = await openApiHarness({ config: { rateLimitPerMinute: 3 } });
    const statuses = async (headers: Record<string, string>) => {
      const out: number[] = [];
      for (let i = 0; i < 5; i++) out.push((await h!.api.app.inject({ method: 'GET', url: '/api/v1/status', headers })).statusCode);
      return out;
    };
    expect(await statuses({ authorization: 'Bearer guess' })).toEqual([401, 401, 401, 429, 429]);
    expect(await statuses(asReader)).toEqual([200, 200, 200, 429, 429]);
    const limited = await h.api.app.inject({ method: 'GET', url: '/api/v1/status', headers: asReader });
    expect(limited.json().error).toMatch(/rate limit: at most 3 requests a minute/);
  }, 60_000);

  it('counts wrong tokens by address: a new guess each time is no new allowance', async () => {
    h = await openApiHarness({ config: { rateLimitPerMinute: 3 } });
    const out: number[] = [];
    for (let i = 0; i < 5; i++)
      out.push((await h.api.app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer guess-${i}` } })).statusCode);
    expect(out).toEqual([401, 401, 401, 429, 429]);
  }, 60_000);
});

describe('the dashboard’s files', () => {
  it('are served from the web folder without a token, while the API beside them still needs one', async () => {
    const web = mkdtempSync(join(tmpdir(), 'crewdesk-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>dashboard</title>');
    writeFileSync(join(web, 'app.js'), 'export {};');
    h = await openApiHarness();
    const api = await buildApi({
      services: { desk: h.service },
      bus: h.harness.desk.bus,
      metrics: h.metrics,
      tokens: { change: 'x'.repeat(24), read: null },
      config: apiConfigSchema.parse({ port: 0 }),
      webDir: web,
    });
    try {
      const page = await api.app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<title>dashboard</title>');
      expect((await api.app.inject({ method: 'GET', url: '/app.js' })).statusCode).toBe(200);
      expect((await api.app.inject({ method: 'GET', url: '/api/v1/status' })).statusCode).toBe(401);
      expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      // No page elsewhere may frame the dashboard (its halt button) nor run scripts from elsewhere in it.
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      // The desk's figures are never kept in a cache, refusals included.
      const read = await api.app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer ${'x'.repeat(24)}` } });
      expect(read.statusCode).toBe(200);
      expect(read.headers['cache-control']).toBe('no-store');
      expect((await api.app.inject({ method: 'GET', url: '/api/v1/status' })).headers['cache-control']).toBe('no-store');
    } finally {
      await api.close();
      rmSync(web, { recursive: true, force: true });
    }
  }, 60_000);
});
