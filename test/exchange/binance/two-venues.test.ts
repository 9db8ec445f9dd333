// One desk, one market data feed, two venues side by side: a crew on the exchange (the real
// @binance/spot client against the emulator, as on the Spot testnet) and a crew on paper (the
// in-process paper exchange on the same candles). Each venue keeps its own balances and book;
// the halt stops entries on both; a restart checks only the exchange crew against the exchange.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { EngineEvent } from '../../../src/core/events.ts';
import { defaultFilters } from '../../../src/core/filters.ts';
import { dec, toText } from '../../../src/core/money.ts';
import { Desk } from '../../../src/desk/desk.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { PaperExchange } from '../../../src/exchange/paper/paper-exchange.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { BinanceMarketData } from '../../../src/market/binance-market-data.ts';
import { wallClock } from '../../../src/ports/clock.ts';
import { DeskService } from '../../../src/services/desk-service.ts';
import { tempDir, writeCrewModule } from '../../support/desk-harness.ts';
import { candles, connectTo, emulatorWith, eventually, flat } from './support.ts';

const BTC = candles(
  'BTCUSDT',
  Array.from({ length: 40 }, (_, i) => flat(30_000 + 10 * i)),
);

const FLIP = `export default defineCrew({
  name: 'flip',
  description: 'Buys when flat, sells when long: an order on every candle.',
  params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe('Fraction of cash per buy.') }),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ position, params }) => (position.isLong ? { action: 'sell', size: 1, reason: 'flip' } : { action: 'buy', size: params.size, reason: 'flip' }),
});`;

