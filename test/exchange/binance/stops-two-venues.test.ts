// Protective stops on a desk with two venues: a stop-using crew on the exchange (the real @binance/spot
// client against the emulator) and the same crew on paper. Each crew's stop rests on its own venue; a
// halt at cancel keeps both, flatten lifts both; a restart reconciles the exchange crew's stop against
// the exchange and brings the paper crew's back on paper. Then the venue moves: a demotion hands the
// position over (its stop cancelled: no stop is left on the exchange for a crew that no longer trades
// there) or closes it (the stop lifted, then the sale); a promotion is refused while the crew holds.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import { ownerActor } from '../../../src/core/events.ts';
import { defaultFilters } from '../../../src/core/filters.ts';
import { toText } from '../../../src/core/money.ts';
import { Desk } from '../../../src/desk/desk.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { PaperExchange } from '../../../src/exchange/paper/paper-exchange.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { BinanceMarketData } from '../../../src/market/binance-market-data.ts';
import { wallClock } from '../../../src/ports/clock.ts';
import { DeskService } from '../../../src/services/desk-service.ts';
import type { Actor } from '../../../src/services/result.ts';
import { tempDir, writeCrewModule } from '../../support/desk-harness.ts';
import { candles, connectTo, emulatorWith, eventually, flat } from './support.ts';

/** 101 buys when flat; everything else holds. Stops at 5 % under the entry never trigger on these closes. */
const SCRIPT = [100, 100, 100, 100, 100, 101, 100, 100, 100, 100, 101, 100, 100, 101, 100, 100, 100, 100, 100, 100];

const BUYER = `export default defineCrew({
  name: 'buyer',
  description: 'Buys half its cash at a close of 101 when flat; otherwise holds.',
  params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe('Fraction of cash per buy.') }),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ candle, position, params }) => (candle.close === 101 && !position.isLong ? { action: 'buy', size: params.size, reason: 'entry' } : { action: 'hold' }),
});`;

interface OrderView {
  readonly clientOrderId: string;
  readonly type: string;
  readonly origQty: string;
}

