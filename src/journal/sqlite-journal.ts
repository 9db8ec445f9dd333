// The journal on SQLite (better-sqlite3). Synchronous: no queue, no promise, no worker thread.
// WAL with synchronous=NORMAL: a commit survives the process being killed at any moment (a power
// cut may lose the last commits, never corrupt the file).
//
// When things commit: each write runs at once, as one savepoint (all or nothing), inside the
// transaction of the current event-loop turn, which commits at the end of the turn (setImmediate),
// at flush() or close() — and at every insertOrder: the order row, with everything written before
// it, is committed before insertOrder returns, so it is durable before the order is sent, with no
// log beside SQLite. (A commit per write cost ~30–380 µs of CPU here; the statements ~2 µs.) A
// caller's transaction(fn) joins the same transaction; an order inserted inside it is committed
// when the outermost transaction() returns.
//
// Fail-stop: the first write that fails for the journal's own reason (disk full, I/O error, a
// damaged file; errors.ts isFailStop) stops all writing — every later write throws — and tells
// the onFailure listeners, which halt trading. A write refused for its values (a duplicate order,
// an unknown crew) is the caller's error and changes nothing else.
//
// At open: one desk per journal (lock.ts), the file checked (PRAGMA quick_check), the schema
// migrated, a leftover intent log of an older crewdesk replayed (legacy-intents.ts).
import type { HaltState, Order, OrderStatus, Position } from '../core/domain.ts';
import { toText } from '../core/money.ts';
import type { AdviceRecord, AuditRecord, CrewInstanceRecord, CrewStatus, EquityPoint, Journal, JournalFill, RiskEventRecord } from '../ports/journal.ts';
import { JournalClosedError, JournalDamagedError, JournalError, JournalFailedError, OrderConflictError, isFailStop, wrapError } from './errors.ts';
import { type IntentReplay, NOTHING_REPLAYED, replayLegacyIntents } from './legacy-intents.ts';
import { JournalLock, type LockHolder } from './lock.ts';
import { type AppliedMigration, appliedMigrations, migrate, pendingMigrations } from './migrate.ts';
import { ADVICE_KEY_ORDER, MIGRATIONS, type Migration } from './migrations.ts';
import {
  type AdviceRow,
  type AuditRow,
  type CrewRow,
  crewParams,
  decimalText,
  type EquityRow,
  type FillRow,
  fillParams,
  type HaltRow,
  json,
  type OrderEventRecord,
  type OrderEventRow,
  ORDER_ROW,
  type OrderRow,
  orderParams,
  type PositionRow,
  positionParams,
  type RiskEventRow,
  toAdvice,
  toAudit,
  toCrewInstance,
  toEquity,
  toFill,
  toHalt,
  toOrder,
  toOrderEvent,
  toPosition,
  toRiskEvent,
} from './rows.ts';
import { type Database, openDatabase, query, type SqlValue, type Statement, sqliteCode } from './sqlite.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

export {
  JournalClosedError,
  JournalDamagedError,
  JournalError,
  JournalFailedError,
  OrderConflictError,
} from './errors.ts';
export { JournalLockedError, type LockHolder } from './lock.ts';
export type { OrderEventRecord } from './rows.ts';
export type { AppliedMigration } from './migrate.ts';
export type { IntentReplay } from './legacy-intents.ts';

export interface SqliteJournalOptions {
  /** Open without writing: no lock, no migrations (the file must be current), every write throws. */
  readonly readonly?: boolean;
  /** The schema to bring the file to; MIGRATIONS unless a test or tool says otherwise. */
  readonly migrations?: readonly Migration[];
  /** Replay a write-ahead intent log an older crewdesk left beside the journal (legacy-intents.ts):
   * for a desk whose venue is a real exchange, which is the only one that ever wrote such a file. */
  readonly intentLog?: boolean;
}

/** The checkpoints move to a worker thread (wal-checkpointer.ts) after this many commits: a journal
 * opened for a moment (a tool, a test) never starts one. */
const CHECKPOINTER_AFTER_COMMITS = 50;
const CHECKPOINT_INTERVAL_MS = 100;

/** How long a write waits for another connection's lock (a read-only viewer checkpointing). */
const BUSY_TIMEOUT_MS = 5_000;

