// The journal port: everything crewdesk does, persisted. Synchronous: each method that changes
// state is all or nothing and done when it returns; it is durable by the end of the current turn
// of the event loop, and an order row (insertOrder) before the call returns.
// Money crosses as Decimal and is stored as decimal TEXT.
import type { Fill, HaltState, Interval, Order, OrderStatus, Position, VenueName } from '../core/domain.ts';

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
  /** Where it trades (paper or the desk's exchange), and since when (ms; its track record starts there). */
  readonly venue: VenueName;
  readonly venueSince: number;
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
  /** The entry's number in the journal (set when read back; it only grows): pages are read before one. */
  readonly seq?: number;
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
  /** Makes every write so far durable now rather than at the end of the turn. Throws after close(). */
  flush(): void;
  /** Commits what is written and closes; further calls throw. Calling it again does nothing. */
  close(): void;
  /** Runs `fn` in one transaction: every write in it commits together, or none does (a throw rolls
   * them back and rethrows). A transaction inside another joins it (as a savepoint). */
  transaction<T>(fn: () => T): T;
  /** Called once, with the error, when a write first fails for a reason that is the journal's own
   * (disk full, I/O error, a damaged file) rather than the call's: from then on every write throws,
   * so nothing more can be done that is not journaled. Returns a function that unsubscribes. */
  onFailure(listener: (error: Error) => void): () => void;

  saveCrewInstance(record: CrewInstanceRecord): void;
  getCrewInstances(): CrewInstanceRecord[];
  updateCrewStatus(id: string, status: CrewStatus, reason: string, at: number): void;
  saveCrewState(id: string, state: Readonly<Record<string, unknown>>, at: number): void;

  /** Write-ahead: the order (status `new`), its first state event, and the crew's next sequence, in one
   * transaction, durable before this returns (inside transaction(fn): when the outermost call returns).
   * Throws a JournalConflictError when the client order id or the advice key exists. */
  insertOrder(order: Order, nextOrderSeq: number): void;
  /** A status change (or progress) of an order, with its transition event. */
  updateOrder(order: Order, from: OrderStatus, reason: string): void;
  /** A fill with the position and order after it, in one transaction. Returns false (and writes nothing)
   * when the fill (symbol + trade id) is already journaled. */
  recordFill(fill: JournalFill, position: Position, order: Order, from: OrderStatus): boolean;
  getOrder(clientOrderId: string): Order | null;
  getOrderByAdvice(adviceKey: string): Order | null;
  /** Orders not in a terminal state (new, submitted, partially_filled, unknown). */
  getOpenOrders(): Order[];
  getOrders(filter?: { crewId?: string; since?: number; limit?: number }): Order[];
  /** Newest first when limit is set, else oldest first. */
  getFills(filter?: { crewId?: string; symbol?: string; since?: number; limit?: number }): JournalFill[];

  savePosition(position: Position): void;
  getPositions(): Position[];

  recordEquity(points: readonly EquityPoint[]): void;
  getEquity(scope: string, since?: number): EquityPoint[];

  recordAdvice(advice: AdviceRecord): void;
  getAdvice(filter?: { crewId?: string; limit?: number }): AdviceRecord[];
  recordRiskEvent(event: RiskEventRecord): void;
  getRiskEvents(filter?: { crewId?: string; since?: number; limit?: number }): RiskEventRecord[];
  recordAudit(entry: AuditRecord): void;
  /** Oldest first; newest first when limit is set. `before`: only entries numbered below it (paging back). */
  getAudit(filter?: { limit?: number; before?: number }): AuditRecord[];

  getHalt(): HaltState;
  /** The halt state and its audit entry, in one transaction. */
  setHalt(state: HaltState, audit: AuditRecord): void;

  /** Small JSON settings (risk overrides, team allocations, mode) with the audit entry of the change. */
  getSetting<T = unknown>(key: string): T | null;
  setSetting(key: string, value: unknown, audit: AuditRecord | null): void;
}

export class JournalConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalConflictError';
  }
}
