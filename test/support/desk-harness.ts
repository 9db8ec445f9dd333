// Builds a real desk for tests: a SQLite journal file in a fresh temp dir, the paper exchange,
// a candle clock, the real crews. Nothing is mocked.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Desk } from '../../src/desk/desk.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Candle, Interval } from '../../src/core/domain.ts';
import type { EngineEvent } from '../../src/core/events.ts';
import { defaultFilters } from '../../src/core/filters.ts';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { ManualClock } from '../../src/ports/clock.ts';

export interface TestCrew {
  id: string;
  crew: string;
  symbol?: string;
  interval?: Interval;
  params?: Record<string, unknown>;
  capital?: string;
  venue?: 'paper' | 'exchange';
}

export interface HarnessOptions {
  crews: TestCrew[];
  cash?: string;
  feeBps?: number;
  slippageBps?: number;
  risk?: Record<string, unknown>;
  dir?: string;
  teams?: { name: string; capital: string; crews: TestCrew[] }[];
  equitySnapshotMinutes?: number;
  crewDirs?: string[];
  /** The config's `stops:` section (protective stops on the exchange; default on). */
  stops?: Record<string, unknown>;
  /** Two venues, as a testnet desk has them: a paper exchange beside the "exchange" (another paper exchange, named `stand-in`, standing in for Binance). */
  twoVenues?: boolean;
  /** The config's `promotion:` block. */
  promotion?: Record<string, unknown>;
}

export interface Harness {
  desk: Desk;
  exchange: PaperExchange;
  clock: ManualClock;
  events: EngineEvent[];
  dir: string;
  journalFile: string;
  /** Closes the desk (journal flushed); keeps the directory for a reopen. */
  close(): Promise<void>;
  /** Closes and removes the directory. */
  dispose(): Promise<void>;
}

/** Writes a crew module into `dir` (imports resolved to this repo by absolute URL). */
export function writeCrewModule(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const template = pathToFileURL(join(REPO, 'src/crew/template.ts')).href;
  const zod = pathToFileURL(join(REPO, 'node_modules/zod/index.js')).href;
  // .mts: always ESM, even in a folder outside any package (a temp dir), under tsx and vitest alike.
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, `import { defineCrew } from '${template}';\nimport { z } from '${zod}';\n${body}\n`);
  return file;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export function tempDir(prefix = 'crewdesk-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function openHarness(options: HarnessOptions): Promise<Harness> {
  const dir = options.dir ?? tempDir();
  const journalFile = join(dir, 'journal.sqlite');
  const cash = options.cash ?? '10000';
  const fillIn = (c: TestCrew) => ({ symbol: 'BTCUSDT', interval: '1h', ...c });
  const teams = options.teams?.map((t) => ({ ...t, crews: t.crews.map(fillIn) })) ?? [{ name: 'test', capital: cash, crews: options.crews.map(fillIn) }];
  const config = parseConfig(
    {
      journal: journalFile,
      paper: { feeBps: options.feeBps ?? 10, slippageBps: options.slippageBps ?? 0, balances: { USDT: '1000000' } },
      equitySnapshotMinutes: options.equitySnapshotMinutes ?? 60,
      crewDirs: options.crewDirs ?? [],
      ...(options.risk ? { risk: options.risk } : {}),
      ...(options.stops ? { stops: options.stops } : {}),
      ...(options.promotion ? { promotion: options.promotion } : {}),
      teams,
    },
    'test config',
  );
  const clock = new ManualClock(0);
  const exchange = new PaperExchange({
    balances: { USDT: '1000000' },
    feeBps: options.feeBps ?? 10,
    slippageBps: options.slippageBps ?? 0,
    filters: (symbol) => defaultFilters(symbol),
    clock,
  });
  const paperVenue = options.twoVenues
    ? new PaperExchange({
        balances: { USDT: '1000000' },
        feeBps: options.feeBps ?? 10,
        slippageBps: options.slippageBps ?? 0,
        filters: (s) => defaultFilters(s),
        clock,
      })
    : undefined;
  if (paperVenue) Object.assign(exchange, { name: 'stand-in' });
  const desk = await Desk.open({ config, exchange, ...(paperVenue ? { paperVenue } : {}), clock, log: silentLogger() });
  const events: EngineEvent[] = [];
  desk.bus.subscribe('test-recorder', (e) => {
    if (e.type !== 'candle') events.push(e);
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await desk.close();
  };
  return {
    desk,
    exchange,
    clock,
    events,
    dir,
    journalFile,
    close,
    dispose: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Hourly BTCUSDT candles from a list of [open, high, low, close]. */
export function candlesFrom(
  rows: readonly (readonly [number, number, number, number])[],
  start = Date.UTC(2024, 0, 1),
  interval: Interval = '1h',
  symbol = 'BTCUSDT',
): Candle[] {
  const step = interval === '1h' ? 3_600_000 : 60_000;
  return rows.map(([open, high, low, close], i) => ({
    symbol,
    interval,
    openTime: start + i * step,
    closeTime: start + (i + 1) * step - 1,
    open,
    high,
    low,
    close,
    volume: 1,
  }));
}

/** Candles whose open, high, low and close all equal the close (for hand-checked series). */
export function flatCandles(closes: readonly number[], opens?: readonly number[]): Candle[] {
  return candlesFrom(
    closes.map((c, i) => {
      const o = opens?.[i] ?? c;
      return [o, Math.max(o, c), Math.min(o, c), c] as const;
    }),
  );
}

/** A test crew: a market buy of half its cash on its first candle, then a resting limit bid 10 % under the close on its third. */
export const BIDDER_CREW = `export default defineCrew({
  name: 'buy-then-bid',
  description: 'test crew: market buy half, then a resting limit bid',
  params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe('fraction') }),
  indicators: () => ({ n: 0 }),
  warmup: () => 0,
  onCandle(ctx) {
    ctx.indicators.n++;
    if (ctx.indicators.n === 1) return { action: 'buy', size: ctx.params.size, reason: 'first candle' };
    if (ctx.indicators.n === 3) return { action: 'buy', size: 0.5, reason: 'bid the dip', limitPrice: ctx.candle.close * 0.9 };
    return { action: 'hold' };
  },
});`;
