// The HTTP API in the real `crewdesk start` process (paper, local replay, the console): it prints
// where it listens and the sign-in link, refuses a request without the token, takes a halt through
// POST /api/v1/halt, and the console's /status agrees; the journal holds the audit row via api.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

const TOKEN = 'e2e-change-token-7f3a9c';
/** An exchange key in the environment (unused in paper): the API must never show it. */
const EXCHANGE_KEY = 'e2e-binance-key-0c4d8e2a';
let desk: DeskProcess;
let base: string;

beforeAll(async () => {
  desk = await startDeskProcess({
    console: true,
    // The embedded research pool, whatever this machine's environment says.
    env: { CREWDESK_API_TOKEN: TOKEN, BINANCE_API_KEY: EXCHANGE_KEY, REDIS_URL: '' },
    config: {
      mode: 'paper',
      replay: { speed: 3_600 },
      api: { port: 0 },
      teams: [{ name: 'alpha', capital: '3000', crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' }] }],
    },
  });
  await desk.printed(/crewdesk: API and dashboard on http:\/\/127\.0\.0\.1:\d+\//);
  base = /API and dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(desk.stdout())![1]!;
}, 120_000);

afterAll(async () => {
  await desk?.dispose();
});

describe('crewdesk start with the API on', () => {
  it('prints the URL and a sign-in link with the token in the fragment', () => {
    expect(desk.stdout()).toContain(`(sign in: ${base}#token=${TOKEN})`);
  });

  it('refuses a request without the token, answers one with it', async () => {
    expect((await fetch(`${base}api/v1/status`)).status).toBe(401);
    const res = await fetch(`${base}api/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mode: 'paper', halt: { level: 'none' }, crews: [{ id: 'sma-btc' }] });
  }, 60_000);

  it('shows no secret of the environment, even when a reason quotes one', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const paused = await fetch(`${base}api/v1/crews/sma-btc/pause`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: `key ${EXCHANGE_KEY}` }) });
    expect(paused.status).toBe(200);
    expect((await fetch(`${base}api/v1/crews/sma-btc/resume`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(200);
    const audit = await (await fetch(`${base}api/v1/audit?limit=5`, { headers: auth })).text();
    expect(audit).toContain('key [redacted]');
    expect(audit).not.toContain(EXCHANGE_KEY);
    expect(audit).not.toContain(TOKEN);
  }, 60_000);

  it('runs a parameter sweep through the API, the same service as /research: refusals name what is wrong', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const start = (body: Record<string, unknown>) => fetch(`${base}api/v1/research/sweeps`, { method: 'POST', headers, body: JSON.stringify(body) });
    const sweep = { module: 'sma-cross', symbol: 'btcusdt', interval: '1h', grid: 'fast=3..5,slow=20..30:10', from: '2021-01-01', to: '2021-01-31' };

    const unknownKey = await start({ ...sweep, speed: 2 });
    expect(unknownKey.status).toBe(400);
    expect(JSON.stringify(await unknownKey.json())).toContain('speed');
    const badGrid = await start({ ...sweep, grid: 'fast=3..5,speed=1' });
    expect(badGrid.status).toBe(400);
    expect(await badGrid.json()).toEqual({ error: expect.stringMatching(/crew sma-cross has no param "speed"/) });

    const started = await start(sweep);
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    expect(id).toMatch(/^s[0-9a-z]+-[0-9a-z]+$/);
    let done: Record<string, unknown> | undefined;
    for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      const view = (await (await fetch(`${base}api/v1/research/sweeps/${id}`, { headers })).json()) as Record<string, unknown>;
      if (view.state !== 'running') {
        done = view;
        break;
      }
    }
    expect(done).toMatchObject({ id, state: 'done', module: 'sma-cross', symbol: 'BTCUSDT', combinations: 6, by: 'api' });
    const listing = (await (await fetch(`${base}api/v1/research`, { headers })).json()) as { backend: string; sweeps: { id: string }[] };
    expect(listing.backend).toMatch(/embedded/);
    expect(listing.sweeps.map((s) => s.id)).toContain(id);
    const cancelDone = await fetch(`${base}api/v1/research/sweeps/${id}/cancel`, { method: 'POST', headers, body: '{}' });
    expect(cancelDone.status).toBe(400);
    expect(await cancelDone.json()).toEqual({ error: `sweep ${id} is already done` });
  }, 180_000);

  it('halts through the API; the console’s /status agrees and shows the health line', async () => {
    const res = await fetch(`${base}api/v1/halt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ level: 'entries', reason: 'e2e through the API' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ level: 'entries' });
    desk.type('/status');
    await desk.printed(/Halt: ENTRIES since [^\n]* by api: e2e through the API/i, 60_000);
    await desk.printed(/Health: event loop p50 [\d.]+ ms, p99 [\d.]+ ms · RSS [\d.]+ MB/, 60_000);
  }, 120_000);

  it('stops cleanly, and the journal holds the halt’s audit row via api', async () => {
    expect(await desk.stop()).toBe(0);
    const db = new Database(join(desk.dir, 'journal.sqlite'), { readonly: true });
    try {
      const rows = db.prepare("SELECT actor, via, action FROM audit WHERE via = 'api'").all();
      expect(rows).toContainEqual({ actor: 'api', via: 'api', action: 'halt:entries' });
      expect(rows).toContainEqual({ actor: 'api', via: 'api', action: 'research.sweep' });
    } finally {
      db.close();
    }
  }, 60_000);
});
