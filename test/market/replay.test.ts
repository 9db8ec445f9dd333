// The paced replay behind schedule: it never starves the event loop, waits while the desk's queues
// are over their bound, and says once that it lags. Conditions, not timings: the replay is asked
// for a speed no consumer can keep, and the test looks at what ran while it was consumed.
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../src/core/domain.ts';
import { PacedMarketData, type ReplayLag } from '../../src/market/replay.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { flatCandles } from '../support/desk-harness.ts';

const SUB = [{ symbol: 'BTCUSDT', interval: '1h' as const }];
/** A year of hourly candles: at 10^12× every one of them is already overdue. */
const YEAR = flatCandles(Array.from({ length: 8760 }, () => 100));

/** Work a crew-laden desk would do per candle: enough that the whole run spans many event-loop turns. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('a replay faster than the desk', () => {
  it('turns the event loop while behind schedule: a timer set at the start fires long before the last candle', async () => {
    const replay = new PacedMarketData(new ArrayMarketData(YEAR), 1e12);
    let timerFiredAt: number | null = null;
    let seen = 0;
    setTimeout(() => (timerFiredAt = seen), 0);
    for await (const _candle of replay.candles(SUB)) {
      seen++;
      busy(0.02);
    }
    expect(seen).toBe(YEAR.length);
    // Without turns the timer would only fire once every candle had been consumed.
    expect(timerFiredAt).not.toBeNull();
    expect(timerFiredAt!).toBeLessThan(YEAR.length / 2);
  });

  it('holds while a downstream queue is over its bound, and says once that it lags', async () => {
    let queue = 0;
    const lags: ReplayLag[] = [];
    let heldWhileOver = 0;
    const replay = new PacedMarketData(new ArrayMarketData(YEAR), 1e12, {
      overBound: () => {
        if (queue > 500) heldWhileOver++;
        return queue > 500;
      },
      onLag: (lag) => lags.push(lag),
      lagNoticeMs: 0,
    });
    // A notifier that digests 100 queued facts per event-loop turn.
    const digest = setInterval(() => (queue = Math.max(0, queue - 100)), 0);
    let maxQueue = 0;
    try {
      for await (const _candle of replay.candles(SUB) as AsyncIterable<Candle>) {
        queue += 3; // three facts per candle for the notifiers
        maxQueue = Math.max(maxQueue, queue);
        busy(0.01);
      }
    } finally {
      clearInterval(digest);
    }
    expect(heldWhileOver).toBeGreaterThan(0);
    // The queue never runs away: the producer stops at the bound (plus one stretch between turns).
    expect(maxQueue).toBeLessThan(5_000);
    expect(lags).toHaveLength(1);
    expect(lags[0]).toMatchObject({ phase: 'began', speed: 1e12 });
  });

  it('stops at once when aborted while it holds', async () => {
    const controller = new AbortController();
    const replay = new PacedMarketData(new ArrayMarketData(YEAR), 1e12, { overBound: () => true });
    let seen = 0;
    setTimeout(() => controller.abort(), 20);
    for await (const _candle of replay.candles(SUB, controller.signal)) {
      seen++;
      busy(0.05);
    }
    expect(seen).toBeLessThan(YEAR.length);
  });
});
