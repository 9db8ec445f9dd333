// The Journal port in memory, for backtests (':memory:'). Same contract as the SQLite journal,
// without SQLite.
import type { HaltState, Order, OrderStatus, Position } from '../core/domain.ts';
import { isTerminal } from '../core/order-state.ts';
import {
  type AdviceRecord,
  type AuditRecord,
  type CrewInstanceRecord,
  type CrewStatus,
  type EquityPoint,
  type Journal,
  JournalConflictError,
  type JournalFill,
  type RiskEventRecord,
} from '../ports/journal.ts';

/**
 * The Journal port in memory: what a backtest uses for ':memory:'. It keeps the port's contract —
 * write-ahead order conflicts, a replayed fill resolving false, oldest-first lists (newest first
 * when limited), JSON copies of what crews may mutate. A backtest keeps everything it journals
 * for its report, and never needs it after the process: rows in SQLite would only cost time.
 * Its writes never fail, so onFailure never calls back, and transaction() has nothing to roll
 * back that a backtest could observe (a throw ends the run).
 */
export class MemoryJournal implements Journal {
  private closed = false;
  /** Private copies (every read hands out a copy of its own), so a change is made in place. */
  private readonly crews = new Map<string, StoredCrew>();
  private readonly orders = new Map<string, Order>();
  private readonly orderByAdvice = new Map<string, string>();
  private readonly fills: JournalFill[] = [];
  private readonly fillKeys = new Set<string>();
  private readonly positions = new Map<string, Position>();
  private readonly equity: EquityPoint[] = [];
  private readonly advice: AdviceRecord[] = [];
  private readonly riskEvents: RiskEventRecord[] = [];
  private readonly audit: AuditRecord[] = [];
  private readonly settings = new Map<string, string>();
  private halt: HaltState = { level: 'none', reason: '', actor: '', since: null };

  flush(): void {
    this.check();
  }

  close(): void {
    this.closed = true;
  }

  transaction<T>(fn: () => T): T {
    this.check();
    return fn();
  }

  onFailure(_listener: (error: Error) => void): () => void {
    return () => undefined;
  }

  saveCrewInstance(record: CrewInstanceRecord): void {
    this.check();
    this.crews.set(record.id, copy(record));
  }

  getCrewInstances(): CrewInstanceRecord[] {
    this.check();
    return [...this.crews.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).map(copy);
  }

  updateCrewStatus(id: string, status: CrewStatus, reason: string, at: number): void {
    this.check();
    const record = this.crews.get(id);
    if (!record) return;
    record.status = status;
    record.statusReason = reason;
    record.updatedAt = at;
  }

  saveCrewState(id: string, state: Readonly<Record<string, unknown>>, at: number): void {
    this.check();
    const record = this.crews.get(id);
    if (!record) return;
    record.state = copy(state);
    record.updatedAt = at;
  }

  insertOrder(order: Order, nextOrderSeq: number): void {
    this.check();
    if (this.orders.has(order.clientOrderId)) throw new JournalConflictError(`order ${order.clientOrderId} exists already`);
    if (this.orderByAdvice.has(order.adviceKey)) throw new JournalConflictError(`advice ${order.adviceKey} has an order already`);
    this.orders.set(order.clientOrderId, order);
    this.orderByAdvice.set(order.adviceKey, order.clientOrderId);
    const record = this.crews.get(order.crewId);
    if (record) record.nextOrderSeq = nextOrderSeq;
  }

  updateOrder(order: Order, _from: OrderStatus, _reason: string): void {
    this.check();
    if (this.orders.has(order.clientOrderId)) this.orders.set(order.clientOrderId, order);
  }

  recordFill(fill: JournalFill, position: Position, order: Order, _from: OrderStatus): boolean {
    this.check();
    const key = `${fill.symbol}|${fill.tradeId}`;
    if (this.fillKeys.has(key)) return false;
    this.fillKeys.add(key);
    this.fills.push(fill);
    this.positions.set(position.crewId, position);
    if (this.orders.has(order.clientOrderId)) this.orders.set(order.clientOrderId, order);
    return true;
  }

  getOrder(clientOrderId: string): Order | null {
    this.check();
    return this.orders.get(clientOrderId) ?? null;
  }

  getOrderByAdvice(adviceKey: string): Order | null {
    this.check();
    const id = this.orderByAdvice.get(adviceKey);
    return id === undefined ? null : (this.orders.get(id) ?? null);
  }

