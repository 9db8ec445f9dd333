// The journal on SQLite (the `sqlite3` package). One connection, one queue: every call — write
// or read — runs after the calls issued before it, so writes commit in call order and a read
// sees every write issued before it and never half of one. Each state-changing call is one
// BEGIN IMMEDIATE … COMMIT, rolled back whole on any error. Statements are prepared once.
import type { HaltState, Order, OrderStatus, Position } from '../core/domain.ts';
import { toText } from '../core/money.ts';
import type {
  AdviceRecord,
  AuditRecord,
  CrewInstanceRecord,
  CrewStatus,
  EquityPoint,
  Journal,
  JournalFill,
  RiskEventRecord,
} from '../ports/journal.ts';
import { JournalClosedError, JournalError, OrderConflictError, wrapError } from './errors.ts';
import { type AppliedMigration, appliedMigrations, migrate, pendingMigrations } from './migrate.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
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
import {
  all,
  closeDatabase,
  type Database,
  exec,
  finalize,
  NO_PARAMS,
  openDatabase,
  prepare,
  query,
  run,
  type SqlValue,
  type Statement,
} from './sqlite.ts';

export { JournalClosedError, JournalError, OrderConflictError } from './errors.ts';
export type { OrderEventRecord } from './rows.ts';
export type { AppliedMigration } from './migrate.ts';

export interface SqliteJournalOptions {
  /** Open without writing: no migrations (the file must be current), every write rejects. */
  readonly readonly?: boolean;
  /** The schema to bring the file to; MIGRATIONS unless a test or tool says otherwise. */
  readonly migrations?: readonly Migration[];
}

/** How long a write waits for another connection's lock (a second process, a read-only viewer). */
const BUSY_TIMEOUT_MS = 5_000;

const NOT_HALTED: HaltState = Object.freeze({ level: 'none', reason: '', actor: '', since: null });

const ORDER_COLUMNS =
  'client_order_id, crew_id, advice_key, symbol, side, type, quantity, quote_quantity, price, stop_price, ' +
  'time_in_force, status, exchange_order_id, executed_qty, cumulative_quote, reason, created_at, updated_at';
const FILL_COLUMNS =
  'symbol, trade_id, client_order_id, crew_id, exchange_order_id, side, price, quantity, quote_quantity, fee, ' +
  'fee_asset, time';
const CREW_COLUMNS =
  'id, module, team, symbol, interval, params, capital, status, status_reason, state, next_order_seq, ' +
  'created_at, updated_at';
const OPEN_STATUSES = `('new','submitted','partially_filled','unknown')`;

