// Rows as SQLite returns them (snake_case, money as decimal TEXT) and their domain values.
// The schema's CHECK constraints guarantee the enum columns, so reading them back is a cast.
import type { HaltLevel, HaltState, Interval, Order, OrderSide, OrderStatus, OrderType, Position, TimeInForce, VenueName } from '../core/domain.ts';
import { type Decimal, dec, toText } from '../core/money.ts';
import type { AdviceRecord, AuditRecord, CrewInstanceRecord, CrewStatus, EquityPoint, JournalFill, RiskEventRecord } from '../ports/journal.ts';
import type { SqlValue } from './sqlite.ts';

/** One state change of an order, as journaled (the first one has `from: null`). */
export interface OrderEventRecord {
  readonly clientOrderId: string;
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  /** The order's executed quantity after the change. */
  readonly executedQty: Decimal;
  readonly reason: string;
  readonly at: number;
}

export interface CrewRow {
  id: string;
  module: string;
  team: string;
  symbol: string;
  interval: string;
  params: string;
  capital: string;
  status: string;
  status_reason: string;
  state: string;
  next_order_seq: number;
  created_at: number;
  updated_at: number;
  venue: string;
  venue_since: number;
}

export interface OrderRow {
  client_order_id: string;
  crew_id: string;
  advice_key: string;
  symbol: string;
  side: string;
  type: string;
  quantity: string | null;
  quote_quantity: string | null;
  price: string | null;
  stop_price: string | null;
  time_in_force: string | null;
  status: string;
  exchange_order_id: string | null;
  executed_qty: string;
  cumulative_quote: string;
  reason: string;
  created_at: number;
  updated_at: number;
  purpose: string;
}

export interface OrderEventRow {
  client_order_id: string;
  from_status: string | null;
  to_status: string;
  executed_qty: string;
  reason: string;
  at: number;
}

export interface FillRow {
  symbol: string;
  trade_id: string;
  client_order_id: string;
  crew_id: string;
  exchange_order_id: string;
  side: string;
  price: string;
  quantity: string;
  quote_quantity: string;
  fee: string;
  fee_asset: string;
  time: number;
}

export interface PositionRow {
  crew_id: string;
  symbol: string;
  quantity: string;
  cost_basis: string;
  cash: string;
  realized_pnl: string;
  fees_paid: string;
  entry_time: number | null;
  entry_price: string | null;
}

export interface EquityRow {
  scope: string;
  equity: string;
  at: number;
}

export interface AdviceRow {
  crew_id: string;
  advice_key: string;
  candle_time: number;
  action: string;
  size: number | null;
  reason: string;
  at: number;
}

export interface RiskEventRow {
  crew_id: string | null;
  advice_key: string | null;
  rule: string;
  reason: string;
  detail: string | null;
  at: number;
}

export interface AuditRow {
  id?: number;
  actor: string;
  via: string;
  action: string;
  detail: string | null;
  at: number;
}

export interface HaltRow {
  level: string;
  reason: string;
  actor: string;
  since: number | null;
}

// ── domain → row parameters (column order of the INSERT statements in sqlite-journal.ts) ──

function money(value: Decimal | undefined | null): string | null {
  return value == null ? null : toText(value);
}

/** Decimal text in the canonical form toText prints: no exponent, no sign on zero, no leading or
 * trailing zeros. (Limited to 40 integer digits and 38 zeros after "0." so the pattern stays cheap:
 * longer text, which money never is, takes the parse.) */
const CANONICAL_DECIMAL = /^(?:0|-?[1-9]\d{0,39}(?:\.\d*[1-9])?|-?0\.(?!0{39})\d*[1-9])$/;

/** A decimal string, checked and normalized ("100.50" → "100.5"). Text already in that form — what
 * the engine sends, on the hot path of equity snapshots — is returned without a parse. */
export function decimalText(value: string): string {
  return CANONICAL_DECIMAL.test(value) ? value : toText(dec(value));
}