  getOpenOrders(): Order[] {
    this.check();
    return [...this.orders.values()].filter((o) => !isTerminal(o.status)).sort((a, b) => a.createdAt - b.createdAt);
  }

  getOrders(filter: { crewId?: string; since?: number; limit?: number } = {}): Order[] {
    this.check();
    const all = [...this.orders.values()].filter(
      (o) => (filter.crewId === undefined || o.crewId === filter.crewId) && (filter.since === undefined || o.createdAt >= filter.since),
    );
    return listed(
      all.sort((a, b) => a.createdAt - b.createdAt),
      filter.limit,
    );
  }

  getFills(filter: { crewId?: string; symbol?: string; since?: number; limit?: number } = {}): JournalFill[] {
    this.check();
    const all = this.fills.filter(
      (f) =>
        (filter.crewId === undefined || f.crewId === filter.crewId) &&
        (filter.symbol === undefined || f.symbol === filter.symbol) &&
        (filter.since === undefined || f.time >= filter.since),
    );
    return listed(
      all.sort((a, b) => a.time - b.time),
      filter.limit,
    );
  }

  savePosition(position: Position): void {
    this.check();
    this.positions.set(position.crewId, position);
  }

  getPositions(): Position[] {
    this.check();
    return [...this.positions.values()].sort((a, b) => (a.crewId < b.crewId ? -1 : a.crewId > b.crewId ? 1 : 0));
  }

  recordEquity(points: readonly EquityPoint[]): void {
    this.check();
    this.equity.push(...points);
  }

  getEquity(scope: string, since?: number): EquityPoint[] {
    this.check();
    return this.equity.filter((p) => p.scope === scope && (since === undefined || p.at >= since)).sort((a, b) => a.at - b.at);
  }

  recordAdvice(advice: AdviceRecord): void {
    this.check();
    this.advice.push(advice);
  }

  getAdvice(filter: { crewId?: string; limit?: number } = {}): AdviceRecord[] {
    this.check();
    return listed(
      this.advice.filter((a) => filter.crewId === undefined || a.crewId === filter.crewId),
      filter.limit,
    );
  }

  recordRiskEvent(event: RiskEventRecord): void {
    this.check();
    // Only the detail can hold what someone else still holds (a crew's advice); the rest are plain values.
    this.riskEvents.push(event.detail === undefined ? { ...event } : { ...event, detail: copy(event.detail) });
  }

  getRiskEvents(filter: { crewId?: string; since?: number; limit?: number } = {}): RiskEventRecord[] {
    this.check();
    const all = this.riskEvents.filter(
      (e) => (filter.crewId === undefined || e.crewId === filter.crewId) && (filter.since === undefined || e.at >= filter.since),
    );
    return listed(all, filter.limit);
  }

  recordAudit(entry: AuditRecord): void {
    this.check();
    this.audit.push({ ...copy(entry), seq: this.audit.length + 1 });
  }

  getAudit(filter: { limit?: number; before?: number } = {}): AuditRecord[] {
    this.check();
    const before = filter.before;
    return listed(before === undefined ? this.audit : this.audit.filter((a) => (a.seq ?? 0) < before), filter.limit);
  }

  getHalt(): HaltState {
    this.check();
    return this.halt;
  }

  setHalt(state: HaltState, audit: AuditRecord): void {
    this.check();
    this.halt = { ...state };
    this.audit.push({ ...copy(audit), seq: this.audit.length + 1 });
  }

  getSetting<T = unknown>(key: string): T | null {
    this.check();
    const text = this.settings.get(key);
    return text === undefined ? null : (JSON.parse(text) as T);
  }

  setSetting(key: string, value: unknown, audit: AuditRecord | null): void {
    this.check();
    this.settings.set(key, JSON.stringify(value));
    if (audit) this.audit.push({ ...copy(audit), seq: this.audit.length + 1 });
  }

  private check(): void {
    if (this.closed) throw new Error('the backtest journal is closed');
  }
}

/** A crew instance as this journal holds it, changed in place (its sequence moves on with every order). */
type StoredCrew = { -readonly [K in keyof CrewInstanceRecord]: CrewInstanceRecord[K] };

/** Oldest first; the newest `limit`, newest first, when limited (the SQLite journal's order). */
function listed<T>(items: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined) return [...items];
  return items.slice(Math.max(0, items.length - limit)).reverse();
}

/** A JSON copy: what was journaled cannot change when the crew mutates its state afterwards. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
