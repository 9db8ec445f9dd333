// The Journal port in memory, for backtests (':memory:'). Same contract as the SQLite journal,
// without a trip to SQLite's thread per write.
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
 * when limited), JSON copies of what crews may mutate — but every call settles at once. A
 * backtest makes one journal write per order event; over SQLite, even in memory, each is a trip
 * to sqlite3's thread pool that the engine then waits for, which made trading-heavy runs ten
 * times slower than the engine itself.
 */
export class MemoryJournal implements Journal {
  private closed = false;
  private readonly crews = new Map<string, CrewInstanceRecord>();
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

  async flush(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async saveCrewInstance(record: CrewInstanceRecord): Promise<void> {
    this.check();
    this.crews.set(record.id, copy(record));
  }

  async getCrewInstances(): Promise<CrewInstanceRecord[]> {
    this.check();
    return [...this.crews.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).map(copy);
  }

  async updateCrewStatus(id: string, status: CrewStatus, reason: string, at: number): Promise<void> {
    this.check();
    const record = this.crews.get(id);
    if (record) this.crews.set(id, { ...record, status, statusReason: reason, updatedAt: at });
  }

  async saveCrewState(id: string, state: Readonly<Record<string, unknown>>, at: number): Promise<void> {
    this.check();
    const record = this.crews.get(id);
    if (record) this.crews.set(id, { ...record, state: copy(state), updatedAt: at });
  }

  async insertOrder(order: Order, nextOrderSeq: number): Promise<void> {
    this.check();
    if (this.orders.has(order.clientOrderId)) throw new JournalConflictError(`order ${order.clientOrderId} exists already`);
    if (this.orderByAdvice.has(order.adviceKey)) throw new JournalConflictError(`advice ${order.adviceKey} has an order already`);
    this.orders.set(order.clientOrderId, order);
    this.orderByAdvice.set(order.adviceKey, order.clientOrderId);
    const record = this.crews.get(order.crewId);
    if (record) this.crews.set(order.crewId, { ...record, nextOrderSeq });
  }

  async updateOrder(order: Order, _from: OrderStatus, _reason: string): Promise<void> {
    this.check();
    if (this.orders.has(order.clientOrderId)) this.orders.set(order.clientOrderId, order);
  }

  async recordFill(fill: JournalFill, position: Position, order: Order, _from: OrderStatus): Promise<boolean> {
    this.check();
    const key = `${fill.symbol}|${fill.tradeId}`;
    if (this.fillKeys.has(key)) return false;
    this.fillKeys.add(key);
    this.fills.push(fill);
    this.positions.set(position.crewId, position);
    if (this.orders.has(order.clientOrderId)) this.orders.set(order.clientOrderId, order);
    return true;
  }

  async getOrder(clientOrderId: string): Promise<Order | null> {
    this.check();
    return this.orders.get(clientOrderId) ?? null;
  }

  async getOrderByAdvice(adviceKey: string): Promise<Order | null> {
    this.check();
    const id = this.orderByAdvice.get(adviceKey);
    return id === undefined ? null : (this.orders.get(id) ?? null);
  }

  async getOpenOrders(): Promise<Order[]> {
    this.check();
    return [...this.orders.values()].filter((o) => !isTerminal(o.status)).sort((a, b) => a.createdAt - b.createdAt);
  }

  async getOrders(filter: { crewId?: string; since?: number; limit?: number } = {}): Promise<Order[]> {
    this.check();
    const all = [...this.orders.values()].filter((o) => (filter.crewId === undefined || o.crewId === filter.crewId) && (filter.since === undefined || o.createdAt >= filter.since));
    return listed(all.sort((a, b) => a.createdAt - b.createdAt), filter.limit);
  }

  async getFills(filter: { crewId?: string; symbol?: string; since?: number; limit?: number } = {}): Promise<JournalFill[]> {
    this.check();
    const all = this.fills.filter(
      (f) =>
        (filter.crewId === undefined || f.crewId === filter.crewId) &&
        (filter.symbol === undefined || f.symbol === filter.symbol) &&
        (filter.since === undefined || f.time >= filter.since),
    );
    return listed(all.sort((a, b) => a.time - b.time), filter.limit);
  }

  async savePosition(position: Position): Promise<void> {
    this.check();
    this.positions.set(position.crewId, position);
  }

  async getPositions(): Promise<Position[]> {
    this.check();
    return [...this.positions.values()].sort((a, b) => (a.crewId < b.crewId ? -1 : a.crewId > b.crewId ? 1 : 0));
  }

  async recordEquity(points: readonly EquityPoint[]): Promise<void> {
    this.check();
    this.equity.push(...points);
  }

  async getEquity(scope: string, since?: number): Promise<EquityPoint[]> {
    this.check();
    return this.equity.filter((p) => p.scope === scope && (since === undefined || p.at >= since)).sort((a, b) => a.at - b.at);
  }

  async recordAdvice(advice: AdviceRecord): Promise<void> {
    this.check();
    this.advice.push(advice);
  }

  async getAdvice(filter: { crewId?: string; limit?: number } = {}): Promise<AdviceRecord[]> {
    this.check();
    return listed(this.advice.filter((a) => filter.crewId === undefined || a.crewId === filter.crewId), filter.limit);
  }

  async recordRiskEvent(event: RiskEventRecord): Promise<void> {
    this.check();
    this.riskEvents.push(copy(event));
  }

  async getRiskEvents(filter: { crewId?: string; since?: number; limit?: number } = {}): Promise<RiskEventRecord[]> {
    this.check();
    const all = this.riskEvents.filter((e) => (filter.crewId === undefined || e.crewId === filter.crewId) && (filter.since === undefined || e.at >= filter.since));
    return listed(all, filter.limit);
  }

  async recordAudit(entry: AuditRecord): Promise<void> {
    this.check();
    this.audit.push(copy(entry));
  }

  async getAudit(filter: { limit?: number } = {}): Promise<AuditRecord[]> {
    this.check();
    return listed(this.audit, filter.limit);
  }

  async getHalt(): Promise<HaltState> {
    this.check();
    return this.halt;
  }

  async setHalt(state: HaltState, audit: AuditRecord): Promise<void> {
    this.check();
    this.halt = { ...state };
    this.audit.push(copy(audit));
  }

  async getSetting<T = unknown>(key: string): Promise<T | null> {
    this.check();
    const text = this.settings.get(key);
    return text === undefined ? null : (JSON.parse(text) as T);
  }

  async setSetting(key: string, value: unknown, audit: AuditRecord | null): Promise<void> {
    this.check();
    this.settings.set(key, JSON.stringify(value));
    if (audit) this.audit.push(copy(audit));
  }

  private check(): void {
    if (this.closed) throw new Error('the backtest journal is closed');
  }
}

/** Oldest first; the newest `limit`, newest first, when limited (the SQLite journal's order). */
function listed<T>(items: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined) return [...items];
  return items.slice(Math.max(0, items.length - limit)).reverse();
}

/** A JSON copy: what was journaled cannot change when the crew mutates its state afterwards. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
