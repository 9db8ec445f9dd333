// Start-up is recovery. Before any crew trades: every order the journal holds open is checked on
// the exchange and the fills that happened while the desk was down are applied; orders on the
// exchange carrying our client-order-id prefix that the journal lacks are adopted; other orders
// are reported and left alone; balance drift pauses the crews until the owner resumes them.
import type { Fill, Order, VenueName } from '../core/domain.ts';
import { ENGINE_ACTOR, type FactActor } from '../core/events.ts';
import { toText, ZERO } from '../core/money.ts';
import type { Exchange, ExchangeOrder } from '../ports/exchange.ts';
import type { Journal } from '../ports/journal.ts';
import { balanceDrift } from './balance-drift.ts';
import type { CrewRuntime, Engine } from './engine.ts';

export const CLIENT_ID_PREFIX = 'cd-';

export interface ReconcileReport {
  readonly checked: number;
  readonly settled: { readonly clientOrderId: string; readonly status: string }[];
  readonly fillsApplied: number;
  readonly adopted: string[];
  readonly foreign: string[];
  readonly cancelledStops: string[];
  readonly drift: string[];
  readonly pausedForDrift: boolean;
}

export interface ReconcileOptions {
  /** Relative tolerance for balance drift (default 0.1 %), plus one step's worth of dust. */
  readonly tolerance?: number;
  readonly actor?: FactActor;
  /** Only the crews on this venue (the exchange's crews are checked against the exchange, the paper crews' against paper). Default: every crew. */
  readonly venue?: VenueName;
}

export async function reconcile(engine: Engine, journal: Journal, exchange: Exchange, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report = {
    checked: 0,
    settled: [] as { clientOrderId: string; status: string }[],
    fillsApplied: 0,
    adopted: [] as string[],
    foreign: [] as string[],
    cancelledStops: [] as string[],
    drift: [] as string[],
    pausedForDrift: false,
  };
  const venue = options.venue;
  const mine = (crew: CrewRuntime | undefined): crew is CrewRuntime => crew !== undefined && (venue === undefined || crew.venue === venue);
  const crews = [...engine.crews.values()].filter(mine);
  const crewByTag = new Map(crews.map((c) => [c.tag, c] as const));
  const open = (await journal.getOpenOrders()).filter((o) => mine(engine.crews.get(o.crewId)));

  if (exchange.inProcess) {
    // A simulated venue starts empty: its resting orders did not survive the restart.
    for (const order of open) {
      const crew = engine.crews.get(order.crewId)!;
      engine.orders.adopt(order, crew, []);
      engine.orders.markGone(order.clientOrderId, 'expired', 'the paper venue does not survive a restart');
      report.settled.push({ clientOrderId: order.clientOrderId, status: 'expired' });
    }
    // Positions the paper venue lost its stops for get them again.
    await engine.stops.reviewAll(crews);
    return report;
  }

  // 1. Orders the journal holds open.
  for (const order of open) {
    report.checked++;
    const crew = engine.crews.get(order.crewId);
    if (!crew) continue;
    const seen = (await journal.getFills({ crewId: order.crewId })).filter((f) => f.clientOrderId === order.clientOrderId).map((f) => f.tradeId);
    engine.orders.adopt(order, crew, seen);
    const found = await exchange.getOrder(order.symbol, order.clientOrderId);
    if (!found) {
      // Never reached the exchange (written, then the crash), or long gone from its books.
      const status = order.status === 'new' || order.status === 'unknown' ? 'rejected' : 'expired';
      engine.orders.markGone(order.clientOrderId, status, 'not found on the exchange at restart');
      report.settled.push({ clientOrderId: order.clientOrderId, status });
      continue;
    }
    report.fillsApplied += await applyMissedFills(engine, exchange, order, found, new Set(seen));
    engine.orders.applySnapshot(order.clientOrderId, found, undefined, 'reconciled at restart');
    report.settled.push({ clientOrderId: order.clientOrderId, status: found.status });
  }

  // 2. Exchange orders we do not track: ours by prefix are adopted, others reported.
  const symbols = new Set(crews.map((c) => c.symbol));
  for (const symbol of symbols) {
    for (const ex of await exchange.openOrders(symbol)) {
      if (engine.orders.entryOf(ex.clientOrderId)) continue;
      const crew = ex.clientOrderId.startsWith(CLIENT_ID_PREFIX) ? crewOfClientId(ex.clientOrderId, crewByTag) : undefined;
      if (!crew) {
        report.foreign.push(`${ex.clientOrderId} ${ex.side} ${toText(ex.quantity)} ${ex.symbol} @ ${toText(ex.price)}`);
        continue;
      }
      const order = adoptedOrder(ex, crew);
      const seq = Number.parseInt(ex.clientOrderId.slice(ex.clientOrderId.lastIndexOf('-') + 1), 36);
      if (Number.isFinite(seq) && seq >= crew.nextOrderSeq) crew.nextOrderSeq = seq + 1;
      try {
        journal.insertOrder(order, crew.nextOrderSeq);
      } catch {
        // As before the journal was synchronous, a refused row (journaled already) does not stop the
        // adoption; a journal that cannot write reports that itself.
      }
      engine.orders.adopt(order, crew, []);
      engine.orders.applySnapshot(ex.clientOrderId, ex, undefined, 'adopted at restart');
      report.adopted.push(ex.clientOrderId);
    }
  }

  // 3. Protective stops whose position is gone (a stop that filled while the desk was down was booked in 1).
  for (const order of engine.orders.openOrders) {
    if (order.purpose === 'protective') {
      const crew = engine.crews.get(order.crewId);
      if (mine(crew) && crew.book.quantity.lte(0)) {
        const result = await engine.orders.cancel(order.clientOrderId);
        if (result.ok) report.cancelledStops.push(order.clientOrderId);
      }
    }
  }

  // 4. Balance drift: the crews must not believe they own more than the account holds.
  report.drift.push(...balanceDrift(crews, await exchange.balances(), options.tolerance));
  if (report.drift.length > 0) {
    report.pausedForDrift = true;
    for (const crew of crews) {
      engine.pauseCrew(crew.id, `balance drift at restart (${report.drift.join('; ')}): resume once checked`, options.actor ?? ENGINE_ACTOR);
    }
  }
  // 5. Every position its protective stop, at the right quantity and level (placed, or replaced, before any crew trades).
  // Only this venue's crews: another venue's stops are not settled yet (a paper crew's stop reviewed here would be
  // placed again on paper, then taken for a lost one by paper's own reconciliation and orphaned there).
  await engine.stops.reviewAll(crews);
  return report;
}

