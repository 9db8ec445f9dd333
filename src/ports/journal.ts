// The journal port: everything crewdesk does, persisted. Each method that changes state is
// one transaction; writes are applied in call order. Money crosses as Decimal and is stored
// as decimal TEXT.
import type { Fill, HaltState, Interval, Order, OrderStatus, Position } from '../core/domain.ts';

export type CrewStatus = 'active' | 'paused' | 'stopped';

export interface CrewInstanceRecord {
  /** Unique instance id, e.g. "alpha.sma-btc" ([A-Za-z0-9_.-], ≤ 40 chars). */
  readonly id: string;
  /** Crew module name (crews/<module>.ts). */
  readonly module: string;
  readonly team: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Validated params, defaults filled in (JSON object). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Allocated quote capital, decimal string. */
  readonly capital: string;
  readonly status: CrewStatus;
  readonly statusReason: string;
  /** The crew's persisted state (JSON object). */
  readonly state: Readonly<Record<string, unknown>>;
  /** Next order sequence number for deterministic client order ids. */
  readonly nextOrderSeq: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AdviceRecord {
  readonly crewId: string;
  readonly adviceKey: string;
  readonly candleTime: number;
  readonly action: 'buy' | 'sell' | 'hold';
  readonly size: number | null;
  readonly reason: string;
  readonly at: number;
}

export interface RiskEventRecord {
  readonly crewId: string | null;
  readonly adviceKey: string | null;
  readonly rule: string;
  readonly reason: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly at: number;
}

/** Who changed what, through which interface (discord, console, cli, manager, engine). */
export interface AuditRecord {
  readonly actor: string;
  readonly via: string;
  readonly action: string;
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly at: number;
}

export interface EquityPoint {
  readonly scope: string;
  readonly equity: string;
  readonly at: number;
}

export interface JournalFill extends Fill {
  readonly crewId: string;
}

export interface Journal {
  /** Waits until every write issued so far is committed. */
  flush(): Promise<void>;
  /** Flushes and closes; further calls reject. */
  close(): Promise<void>;

  saveCrewInstance(record: CrewInstanceRecord): Promise<void>;
  getCrewInstances(): Promise<CrewInstanceRecord[]>;
  updateCrewStatus(id: string, status: CrewStatus, reason: string, at: number): Promise<void>;
  saveCrewState(id: string, state: Readonly<Record<string, unknown>>, at: number): Promise<void>;

  /** Write-ahead: the order (status `new`), its first state event, and the crew's next sequence, in one
   * transaction. Rejects with a JournalConflictError when the client order id or the advice key exists. */
  insertOrder(order: Order, nextOrderSeq: number): Promise<void>;
  /** insertOrder made durable before it returns (a write-ahead log), for a journal that can: the
   * order may be sent at once; the promise settles when the journal proper has it. Null when it
   * cannot tell at once that the order will be accepted (nothing is written: await insertOrder). */
  insertOrderNow?(order: Order, nextOrderSeq: number): Promise<void> | null;
  /** A status change (or progress) of an order, with its transition event. */
  updateOrder(order: Order, from: OrderStatus, reason: string): Promise<void>;
  /** A fill with the position and order after it, in one transaction. Resolves false (and writes nothing)
   * when the fill (symbol + trade id) is already journaled. */
  recordFill(fill: JournalFill, position: Position, order: Order, from: OrderStatus): Promise<boolean>;
  getOrder(clientOrderId: string): Promise<Order | null>;
  getOrderByAdvice(adviceKey: string): Promise<Order | null>;
  /** Orders not in a terminal state (new, submitted, partially_filled, unknown). */
  getOpenOrders(): Promise<Order[]>;
  getOrders(filter?: { crewId?: string; since?: number; limit?: number }): Promise<Order[]>;
  /** Newest first when limit is set, else oldest first. */
  getFills(filter?: { crewId?: string; symbol?: string; since?: number; limit?: number }): Promise<JournalFill[]>;

  savePosition(position: Position): Promise<void>;
  getPositions(): Promise<Position[]>;

  recordEquity(points: readonly EquityPoint[]): Promise<void>;
  getEquity(scope: string, since?: number): Promise<EquityPoint[]>;

  recordAdvice(advice: AdviceRecord): Promise<void>;
  getAdvice(filter?: { crewId?: string; limit?: number }): Promise<AdviceRecord[]>;
  recordRiskEvent(event: RiskEventRecord): Promise<void>;
  getRiskEvents(filter?: { crewId?: string; since?: number; limit?: number }): Promise<RiskEventRecord[]>;
  recordAudit(entry: AuditRecord): Promise<void>;
  getAudit(filter?: { limit?: number }): Promise<AuditRecord[]>;

  getHalt(): Promise<HaltState>;
  /** The halt state and its audit entry, in one transaction. */
  setHalt(state: HaltState, audit: AuditRecord): Promise<void>;

  /** Small JSON settings (risk overrides, team allocations, mode) with the audit entry of the change. */
  getSetting<T = unknown>(key: string): Promise<T | null>;
  setSetting(key: string, value: unknown, audit: AuditRecord | null): Promise<void>;
}

export class JournalConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalConflictError';
  }
}