const NOT_HALTED: HaltState = Object.freeze({ level: 'none', reason: '', actor: '', since: null });

const ORDER_COLUMNS =
  'client_order_id, crew_id, advice_key, symbol, side, type, quantity, quote_quantity, price, stop_price, ' +
  'time_in_force, status, exchange_order_id, executed_qty, cumulative_quote, reason, created_at, updated_at, purpose';
const FILL_COLUMNS = 'symbol, trade_id, client_order_id, crew_id, exchange_order_id, side, price, quantity, quote_quantity, fee, ' + 'fee_asset, time';
const CREW_COLUMNS =
  'id, module, team, symbol, interval, params, capital, status, status_reason, state, next_order_seq, ' + 'created_at, updated_at, venue, venue_since';
/** Values in an orders row before migration 2 added `purpose`. */
const ORDER_ROW_LENGTH_BEFORE_PURPOSE = 18;
const OPEN_STATUSES = `('new','submitted','partially_filled','unknown')`;

/** Every fixed statement, prepared at open. Positional parameters follow rows.ts's *Params functions. */
const SQL = {
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',

  // A re-save keeps the creation time and never moves the order sequence back: a stale record
  // must not make the crew reuse a client order id.
  upsertCrew:
    `INSERT INTO crew_instances (${CREW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
    'ON CONFLICT (id) DO UPDATE SET module = excluded.module, team = excluded.team, symbol = excluded.symbol, ' +
    'interval = excluded.interval, params = excluded.params, capital = excluded.capital, status = excluded.status, ' +
    'status_reason = excluded.status_reason, state = excluded.state, venue = excluded.venue, venue_since = excluded.venue_since, ' +
    'next_order_seq = max(crew_instances.next_order_seq, excluded.next_order_seq), updated_at = excluded.updated_at',
  selectCrews: `SELECT ${CREW_COLUMNS} FROM crew_instances ORDER BY created_at, id`,
  updateCrewStatus: 'UPDATE crew_instances SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?',
  updateCrewState: 'UPDATE crew_instances SET state = ?, updated_at = ? WHERE id = ?',
  bumpOrderSeq: 'UPDATE crew_instances SET next_order_seq = max(next_order_seq, ?) WHERE id = ?',

  insertOrder: `INSERT INTO orders (${ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  updateOrder: 'UPDATE orders SET status = ?, exchange_order_id = ?, executed_qty = ?, cumulative_quote = ?, updated_at = ? ' + 'WHERE client_order_id = ?',
  insertOrderEvent: 'INSERT INTO order_events (client_order_id, from_status, to_status, executed_qty, reason, at) ' + 'VALUES (?, ?, ?, ?, ?, ?)',
  selectOrder: `SELECT ${ORDER_COLUMNS} FROM orders WHERE client_order_id = ?`,
  // Through orders_by_advice (migration 5), whose first column is computed from the key: bound as (key, key, key).
  selectOrderByAdvice: `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${ADVICE_KEY_ORDER} = ${ADVICE_KEY_ORDER.replaceAll('advice_key', '?')} AND advice_key = ?`,
  selectOpenOrders: `SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN ${OPEN_STATUSES} ORDER BY created_at, rowid`,
  selectOrderEvents: 'SELECT client_order_id, from_status, to_status, executed_qty, reason, at FROM order_events ' + 'WHERE client_order_id = ? ORDER BY id',

  insertFill: `INSERT INTO fills (${FILL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` + 'ON CONFLICT (symbol, trade_id) DO NOTHING',

  upsertPosition:
    'INSERT INTO positions (crew_id, symbol, quantity, cost_basis, cash, realized_pnl, fees_paid, entry_time, entry_price) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (crew_id) DO UPDATE SET symbol = excluded.symbol, ' +
    'quantity = excluded.quantity, cost_basis = excluded.cost_basis, cash = excluded.cash, ' +
    'realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid, entry_time = excluded.entry_time, ' +
    'entry_price = excluded.entry_price',
  selectPositions: 'SELECT crew_id, symbol, quantity, cost_basis, cash, realized_pnl, fees_paid, entry_time, entry_price ' + 'FROM positions ORDER BY crew_id',

  insertEquity: 'INSERT INTO equity_snapshots (scope, equity, at) VALUES (?, ?, ?)',
  selectEquity: 'SELECT scope, equity, at FROM equity_snapshots WHERE scope = ? AND at >= ? ORDER BY at, id',

  insertAdvice: 'INSERT INTO advice (crew_id, advice_key, candle_time, action, size, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  insertRiskEvent: 'INSERT INTO risk_events (crew_id, advice_key, rule, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)',
  insertAudit: 'INSERT INTO audit (actor, via, action, detail, at) VALUES (?, ?, ?, ?, ?)',

  selectHalt: 'SELECT level, reason, actor, since FROM halt WHERE id = 1',
  upsertHalt:
    'INSERT INTO halt (id, level, reason, actor, since) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ' +
    'level = excluded.level, reason = excluded.reason, actor = excluded.actor, since = excluded.since',

  selectSetting: 'SELECT value FROM settings WHERE key = ?',
  upsertSetting: 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
} as const;

type StatementName = keyof typeof SQL;
type Statements = { readonly [K in StatementName]: Statement };

/** A list query: optional equality/lower-bound filters, oldest first — or newest first when limited. */
interface ListQuery {
  readonly from: string;
  readonly where: readonly (readonly [condition: string, value: SqlValue | undefined])[];
  /** Columns that order the rows oldest first, e.g. ['at', 'id']. */
  readonly order: readonly string[];
  readonly limit: number | undefined;
}

export class SqliteJournal implements Journal {
  /** Opens (creating if needed) and migrates a journal file; ':memory:' gives a private in-memory one.
   * A writable open of a file takes its lock (JournalLockedError when a live process holds it) and
   * refuses a damaged file (JournalDamagedError). */
  static open(file: string, options: SqliteJournalOptions = {}): SqliteJournal {
    const readonly = options.readonly ?? false;
    const migrations = options.migrations ?? MIGRATIONS;
    const onDisk = file !== ':memory:' && file !== '';
    let db: Database;
    try {
      db = openDatabase(file, readonly);
    } catch (error) {
      if (isDamage(error)) throw new JournalDamagedError(file, errorMessage(error));
      throw new JournalError('open', file, errorMessage(error), { cause: error });
    }
    // The lock before anything is written (opening writes nothing): a second desk must not so much
    // as migrate a file another one trades on.
    let lock: JournalLock | null = null;
    try {
      lock = !readonly && onDisk ? JournalLock.acquire(file) : null;
    } catch (error) {
      db.close();
      throw error;
    }
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (!readonly) {
        // Damage is found before anything is written on top of it.
        const problems = query<{ quick_check: string }>(db, 'PRAGMA quick_check(5)').map((r) => r.quick_check);
        if (problems.length !== 1 || problems[0] !== 'ok') throw new JournalDamagedError(file, problems.join('; '));
      }
      if (!readonly && onDisk) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw new Error(`could not switch to WAL (got ${String(mode)})`);
      }
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
      // A transaction() inside the turn's transaction is a savepoint, whose copies of the pages it
      // changes (SQLite's sub-journal) went to a temporary file past 64 KiB: for a 20-crew close
      // ~260 writes of 4 KiB before the commit's own, ~40 % of its CPU. In memory they cost a copy each;
      // rollback is the same. (This connection's sorts and temporary tables are in memory too.)
      db.pragma('temp_store = MEMORY');
      // A checkpoint (copying the WAL back, with its fsyncs) every ~40 MB of WAL rather than ~4 MB:
      // a page written by many commits is copied once (measured: ~15 % less CPU per commit). Once the
      // journal is busy, a worker thread checkpoints instead (wal-checkpointer.ts); this one then
      // only bounds the WAL when the writer outruns it.
      db.pragma('wal_autocheckpoint = 10000');
      let replayed = NOTHING_REPLAYED;
      if (readonly) {
        const pending = pendingMigrations(db, migrations);
        if (pending.length > 0) {
          const names = pending.map((m) => `${m.id} (${m.name})`).join(', ');
          throw new Error(`the journal needs migrations ${names}; open it read-write once first`);
        }
      } else {
        migrate(db, migrations, Date.now);
      }
      const statements = prepareAll(db);
      if (!readonly && onDisk) {
        if (options.intentLog === true) {
          replayed = replayLegacyIntents(db, file, { insert: (row, next) => runInsertOrder(statements, row, next) }, Date.now());
        }
        if (lock?.tookOver) {
          statements.insertAudit.run('journal', 'journal', 'journal.stale-lock-taken-over', JSON.stringify(lock.tookOver), Date.now());
        }
      }
      return new SqliteJournal(file, readonly, db, statements, lock, replayed);
    } catch (error) {
      db.close();
      lock?.release();
      if (error instanceof JournalError) throw error;
      if (isDamage(error)) throw new JournalDamagedError(file, errorMessage(error));
      throw new JournalError('open', file, errorMessage(error), { cause: error });
    }
  }

  private closed = false;
  /** The first fail-stop error; every write throws once it is set. */
  private failure: JournalError | null = null;
  private readonly failureListeners = new Set<(error: Error) => void>();
  /** Filtered list queries, prepared on first use. */
  private readonly listStatements = new Map<string, Statement>();
  /** Runs a function in a transaction (BEGIN IMMEDIATE; a savepoint inside another). */
  private readonly inTransaction: <T>(fn: () => T) => T;
  /** The commit of the open transaction, due at the end of this turn of the event loop. */
  private commitDue: NodeJS.Immediate | null = null;
  /** How deep the caller's transaction() calls are nested (an order inserted inside commits when they end). */
  private callerDepth = 0;
  private commitCount = 0;
  private orderInCallerTransaction = false;
  private checkpointer: WalCheckpointer | null = null;

  private constructor(
    /** The file this journal writes (or ':memory:'). */
    readonly file: string,
    readonly isReadonly: boolean,
    private readonly db: Database,
    private readonly s: Statements,
    private readonly lock: JournalLock | null,
    /** What open() replayed from an older crewdesk's intent log. */
    readonly intentReplay: IntentReplay,
  ) {
    const run = db.transaction((fn: () => unknown) => fn());
    this.inTransaction = <T>(fn: () => T): T => run.immediate(fn) as T;
  }

  /** The process whose stale lock this open took over (it had died holding it), or null. */
  get tookOverLockOf(): LockHolder | null {
    return this.lock?.tookOver ?? null;
  }

  /** Hears how long each commit took (seconds): /metrics' journal write latency. Beyond the port. */
  onCommitTimed: ((seconds: number) => void) | null = null;

  /** Transactions committed since open (beyond the port: for benchmarks). */
  get commits(): number {
    return this.commitCount;
  }

  /** The first failed write, once the journal has stopped writing; null while it writes. */
  get failed(): Error | null {
    return this.failure;
  }

  // ── lifecycle ──

  /** Commits what this turn has written so far (the end of the turn would have). */
  flush(): void {
    if (this.closed) throw new JournalClosedError('flush', undefined, this.file);
    if (this.callerDepth === 0) this.commitOpen('flush');
  }

  /** Closes the file and releases the lock. Calling it again does nothing; any other call afterwards throws. */
  close(): void {
    if (this.closed) return;
    try {
      this.commitOpen('close');
    } catch {
      // A journal that cannot write has told its listeners; closing goes on.
    }
    this.closed = true;
    this.checkpointer?.close();
    try {
      this.db.close();
    } catch (error) {
      throw new JournalError('close', this.file, errorMessage(error), { cause: error });
    } finally {
      this.lock?.release();
    }
  }

  transaction<T>(fn: () => T): T {
    this.callerDepth++;
    try {
      return this.write('transaction', undefined, () => this.inTransaction(fn));
    } finally {
      this.callerDepth--;
      // An order inserted inside is durable when the outermost transaction() returns.
      if (this.callerDepth === 0 && this.orderInCallerTransaction) {
        this.orderInCallerTransaction = false;
        this.commitOpen('transaction');
      }
    }
  }

  onFailure(listener: (error: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Caps the file at its current size (or `pages` pages), so the next write needing a page fails
   * with SQLITE_FULL as on a full disk (beyond the port: for tests of the fail-stop path). Returns the cap. */
  limitPages(pages?: number): number {
    const cap = pages ?? (this.db.pragma('page_count', { simple: true }) as number);
    return this.db.pragma(`max_page_count = ${Math.floor(cap)}`, { simple: true }) as number;
  }

  // ── crew instances ──

  saveCrewInstance(record: CrewInstanceRecord): void {
    this.write('saveCrewInstance', record.id, () => this.s.upsertCrew.run(...crewParams(record)));
  }

  getCrewInstances(): CrewInstanceRecord[] {
    return this.read('getCrewInstances', undefined, () => (this.s.selectCrews.all() as CrewRow[]).map(toCrewInstance));
  }

  updateCrewStatus(id: string, status: CrewStatus, reason: string, at: number): void {
    this.write('updateCrewStatus', id, () => {
      if (this.s.updateCrewStatus.run(status, reason, at, id).changes === 0) throw new Error(`crew instance ${id} is not journaled`);
    });
  }

  /** The state as it is now: a crew may go on changing the object after the call. */
  saveCrewState(id: string, state: Readonly<Record<string, unknown>>, at: number): void {
    this.write('saveCrewState', id, () => {
      if (this.s.updateCrewState.run(JSON.stringify(state), at, id).changes === 0) throw new Error(`crew instance ${id} is not journaled`);
    });
  }

  // ── orders and fills ──

  insertOrder(order: Order, nextOrderSeq: number): void {
    const id = order.clientOrderId;
    try {
      this.write('insertOrder', id, () => this.inTransaction(() => runInsertOrder(this.s, orderParams(order), nextOrderSeq)));
      // Write-ahead: the order row (and everything written before it) is committed before this returns.
      if (this.callerDepth === 0) this.commitOpen('insertOrder', id);
      else this.orderInCallerTransaction = true;
    } catch (error) {
      throw this.orderConflict(order, error);
    }
  }

  /** Turns a unique-constraint failure of insertOrder into an OrderConflictError naming the key. */
  private orderConflict(order: Order, error: unknown): unknown {
    const code = sqliteCode((error as { cause?: unknown }).cause);
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return error;
    const message = errorMessage(error);
    if (message.includes('orders.client_order_id')) {
      return new OrderConflictError(order.clientOrderId, 'clientOrderId', order.clientOrderId, `client order id ${order.clientOrderId} is already journaled`);
    }
    if (message.includes('orders.advice_key') || message.includes('orders_by_advice')) {
      const existing = this.s.selectOrderByAdvice.get(order.adviceKey, order.adviceKey, order.adviceKey) as OrderRow | undefined;
      const existingId = existing?.client_order_id ?? null;
      return new OrderConflictError(
        order.clientOrderId,
        'adviceKey',
        existingId,
        `advice key ${order.adviceKey} already has order ${existingId ?? '(unknown)'}`,
      );
    }
    return error;
  }

  updateOrder(order: Order, from: OrderStatus, reason: string): void {
    this.write('updateOrder', order.clientOrderId, () => this.inTransaction(() => this.runOrderUpdate(order, from, reason)));
  }

  recordFill(fill: JournalFill, position: Position, order: Order, from: OrderStatus): boolean {
    const key = `${fill.clientOrderId}, ${fill.symbol} trade ${fill.tradeId}`;
    return this.write('recordFill', key, () =>
      this.inTransaction(() => {
        // The unique (symbol, trade_id) makes a replayed fill a no-op; nothing else is written then.
        if (this.s.insertFill.run(...fillParams(fill)).changes === 0) return false;
        this.s.upsertPosition.run(...positionParams(position));
        this.runOrderUpdate(order, from, `fill ${fill.tradeId}`);
        return true;
      }),
    );
  }

  private runOrderUpdate(order: Order, from: OrderStatus, reason: string): void {
    const id = order.clientOrderId;
    const executedQty = toText(order.executedQty);
    const updated = this.s.updateOrder.run(order.status, order.exchangeOrderId ?? null, executedQty, toText(order.cumulativeQuote), order.updatedAt, id);
    if (updated.changes === 0) throw new Error(`order ${id} is not journaled`);
    this.s.insertOrderEvent.run(id, from, order.status, executedQty, reason, order.updatedAt);
  }

  getOrder(clientOrderId: string): Order | null {
    return this.read('getOrder', clientOrderId, () => {
      const row = this.s.selectOrder.get(clientOrderId) as OrderRow | undefined;
      return row === undefined ? null : toOrder(row);
    });
  }

  getOrderByAdvice(adviceKey: string): Order | null {
    return this.read('getOrderByAdvice', adviceKey, () => {
      const row = this.s.selectOrderByAdvice.get(adviceKey, adviceKey, adviceKey) as OrderRow | undefined;
      return row === undefined ? null : toOrder(row);
    });
  }

  getOpenOrders(): Order[] {
    return this.read('getOpenOrders', undefined, () => (this.s.selectOpenOrders.all() as OrderRow[]).map(toOrder));
  }

  /** Oldest first; newest first when limit is set (like getFills). */
  getOrders(filter: { crewId?: string; since?: number; limit?: number } = {}): Order[] {
    return this.read('getOrders', filter.crewId, () =>
      this.list<OrderRow>(ORDER_COLUMNS, {
        from: 'orders',
        where: [
          ['crew_id = ?', filter.crewId],
          ['created_at >= ?', filter.since],
        ],
        order: ['created_at', 'rowid'],
        limit: filter.limit,
      }).map(toOrder),
    );
  }

  /** Every state change of one order, oldest first (beyond the port: for reports and tests). */
  getOrderEvents(clientOrderId: string): OrderEventRecord[] {
    return this.read('getOrderEvents', clientOrderId, () => (this.s.selectOrderEvents.all(clientOrderId) as OrderEventRow[]).map(toOrderEvent));
  }

  getFills(filter: { crewId?: string; symbol?: string; since?: number; limit?: number } = {}): JournalFill[] {
    return this.read('getFills', filter.crewId ?? filter.symbol, () =>
      this.list<FillRow>(FILL_COLUMNS, {
        from: 'fills',
        where: [
          ['crew_id = ?', filter.crewId],
          ['symbol = ?', filter.symbol],
          ['time >= ?', filter.since],
        ],
        order: ['time', 'id'],
        limit: filter.limit,
      }).map(toFill),
    );
  }

  // ── positions and equity ──

  savePosition(position: Position): void {
    this.write('savePosition', position.crewId, () => this.s.upsertPosition.run(...positionParams(position)));
  }

  getPositions(): Position[] {
    return this.read('getPositions', undefined, () => (this.s.selectPositions.all() as PositionRow[]).map(toPosition));
  }

  recordEquity(points: readonly EquityPoint[]): void {
    if (points.length === 0) return this.flush();
    const key = `${points.length} point${points.length === 1 ? '' : 's'}`;
    this.write('recordEquity', key, () =>
      this.inTransaction(() => {
        for (const p of points) this.s.insertEquity.run(p.scope, decimalText(p.equity), p.at);
      }),
    );
  }

  /** Oldest first. */
  getEquity(scope: string, since?: number): EquityPoint[] {
    return this.read('getEquity', scope, () => (this.s.selectEquity.all(scope, since ?? Number.MIN_SAFE_INTEGER) as EquityRow[]).map(toEquity));
  }

  // ── advice, risk, audit ──

  recordAdvice(advice: AdviceRecord): void {
    this.write('recordAdvice', advice.adviceKey, () =>
      this.s.insertAdvice.run(advice.crewId, advice.adviceKey, advice.candleTime, advice.action, advice.size, advice.reason, advice.at),
    );
  }

  /** Oldest first; newest first when limit is set. */
  getAdvice(filter: { crewId?: string; limit?: number } = {}): AdviceRecord[] {
    return this.read('getAdvice', filter.crewId, () =>
      this.list<AdviceRow>('crew_id, advice_key, candle_time, action, size, reason, at', {
        from: 'advice',
        where: [['crew_id = ?', filter.crewId]],
        order: ['id'],
        limit: filter.limit,
      }).map(toAdvice),
    );
  }

  recordRiskEvent(event: RiskEventRecord): void {
    this.write('recordRiskEvent', event.adviceKey ?? event.rule, () =>
      this.s.insertRiskEvent.run(event.crewId, event.adviceKey, event.rule, event.reason, json(event.detail), event.at),
    );
  }

  /** Oldest first; newest first when limit is set. */
  getRiskEvents(filter: { crewId?: string; since?: number; limit?: number } = {}): RiskEventRecord[] {
    return this.read('getRiskEvents', filter.crewId, () =>
      this.list<RiskEventRow>('crew_id, advice_key, rule, reason, detail, at', {
        from: 'risk_events',
        where: [
          ['crew_id = ?', filter.crewId],
          ['at >= ?', filter.since],
        ],
        order: ['at', 'id'],
        limit: filter.limit,
      }).map(toRiskEvent),
    );
  }

  recordAudit(entry: AuditRecord): void {
    this.write('recordAudit', entry.action, () => this.runAudit(entry));
  }

  /** Oldest first; newest first when limit is set. */
  getAudit(filter: { limit?: number; before?: number } = {}): AuditRecord[] {
    return this.read('getAudit', undefined, () =>
      this.list<AuditRow>('id, actor, via, action, detail, at', {
        from: 'audit',
        where: [['id < ?', filter.before]],
        order: ['id'],
        limit: filter.limit,
      }).map(toAudit),
    );
  }

  // ── halt and settings ──

  getHalt(): HaltState {
    return this.read('getHalt', undefined, () => {
      const row = this.s.selectHalt.get() as HaltRow | undefined;
      return row === undefined ? NOT_HALTED : toHalt(row);
    });
  }

  setHalt(state: HaltState, audit: AuditRecord): void {
    this.write('setHalt', state.level, () =>
      this.inTransaction(() => {
        this.s.upsertHalt.run(state.level, state.reason, state.actor, state.since);
        this.runAudit(audit);
      }),
    );
  }

  getSetting<T = unknown>(key: string): T | null {
    return this.read('getSetting', key, () => {
      const row = this.s.selectSetting.get(key) as { value: string } | undefined;
      return row === undefined ? null : (JSON.parse(row.value) as T);
    });
  }

  setSetting(key: string, value: unknown, audit: AuditRecord | null): void {
    this.write('setSetting', key, () => {
      const text = JSON.stringify(value) as string | undefined;
      if (text === undefined) throw new TypeError(`setting ${key}: ${typeof value} is not JSON`);
      this.inTransaction(() => {
        this.s.upsertSetting.run(key, text);
        if (audit) this.runAudit(audit);
      });
    });
  }

  private runAudit(entry: AuditRecord): void {
    this.s.insertAudit.run(entry.actor, entry.via, entry.action, json(entry.detail), entry.at);
  }

  // ── schema ──

  /** The migrations applied to this file, in order (beyond the port: for `doctor` and tests). */
  getAppliedMigrations(): AppliedMigration[] {
    return this.read('getAppliedMigrations', undefined, () => appliedMigrations(this.db));
  }

  // ── calls ──

  /** A state-changing call: refused once closed, read-only or failed; a fail-stop error (errors.ts)
   * stops all writing from here on and tells the listeners, once. */
  private write<T>(method: string, key: string | undefined, body: () => T): T {
    if (this.closed) throw new JournalClosedError(method, key, this.file);
    if (this.isReadonly) throw new JournalError(method, key, `the journal (${this.file}) is open read-only`);
    if (this.failure !== null) throw new JournalFailedError(method, key, this.file, this.failure);
    try {
      if (!this.db.inTransaction) {
        this.s.begin.run();
        this.commitDue = setImmediate(() => this.commitAtTurnEnd());
      }
      // A single statement is all or nothing by itself; a write of several wraps them in a savepoint
      // (this.inTransaction) — ~6 µs a write, which the writes made on every candle do not pay.
      return body();
    } catch (error) {
      const wrapped = wrapError(method, key, error);
      // Inside a caller's transaction() the innermost write sees it first; once is enough.
      if (isFailStop(wrapped instanceof JournalError ? wrapped.code : undefined) && this.failure === null) this.fail(wrapped as JournalError);
      throw wrapped;
    }
  }

  /** Commits the open transaction, if any; a failure to commit is the journal's (fail-stop). */
  private commitOpen(method: string, key?: string): void {
    if (this.commitDue !== null) {
      clearImmediate(this.commitDue);
      this.commitDue = null;
    }
    if (this.closed || !this.db.inTransaction) return;
    try {
      const started = this.onCommitTimed === null ? 0 : performance.now();
      this.s.commit.run();
      if (++this.commitCount === CHECKPOINTER_AFTER_COMMITS) this.startCheckpointer();
      if (this.onCommitTimed !== null) this.timed(started);
    } catch (error) {
      // Some failures end the transaction themselves; the others leave it to be rolled back.
      if (this.db.inTransaction) {
        try {
          this.s.rollback.run();
        } catch {
          // Rolled back already.
        }
      }
      const wrapped = wrapError(method, key, error) as JournalError;
      if (this.failure === null) this.fail(wrapped);
      throw wrapped;
    }
  }

  private timed(started: number): void {
    try {
      this.onCommitTimed?.((performance.now() - started) / 1000);
    } catch {
      // A measurement never fails a commit.
    }
  }

  private startCheckpointer(): void {
    if (this.isReadonly || this.lock === null) return;
    this.checkpointer = WalCheckpointer.start(this.file, { intervalMs: CHECKPOINT_INTERVAL_MS });
  }

  private commitAtTurnEnd(): void {
    this.commitDue = null;
    // A caller's transaction() never spans turns (it is synchronous), but be sure.
    if (this.callerDepth > 0) return;
    try {
      this.commitOpen('commit');
    } catch {
      // Told to the onFailure listeners; there is no caller here to throw to.
    }
  }

  private fail(error: JournalError): void {
    this.failure = error;
    for (const listener of [...this.failureListeners]) {
      try {
        listener(error);
      } catch {
        // A listener that throws must not hide the failure from the caller or the other listeners.
      }
    }
  }

  private read<T>(method: string, key: string | undefined, body: () => T): T {
    if (this.closed) throw new JournalClosedError(method, key, this.file);
    try {
      return body();
    } catch (error) {
      throw wrapError(method, key, error);
    }
  }

  private list<Row>(columns: string, q: ListQuery): Row[] {
    const conditions: string[] = [];
    const params: SqlValue[] = [];
    for (const [condition, value] of q.where) {
      if (value === undefined) continue;
      conditions.push(condition);
      params.push(value);
    }
    const limited = q.limit !== undefined;
    if (limited && !(Number.isInteger(q.limit) && (q.limit as number) >= 0)) {
      throw new RangeError(`limit must be a non-negative integer: ${q.limit}`);
    }
    const order = q.order.map((c) => (limited ? `${c} DESC` : c)).join(', ');
    const sql =
      `SELECT ${columns} FROM ${q.from}` +
      (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') +
      ` ORDER BY ${order}` +
      (limited ? ' LIMIT ?' : '');
    if (limited) params.push(q.limit as number);
    let statement = this.listStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.listStatements.set(sql, statement);
    }
    return statement.all(...params) as Row[];
  }

  toString(): string {
    return `SqliteJournal(${this.file})`;
  }
}

function prepareAll(db: Database): Statements {
  const entries = Object.entries(SQL) as [StatementName, string][];
  return Object.fromEntries(
    entries.map(([name, sql]) => {
      try {
        return [name, db.prepare(sql)];
      } catch (error) {
        throw new Error(`preparing ${name}: ${errorMessage(error)}`, { cause: error });
      }
    }),
  ) as Statements;
}

/** A new order's statements, from its `orders` row (orderParams): the row, its first event, the crew's
 * next sequence. Replaying an older crewdesk's intent log runs the same ones. */
function runInsertOrder(s: Statements, row: readonly SqlValue[], nextOrderSeq: number): void {
  const at = (k: keyof typeof ORDER_ROW): SqlValue => row[ORDER_ROW[k]]!;
  // An older crewdesk's intent log holds rows from before the purpose column: those are trades.
  s.insertOrder.run(...(row.length === ORDER_ROW_LENGTH_BEFORE_PURPOSE ? [...row, 'trade'] : row));
  s.insertOrderEvent.run(at('clientOrderId'), null, at('status'), at('executedQty'), at('reason'), at('createdAt'));
  s.bumpOrderSeq.run(nextOrderSeq, at('crewId'));
}

/** An error that says the file is not a sound database. */
function isDamage(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
