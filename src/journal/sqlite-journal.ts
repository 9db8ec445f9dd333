// The journal on SQLite (the `sqlite3` package). One connection, one queue: every call — write
// or read — runs after the calls issued before it, so writes commit in call order and a read
// sees every write issued before it and never half of one.
//
// Group commit: a state-changing call is a list of steps (statement + values), taken at the call.
// The queue drains in rounds; the writes queued between two reads commit as one transaction, sent
// to SQLite as one script (batch-script.ts) — one trip to sqlite3's worker thread for the lot, in
// which each table the batch writes gets one statement for all its rows (GROUPINGS below).
// A batch is all or nothing, so each write in it is too. Anything unusual fails the batch: an
// error, or a statement that changed fewer rows than the writes need. The batch is then rolled
// back and each of its writes runs again on its own, in its own transaction, statement by
// statement through prepared statements — there a write resolves or rejects exactly as it always
// has (a replayed fill resolves false, a duplicate order is an OrderConflictError), and the
// others commit.
//
// The write-ahead intent log (intent-log.ts): for an order about to be sent to a real exchange,
// `insertOrderNow` makes the order durable synchronously — one append to a file beside the
// journal — and queues its SQLite write as usual; the order can go out at once instead of after
// the commit. It does so only when it can tell synchronously that SQLite will take the row: its
// crew is journaled, its values fit the table's checks, and no order has its client order id or
// advice key (a KeyFilter of every order's keys says "certainly not"). Otherwise it returns null
// and the caller awaits `insertOrder`, which decides as it always has. `open` replays what the
// log still holds into SQLite before anything reads the journal.
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
import {
  BatchScript,
  CREATE_GUARD_TABLE,
  type Grouping,
  type Groupings,
  type Step as StepOf,
} from './batch-script.ts';
import { hasLiteral, SqlTemplate } from './sql-literal.ts';
import { type IntentFile, IntentLog, intentLogPath, readIntents } from './intent-log.ts';
import { KeyFilter } from './key-filter.ts';
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
import {
  all,
  closeDatabase,
  type Database,
  each,
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

/** How the writes so far were committed (beyond the port: for benchmarks and tests). */
export interface WriteStats {
  /** Batches committed, each one transaction sent in one sqlite3 call. */
  readonly batches: number;
  readonly batchedWrites: number;
  /** Batches that failed and were rolled back; their writes then ran one by one. */
  readonly failedBatches: number;
  /** Writes run in a transaction of their own: those of a failed batch, and those with a value
   * that has no SQL literal. */
  readonly writesAlone: number;
}

/** What open() replayed from the write-ahead intent log (intent-log.ts). */
export interface IntentReplay {
  /** Orders that were only in the intent log (made durable, then the process stopped before their
   * commit): now in the journal, open, for reconciliation to ask the exchange about. */
  readonly inserted: readonly string[];
  /** Intents whose order the journal had already. */
  readonly alreadyJournaled: number;
  /** Intents not replayed, and why. */
  readonly skipped: readonly string[];
}

const NOTHING_REPLAYED: IntentReplay = Object.freeze({ inserted: [], alreadyJournaled: 0, skipped: [] });

export interface SqliteJournalOptions {
  /** Open without writing: no migrations (the file must be current), every write rejects. */
  readonly readonly?: boolean;
  /** The schema to bring the file to; MIGRATIONS unless a test or tool says otherwise. */
  readonly migrations?: readonly Migration[];
  /** Keep the write-ahead intent log for insertOrderNow (and replay what a previous run left in it):
   * for a desk whose venue is a real exchange. An in-process venue never asks for it. */
  readonly intentLog?: boolean;
}

/** What insertOrderNow needs: the log, and what tells a row certain to be accepted. */
interface WriteAhead {
  readonly log: IntentLog;
  /** Client order ids and advice keys of every order journaled or queued. */
  readonly orderKeys: KeyFilter;
  /** Crews whose record has committed (an order's foreign key). */
  readonly crewIds: Set<string>;
}

/** How long a write waits for another connection's lock (a second process, a read-only viewer). */
const BUSY_TIMEOUT_MS = 5_000;

/** At most this many writes per transaction: bounds the script's size (~0.3 MB) and, should one
 * write fail, how many run again one by one. Bigger batches would gain little: past a few hundred
 * writes, the cost is SQLite running each row, not the trip, the compiling or the commit. */
const MAX_BATCH_WRITES = 1_000;

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

  // One point per row: in a batch, consecutive points share one multi-row INSERT.
  insertEquity: 'INSERT INTO equity_snapshots (scope, equity, at) VALUES (?, ?, ?)',
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

type StatementName = keyof typeof SQL;
type Statements = { readonly [K in StatementName]: Statement };

/** The same statements, for writing their values in as literals. */
const TEMPLATES = Object.fromEntries(
  Object.entries(SQL).map(([name, sql]) => [name, SqlTemplate.compile(sql)]),
) as { readonly [K in StatementName]: SqlTemplate };

/** One statement of a write (batch-script.ts), named after its entry in SQL. */
type Step = StepOf<StatementName>;

/** The rows of an INSERT … VALUES statement of SQL, grouped (batch-script.ts). */
function insertRows(name: StatementName, rank: number, more: Partial<Grouping> = {}): Grouping {
  const row = TEMPLATES[name].row;
  if (row === null) throw new TypeError(`${name} is not an INSERT … VALUES (?, …)`);
  return { rank, head: row.head, tail: row.tail, ...more };
}

/** Ranks: orders are created, then updated, then everything that refers to them. */
const ORDERS = 0;
const ORDER_UPDATES = 1;
const REFERRING = 2;

/** How the statements of the writes made all the time — per candle, order and fill — share one
 * statement per table in a batch. The rest (crew creation and status, halt, settings) go in order;
 * so crews, which rows of every other table refer to, are only ever created in order. A statement
 * grouped here that creates rows others refer to needs `defines`, and those that refer to them
 * `refersTo` (batch-script.ts). */
const GROUPINGS: Groupings<StatementName> = {
  insertOrder: insertRows('insertOrder', ORDERS, { defines: 0 }),
  // Only an order's last update in a batch is written. The ones before are never checked by SQLite,
  // but each has its event row, which checks the same status, executed quantity and time (the
  // exchange order id and cumulative quote check nothing): nothing is let through.
  updateOrder: {
    rank: ORDER_UPDATES,
    head:
      'UPDATE orders SET status = v.column1, exchange_order_id = v.column2, executed_qty = v.column3, ' +
      'cumulative_quote = v.column4, updated_at = v.column5 FROM (VALUES ',
    tail: ') AS v WHERE orders.client_order_id = v.column6',
    key: (p) => String(p[5]),
    refersTo: 5,
  },
  insertOrderEvent: insertRows('insertOrderEvent', REFERRING, { refersTo: 0 }),
  insertFill: insertRows('insertFill', REFERRING, {
    key: (p) => `${String(p[0]).length}:${String(p[0])}${String(p[1])}`,
    refersTo: 2,
  }),
  upsertPosition: insertRows('upsertPosition', REFERRING, { key: (p) => String(p[0]), collapsible: isPositionRow }),
  updateCrewState: {
    rank: REFERRING,
    head: 'UPDATE crew_instances SET state = v.column1, updated_at = v.column2 FROM (VALUES ',
    tail: ') AS v WHERE crew_instances.id = v.column3',
    key: (p) => String(p[2]),
    // A JSON object's text, as the CHECK wants, and an integer time.
    collapsible: (p) => typeof p[0] === 'string' && p[0].startsWith('{') && Number.isSafeInteger(p[1]),
  },
  bumpOrderSeq: {
    rank: REFERRING,
    head: 'UPDATE crew_instances SET next_order_seq = max(crew_instances.next_order_seq, v.column1) FROM (VALUES ',
    tail: ') AS v WHERE crew_instances.id = v.column2',
    key: (p) => String(p[1]),
    merge: (earlier, later) => [Math.max(earlier[0] as number, later[0] as number), later[1]!],
    collapsible: (p) => Number.isSafeInteger(p[0]),
  },
  insertEquity: insertRows('insertEquity', REFERRING),
  insertAdvice: insertRows('insertAdvice', REFERRING),
  insertRiskEvent: insertRows('insertRiskEvent', REFERRING),
  insertAudit: insertRows('insertAudit', REFERRING),
};

/** A position row a later one may replace: each column holds a value its STRICT type takes (the
 * crew, and so its foreign key, is the same for both). Column order: positionParams. */
function isPositionRow(p: readonly SqlValue[]): boolean {
  for (let i = 0; i < 7; i++) if (typeof p[i] !== 'string') return false;
  return (p[7] === null || Number.isSafeInteger(p[7])) && (p[8] === null || typeof p[8] === 'string');
}

interface QueuedWrite {
  readonly kind: 'write';
  readonly method: string;
  readonly key: string | undefined;
  readonly steps: readonly Step[];
  /** False when a value has no SQL literal: the write then runs on its own, its values bound. */
  readonly batchable: boolean;
  /** Turns the error of the write run on its own into the caller's (insertOrder's conflicts). */
  readonly explain: ((error: unknown) => Promise<unknown>) | undefined;
  /** true when every step ran; false when a `skip` step ended the write. */
  readonly reportsCompleted: boolean;
  /** Settles the caller's promise: with `completed` when the write reports it, else undefined. */
  readonly resolve: (value: boolean | undefined) => void;
  readonly reject: (error: Error) => void;
}

interface QueuedRead {
  readonly kind: 'read';
  /** Runs the read and settles its caller's promise; never rejects. */
  readonly run: () => Promise<void>;
}

type Queued = QueuedWrite | QueuedRead;

function isBatchable(call: Queued): call is QueuedWrite {
  return call.kind === 'write' && call.batchable;
}

function notJournaled(what: string): Step['unchanged'] {
  return { fail: `${what} is not journaled` };
}

/** An order's row and its transition event. */
/** A new order's statements, from its `orders` row (orderParams): the row, its first event, the crew's
 * next sequence. Replaying the intent log runs the same ones. */
function insertOrderSteps(row: readonly SqlValue[], nextOrderSeq: number): Step[] {
  const at = (k: keyof typeof ORDER_ROW): SqlValue => row[ORDER_ROW[k]]!;
  return [
    { sql: 'insertOrder', params: row },
    { sql: 'insertOrderEvent', params: [at('clientOrderId'), null, at('status'), at('executedQty'), at('reason'), at('createdAt')] },
    { sql: 'bumpOrderSeq', params: [nextOrderSeq, at('crewId')] },
  ];
}

function orderUpdateSteps(order: Order, from: OrderStatus, reason: string): Step[] {
  const id = order.clientOrderId;
  const executedQty = toText(order.executedQty);
  const row = [order.status, order.exchangeOrderId ?? null, executedQty, toText(order.cumulativeQuote), order.updatedAt, id];
  return [
    { sql: 'updateOrder', params: row, unchanged: notJournaled(`order ${id}`) },
    { sql: 'insertOrderEvent', params: [id, from, order.status, executedQty, reason, order.updatedAt] },
  ];
}

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
        await exec(db, CREATE_GUARD_TABLE);
      }
      // The intent log belongs to the desk trading on a real exchange: only such an open replays
      // what a previous run left in it (before anything reads the journal) and reopens it empty.
      // Any other open — a paper desk, a tool writing results — leaves the file alone.
      let writeAhead: WriteAhead | null = null;
      let replayed = NOTHING_REPLAYED;
      if (options.intentLog === true && !readonly && file !== ':memory:' && file !== '') {
        const path = intentLogPath(file);
        replayed = await replayIntents(db, readIntents(path), Date.now());
        writeAhead = { log: new IntentLog(path), orderKeys: new KeyFilter(), crewIds: new Set() };
        await loadKeys(db, writeAhead.orderKeys, writeAhead.crewIds);
      }
      const statements = await prepareAll(db);
      return new SqliteJournal(file, readonly, db, statements, writeAhead, replayed);
    } catch (error) {
      await closeDatabase(db).catch(() => undefined);
      throw new JournalError('open', file, errorMessage(error), { cause: error });
    }
  }

  /** Calls issued and not yet run, in call order. */
  private queue: Queued[] = [];
  private draining = false;
  /** insertOrderNow was called since the current drain started. */
  private ordersInFlight = false;
  private readonly stats = { batches: 0, batchedWrites: 0, failedBatches: 0, writesAlone: 0 };
  private closing: Promise<void> | null = null;
  /** Filtered list queries, prepared on first use. */
  private readonly listStatements = new Map<string, Promise<Statement>>();

  private constructor(
    /** The file this journal writes (or ':memory:'). */
    readonly file: string,
    readonly isReadonly: boolean,
    private readonly db: Database,
    private readonly s: Statements,
    /** The write-ahead intent log and its helpers; null unless opened with `intentLog`. */
    private readonly writeAhead: WriteAhead | null,
    /** What open() replayed from the intent log. */
    readonly intentReplay: IntentReplay,
  ) {}

  // ── lifecycle ──

  /** Waits for every call issued so far. A failed write is reported by its own promise only. */
  flush(): Promise<void> {
    if (this.closing) return Promise.reject(new JournalClosedError('flush', undefined, this.file));
    return this.barrier();
  }

  /** Flushes and closes. Calling it again returns the same promise; any other call afterwards rejects. */
  close(): Promise<void> {
    this.closing ??= this.barrier().then(() => this.shutdown());
    return this.closing;
  }

  getWriteStats(): WriteStats {
    return { ...this.stats };
  }

  /** Settles after every call issued before it; never rejects. */
  private barrier(): Promise<void> {
    return new Promise((resolve) => this.push({ kind: 'read', run: async () => resolve() }));
  }

  private async shutdown(): Promise<void> {
    // sqlite3_close refuses while statements are alive.
    const lists = await Promise.allSettled(this.listStatements.values());
    const statements = [
      ...Object.values(this.s),
      ...lists.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    ];
    await Promise.all(statements.map(finalize));
    this.writeAhead?.log.close();
    try {
      await closeDatabase(this.db);
    } catch (error) {
      throw new JournalError('close', this.file, errorMessage(error), { cause: error });
    }
  }

  // ── crew instances ──

  saveCrewInstance(record: CrewInstanceRecord): Promise<void> {
    const saved = this.write('saveCrewInstance', record.id, () => [{ sql: 'upsertCrew', params: crewParams(record) }]);
    // Known to the intent log's checks once committed (until then its orders take the slow way).
    const crewIds = this.writeAhead?.crewIds;
    if (crewIds !== undefined && !crewIds.has(record.id)) saved.then(() => crewIds.add(record.id), () => undefined);
    return saved;
  }

  getCrewInstances(): Promise<CrewInstanceRecord[]> {
    return this.read('getCrewInstances', undefined, async () =>
      (await all<CrewRow>(this.s.selectCrews, NO_PARAMS)).map(toCrewInstance),
    );
  }

  updateCrewStatus(id: string, status: CrewStatus, reason: string, at: number): Promise<void> {
    return this.write('updateCrewStatus', id, () => [
      { sql: 'updateCrewStatus', params: [status, reason, at, id], unchanged: notJournaled(`crew instance ${id}`) },
    ]);
  }

  /** The state as it is now: a crew may go on changing the object after the call. */
  saveCrewState(id: string, state: Readonly<Record<string, unknown>>, at: number): Promise<void> {
    return this.write('saveCrewState', id, () => [
      { sql: 'updateCrewState', params: [JSON.stringify(state), at, id], unchanged: notJournaled(`crew instance ${id}`) },
    ]);
  }

  // ── orders and fills ──

  insertOrder(order: Order, nextOrderSeq: number): Promise<void> {
    const id = order.clientOrderId;
    this.writeAhead?.orderKeys.add(id);
    this.writeAhead?.orderKeys.add(order.adviceKey);
    return this.write('insertOrder', id, () => insertOrderSteps(orderParams(order), nextOrderSeq), (error) => this.orderConflict(order, error));
  }

  /**
   * insertOrder, made durable before this returns (the write-ahead intent log): the order may be
   * sent as soon as this returns a promise, which settles when the row has committed to SQLite (a
   * rejection is a journal error to report; the order stays in the intent log for the next open).
   * Null when the order cannot be made durable at once — no intent log (not opened with `intentLog`), the
   * journal closing, or the row not certain to be accepted (its crew not journaled yet, a value a
   * check could refuse, a client order id or advice key that may exist): nothing is written then,
   * and the caller must await insertOrder. Throws a JournalError when the log cannot be written.
   */
  insertOrderNow(order: Order, nextOrderSeq: number): Promise<void> | null {
    const writeAhead = this.writeAhead;
    if (writeAhead === null || this.closing !== null) return null;
    const { log: intents, orderKeys, crewIds } = writeAhead;
    const id = order.clientOrderId;
    if (!crewIds.has(order.crewId) || !fitsOrdersTable(order)) return null;
    if (orderKeys.mayHave(id) || orderKeys.mayHave(order.adviceKey)) return null;
    const row = orderParams(order);
    if (!row.every(hasLiteral) || !Number.isSafeInteger(nextOrderSeq)) return null;
    this.ordersInFlight = true;
    try {
      intents.append({ row, nextOrderSeq });
    } catch (error) {
      throw new JournalError('insertOrder', id, `the write-ahead intent log (${intents.path}) could not be written: ${errorMessage(error)}`, { cause: error });
    }
    const committed = this.insertOrder(order, nextOrderSeq);
    committed.then(
      () => intents.settled(true),
      () => intents.settled(false),
    );
    return committed;
  }

  /** Bytes the intent log holds now (beyond the port: for tests). */
  get intentLogSize(): number {
    return this.writeAhead?.log.size ?? 0;
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
    return this.write('updateOrder', order.clientOrderId, () => orderUpdateSteps(order, from, reason));
  }

  recordFill(fill: JournalFill, position: Position, order: Order, from: OrderStatus): Promise<boolean> {
    const key = `${fill.clientOrderId}, ${fill.symbol} trade ${fill.tradeId}`;
    const written = this.submit(
      'recordFill',
      key,
      undefined,
      () => [
        // The unique (symbol, trade_id) makes a replayed fill a no-op; nothing else is written then.
        { sql: 'insertFill', params: fillParams(fill), unchanged: 'skip' },
        { sql: 'upsertPosition', params: positionParams(position) },
        ...orderUpdateSteps(order, from, `fill ${fill.tradeId}`),
      ],
      true,
    );
    return written as Promise<boolean>;
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
    return this.write('savePosition', position.crewId, () => [{ sql: 'upsertPosition', params: positionParams(position) }]);
  }

  getPositions(): Promise<Position[]> {
    return this.read('getPositions', undefined, async () =>
      (await all<PositionRow>(this.s.selectPositions, NO_PARAMS)).map(toPosition),
    );
  }

  recordEquity(points: readonly EquityPoint[]): Promise<void> {
    const key = `${points.length} point${points.length === 1 ? '' : 's'}`;
    if (points.length === 0) return this.read('recordEquity', key, async () => undefined);
    return this.write('recordEquity', key, () =>
      points.map((p) => ({ sql: 'insertEquity', params: [p.scope, decimalText(p.equity), p.at] })),
    );
  }

  /** Oldest first. */
  getEquity(scope: string, since?: number): Promise<EquityPoint[]> {
    return this.read('getEquity', scope, async () =>
      (await all<EquityRow>(this.s.selectEquity, [scope, since ?? Number.MIN_SAFE_INTEGER])).map(toEquity),
    );
  }

  // ── advice, risk, audit ──

  recordAdvice(advice: AdviceRecord): Promise<void> {
    return this.write('recordAdvice', advice.adviceKey, () => [
      {
        sql: 'insertAdvice',
        params: [advice.crewId, advice.adviceKey, advice.candleTime, advice.action, advice.size, advice.reason, advice.at],
      },
    ]);
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
    return this.write('recordRiskEvent', event.adviceKey ?? event.rule, () => [
      {
        sql: 'insertRiskEvent',
        params: [event.crewId, event.adviceKey, event.rule, event.reason, json(event.detail), event.at],
      },
    ]);
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
    return this.write('recordAudit', entry.action, () => [auditStep(entry)]);
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
    return this.write('setHalt', state.level, () => [
      { sql: 'upsertHalt', params: [state.level, state.reason, state.actor, state.since] },
      auditStep(audit),
    ]);
  }

  getSetting<T = unknown>(key: string): Promise<T | null> {
    return this.read('getSetting', key, async () => {
      const [row] = await all<{ value: string }>(this.s.selectSetting, [key]);
      return row === undefined ? null : (JSON.parse(row.value) as T);
    });
  }

  setSetting(key: string, value: unknown, audit: AuditRecord | null): Promise<void> {
    return this.write('setSetting', key, () => {
      const text = JSON.stringify(value) as string | undefined;
      if (text === undefined) throw new TypeError(`setting ${key}: ${typeof value} is not JSON`);
      return [{ sql: 'upsertSetting', params: [key, text] }, ...(audit ? [auditStep(audit)] : [])];
    });
  }

  // ── schema ──

  /** The migrations applied to this file, in order (beyond the port: for `doctor` and tests). */
  getAppliedMigrations(): Promise<AppliedMigration[]> {
    return this.read('getAppliedMigrations', undefined, () => appliedMigrations(this.db));
  }

  // ── the queue ──

  /** A state-changing call. Its steps (and so its values) are taken now, at the call; they are
   * written in call order, in one transaction — usually shared with the writes around it. */
  private write(
    method: string,
    key: string | undefined,
    steps: () => readonly Step[],
    explain?: (error: unknown) => Promise<unknown>,
  ): Promise<void> {
    return this.submit(method, key, explain, steps, false) as Promise<undefined>;
  }

  /** Queues a write. With `reportsCompleted`, it resolves true when every step ran, false when a
   * `skip` step ended it; otherwise with undefined. (A flag, not a mapping closure per write: this
   * is every order, fill and candle's path.) */
  private submit(
    method: string,
    key: string | undefined,
    explain: ((error: unknown) => Promise<unknown>) | undefined,
    build: () => readonly Step[],
    reportsCompleted: boolean,
  ): Promise<boolean | undefined> {
    if (this.closing) return Promise.reject(new JournalClosedError(method, key, this.file));
    if (this.isReadonly) {
      return Promise.reject(new JournalError(method, key, `the journal (${this.file}) is open read-only`));
    }
    let steps: readonly Step[];
    let batchable = true;
    try {
      steps = build();
      for (const step of steps) {
        TEMPLATES[step.sql].checkCount(step.params);
        if (batchable && !step.params.every(hasLiteral)) batchable = false;
      }
    } catch (error) {
      return Promise.reject(wrapError(method, key, error));
    }
    // Nothing here handles the caller's promise: a write nobody awaits that fails is an unhandled
    // rejection — loud, never silently lost.
    return new Promise<boolean | undefined>((resolve, reject) => {
      this.push({ kind: 'write', method, key, steps, batchable, explain, reportsCompleted, resolve, reject });
    });
  }

  /** A read, in call order with the writes (so it sees every write issued before it). */
  private read<T>(method: string, key: string | undefined, body: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new JournalClosedError(method, key, this.file));
    return new Promise<T>((resolve, reject) => {
      this.push({
        kind: 'read',
        run: async () => {
          try {
            resolve(await body());
          } catch (error) {
            reject(wrapError(method, key, error));
          }
        },
      });
    });
  }

  private push(call: Queued): void {
    this.queue.push(call);
    if (!this.draining) {
      this.draining = true;
      void this.drain();
    }
  }

  /** Runs the queue in rounds until it is empty. A round takes every call queued when it starts:
   * the writes between two reads commit together, a read runs alone. Never rejects: every
   * outcome goes to its caller's promise. */
  private async drain(): Promise<void> {
    // One microtask first, so the writes of a synchronous burst all join the first batch.
    await undefined;
    // Orders made durable by the intent log in this burst are on their way to an exchange: rendering
    // the batch waits one turn of the event loop, so it does not hold up their sending (which the
    // exchange adapter finishes on the next tick). A backtest's writes never come this way.
    if (this.ordersInFlight) {
      this.ordersInFlight = false;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // `draining` turns false in the same step that finds the queue empty: a call pushed a microtask
    // later (say, by the caller of the last write) starts the next drain instead of being stranded.
    try {
      while (this.queue.length > 0) {
        const round = this.queue;
        this.queue = [];
        let i = 0;
        while (i < round.length) {
          const call = round[i]!;
          if (call.kind === 'read') {
            await call.run();
            i++;
          } else if (!isBatchable(call)) {
            await this.runAlone(call);
            i++;
          } else {
            const batch = [call];
            for (i++; i < round.length && batch.length < MAX_BATCH_WRITES; i++) {
              const next = round[i]!;
              if (!isBatchable(next)) break;
              batch.push(next);
            }
            await this.commitBatch(batch);
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** The batch in one transaction, one sqlite3 call. On failure: rolled back, and each write runs
   * again on its own, so only the failing one fails. */
  private async commitBatch(batch: readonly QueuedWrite[]): Promise<void> {
    /** Per write: false when the batch found it repeats a fill of an earlier write (nothing written). */
    let completed: boolean[] = [];
    let sent = false;
    try {
      const script = new BatchScript(TEMPLATES, GROUPINGS);
      completed = batch.map((write) => script.add(write.steps));
      const sql = script.finish();
      sent = true;
      await exec(this.db, sql);
    } catch {
      // A failed statement leaves the transaction open; some errors (a full disk) end it themselves.
      if (sent) await exec(this.db, 'ROLLBACK').catch(() => undefined);
      this.stats.failedBatches++;
      for (const write of batch) await this.runAlone(write);
      return;
    }
    this.stats.batches++;
    this.stats.batchedWrites += batch.length;
    batch.forEach((write, i) => write.resolve(write.reportsCompleted ? completed[i]! : undefined));
  }

  /** One write in its own transaction, statement by statement, with each statement's outcome. */
  private async runAlone(write: QueuedWrite): Promise<void> {
    this.stats.writesAlone++;
    let completed: boolean;
    try {
      completed = await this.transaction(async () => {
        for (const step of write.steps) {
          if ((await run(this.s[step.sql], step.params)) > 0 || step.unchanged === undefined) continue;
          if (step.unchanged === 'skip') return false;
          throw new Error(step.unchanged.fail);
        }
        return true;
      });
    } catch (error) {
      const explained = write.explain ? await write.explain(error).catch((e: unknown) => e) : error;
      write.reject(wrapError(write.method, write.key, explained));
      return;
    }
    write.resolve(write.reportsCompleted ? completed : undefined);
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

/** The values the orders table's CHECKs (migrations.ts) allow, by column: a test holds them to the
 * schema of a freshly migrated journal, so a later migration cannot leave this behind. */
export const ORDERS_TABLE_CHECKS = {
  side: new Set(['BUY', 'SELL']),
  type: new Set(['MARKET', 'LIMIT', 'STOP_LOSS', 'STOP_LOSS_LIMIT']),
  time_in_force: new Set(['GTC', 'IOC', 'FOK']),
  status: new Set(['new', 'submitted', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired', 'unknown']),
} as const;

/** Whether the orders table's checks (migrations.ts) accept this order's row. */
function fitsOrdersTable(order: Order): boolean {
  return (
    order.clientOrderId !== '' &&
    ORDERS_TABLE_CHECKS.side.has(order.side) &&
    ORDERS_TABLE_CHECKS.type.has(order.type) &&
    (order.timeInForce === undefined || ORDERS_TABLE_CHECKS.time_in_force.has(order.timeInForce)) &&
    ORDERS_TABLE_CHECKS.status.has(order.status) &&
    (order.quantity === undefined) !== (order.quoteQuantity === undefined) &&
    Number.isSafeInteger(order.createdAt) &&
    Number.isSafeInteger(order.updatedAt)
  );
}

/** Every order's client order id and advice key into the filter, and the crews' ids. */
async function loadKeys(db: Database, keys: KeyFilter, crewIds: Set<string>): Promise<void> {
  await each<{ client_order_id: string; advice_key: string }>(db, 'SELECT client_order_id, advice_key FROM orders', NO_PARAMS, (row) => {
    keys.add(row.client_order_id);
    keys.add(row.advice_key);
  });
  await each<{ id: string }>(db, 'SELECT id FROM crew_instances', NO_PARAMS, (row) => crewIds.add(row.id));
}

/**
 * Writes the orders the intent log holds and the journal lacks, each as insertOrder would have
 * (the row, its first event, the crew's next sequence), in one transaction with an audit entry.
 */
async function replayIntents(db: Database, file: IntentFile, now: number): Promise<IntentReplay> {
  const inserted: string[] = [];
  const skipped: string[] = [];
  let alreadyJournaled = 0;
  if (file.malformed > 0) skipped.push(`${file.malformed} incomplete line${file.malformed === 1 ? '' : 's'} (a write cut short: never sent)`);
  if (file.intents.length === 0) return { inserted, alreadyJournaled, skipped };
  await exec(db, 'BEGIN IMMEDIATE');
  try {
    for (const { row, nextOrderSeq } of file.intents) {
      const id = row[ORDER_ROW.clientOrderId];
      const adviceKey = row[ORDER_ROW.adviceKey];
      if (row.length !== TEMPLATES.insertOrder.placeholders || typeof id !== 'string') {
        skipped.push(`a line that is not an order row (${row.length} values)`);
        continue;
      }
      const found = await query<{ client_order_id: string }>(db, 'SELECT client_order_id FROM orders WHERE client_order_id = ? OR advice_key = ?', [id, adviceKey ?? null]);
      if (found.some((r) => r.client_order_id === id)) {
        alreadyJournaled++;
        continue;
      }
      if (found.length > 0) {
        skipped.push(`${id}: advice key ${String(adviceKey)} already has order ${found[0]!.client_order_id}`);
        continue;
      }
      await exec(db, 'SAVEPOINT intent');
      try {
        for (const step of insertOrderSteps(row, nextOrderSeq)) await query(db, SQL[step.sql], step.params);
        await exec(db, 'RELEASE intent');
        inserted.push(id);
      } catch (error) {
        await exec(db, 'ROLLBACK TO intent; RELEASE intent');
        skipped.push(`${id}: ${errorMessage(error)}`);
      }
    }
    const detail = JSON.stringify({ inserted, alreadyJournaled, skipped });
    await query(db, SQL.insertAudit, ['journal', 'journal', 'journal.intents-replayed', detail, now]);
    await exec(db, 'COMMIT');
  } catch (error) {
    await exec(db, 'ROLLBACK').catch(() => undefined);
    throw new Error(`replaying the intent log: ${errorMessage(error)}`, { cause: error });
  }
  return { inserted, alreadyJournaled, skipped };
}

function auditStep(entry: AuditRecord): Step {
  return { sql: 'insertAudit', params: [entry.actor, entry.via, entry.action, json(entry.detail), entry.at] };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