describe('a desk with one crew on the exchange (emulator) and one on paper', () => {
  let emulator: Emulator;
  let dir: string;
  let config: Config;
  let journalFile: string;

  interface Running {
    desk: Desk;
    paper: PaperExchange;
    events: EngineEvent[];
    stop(): Promise<void>;
  }

  async function open(paperBalances: Record<string, string>): Promise<Running> {
    const exchange = await connectTo(emulator, { pollIntervalMs: 20, wsReconnectDelayMs: 300 });
    // As `crewdesk start` builds it: trade ids from the wall clock's ms, so they never meet the exchange's in the journal ((symbol, trade id) is unique there).
    const paper = new PaperExchange({
      balances: paperBalances,
      startSequence: Date.now(),
      feeBps: 10,
      slippageBps: 0,
      filters: (s) => defaultFilters(s),
      clock: wallClock,
    });
    const desk = await Desk.open({ config, exchange, paperVenue: paper, clock: wallClock, log: silentLogger(), journalFile });
    const events: EngineEvent[] = [];
    desk.bus.subscribe('test', (e) => void events.push(e), ['fill', 'order.created', 'risk.denied']);
    const controller = new AbortController();
    const run = desk.engine.run(
      new BinanceMarketData({ restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl, reconnectInitialMs: 50 }),
      controller.signal,
    );
    await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'the kline stream', 10_000);
    return {
      desk,
      paper,
      events,
      stop: async () => {
        controller.abort();
        await run;
        await desk.close();
        await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 0, 'the kline stream closed', 10_000);
      },
    };
  }

  const fillsOf = (events: EngineEvent[], crew: string) => events.filter((e) => e.type === 'fill' && e.crewId === crew).length;

  beforeAll(async () => {
    dir = tempDir('crewdesk-two-venues-');
    writeCrewModule(dir, 'flip', FLIP);
    emulator = await emulatorWith({ candles: BTC, history: 5, balances: { USDT: '20000' } });
    journalFile = join(dir, 'journal.sqlite');
    config = parseConfig(
      {
        mode: 'testnet',
        journal: journalFile,
        crewDirs: [dir],
        teams: [
          {
            name: 'flippers',
            capital: '2000',
            crews: [
              { id: 'flip-x', crew: 'flip', symbol: 'BTCUSDT', interval: '1m', capital: '1000' },
              { id: 'flip-p', crew: 'flip', symbol: 'BTCUSDT', interval: '1m', capital: '1000', venue: 'paper' },
            ],
          },
        ],
      },
      'test config',
    );
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps separate balances and books, halts both, and reconciles only the exchange crew at restart', async () => {
    const first = await open({ USDT: '10000' });
    // Two candles: the exchange crew buys and sells at once (market orders fill on the exchange);
    // the paper crew's buy fills at the next candle's open, and its sell waits for the third.
    emulator.advance();
    await eventually(() => fillsOf(first.events, 'flip-x') === 1, 'the exchange crew’s buy', 10_000);
    emulator.advance();
    await eventually(() => fillsOf(first.events, 'flip-x') === 2 && fillsOf(first.events, 'flip-p') === 1, 'a sell on the exchange, a buy on paper', 10_000);
    await eventually(() => first.desk.engine.orders.openOrders.some((o) => o.crewId === 'flip-p' && o.side === 'SELL'), 'the paper sell resting');

    // Separate books: the exchange saw only flip-x's orders, paper only flip-p's.
    const xTag = first.desk.engine.crews.get('flip-x')!.tag;
    const venueOrders = (await first.desk.exchange.openOrders('BTCUSDT')).length;
    expect(venueOrders).toBe(0);
    expect(emulator.state().trades).toHaveLength(2);
    const exchangeOrders = emulator.state().orders as { clientOrderId: string }[];
    expect(exchangeOrders.length).toBe(2);
    expect(exchangeOrders.every((o) => o.clientOrderId.startsWith(`cd-${xTag}-`))).toBe(true);
    const paperTrades = await first.paper.myTrades('BTCUSDT', 0);
    expect(paperTrades).toHaveLength(1);
    expect(paperTrades.every((t) => t.clientOrderId.startsWith(`cd-${first.desk.engine.crews.get('flip-p')!.tag}-`))).toBe(true);
    // Separate balances: each venue holds its crew's cash and coins, and nothing of the other's.
    const x = first.desk.engine.crews.get('flip-x')!.book;
    const p = first.desk.engine.crews.get('flip-p')!.book;
    expect(x.quantity.toString()).toBe('0');
    expect(p.quantity.gt(0)).toBe(true);
    const emulatorUsdt = dec((emulator.state().balances as { asset: string; free: string }[]).find((b) => b.asset === 'USDT')!.free);
    expect(toText(emulatorUsdt.minus(19_000))).toBe(toText(x.cash));
    const paperBalances = new Map((await first.paper.balances()).map((b) => [b.asset, b.free.plus(b.locked)]));
    expect(toText(paperBalances.get('USDT')!.minus(9_000))).toBe(toText(p.cash));
    expect(toText(paperBalances.get('BTC')!)).toBe(toText(p.quantity));
    expect((emulator.state().balances as { asset: string; free: string }[]).find((b) => b.asset === 'BTC')?.free ?? '0').toMatch(/^0(\.0+)?$/);

    // The owner sees them apart: each crew's venue, and each venue's totals.
    const status = new DeskService(first.desk, { mode: 'testnet' }).status();
    expect(status.crews.map((c) => [c.id, c.venue])).toEqual([
      ['flip-x', 'exchange (binance)'],
      ['flip-p', 'paper'],
    ]);
    expect(status.venues.map((v) => [v.venue, v.crews, v.capital])).toEqual([
      ['exchange (binance)', 1, 1000],
      ['paper', 1, 1000],
    ]);
    const heldOnPaper = Object.fromEntries([...paperBalances].map(([asset, amount]) => [asset, toText(amount)]));
    const pQty = p.quantity;
    await first.stop();

    // Restart. The paper crew holds BTC the exchange account does not: were it checked against the
    // exchange, that would be balance drift, and every crew would be paused.
    const second = await open(heldOnPaper);
    const r = second.desk.reconciliation!;
    expect(r.drift).toEqual([]);
    expect(r.checked).toBe(0); // the exchange crew left no open order; the paper one is not the exchange's to check
    // The paper sell that was resting did not survive (paper lives in the process): settled as expired by paper's own start-up.
    expect(second.desk.paperReconciliation!.settled.map((s) => s.status)).toEqual(['expired']);
    expect([...second.desk.engine.crews.values()].map((c) => [c.id, c.status, c.venue])).toEqual([
      ['flip-x', 'active', 'exchange'],
      ['flip-p', 'active', 'paper'],
    ]);
    expect(toText(second.desk.engine.crews.get('flip-p')!.book.quantity)).toBe(toText(pQty));

    // The halt applies to both venues: entries stop everywhere, the paper crew may still sell.
    await second.desk.engine.setHalt('entries', 'test halt', { kind: 'owner', id: 'test' }, 'test');
    const before = second.events.length;
    emulator.advance();
    await eventually(
      () => second.events.some((e) => e.type === 'risk.denied' && e.scope.kind === 'crew' && e.scope.crewId === 'flip-x'),
      'flip-x’s buy denied',
    );
    emulator.advance();
    await eventually(() => fillsOf(second.events, 'flip-p') === 1, 'the paper crew’s sell filled', 10_000);
    emulator.advance();
    await eventually(
      () => second.events.some((e) => e.type === 'risk.denied' && e.scope.kind === 'crew' && e.scope.crewId === 'flip-p'),
      'flip-p’s buy denied',
    );
    const after = second.events.slice(before);
    expect(after.filter((e) => e.type === 'order.created' && e.order.side === 'BUY')).toEqual([]);
    expect(after.filter((e) => e.type === 'risk.denied').every((e) => e.type === 'risk.denied' && e.rule === 'halt')).toBe(true);
    expect(emulator.state().trades).toHaveLength(2);
    await second.stop();
  }, 60_000);
});
