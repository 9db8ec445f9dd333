// Look-ahead is impossible by construction: a crew sees each candle as it closes and nothing
// after it, however it tries — through its context, a context it held on to, or a callback that
// runs after its handler returned — and what it decides at candle t fills at candle t+1's open.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run.ts';
import { candlePath, KNOWN_GAPS } from '../data/candle-fixtures.ts';
import { tempDir, writeCrewModule } from '../support/desk-harness.ts';

const HOUR = 3_600_000;
const BUY_AT = Date.UTC(2021, 0, 10, 0); // a plain hour
const SELL_AT = KNOWN_GAPS[0].after; // 2021-02-11 03:00: the next candle in the file is 05:00

interface Peek {
  /** The candle the handler was called for. */
  readonly now: number;
  /** The latest open time of any candle the handler could reach. */
  readonly latest: number;
  readonly warmingUp: boolean;
}

interface Spy {
  calls: Peek[];
  held: { candle: { openTime: number } } | null;
  /** Candles read from a held context by microtasks that ran after the handler returned. */
  stash: { openTime: number }[];
}

// The crew under test: at every call it searches everything it can reach for a later candle.
const PEEKER = `
const spy = (globalThis.__crewdeskLookahead ??= { calls: [], held: null, stash: [] });

function latestIn(value, seen = new Set(), depth = 0) {
  if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8) return -Infinity;
  seen.add(value);
  let latest = typeof value.openTime === 'number' ? value.openTime : -Infinity;
  for (const key of Reflect.ownKeys(value)) {
    let child;
    try { child = value[key]; } catch { continue; }
    latest = Math.max(latest, latestIn(child, seen, depth + 1));
  }
  return latest;
}

export default defineCrew({
  name: 'peeker',
  description: 'Tries every way it has to read a later candle; trades at two planned times.',
  params: z.object({
    buyAt: z.number().int().min(0).max(1e13).default(0).describe('Buy on the candle opening at this time.'),
    sellAt: z.number().int().min(0).max(1e13).default(0).describe('Sell on the candle opening at this time.'),
    from: z.number().int().min(0).max(1e13).default(0).describe('Where trading starts (earlier calls are warm-up).'),
  }),
  indicators: () => ({ history: [] }),
  warmup: () => 24,
  onCandle: (ctx) => {
    const now = ctx.candle.openTime;
    ctx.indicators.history.push(ctx.candle);
    if (ctx.indicators.history.length > 48) ctx.indicators.history.shift();
    let latest = latestIn(ctx);
    if (spy.held !== null) latest = Math.max(latest, latestIn(spy.held));
    for (const candle of spy.stash) latest = Math.max(latest, candle.openTime);
    spy.calls.push({ now, latest, warmingUp: now < ctx.params.from });
    spy.held = ctx;
    queueMicrotask(() => spy.stash.push(spy.held.candle));
    setTimeout(() => spy.stash.push(spy.held.candle), 0);
    if (now === ctx.params.buyAt) return { action: 'buy', size: 1, reason: 'planned buy' };
    if (now === ctx.params.sellAt && ctx.position.isLong) return { action: 'sell', size: 1, reason: 'planned sell' };
    return { action: 'hold' };
  },
});
`;

describe('look-ahead', () => {
  let dir: string;
  let spy: Spy;
  let result: Awaited<ReturnType<typeof runBacktest>>;
  const from = Date.UTC(2021, 0, 5);

  beforeAll(async () => {
    dir = tempDir('crewdesk-lookahead-');
    writeCrewModule(dir, 'peeker', PEEKER);
    result = await runBacktest({
      crew: 'peeker',
      symbol: 'BTCUSDT',
      interval: '1h',
      data: [candlePath('btc1h')],
      from,
      params: { buyAt: BUY_AT, sellAt: SELL_AT, from },
      crewDirs: [dir],
    });
    spy = (globalThis as { __crewdeskLookahead?: Spy }).__crewdeskLookahead!;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    delete (globalThis as { __crewdeskLookahead?: Spy }).__crewdeskLookahead;
  });

  it('never lets the handler reach a candle later than the one that just closed', () => {
    // 24 warm-up candles before --from, then every candle from --from to the end of the file.
    expect(spy.calls.filter((c) => c.warmingUp)).toHaveLength(24);
    expect(spy.calls.length).toBe(24 + result.span.candles);
    for (const call of spy.calls) {
      expect(call.latest, `at ${new Date(call.now).toISOString()}`).toBeLessThanOrEqual(call.now);
    }
    // The handler did look: through its context at every call, through held contexts and callbacks.
    expect(spy.calls.every((c) => c.latest === c.now)).toBe(true);
    expect(spy.stash.length).toBeGreaterThan(spy.calls.length / 2);
  });

  it('sees the candles in order, one call per candle, the warm-up ending just before --from', () => {
    const times = spy.calls.map((c) => c.now);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    expect(times[23]).toBe(from - HOUR);
    expect(times[24]).toBe(from);
  });

  it('fills a signal given at candle t at the open of the next candle, across a gap too', async () => {
    const { readCandlesSync } = await import('../../src/market/csv-candles.ts');
    const candles = [...readCandlesSync(candlePath('btc1h'))];
    const next = (t: number) => candles[candles.findIndex((c) => c.openTime === t) + 1]!;
    expect(next(BUY_AT).openTime).toBe(BUY_AT + HOUR);
    expect(next(SELL_AT).openTime).toBe(SELL_AT + 2 * HOUR); // 04:00 is missing from the file
    expect(result.fills.map((f) => [f.side, f.time, f.price])).toEqual([
      ['BUY', next(BUY_AT).openTime, next(BUY_AT).open],
      ['SELL', next(SELL_AT).openTime, next(SELL_AT).open],
    ]);
  });
});