/** Every fixed statement, prepared at open. Positional parameters follow rows.ts's *Params functions. */
const SQL = {
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',

  // A re-save keeps the creation time and never moves the order sequence back: a stale record
  // must not make the crew reuse a client order id.
  upsertCrew:
    `INSERT INTO crew_instances (${CREW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
    'ON CONFLICT (id) DO UPDATE SET module = excluded.module, team = excluded.team, symbol = excluded.symbol, ' +
    'interval = excluded.interval, params = excluded.params, capital = excluded.capital, status = excluded.status, ' +
    'status_reason = excluded.status_reason, state = excluded.state, ' +
    'next_order_seq = max(crew_instances.next_order_seq, excluded.next_order_seq), updated_at = excluded.updated_at',
  selectCrews: `SELECT ${CREW_COLUMNS} FROM crew_instances ORDER BY created_at, id`,
  updateCrewStatus: 'UPDATE crew_instances SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?',
  updateCrewState: 'UPDATE crew_instances SET state = ?, updated_at = ? WHERE id = ?',
  bumpOrderSeq: 'UPDATE crew_instances SET next_order_seq = max(next_order_seq, ?) WHERE id = ?',

  insertOrder: `INSERT INTO orders (${ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  updateOrder:
    'UPDATE orders SET status = ?, exchange_order_id = ?, executed_qty = ?, cumulative_quote = ?, updated_at = ? ' +
    'WHERE client_order_id = ?',
  insertOrderEvent:
    'INSERT INTO order_events (client_order_id, from_status, to_status, executed_qty, reason, at) ' +
    'VALUES (?, ?, ?, ?, ?, ?)',
  selectOrder: `SELECT ${ORDER_COLUMNS} FROM orders WHERE client_order_id = ?`,
  selectOrderByAdvice: `SELECT ${ORDER_COLUMNS} FROM orders WHERE advice_key = ?`,
  selectOpenOrders: `SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN ${OPEN_STATUSES} ORDER BY created_at, rowid`,
  selectOrderEvents:
    'SELECT client_order_id, from_status, to_status, executed_qty, reason, at FROM order_events ' +
    'WHERE client_order_id = ? ORDER BY id',

  insertFill:
    `INSERT INTO fills (${FILL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
    'ON CONFLICT (symbol, trade_id) DO NOTHING',

  upsertPosition:
    'INSERT INTO positions (crew_id, symbol, quantity, cost_basis, cash, realized_pnl, fees_paid, entry_time, entry_price) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (crew_id) DO UPDATE SET symbol = excluded.symbol, ' +
    'quantity = excluded.quantity, cost_basis = excluded.cost_basis, cash = excluded.cash, ' +
    'realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid, entry_time = excluded.entry_time, ' +
    'entry_price = excluded.entry_price',
  selectPositions:
    'SELECT crew_id, symbol, quantity, cost_basis, cash, realized_pnl, fees_paid, entry_time, entry_price ' +
    'FROM positions ORDER BY crew_id',

  // All points of a batch in one statement: one round trip to the SQLite thread however many there are.
  insertEquity:
    'INSERT INTO equity_snapshots (scope, equity, at) ' +
    "SELECT value ->> '$.scope', value ->> '$.equity', value ->> '$.at' FROM json_each(?) ORDER BY key",
  selectEquity: 'SELECT scope, equity, at FROM equity_snapshots WHERE scope = ? AND at >= ? ORDER BY at, id',

  insertAdvice:
    'INSERT INTO advice (crew_id, advice_key, candle_time, action, size, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  insertRiskEvent:
    'INSERT INTO risk_events (crew_id, advice_key, rule, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)',
  insertAudit: 'INSERT INTO audit (actor, via, action, detail, at) VALUES (?, ?, ?, ?, ?)',

  selectHalt: 'SELECT level, reason, actor, since FROM halt WHERE id = 1',
  upsertHalt:
    'INSERT INTO halt (id, level, reason, actor, since) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ' +
    'level = excluded.level, reason = excluded.reason, actor = excluded.actor, since = excluded.since',

  selectSetting: 'SELECT value FROM settings WHERE key = ?',
  upsertSetting: 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
} as const;

type Statements = { readonly [K in keyof typeof SQL]: Statement };

/** A list query: optional equality/lower-bound filters, oldest first — or newest first when limited. */
interface ListQuery {
  readonly from: string;
  readonly where: readonly (readonly [condition: string, value: SqlValue | undefined])[];
  /** Columns that order the rows oldest first, e.g. ['at', 'id']. */
  readonly order: readonly string[];
  readonly limit: number | undefined;
}

export class SqliteJournal implements Journal {
  /** Opens (creating if needed) and migrates a journal file; ':memory:' gives a private in-memory one. */
  static async open(file: string, options: SqliteJournalOptions = {}): Promise<SqliteJournal> {
    const readonly = options.readonly ?? false;
    const migrations = options.migrations ?? MIGRATIONS;
    let db: Database;
    try {
      db = await openDatabase(file, readonly);
    } catch (error) {
      throw new JournalError('open', file, errorMessage(error), { cause: error });
    }
    try {
      await exec(db, `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (!readonly && file !== ':memory:' && file !== '') {
        // WAL: readers never block the writer; with synchronous=NORMAL a commit is not an fsync
        // (a power cut can lose the last commits, never corrupt the file).
        const [mode] = await query<{ journal_mode: string }>(db, 'PRAGMA journal_mode = WAL');
        if (mode?.journal_mode !== 'wal') throw new Error(`could not switch to WAL (got ${mode?.journal_mode})`);
      }
      await exec(db, 'PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL');
      if (readonly) {
        const pending = await pendingMigrations(db, migrations);
        if (pending.length > 0) {
          const names = pending.map((m) => `${m.id} (${m.name})`).join(', ');
          throw new Error(`the journal needs migrations ${names}; open it read-write once first`);
        }
      } else {
        await migrate(db, migrations, Date.now);
      }
      const statements = await prepareAll(db);
      return new SqliteJournal(file, readonly, db, statements);
    } catch (error) {
      await closeDatabase(db).catch(() => undefined);
      throw new JournalError('open', file, errorMessage(error), { cause: error });
    }
  }

  /** Settles after every call issued so far; never rejects (each call's promise carries its own error). */
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  /** Filtered list queries, prepared on first use. */
  private readonly listStatements = new Map<string, Promise<Statement>>();

  private constructor(
    /** The file this journal writes (or ':memory:'). */
    readonly file: string,
    readonly isReadonly: boolean,
    private readonly db: Database,
    private readonly s: Statements,
  ) {}

  // ── lifecycle ──

  /** Waits for every call issued so far. A failed write is reported by its own promise only. */
  flush(): Promise<void> {
    if (this.closing) return Promise.reject(new JournalClosedError('flush', undefined, this.file));
    return this.tail.then(() => undefined);
  }

  /** Flushes and closes. Calling it again returns the same promise; any other call afterwards rejects. */
  close(): Promise<void> {
    this.closing ??= this.tail.then(() => this.shutdown());
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // sqlite3_close refuses while statements are alive.
    const lists = await Promise.allSettled(this.listStatements.values());
    const statements = [
      ...Object.values(this.s),
      ...lists.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    ];
    await Promise.all(statements.map(finalize));
    try {
      await closeDatabase(this.db);
    } catch (error) {
      throw new JournalError('close', this.file, errorMessage(error), { cause: error });
    }
  }

  // ── crew instances ──

  saveCrewInstance(record: CrewInstanceRecord): Promise<void> {
    return this.write('saveCrewInstance', record.id, async () => {
      await run(this.s.upsertCrew, crewParams(record));
    });
  }

  getCrewInstances(): Promise<CrewInstanceRecord[]> {
    return this.read('getCrewInstances', undefined, async () =>
      (await all<CrewRow>(this.s.selectCrews, NO_PARAMS)).map(toCrewInstance),
    );
  }

  updateCrewStatus(id: string, status: CrewStatus, reason: string, at: number): Promise<void> {
    return this.write('updateCrewStatus', id, async () => {
      const changed = await run(this.s.updateCrewStatus, [status, reason, at, id]);
      if (changed === 0) throw new Error(`crew instance ${id} is not journaled`);
    });
  }

  saveCrewState(id: string, state: Readonly<Record<string, unknown>>, at: number): Promise<void> {
    return this.write('saveCrewState', id, async () => {
      const changed = await run(this.s.updateCrewState, [JSON.stringify(state), at, id]);
      if (changed === 0) throw new Error(`crew instance ${id} is not journaled`);
    });
  }

  // ── orders and fills ──

  insertOrder(order: Order, nextOrderSeq: number): Promise<void> {
    const id = order.clientOrderId;
    return this.enqueue('insertOrder', id, async () => {
      try {
        await this.transaction(async () => {
          await run(this.s.insertOrder, orderParams(order));
          const executedQty = toText(order.executedQty);
          await run(this.s.insertOrderEvent, [id, null, order.status, executedQty, order.reason, order.createdAt]);
          await run(this.s.bumpOrderSeq, [nextOrderSeq, order.crewId]);
        });
      } catch (error) {
        throw await this.orderConflict(order, error);
      }
    }, true);
  }

  /** Turns a unique-constraint failure of insertOrder into an OrderConflictError naming the key. */
  private async orderConflict(order: Order, error: unknown): Promise<unknown> {
    const message = errorMessage(error);
    if (message.includes('UNIQUE constraint failed: orders.client_order_id')) {
      return new OrderConflictError(
        order.clientOrderId,
        'clientOrderId',
        order.clientOrderId,
        `client order id ${order.clientOrderId} is already journaled`,
      );
    }
    if (message.includes('UNIQUE constraint failed: orders.advice_key')) {
      const [existing] = await all<OrderRow>(this.s.selectOrderByAdvice, [order.adviceKey]);
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

  updateOrder(order: Order, from: OrderStatus, reason: string): Promise<void> {
    const id = order.clientOrderId;
    return this.write('updateOrder', id, () => this.applyOrderUpdate(order, from, reason));
  }

  /** The order row and its transition event; the caller holds the transaction. */
  private async applyOrderUpdate(order: Order, from: OrderStatus, reason: string): Promise<void> {
    const id = order.clientOrderId;
    const executedQty = toText(order.executedQty);
    const changed = await run(this.s.updateOrder, [
      order.status,
      order.exchangeOrderId ?? null,
      executedQty,
      toText(order.cumulativeQuote),
      order.updatedAt,
      id,
    ]);
    if (changed === 0) throw new Error(`order ${id} is not journaled`);
    await run(this.s.insertOrderEvent, [id, from, order.status, executedQty, reason, order.updatedAt]);
  }

  recordFill(fill: JournalFill, position: Position, order: Order, from: OrderStatus): Promise<boolean> {
    const key = `${fill.clientOrderId}, ${fill.symbol} trade ${fill.tradeId}`;
    return this.write('recordFill', key, async () => {
      // The unique (symbol, trade_id) makes a replayed fill a no-op; nothing else is written then.
      if ((await run(this.s.insertFill, fillParams(fill))) === 0) return false;
      await run(this.s.upsertPosition, positionParams(position));
      await this.applyOrderUpdate(order, from, `fill ${fill.tradeId}`);
      return true;
    });
  }

  getOrder(clientOrderId: string): Promise<Order | null> {
    return this.read('getOrder', clientOrderId, async () => {
      const [row] = await all<OrderRow>(this.s.selectOrder, [clientOrderId]);
      return row === undefined ? null : toOrder(row);
    });
  }

  getOrderByAdvice(adviceKey: string): Promise<Order | null> {
    return this.read('getOrderByAdvice', adviceKey, async () => {
      const [row] = await all<OrderRow>(this.s.selectOrderByAdvice, [adviceKey]);
      return row === undefined ? null : toOrder(row);
    });
  }

  getOpenOrders(): Promise<Order[]> {
    return this.read('getOpenOrders', undefined, async () =>
      (await all<OrderRow>(this.s.selectOpenOrders, NO_PARAMS)).map(toOrder),
    );
  }

  /** Oldest first; newest first when limit is set (like getFills). */
  getOrders(filter: { crewId?: string; since?: number; limit?: number } = {}): Promise<Order[]> {
    return this.read('getOrders', filter.crewId, async () => {
      const rows = await this.list<OrderRow>(ORDER_COLUMNS, {
        from: 'orders',
        where: [
          ['crew_id = ?', filter.crewId],
          ['created_at >= ?', filter.since],
        ],
        order: ['created_at', 'rowid'],
        limit: filter.limit,
      });
      return rows.map(toOrder);
    });
  }

  /** Every state change of one order, oldest first (beyond the port: for reports and tests). */
  getOrderEvents(clientOrderId: string): Promise<OrderEventRecord[]> {
    return this.read('getOrderEvents', clientOrderId, async () =>
      (await all<OrderEventRow>(this.s.selectOrderEvents, [clientOrderId])).map(toOrderEvent),
    );
  }

  getFills(filter: { crewId?: string; symbol?: string; since?: number; limit?: number } = {}): Promise<JournalFill[]> {
    return this.read('getFills', filter.crewId ?? filter.symbol, async () => {
      const rows = await this.list<FillRow>(FILL_COLUMNS, {
        from: 'fills',
        where: [
          ['crew_id = ?', filter.crewId],
          ['symbol = ?', filter.symbol],
          ['time >= ?', filter.since],
        ],
        order: ['time', 'id'],
        limit: filter.limit,
      });
      return rows.map(toFill);
    });
  }

  // ── positions and equity ──

  savePosition(position: Position): Promise<void> {
    return this.write('savePosition', position.crewId, async () => {
      await run(this.s.upsertPosition, positionParams(position));
    });
  }

  getPositions(): Promise<Position[]> {
    return this.read('getPositions', undefined, async () =>
      (await all<PositionRow>(this.s.selectPositions, NO_PARAMS)).map(toPosition),
    );
  }

  recordEquity(points: readonly EquityPoint[]): Promise<void> {
    const key = `${points.length} point${points.length === 1 ? '' : 's'}`;
    if (points.length === 0) return this.read('recordEquity', key, async () => undefined);
    return this.write('recordEquity', key, async () => {
      const batch = points.map((p) => ({ scope: p.scope, equity: decimalText(p.equity), at: p.at }));
      await run(this.s.insertEquity, [JSON.stringify(batch)]);
    });
  }

  /** Oldest first. */
  getEquity(scope: string, since?: number): Promise<EquityPoint[]> {
    return this.read('getEquity', scope, async () =>
      (await all<EquityRow>(this.s.selectEquity, [scope, since ?? Number.MIN_SAFE_INTEGER])).map(toEquity),
    );
  }

  // ── advice, risk, audit ──

  recordAdvice(advice: AdviceRecord): Promise<void> {
    return this.write('recordAdvice', advice.adviceKey, async () => {
      await run(this.s.insertAdvice, [
        advice.crewId,
        advice.adviceKey,
        advice.candleTime,
        advice.action,
        advice.size,
        advice.reason,
        advice.at,
      ]);
    });
  }

  /** Oldest first; newest first when limit is set. */
  getAdvice(filter: { crewId?: string; limit?: number } = {}): Promise<AdviceRecord[]> {
    return this.read('getAdvice', filter.crewId, async () => {
      const rows = await this.list<AdviceRow>('crew_id, advice_key, candle_time, action, size, reason, at', {
        from: 'advice',
        where: [['crew_id = ?', filter.crewId]],
        order: ['id'],
        limit: filter.limit,
      });
      return rows.map(toAdvice);
    });
  }

  recordRiskEvent(event: RiskEventRecord): Promise<void> {
    return this.write('recordRiskEvent', event.adviceKey ?? event.rule, async () => {
      await run(this.s.insertRiskEvent, [
        event.crewId,
        event.adviceKey,
        event.rule,
        event.reason,
        json(event.detail),
        event.at,
      ]);
    });
  }

  /** Oldest first; newest first when limit is set. */
  getRiskEvents(filter: { crewId?: string; since?: number; limit?: number } = {}): Promise<RiskEventRecord[]> {
    return this.read('getRiskEvents', filter.crewId, async () => {
      const rows = await this.list<RiskEventRow>('crew_id, advice_key, rule, reason, detail, at', {
        from: 'risk_events',
        where: [
          ['crew_id = ?', filter.crewId],
          ['at >= ?', filter.since],
        ],
        order: ['at', 'id'],
        limit: filter.limit,
      });
      return rows.map(toRiskEvent);
    });
  }

  recordAudit(entry: AuditRecord): Promise<void> {
    return this.write('recordAudit', entry.action, () => this.insertAudit(entry));
  }

  private async insertAudit(entry: AuditRecord): Promise<void> {
    await run(this.s.insertAudit, [entry.actor, entry.via, entry.action, json(entry.detail), entry.at]);
  }

  /** Oldest first; newest first when limit is set. */
  getAudit(filter: { limit?: number } = {}): Promise<AuditRecord[]> {
    return this.read('getAudit', undefined, async () => {
      const rows = await this.list<AuditRow>('actor, via, action, detail, at', {
        from: 'audit',
        where: [],
        order: ['at', 'id'],
        limit: filter.limit,
      });
      return rows.map(toAudit);
    });
  }

  // ── halt and settings ──

  getHalt(): Promise<HaltState> {
    return this.read('getHalt', undefined, async () => {
      const [row] = await all<HaltRow>(this.s.selectHalt, NO_PARAMS);
      return row === undefined ? NOT_HALTED : toHalt(row);
    });
  }

  setHalt(state: HaltState, audit: AuditRecord): Promise<void> {
    return this.write('setHalt', state.level, async () => {
      await run(this.s.upsertHalt, [state.level, state.reason, state.actor, state.since]);
      await this.insertAudit(audit);
    });
  }

  getSetting<T = unknown>(key: string): Promise<T | null> {
    return this.read('getSetting', key, async () => {
      const [row] = await all<{ value: string }>(this.s.selectSetting, [key]);
      return row === undefined ? null : (JSON.parse(row.value) as T);
    });
  }

  setSetting(key: string, value: unknown, audit: AuditRecord | null): Promise<void> {
    return this.write('setSetting', key, async () => {
      const text = JSON.stringify(value) as string | undefined;
      if (text === undefined) throw new TypeError(`setting ${key}: ${typeof value} is not JSON`);
      await run(this.s.upsertSetting, [key, text]);
      if (audit) await this.insertAudit(audit);
    });
  }

  // ── schema ──

  /** The migrations applied to this file, in order (beyond the port: for `doctor` and tests). */
  getAppliedMigrations(): Promise<AppliedMigration[]> {
    return this.read('getAppliedMigrations', undefined, () => appliedMigrations(this.db));
  }

  // ── the queue ──

  /** A state-changing call: one transaction, in call order. */
  private write<T>(method: string, key: string | undefined, body: () => Promise<T>): Promise<T> {
    return this.enqueue(method, key, () => this.transaction(body), true);
  }

  /** A read, in call order with the writes (so it sees every write issued before it). */
  private read<T>(method: string, key: string | undefined, body: () => Promise<T>): Promise<T> {
    return this.enqueue(method, key, body, false);
  }

  private enqueue<T>(method: string, key: string | undefined, work: () => Promise<T>, writes: boolean): Promise<T> {
    if (this.closing) return Promise.reject(new JournalClosedError(method, key, this.file));
    if (writes && this.isReadonly) {
      return Promise.reject(new JournalError(method, key, `the journal (${this.file}) is open read-only`));
    }
    // The queue's own chain never rejects, and nothing here handles the caller's promise: a write
    // nobody awaits that fails is an unhandled rejection — loud, never silently lost.
    return new Promise<T>((resolve, reject) => {
      this.tail = this.tail.then(async () => {
        try {
          resolve(await work());
        } catch (error) {
          reject(wrapError(method, key, error));
        }
      });
    });
  }

  /** BEGIN IMMEDIATE takes the write lock up front, so a busy file fails before anything is written. */
  private async transaction<T>(body: () => Promise<T>): Promise<T> {
    await run(this.s.begin, NO_PARAMS);
    try {
      const result = await body();
      await run(this.s.commit, NO_PARAMS);
      return result;
    } catch (error) {
      // A failed COMMIT may have rolled back already; the original error is the one to report.
      await run(this.s.rollback, NO_PARAMS).catch(() => undefined);
      throw error;
    }
  }

  private async list<Row>(columns: string, q: ListQuery): Promise<Row[]> {
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
    return all<Row>(await this.listStatement(sql), params);
  }

  private listStatement(sql: string): Promise<Statement> {
    let statement = this.listStatements.get(sql);
    if (statement === undefined) {
      statement = prepare(this.db, sql);
      this.listStatements.set(sql, statement);
      statement.catch(() => this.listStatements.delete(sql));
    }
    return statement;
  }

  toString(): string {
    return `SqliteJournal(${this.file})`;
  }
}

async function prepareAll(db: Database): Promise<Statements> {
  const entries = Object.entries(SQL) as [keyof typeof SQL, string][];
  const prepared = await Promise.allSettled(entries.map(([, sql]) => prepare(db, sql)));
  const failed = prepared.findIndex((r) => r.status === 'rejected');
  if (failed >= 0) {
    await Promise.all(prepared.flatMap((r) => (r.status === 'fulfilled' ? [finalize(r.value)] : [])));
    const [name] = entries[failed]!;
    throw new Error(`preparing ${name}: ${errorMessage((prepared[failed] as PromiseRejectedResult).reason)}`);
  }
  return Object.fromEntries(
    entries.map(([name], i) => [name, (prepared[i] as PromiseFulfilledResult<Statement>).value]),
  ) as Statements;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
