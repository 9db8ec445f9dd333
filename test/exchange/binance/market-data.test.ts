// Binance market data against the emulator: history by REST in pages, live closed candles from
// one combined stream in close-time order, and a disconnect healed by a REST backfill with no
// candle twice and none skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/core/domain.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { defaultKnobs } from '../../../src/emulator/knobs.ts';
import { BinanceMarketData } from '../../../src/market/binance-market-data.ts';
import type { CandleSubscription } from '../../../src/ports/market-data.ts';
import { T0, candles, emulatorWith, eventually, flat } from './support.ts';

const rising = (n: number, from: number) => Array.from({ length: n }, (_, i) => flat(from + i));
const BTC = candles('BTCUSDT', rising(60, 30_000));
const ETH = candles('ETHUSDT', rising(60, 2_000));
const BTC_1M: CandleSubscription = { symbol: 'BTCUSDT', interval: '1m' };
const ETH_1M: CandleSubscription = { symbol: 'ETHUSDT', interval: '1m' };

/** Runs a consumer of market.candles() in the background. */
function consume(market: BinanceMarketData, subs: readonly CandleSubscription[]) {
  const controller = new AbortController();
  const got: Candle[] = [];
  const done = (async () => {
    for await (const candle of market.candles(subs, controller.signal)) got.push(candle);
  })();
  return { got, stop: async () => (controller.abort(), await done) };
}

const ids = (list: readonly Candle[]) => list.map((c) => `${c.symbol}@${(c.openTime - T0) / 60_000}`);

describe('BinanceMarketData on the emulator', () => {
  let emulator: Emulator;
  let market: BinanceMarketData;
  beforeAll(async () => {
    emulator = await emulatorWith({ candles: [...BTC, ...ETH], history: 5 });
    market = new BinanceMarketData({ restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl, reconnectInitialMs: 100, gapRetryMs: 10 });
  });
  afterAll(() => emulator.close());

  it('history: closed candles before a time, oldest first; "up to now" it leaves the newest (maybe open) one to the stream', async () => {
    const past = await market.history(BTC_1M, 2, T0 + 4 * 60_000);
    expect(ids(past)).toEqual(['BTCUSDT@2', 'BTCUSDT@3']);
    expect(past[0]).toMatchObject({ interval: '1m', openTime: T0 + 120_000, closeTime: T0 + 179_999, close: 30_002 });

    const recent = await market.history(BTC_1M, 10, Date.now());
    expect(ids(recent)).toEqual(['BTCUSDT@0', 'BTCUSDT@1', 'BTCUSDT@2', 'BTCUSDT@3']);
  });

  it('live: only closed candles, every subscription on one connection, in close-time order — starting right after history', async () => {
    const { got, stop } = consume(market, [BTC_1M, ETH_1M, BTC_1M]);
    try {
      await eventually(() => emulator.connections().streams === 1 && emulator.connections().subscribers('ethusdt@kline_1m') === 1, 'one combined connection');
      emulator.tick();
      emulator.tick();
      emulator.tick();
      // Three of four ticks played: candle 5 is not closed, nothing is delivered (BTC's candle 4,
      // held back by history, is owed first and comes by REST once the stream shows candle 5).
      await eventually(() => got.length === 1, 'the candle history() left out');
      expect(ids(got)).toEqual(['BTCUSDT@4']);
      emulator.tick();
      emulator.step(2);
      await eventually(() => got.length === 7, 'three more candles of each symbol');
      expect(ids(got)).toEqual(['BTCUSDT@4', 'BTCUSDT@5', 'ETHUSDT@5', 'BTCUSDT@6', 'ETHUSDT@6', 'BTCUSDT@7', 'ETHUSDT@7']);
      expect(got[1]).toMatchObject({
        symbol: 'BTCUSDT',
        interval: '1m',
        openTime: T0 + 300_000,
        closeTime: T0 + 359_999,
        open: 30_005,
        close: 30_005,
        volume: 10,
      });
    } finally {
      await stop();
    }
    await eventually(() => emulator.connections().streams === 0, 'the connection closed when the consumer stopped');
  });

  it('a disconnect: reconnects, backfills the gap by REST, and delivers every candle once, in order', async () => {
    const { got, stop } = consume(market, [BTC_1M, ETH_1M]);
    try {
      await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'the stream');
      const before = emulator.step(2);
      await eventually(() => got.length === 4, 'two candles of each symbol');

      expect(emulator.disconnectWebSockets()).toBe(1);
      // Five candles close while nobody listens; a REST hiccup on the way back, too.
      const missed = emulator.step(5);
      emulator.setKnobs({ fail5xx: 2 });
      await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'the reconnection');
      // The newest missed candle may still have been open when REST was asked: it follows with the next one.
      await eventually(() => got.length === 4 + 8, 'the backfill');
      const after = emulator.step(2);
      await eventually(() => got.length === 4 + 10 + 4, 'the live candles after the gap');

      // Every candle once; in close-time order (the order among equal close times is not specified).
      const byTime = (list: readonly Candle[]) => [...list].sort((a, b) => a.closeTime - b.closeTime || a.symbol.localeCompare(b.symbol));
      expect(ids(byTime(got))).toEqual(ids(byTime([...before, ...missed, ...after])));
      expect(new Set(ids(got)).size).toBe(got.length);
      expect(got.every((c, i) => i === 0 || c.closeTime >= got[i - 1]!.closeTime)).toBe(true);
    } finally {
      emulator.setKnobs(defaultKnobs());
      await stop();
    }
  });
});

describe('history in pages', () => {
  it('walks back over more than one page of 1000', async () => {
    const emulator = await emulatorWith({ candles: candles('BTCUSDT', rising(2600, 100)), history: 2500 });
    try {
      const market = new BinanceMarketData({ restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl });
      const got = await market.history(BTC_1M, 2100, Date.now());
      expect(got).toHaveLength(2100);
      // Contiguous, and ending just before the newest kline listed (left to the stream).
      expect(got.every((c, i) => i === 0 || c.openTime - got[i - 1]!.openTime === 60_000)).toBe(true);
      expect(got.at(-1)!.openTime).toBe(T0 + 2498 * 60_000);
    } finally {
      await emulator.close();
    }
  });
});
