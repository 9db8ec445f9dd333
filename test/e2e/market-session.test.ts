// A crew spawned at run time gets its candles: the market session ends the running session and
// starts the next with the new subscription, going on after the last candle delivered; a market
// the source cannot serve is refused with the reason before anything is written.
import { afterEach, describe, expect, it } from 'vitest';
import { MarketSession, type MarketSource } from '../../src/desk/market-session.ts';
import type { Candle } from '../../src/core/domain.ts';
import type { CandleSubscription, MarketData } from '../../src/ports/market-data.ts';
import { DeskService } from '../../src/services/desk-service.ts';
import { OWNER } from '../chat/chat-harness.ts';
import { candlesFrom, type Harness, openHarness } from '../support/desk-harness.ts';

/** A feed the test pushes candles into; it ends when its session is stopped. */
class Feed implements MarketData {
  readonly description = 'test feed';
  private readonly queue: Candle[] = [];
  private wake: (() => void) | null = null;
  constructor(readonly subscriptions: string[]) {}
  push(candle: Candle): void {
    this.queue.push(candle);
    this.wake?.();
  }
  async *candles(_subs: readonly CandleSubscription[], signal?: AbortSignal): AsyncGenerator<Candle> {
    const stop = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    while (!signal?.aborted) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), stop]);
    }
  }
}

/** Waits for a condition (polling; the 30 s bound is a safety net, not an assertion about speed). */
async function eventually<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  const giveUp = Date.now() + 30_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > giveUp) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('the market session', () => {
  it('subscribes a spawned crew’s market, going on after the last candle; refuses a market it cannot serve', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', capital: '3000' }] });
    const feeds: { feed: Feed; after: number | undefined }[] = [];
    const source: MarketSource = {
      description: 'test',
      open: async (subs, after) => {
        const feed = new Feed(subs.map((s) => `${s.symbol} ${s.interval}`));
        feeds.push({ feed, after });
        return feed;
      },
      refusal: async (s) => (s.symbol === 'DOGEUSDT' ? 'the test source has no DOGE' : null),
    };
    const session = new MarketSession(h.desk.engine, source, () => h!.clock.now());
    h.desk.market = session;
    const service = new DeskService(h.desk);
    const stop = new AbortController();
    const running = session.run(stop.signal);

    const btc = candlesFrom([[100, 101, 99, 100]]);
    (await eventually(() => feeds[0], 'the first session')).feed.push(btc[0]!);
    await eventually(() => h!.desk.engine.crews.get('sma')!.candles === 1, 'sma getting its candle');
    expect(feeds[0]!.feed.subscriptions).toEqual(['BTCUSDT 1h']);

    const refused = await service.spawnCrew({ team: 'test', id: 'doge', crew: 'sma-cross', symbol: 'DOGEUSDT', interval: '1h', capital: '500' }, OWNER);
    expect(refused).toEqual({ ok: false, error: 'no candles for DOGEUSDT 1h: the test source has no DOGE' });
    expect((await h.desk.journal.getCrewInstances()).map((r) => r.id)).not.toContain('doge');
    expect(feeds).toHaveLength(1);

    const spawned = await service.spawnCrew({ team: 'test', id: 'eth', crew: 'sma-cross', symbol: 'ETHUSDT', interval: '1h', capital: '1000' }, OWNER);
    expect(spawned.ok).toBe(true);
    const next = await eventually(() => feeds[1], 'the next session');
    expect(next.feed.subscriptions).toEqual(['BTCUSDT 1h', 'ETHUSDT 1h']);
    expect(next.after).toBe(btc[0]!.closeTime);
    next.feed.push(candlesFrom([[2000, 2001, 1999, 2000]], Date.UTC(2024, 0, 1, 1), '1h', 'ETHUSDT')[0]!);
    await eventually(() => h!.desk.engine.crews.get('eth')!.candles === 1, 'eth getting its candle');

    stop.abort();
    await running;
  });

  it('shows a crew’s recent candles up to the last one delivered, from the source’s history; says so when the source keeps none', async () => {
    h = await openHarness({ crews: [{ id: 'sma', crew: 'sma-cross', capital: '3000' }] });
    const all = candlesFrom([
      [100, 101, 99, 100],
      [100, 102, 99, 101],
      [101, 103, 100, 102],
      [102, 104, 101, 103],
    ]);
    let feed: Feed | undefined;
    const asked: number[] = [];
    const source: MarketSource = {
      description: 'test',
      open: async () => (feed = new Feed([])),
      refusal: async () => null,
      history: async (_s, limit, before) => {
        asked.push(before);
        return all.filter((c) => c.closeTime < before).slice(-limit);
      },
    };
    const session = new MarketSession(h.desk.engine, source, () => h!.clock.now());
    h.desk.market = session;
    const service = new DeskService(h.desk);
    const stop = new AbortController();
    const running = session.run(stop.signal);
    (await eventually(() => feed, 'the session')).push(all[0]!);
    feed!.push(all[1]!);
    await eventually(() => h!.desk.engine.crews.get('sma')!.candles === 2, 'two candles delivered');

    const shown = await service.candles('sma', 10);
    expect(shown.ok && shown.value.candles.map((c) => c.close)).toEqual([100, 101]);
    expect(shown.ok && `${shown.value.symbol} ${shown.value.interval}`).toBe('BTCUSDT 1h');
    expect(await service.candles('nope')).toEqual({ ok: false, error: 'no crew "nope" (crews: sma)' });
    stop.abort();
    await running;

    const { history: _none, ...withoutHistory } = source;
    h.desk.market = new MarketSession(h.desk.engine, withoutHistory, () => h!.clock.now());
    const refused = await service.candles('sma');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toContain('keeps no candles of BTCUSDT 1h');
  });
});