/** `eventually` for a check that asks a venue (the paper exchange answers with a promise). */
async function eventuallyAsync(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const OWNER: Actor = { id: 'owner-1', via: 'test', isOwner: true };

describe('protective stops on a desk with a crew on the exchange and one on paper', () => {
  let emulator: Emulator;
  let dir: string;
  let config: Config;
  let journalFile: string;

  interface Running {
    desk: Desk;
    paper: PaperExchange;
    fills: () => number;
    candles: () => number;
    stop(): Promise<void>;
  }

  async function open(paperBalances: Record<string, string>): Promise<Running> {
    const exchange = await connectTo(emulator, { pollIntervalMs: 20, wsReconnectDelayMs: 300 });
    const paper = new PaperExchange({
      balances: paperBalances,
      startSequence: Date.now(),
      feeBps: 10,
      slippageBps: 0,
      filters: (s) => defaultFilters(s),
      clock: wallClock,
    });
    const desk = await Desk.open({ config, exchange, paperVenue: paper, clock: wallClock, log: silentLogger(), journalFile });
    let fills = 0;
    let seen = 0;
    desk.bus.subscribe('test', (e) => void (e.type === 'fill' ? fills++ : seen++), ['fill', 'candle']);
    const controller = new AbortController();
    const run = desk.engine.run(
      new BinanceMarketData({ restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl, reconnectInitialMs: 50 }),
      controller.signal,
    );
    await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'the kline stream', 10_000);
    return {
      desk,
      paper,
      fills: () => fills,
      candles: () => seen,
      stop: async () => {
        controller.abort();
        await run;
        await desk.close();
        await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 0, 'the kline stream closed', 10_000);
      },
    };
  }

  const exchangeStops = () => (emulator.state() as unknown as { openOrders: OrderView[] }).openOrders.filter((o) => o.type === 'STOP_LOSS_LIMIT');
  const paperStops = async (r: Running) => (await r.paper.openOrders('BTCUSDT')).filter((o) => o.type === 'STOP_LOSS_LIMIT');
  const tagOf = (r: Running, id: string) => `cd-${r.desk.engine.crews.get(id)!.tag}-`;
  const held = (r: Running, id: string) => r.desk.engine.crews.get(id)!.book.quantity;

  beforeAll(async () => {
    dir = tempDir('crewdesk-stops-two-venues-');
    writeCrewModule(dir, 'buyer', BUYER);
    emulator = await emulatorWith({ candles: candles('BTCUSDT', SCRIPT.map(flat)), history: 5, balances: { USDT: '20000' } });
    journalFile = join(dir, 'journal.sqlite');
    config = parseConfig(
      {
        mode: 'testnet',
        journal: journalFile,
        crewDirs: [dir],
        risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
        teams: [
          {
            name: 'guards',
            capital: '2000',
            crews: [
              { id: 'guard-x', crew: 'buyer', symbol: 'BTCUSDT', interval: '1m', capital: '1000', params: { stopLossPct: 5 } },
              { id: 'guard-p', crew: 'buyer', symbol: 'BTCUSDT', interval: '1m', capital: '1000', venue: 'paper', params: { stopLossPct: 5 } },
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

  it('each crew’s stop rests on its own venue through halts, a restart, and moves between venues', async () => {
    const first = await open({ USDT: '10000' });
    // Close 101: both buy. The exchange crew's market buy fills at once and its stop goes to the emulator;
    // the paper crew's fills at the next candle's open and its stop rests in the paper exchange.
    emulator.advance();
    await eventually(() => exchangeStops().length === 1, 'the exchange crew’s stop on the emulator', 10_000);
    emulator.advance();
    await eventuallyAsync(async () => (await paperStops(first)).length === 1, 'the paper crew’s stop on paper', 10_000);
    const xStop = exchangeStops()[0]!;
    expect(xStop.clientOrderId.startsWith(tagOf(first, 'guard-x'))).toBe(true);
    expect(Number(xStop.origQty)).toBe(Number(held(first, 'guard-x')));
    const pStop = (await paperStops(first))[0]!;
    expect(pStop.clientOrderId.startsWith(tagOf(first, 'guard-p'))).toBe(true);
    expect(toText(pStop.quantity)).toBe(toText(held(first, 'guard-p')));
    // Nothing of one crew on the other's venue.
    expect(exchangeStops().every((o) => o.clientOrderId.startsWith(tagOf(first, 'guard-x')))).toBe(true);
    expect((await first.paper.openOrders('BTCUSDT')).every((o) => o.clientOrderId.startsWith(tagOf(first, 'guard-p')))).toBe(true);

    // Halt at cancel keeps both stops.
    const cancel = await first.desk.engine.setHalt('cancel', 'owner away', ownerActor('owner-1'), 'test');
    expect(cancel.failures).toEqual([]);
    expect(exchangeStops().map((o) => o.clientOrderId)).toEqual([xStop.clientOrderId]);
    expect((await paperStops(first)).map((o) => o.clientOrderId)).toEqual([pStop.clientOrderId]);
    await first.desk.engine.setHalt('none', 'back', ownerActor('owner-1'), 'test');

    const paperHeld = Object.fromEntries((await first.paper.balances()).map((b) => [b.asset, toText(b.free.plus(b.locked))]));
    const pQty = toText(held(first, 'guard-p'));
    await first.stop();

    // Restart: the exchange crew's stop is found on the exchange (reconciled against it, kept); the paper
    // crew's did not survive the process (expired) and is placed again on paper, once.
    const second = await open(paperHeld);
    expect(second.desk.reconciliation!.drift).toEqual([]);
    expect(second.desk.reconciliation!.settled).toEqual([{ clientOrderId: xStop.clientOrderId, status: 'submitted' }]);
    expect(second.desk.paperReconciliation!.settled).toEqual([{ clientOrderId: pStop.clientOrderId, status: 'expired' }]);
    expect(exchangeStops().map((o) => o.clientOrderId)).toEqual([xStop.clientOrderId]);
    await eventuallyAsync(async () => (await paperStops(second)).length === 1, 'the paper stop placed again', 10_000);
    await second.desk.engine.stops.idle();
    const pStops = await paperStops(second);
    expect(pStops).toHaveLength(1);
    expect(pStops[0]!.clientOrderId).not.toBe(pStop.clientOrderId);
    expect(toText(pStops[0]!.quantity)).toBe(pQty);
    expect(
      second.desk.engine.orders.openOrders
        .filter((o) => o.purpose === 'protective')
        .map((o) => o.clientOrderId)
        .sort(),
    ).toEqual([xStop.clientOrderId, pStops[0]!.clientOrderId].sort());

    // A candle first: the paper exchange starts a process without a last price, and a market sell needs one.
    emulator.advance();
    await eventually(() => second.candles() > 0, 'a candle after the restart', 10_000);
    await second.desk.engine.stops.idle();
    // Flatten lifts both stops and sells both positions (paper's sale at the next candle's open).
    const flatten = await second.desk.engine.setHalt('flatten', 'get out', ownerActor('owner-1'), 'test');
    expect(flatten).toMatchObject({ flattened: 2, failures: [] });
    emulator.advance();
    await eventually(() => held(second, 'guard-x').lte(0) && held(second, 'guard-p').lte(0), 'both positions sold', 10_000);
    expect(exchangeStops()).toEqual([]);
    expect(await second.paper.openOrders('BTCUSDT')).toEqual([]);
    await second.desk.engine.setHalt('none', 'back', ownerActor('owner-1'), 'test');

    // Close 101 again: both buy, both stops rest. A promotion of the paper crew is refused: it holds.
    const service = new DeskService(second.desk, { mode: 'testnet' });
    emulator.advance(); // 100
    emulator.advance(); // 101: the exchange buy and its stop
    emulator.advance(); // 100: the paper buy fills, its stop on paper
    await eventuallyAsync(async () => exchangeStops().length === 1 && (await paperStops(second)).length === 1, 'both new stops', 10_000);
    const promoted = await service.promoteCrew('guard-p', '1000', OWNER, { override: true });
    expect(promoted.ok).toBe(false);
    expect(!promoted.ok && promoted.error).toMatch(/promoted flat/);

    // Demotion with handover: the coins stay in the account, the owner's now; the crew's stop there is cancelled.
    const xHeld = toText(held(second, 'guard-x'));
    const handover = await service.demoteCrew('guard-x', OWNER, 'handover');
    expect(handover).toMatchObject({ ok: true });
    expect(handover.ok && handover.value).toMatch(/protective stop at [\d.]+ cancelled/);
    expect(exchangeStops()).toEqual([]);
    expect(second.desk.engine.orders.openOrders.filter((o) => o.crewId === 'guard-x')).toEqual([]);
    expect(second.desk.engine.crews.get('guard-x')!.venue).toBe('paper');
    const btc = (emulator.state() as unknown as { balances: { asset: string; free: string }[] }).balances.find((b) => b.asset === 'BTC')!;
    expect(Number(btc.free)).toBe(Number(xHeld)); // handed over: free in the account, no longer locked by a stop

    await second.stop();
  }, 90_000);
});
