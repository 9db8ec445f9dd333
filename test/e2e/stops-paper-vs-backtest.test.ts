// Backtests model the same orders: a crew whose stop-loss and trailing stop rest on the exchange, run by
// the backtester and by the real `crewdesk start` paper-trading the same candles (a local replay), makes
// the same fills — the stops included, filled inside the candle where the price went through them.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { CANDLE_FILES, candleDir, candlePath } from '../data/candle-fixtures.ts';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

// The synthetic stand-in (no ../shared) moves less than Q1 2021's BTC did: tighter stops, so they still fire.
const PARAMS = candleDir().real ? { fast: 10, slow: 30, stopLossPct: 2, trailingStopPct: 4 } : { fast: 10, slow: 30, stopLossPct: 0.5, trailingStopPct: 1 };
/** The backtester's risk limits (NON_INTERFERING_RISK), within the config's bounds: nothing but the crew decides. */
const RISK = {
  maxPositionFraction: 1,
  maxPositionQuote: 1e15,
  maxTotalExposureQuote: 1e15,
  maxCrewDrawdownPct: 100,
  maxTotalDrawdownPct: 100,
  dailyLossLimitQuote: 1e15,
  maxOrdersPerMinutePerCrew: 1_000_000,
  maxOrdersPerMinute: 1_000_000,
  stopLossCooldownMinutes: 0,
};

let desk: DeskProcess | undefined;
const data = mkdtempSync(join(tmpdir(), 'crewdesk-stops-candles-'));
afterAll(async () => {
  await desk?.dispose();
  rmSync(data, { recursive: true, force: true });
});

describe('stops on the exchange: a backtest and a paper run make the same fills', () => {
  it('runs sma-cross with a stop-loss and a trailing stop both ways over BTCUSDT 1h, Q1 2021', async () => {
    // One file, so the replay and the backtest read exactly the same candles.
    copyFileSync(candlePath('btc1h'), join(data, CANDLE_FILES.btc1h.name));
    const backtest = await runBacktest({
      crew: 'sma-cross',
      symbol: 'BTCUSDT',
      interval: '1h',
      data: [data],
      params: PARAMS,
      cash: 10_000,
      feeBps: 10,
      slippageBps: 0,
      // The config's bound (a position of at most the crew's capital) in both runs.
      risk: { maxPositionFraction: 1 },
    });

    desk = await startDeskProcess({
      console: true,
      config: {
        mode: 'paper',
        paper: { feeBps: 10, slippageBps: 0, balances: { USDT: '10000' } },
        replay: { data, speed: 100_000_000 },
        risk: RISK,
        console: { level: 'quiet' },
        teams: [{ name: 'solo', capital: '10000', crews: [{ id: 'sma-stops', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', params: PARAMS }] }],
      },
    });
    await desk.printed('crewdesk: the market data ended.', 240_000);
    // At the end of its data the desk shuts down by itself (summary, journal closed).
    const child = desk.child;
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (c) => resolve(c))));
    expect(code, desk.stdout()).toBe(0);

    const journal = await SqliteJournal.open(join(desk.dir, 'journal.sqlite'), { readonly: true });
    try {
      const fills = await journal.getFills({ crewId: 'sma-stops' });
      const orders = new Map((await journal.getOrders({ crewId: 'sma-stops' })).map((o) => [o.clientOrderId, o] as const));
      const paper = [...fills]
        .sort((a, b) => a.time - b.time || Number(a.tradeId) - Number(b.tradeId))
        .map((f) => ({ time: f.time, side: f.side, price: f.price.toNumber(), qty: f.quantity.toNumber(), fee: f.fee.toNumber() }));
      const stopFills = fills.filter((f) => orders.get(f.clientOrderId)?.purpose === 'protective');
      console.info(`stops parity: ${backtest.fills.length} backtest fills, ${paper.length} paper fills, ${stopFills.length} by a protective stop`);
      // The stops did their work on these candles, inside the candle (not at a later open).
      expect(stopFills.length).toBeGreaterThan(3);
      expect(paper).toEqual(backtest.fills.map((f) => ({ time: f.time, side: f.side, price: f.price, qty: f.qty, fee: f.fee })));
    } finally {
      await journal.close();
    }
  }, 420_000);
});
