// `crewdesk emulator` as a child process: its first stdout line is the base URL, the admin HTTP
// API drives it, the credentials come from the environment and are printed nowhere, and it
// stops cleanly on SIGTERM.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBalances } from '../../src/app/emulator-cli.ts';
import { API_KEY, API_SECRET, signedFetch } from './harness.ts';

const RUNNER = new URL('./fixtures/run-emulator.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], {
    env: { ...process.env, BINANCE_API_KEY: '', BINANCE_API_SECRET: '', ...env },
    stdio: 'pipe',
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return { status: response.status, json: await response.json() };
}

describe('crewdesk emulator (child process)', () => {
  let child: ChildProcessWithoutNullStreams;
  let url: string;
  let output = '';

  beforeAll(async () => {
    child = run(['--port', '0', '--speed', '0', '--balances', 'USDT=500,BTC=0.5', '--history', '50'], {
      BINANCE_API_KEY: API_KEY,
      BINANCE_API_SECRET: API_SECRET,
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    lines.close();
    url = first;
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('prints its base URL first and serves the synthetic market with the given balances', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const state = (await (await fetch(`${url}/__admin/state`)).json()) as any;
    expect(state.balances).toEqual([
      { asset: 'BTC', free: '0.50000000', locked: '0.00000000' },
      { asset: 'USDT', free: '500.00000000', locked: '0.00000000' },
    ]);
    expect(state.replay.symbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    const klines = (await (await fetch(`${url}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1000`)).json()) as unknown[];
    expect(klines).toHaveLength(50);
  });

  it('takes its credentials from the environment and prints neither', async () => {
    expect((await signedFetch(url, 'GET', '/api/v3/account', {})).status).toBe(200);
    expect(output).not.toContain(API_SECRET);
    expect(output).not.toContain(API_KEY);
  });

  it('is driven over the admin API: knobs (validated), steps, disconnects, and the state to compare a journal with', async () => {
    const knobs = await post(`${url}/__admin/knobs`, { fail5xx: 1, enableWithdrawals: true });
    expect(knobs.json).toMatchObject({ fail5xx: 1, enableWithdrawals: true, latencyMs: 0 });
    expect((await fetch(`${url}/api/v3/ping`)).status).toBe(503);
    expect((await fetch(`${url}/api/v3/ping`)).status).toBe(200);

    const typo = await post(`${url}/__admin/knobs`, { latency: 5 });
    expect(typo.status).toBe(400);
    expect(typo.json.error).toMatch(/latency/);

    const step = await post(`${url}/__admin/step`, { candles: 2 });
    expect(step.json.closed).toHaveLength(4);
    const tick = await post(`${url}/__admin/tick`, {});
    expect(tick.json).toEqual({ played: true });
    expect((await post(`${url}/__admin/disconnect`, {})).json).toEqual({ closed: 0 });

    const order = await signedFetch(url, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.01' });
    expect(order.body).toMatchObject({ status: 'FILLED' });
    const state = (await (await fetch(`${url}/__admin/state`)).json()) as any;
    expect(state.orders).toHaveLength(1);
    expect(state.trades).toEqual([expect.objectContaining({ orderId: (order.body as any).orderId, qty: '0.01000000', isBuyer: false })]);
    expect(state.balances.find((b: any) => b.asset === 'BTC').free).toBe('0.49000000');
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});

describe('crewdesk emulator arguments', () => {
  it('refuses to start without credentials', async () => {
    const child = run(['--speed', '0'], {});
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toMatch(/BINANCE_API_KEY/);
  });

  it('parses --balances as ASSET=AMOUNT pairs', () => {
    expect(parseBalances('USDT=10000,BTC=0')).toEqual({ USDT: '10000', BTC: '0' });
    expect(() => parseBalances('USDT:10')).toThrow(/ASSET=AMOUNT/);
  });
});