export function json(value: Readonly<Record<string, unknown>> | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function crewParams(r: CrewInstanceRecord): SqlValue[] {
  return [
    r.id,
    r.module,
    r.team,
    r.symbol,
    r.interval,
    JSON.stringify(r.params),
    decimalText(r.capital),
    r.status,
    r.statusReason,
    JSON.stringify(r.state),
    r.nextOrderSeq,
    r.createdAt,
    r.updatedAt,
    r.venue,
    r.venueSince,
  ];
}

/** Where orderParams puts the values other statements take from an order's row (its first event, the
 * intent log's replay). */
export const ORDER_ROW = { clientOrderId: 0, crewId: 1, adviceKey: 2, status: 11, executedQty: 13, reason: 15, createdAt: 16 } as const;

export function orderParams(o: Order): SqlValue[] {
  return [
    o.clientOrderId,
    o.crewId,
    o.adviceKey,
    o.symbol,
    o.side,
    o.type,
    money(o.quantity),
    money(o.quoteQuantity),
    money(o.price),
    money(o.stopPrice),
    o.timeInForce ?? null,
    o.status,
    o.exchangeOrderId ?? null,
    toText(o.executedQty),
    toText(o.cumulativeQuote),
    o.reason,
    o.createdAt,
    o.updatedAt,
    o.purpose ?? 'trade',
  ];
}

export function fillParams(f: JournalFill): SqlValue[] {
  return [
    f.symbol,
    f.tradeId,
    f.clientOrderId,
    f.crewId,
    f.exchangeOrderId,
    f.side,
    toText(f.price),
    toText(f.quantity),
    toText(f.quoteQuantity),
    toText(f.fee),
    f.feeAsset,
    f.time,
  ];
}

export function positionParams(p: Position): SqlValue[] {
  return [
    p.crewId,
    p.symbol,
    toText(p.quantity),
    toText(p.costBasis),
    toText(p.cash),
    toText(p.realizedPnl),
    toText(p.feesPaid),
    p.entryTime,
    money(p.entryPrice),
  ];
}

// ── row → domain ──

function jsonObject(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

export function toCrewInstance(r: CrewRow): CrewInstanceRecord {
  return {
    id: r.id,
    module: r.module,
    team: r.team,
    symbol: r.symbol,
    interval: r.interval as Interval,
    params: jsonObject(r.params),
    capital: r.capital,
    status: r.status as CrewStatus,
    statusReason: r.status_reason,
    state: jsonObject(r.state),
    nextOrderSeq: r.next_order_seq,
    venue: r.venue as VenueName,
    venueSince: r.venue_since,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toOrder(r: OrderRow): Order {
  return {
    clientOrderId: r.client_order_id,
    crewId: r.crew_id,
    adviceKey: r.advice_key,
    symbol: r.symbol,
    side: r.side as OrderSide,
    type: r.type as OrderType,
    ...(r.quantity === null ? {} : { quantity: dec(r.quantity) }),
    ...(r.quote_quantity === null ? {} : { quoteQuantity: dec(r.quote_quantity) }),
    ...(r.price === null ? {} : { price: dec(r.price) }),
    ...(r.stop_price === null ? {} : { stopPrice: dec(r.stop_price) }),
    ...(r.time_in_force === null ? {} : { timeInForce: r.time_in_force as TimeInForce }),
    status: r.status as OrderStatus,
    ...(r.exchange_order_id === null ? {} : { exchangeOrderId: r.exchange_order_id }),
    executedQty: dec(r.executed_qty),
    cumulativeQuote: dec(r.cumulative_quote),
    reason: r.reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.purpose === 'protective' ? { purpose: 'protective' as const } : {}),
  };
}

export function toOrderEvent(r: OrderEventRow): OrderEventRecord {
  return {
    clientOrderId: r.client_order_id,
    from: r.from_status as OrderStatus | null,
    to: r.to_status as OrderStatus,
    executedQty: dec(r.executed_qty),
    reason: r.reason,
    at: r.at,
  };
}

export function toFill(r: FillRow): JournalFill {
  return {
    crewId: r.crew_id,
    tradeId: r.trade_id,
    clientOrderId: r.client_order_id,
    exchangeOrderId: r.exchange_order_id,
    symbol: r.symbol,
    side: r.side as OrderSide,
    price: dec(r.price),
    quantity: dec(r.quantity),
    quoteQuantity: dec(r.quote_quantity),
    fee: dec(r.fee),
    feeAsset: r.fee_asset,
    time: r.time,
  };
}

export function toPosition(r: PositionRow): Position {
  return {
    crewId: r.crew_id,
    symbol: r.symbol,
    quantity: dec(r.quantity),
    costBasis: dec(r.cost_basis),
    cash: dec(r.cash),
    realizedPnl: dec(r.realized_pnl),
    feesPaid: dec(r.fees_paid),
    entryTime: r.entry_time,
    entryPrice: r.entry_price === null ? null : dec(r.entry_price),
  };
}

export function toEquity(r: EquityRow): EquityPoint {
  return { scope: r.scope, equity: r.equity, at: r.at };
}

export function toAdvice(r: AdviceRow): AdviceRecord {
  return {
    crewId: r.crew_id,
    adviceKey: r.advice_key,
    candleTime: r.candle_time,
    action: r.action as AdviceRecord['action'],
    size: r.size,
    reason: r.reason,
    at: r.at,
  };
}

export function toRiskEvent(r: RiskEventRow): RiskEventRecord {
  return {
    crewId: r.crew_id,
    adviceKey: r.advice_key,
    rule: r.rule,
    reason: r.reason,
    ...(r.detail === null ? {} : { detail: jsonObject(r.detail) }),
    at: r.at,
  };
}

export function toAudit(r: AuditRow): AuditRecord {
  return {
    ...(r.id === undefined ? {} : { seq: r.id }),
    actor: r.actor,
    via: r.via,
    action: r.action,
    ...(r.detail === null ? {} : { detail: jsonObject(r.detail) }),
    at: r.at,
  };
}

export function toHalt(r: HaltRow): HaltState {
  return { level: r.level as HaltLevel, reason: r.reason, actor: r.actor, since: r.since };
}