/** Trades of an order the journal has not seen, applied in time order. */
async function applyMissedFills(engine: Engine, exchange: Exchange, order: Order, found: ExchangeOrder, seen: Set<string>): Promise<number> {
  if (!exchange.myTrades || found.executedQty.lte(0)) return 0;
  const trades = (await exchange.myTrades(order.symbol, order.createdAt - 60_000))
    .filter((t) => t.clientOrderId === order.clientOrderId || t.exchangeOrderId === found.exchangeOrderId)
    .filter((t) => !seen.has(t.tradeId))
    .sort((a, b) => a.time - b.time);
  let executed = order.executedQty;
  let quote = order.cumulativeQuote;
  trades.forEach((trade: Fill, i) => {
    executed = executed.plus(trade.quantity);
    quote = quote.plus(trade.quoteQuantity);
    // Until the last trade, the order is only partly filled — whatever its final status.
    const last = i === trades.length - 1;
    const snapshot: ExchangeOrder = last ? found : { ...found, status: 'partially_filled', executedQty: executed, cumulativeQuote: quote };
    engine.orders.applySnapshot(order.clientOrderId, snapshot, { ...trade, clientOrderId: order.clientOrderId }, 'fill while the desk was down');
  });
  return trades.length;
}

function crewOfClientId(clientOrderId: string, byTag: Map<string, CrewRuntime>): CrewRuntime | undefined {
  // cd-<tag>-<seq>, where the tag itself is "<readable>-<hash>"
  const body = clientOrderId.slice(CLIENT_ID_PREFIX.length);
  const tag = body.slice(0, body.lastIndexOf('-'));
  return byTag.get(tag);
}

function adoptedOrder(ex: ExchangeOrder, crew: CrewRuntime): Order {
  return {
    clientOrderId: ex.clientOrderId,
    crewId: crew.id,
    // The engine places no other stop orders: one of ours is a protective stop.
    ...(ex.side === 'SELL' && (ex.type === 'STOP_LOSS' || ex.type === 'STOP_LOSS_LIMIT') ? { purpose: 'protective' as const } : {}),
    symbol: ex.symbol,
    side: ex.side,
    type: ex.type,
    quantity: ex.quantity,
    ...(ex.price.gt(0) ? { price: ex.price } : {}),
    status: 'new',
    executedQty: ZERO,
    cumulativeQuote: ZERO,
    adviceKey: `${crew.id}@adopted@${ex.clientOrderId}`,
    reason: 'adopted at restart: on the exchange, missing from the journal',
    createdAt: ex.time,
    updatedAt: ex.updateTime,
  };
}
