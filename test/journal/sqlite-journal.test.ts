// The SQLite journal against real files: what crewdesk writes is what it reads back after a
// restart, each call is all-or-nothing and committed when it returns, in call order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order, Position } from '../../src/core/domain.ts';
import { dec } from '../../src/core/money.ts';
import type { AdviceRecord, CrewInstanceRecord, JournalFill } from '../../src/ports/journal.ts';
import { JournalConflictError } from '../../src/ports/journal.ts';
import { JournalClosedError, JournalError, OrderConflictError, SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { newOrder } from '../support/journal-records.ts';

const T0 = 1_700_000_000_000; // ms; above 2^31 on purpose, as every real timestamp is
const CREW = 'alpha.sma-btc';

let dir: string;
let file: string;
let journal: SqliteJournal;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crewdesk-journal-'));
  file = path.join(dir, 'journal.db');
  journal = await SqliteJournal.open(file);
});

afterEach(async () => {
  await journal.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// ── builders: one valid value each, overridden where a test cares ──

function crew(overrides: Partial<CrewInstanceRecord> = {}): CrewInstanceRecord {
  return {
    id: CREW,
    module: 'sma-crossover',
    team: 'alpha',
    symbol: 'BTCUSDT',
    interval: '15m',
    params: { fast: 9, slow: 21, exits: { stopLossPct: 2, trailing: null }, tags: ['trend'] },
    capital: '1000',
    status: 'active',
    statusReason: '',
    state: { lastCross: 'up', bars: 42 },
    nextOrderSeq: 1,
    venue: 'exchange',
    venueSince: T0,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function order(seq: number, overrides: Partial<Order> = {}): Order {
  const at = T0 + seq * 60_000;
  return newOrder({ clientOrderId: `cd-abc-${seq}`, crewId: CREW, adviceKey: `${CREW}@${at}`, reason: 'fast SMA crossed above slow', at }, overrides);
}

function fill(o: Order, tradeId: string, overrides: Partial<JournalFill> = {}): JournalFill {
  return {
    crewId: o.crewId,
    tradeId,
    clientOrderId: o.clientOrderId,
    exchangeOrderId: 'x-1',
    symbol: o.symbol,
    side: o.side,
    price: dec('29000.01'),
    quantity: dec('0.00344'),
    quoteQuantity: dec('99.7600344'),
    fee: dec('0.0997600344'),
    feeAsset: 'USDT',
    time: o.createdAt + 1,
    ...overrides,
  };
}

function position(overrides: Partial<Position> = {}): Position {
  return {
    crewId: CREW,
    symbol: 'BTCUSDT',
    quantity: dec('0.00344'),
    costBasis: dec('99.8597944344'),
    cash: dec('900.1402055656'),
    realizedPnl: dec(0),
    feesPaid: dec('0.0997600344'),
    entryTime: T0 + 60_001,
    entryPrice: dec('29000.01'),
    ...overrides,
  };
}

function advice(i: number, overrides: Partial<AdviceRecord> = {}): AdviceRecord {
  return { crewId: CREW, adviceKey: `${CREW}@a${i}`, candleTime: T0 + i, action: 'buy', size: 0.5, reason: `r${i}`, at: T0 + i, ...overrides };
}

/** The order after it filled completely by `f`. */
function filled(o: Order, f: JournalFill): Order {
  return {
    ...o,
    status: 'filled',
    exchangeOrderId: f.exchangeOrderId,
    executedQty: f.quantity,
    cumulativeQuote: f.quoteQuantity,
    updatedAt: f.time,
  };
}

/** Reads the file through a connection of its own, as another process (or a human with sqlite3) would. */
async function raw<T>(sql: string, params: (string | number)[] = []): Promise<T[]> {
  // What this turn wrote commits at its end: no flush, no close, just the event loop turning.
  await new Promise((resolve) => setImmediate(resolve));
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** What `fn` threw (the test fails if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

async function count(table: string): Promise<number> {
  const [row] = await raw<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return row!.n;
}

async function reopen(): Promise<void> {
  await journal.close();
  journal = await SqliteJournal.open(file);
}

// ── crew instances ──

describe('crew instances', () => {
  it('round-trip with their params and state as JSON, across a restart', async () => {
    await journal.saveCrewInstance(crew());
    await reopen();

    expect(await journal.getCrewInstances()).toEqual([crew()]);
    const [row] = await raw<{ params: string; capital: string }>('SELECT params, capital FROM crew_instances');
    expect(JSON.parse(row!.params)).toEqual(crew().params);
  });

  it('status and state changes are kept, with their time', async () => {
    await journal.saveCrewInstance(crew());
    await journal.updateCrewStatus(CREW, 'paused', 'drawdown limit hit', T0 + 5);
    await journal.saveCrewState(CREW, { lastCross: 'down', bars: 43 }, T0 + 6);

    const [saved] = await journal.getCrewInstances();
    expect(saved).toMatchObject({
      status: 'paused',
      statusReason: 'drawdown limit hit',
      state: { lastCross: 'down', bars: 43 },
      updatedAt: T0 + 6,
    });
  });

  it('a re-save keeps the creation time and never moves the order sequence back', async () => {
    await journal.saveCrewInstance(crew({ nextOrderSeq: 7 }));
    await journal.saveCrewInstance(crew({ nextOrderSeq: 3, createdAt: T0 + 99, updatedAt: T0 + 99, capital: '1500.50' }));

    const [saved] = await journal.getCrewInstances();
    expect(saved).toMatchObject({ nextOrderSeq: 7, createdAt: T0, updatedAt: T0 + 99, capital: '1500.5' });
  });

  it('changing a crew that was never saved is an error naming it', async () => {
    expect(() => journal.updateCrewStatus('ghost.crew', 'paused', 'x', T0)).toThrow(
      'journal.updateCrewStatus(ghost.crew): crew instance ghost.crew is not journaled',
    );
    expect(() => journal.saveCrewState('ghost.crew', {}, T0)).toThrow(/ghost\.crew is not journaled/);
  });

  it('the schema refuses an id outside [A-Za-z0-9_.-]', async () => {
    expect(() => journal.saveCrewInstance(crew({ id: 'bad id!' }))).toThrow(/journal\.saveCrewInstance\(bad id!\): SQLITE_CONSTRAINT: CHECK constraint failed/);
  });
});

// ── orders ──

describe('orders', () => {
  beforeEach(async () => {
    await journal.saveCrewInstance(crew());
  });

  it('write-ahead: the new order, its first event and the crew sequence land together', async () => {
    const o = order(1);
    await journal.insertOrder(o, 2);

    expect(await journal.getOrder(o.clientOrderId)).toEqual(o);
    expect(await journal.getOrderByAdvice(o.adviceKey)).toEqual(o);
    expect(await journal.getOrderEvents(o.clientOrderId)).toEqual([
      { clientOrderId: o.clientOrderId, from: null, to: 'new', executedQty: dec(0), reason: o.reason, at: o.createdAt },
    ]);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(2);
  });

  it('write-ahead: insertOrder returns with the order committed (and what was written before it), mid-turn', () => {
    journal.recordAdvice(advice(1));
    journal.insertOrder(order(1), 2);
    // Synchronously, before this turn ends: another connection (another process) sees both.
    const other = new Database(file, { readonly: true });
    try {
      expect(other.prepare('SELECT client_order_id FROM orders').all()).toEqual([{ client_order_id: 'cd-abc-1' }]);
      expect(other.prepare('SELECT count(*) AS n FROM advice').get()).toEqual({ n: 1 });
    } finally {
      other.close();
    }
  });

  it('keeps every transition, in order, and the open-orders view follows', async () => {
    const o = order(1, { type: 'LIMIT', quoteQuantity: undefined, quantity: dec('0.01'), price: dec('28000'), timeInForce: 'GTC' });
    await journal.insertOrder(o, 2);
    const submitted: Order = { ...o, status: 'submitted', exchangeOrderId: '123456', updatedAt: o.createdAt + 10 };
    await journal.updateOrder(submitted, 'new', 'accepted by exchange');
    expect((await journal.getOpenOrders()).map((x) => x.clientOrderId)).toEqual([o.clientOrderId]);

    const cancelled: Order = { ...submitted, status: 'cancelled', updatedAt: o.createdAt + 20 };
    await journal.updateOrder(cancelled, 'submitted', 'stale limit order');

    expect(await journal.getOrder(o.clientOrderId)).toEqual(cancelled);
    expect(await journal.getOpenOrders()).toEqual([]);
    const events = await journal.getOrderEvents(o.clientOrderId);
    expect(events.map((e) => [e.from, e.to, e.reason, e.at])).toEqual([
      [null, 'new', o.reason, o.createdAt],
      ['new', 'submitted', 'accepted by exchange', o.createdAt + 10],
      ['submitted', 'cancelled', 'stale limit order', o.createdAt + 20],
    ]);
  });

  it('a second order with the same client order id is a conflict naming it, and writes nothing', async () => {
    await journal.insertOrder(order(1), 2);
    const duplicate = order(1, { adviceKey: `${CREW}@other` });

    const error = thrown(() => journal.insertOrder(duplicate, 9));
    expect(error).toBeInstanceOf(JournalConflictError);
    expect(error).toMatchObject({ field: 'clientOrderId', existingClientOrderId: 'cd-abc-1' });
    expect((error as Error).message).toBe('journal.insertOrder(cd-abc-1): client order id cd-abc-1 is already journaled');
    expect(await journal.getOrderEvents('cd-abc-1')).toHaveLength(1);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(2);
  });

  it('a second order for the same advice is a conflict naming the advice and the order it has', async () => {
    await journal.insertOrder(order(1), 2);
    const sameAdvice = order(2, { adviceKey: order(1).adviceKey });

    const error = thrown(() => journal.insertOrder(sameAdvice, 3));
    expect(error).toBeInstanceOf(OrderConflictError);
    expect(error).toMatchObject({ field: 'adviceKey', existingClientOrderId: 'cd-abc-1' });
    expect((error as Error).message).toBe(`journal.insertOrder(cd-abc-2): advice key ${order(1).adviceKey} already has order cd-abc-1`);
    expect(await journal.getOrder('cd-abc-2')).toBeNull();
    expect(await count('order_events')).toBe(1);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(2);
  });

  it('an order of a crew that was never saved fails on the foreign key, naming the order', async () => {
    const error = thrown(() => journal.insertOrder(order(1, { crewId: 'ghost.crew' }), 2));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).code).toBe('SQLITE_CONSTRAINT');
    expect((error as Error).message).toBe('journal.insertOrder(cd-abc-1): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed');
  });

  it('an update of an order never journaled is an error, and leaves no event', async () => {
    expect(() => journal.updateOrder(order(5, { status: 'submitted' }), 'new', 'x')).toThrow('journal.updateOrder(cd-abc-5): order cd-abc-5 is not journaled');
    expect(await count('order_events')).toBe(0);
  });
});

// ── fills ──

describe('fills', () => {
  beforeEach(async () => {
    await journal.saveCrewInstance(crew());
  });

  it('a fill, the position and the order after it are written together', async () => {
    const o = order(1);
    await journal.insertOrder(o, 2);
    const f = fill(o, '9001');

    expect(await journal.recordFill(f, position(), filled(o, f), 'new')).toBe(true);

    expect(await journal.getFills()).toEqual([f]);
    expect(await journal.getPositions()).toEqual([position()]);
    expect(await journal.getOrder(o.clientOrderId)).toEqual(filled(o, f));
    expect((await journal.getOrderEvents(o.clientOrderId)).map((e) => [e.from, e.to, e.reason])).toEqual([
      [null, 'new', o.reason],
      ['new', 'filled', 'fill 9001'],
    ]);
  });

  it('a fill already journaled (same symbol and trade id) is ignored: false, nothing written', async () => {
    const o = order(1);
    await journal.insertOrder(o, 2);
    const f = fill(o, '9001');
    await journal.recordFill(f, position(), filled(o, f), 'new');

    // A replay after a reconnect: the same trade, with a (wrong) position that must not land.
    const replayed = await journal.recordFill(f, position({ cash: dec(0) }), filled(o, f), 'filled');

    expect(replayed).toBe(false);
    expect(await count('fills')).toBe(1);
    expect((await journal.getPositions())[0]!.cash).toEqual(position().cash);
    expect(await journal.getOrderEvents(o.clientOrderId)).toHaveLength(2);
  });

  it('the same trade id on another symbol is another fill', async () => {
    const btc = order(1);
    const eth = order(2, { symbol: 'ETHUSDT' });
    await journal.insertOrder(btc, 2);
    await journal.insertOrder(eth, 3);

    expect(await journal.recordFill(fill(btc, '77'), position(), filled(btc, fill(btc, '77')), 'new')).toBe(true);
    expect(await journal.recordFill(fill(eth, '77'), position(), filled(eth, fill(eth, '77')), 'new')).toBe(true);
    expect(await count('fills')).toBe(2);
  });

  it('a fill of an order never journaled violates the foreign key and writes nothing', async () => {
    const ghost = order(9);
    const f = fill(ghost, '1');

    expect(() => journal.recordFill(f, position(), filled(ghost, f), 'new')).toThrow(
      'journal.recordFill(cd-abc-9, BTCUSDT trade 1): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed',
    );
    expect(await count('fills')).toBe(0);
    expect(await count('positions')).toBe(0);
  });

  it('a statement failing mid-transaction rolls back the statements before it', async () => {
    const o = order(1);
    await journal.insertOrder(o, 2);
    const f = fill(o, '9001');

    // The fill row is written first; the position of an unknown crew then fails its foreign key.
    expect(() => journal.recordFill(f, position({ crewId: 'ghost.crew' }), filled(o, f), 'new')).toThrow(/FOREIGN KEY constraint failed/);
    // Fill and position written; the order update (third step) finds no order.
    expect(() => journal.recordFill(f, position(), filled({ ...o, clientOrderId: 'cd-abc-404' }, f), 'new')).toThrow(/order cd-abc-404 is not journaled/);

    expect(await count('fills')).toBe(0);
    expect(await count('positions')).toBe(0);
    expect(await journal.getOrder(o.clientOrderId)).toEqual(o);
    expect(await journal.getOrderEvents(o.clientOrderId)).toHaveLength(1);
    // And the journal goes on: the same fill, correct this time, is not mistaken for a duplicate.
    expect(await journal.recordFill(f, position(), filled(o, f), 'new')).toBe(true);
  });
});

// ── halt and settings ──

describe('halt', () => {
  it('is "none" when never set', async () => {
    expect(await journal.getHalt()).toEqual({ level: 'none', reason: '', actor: '', since: null });
  });

  it('survives a close and re-open, with its audit entry', async () => {
    const halt = { level: 'flatten', reason: 'exchange incident', actor: 'discord:ops#1', since: T0 } as const;
    await journal.setHalt(halt, { actor: 'discord:ops#1', via: 'discord', action: 'halt', detail: { level: 'flatten' }, at: T0 });
    await reopen();

    expect(await journal.getHalt()).toEqual(halt);
    expect(await journal.getAudit()).toEqual([{ seq: 1, actor: 'discord:ops#1', via: 'discord', action: 'halt', detail: { level: 'flatten' }, at: T0 }]);

    const resumed = { level: 'none', reason: 'resolved', actor: 'cli', since: null } as const;
    await journal.setHalt(resumed, { actor: 'cli', via: 'cli', action: 'resume', at: T0 + 1 });
    await reopen();
    expect(await journal.getHalt()).toEqual(resumed);
    expect(await count('halt')).toBe(1);
  });
});

describe('settings', () => {
  it('round-trip JSON values, overwrite, and say null when missing', async () => {
    await journal.setSetting('risk', { maxPositionPct: 25, symbols: ['BTCUSDT'], nested: { a: null } }, null);
    await journal.setSetting('mode', 'paper', null);
    await journal.setSetting('mode', 'live', null);
    await journal.setSetting('teams', [{ name: 'alpha', capital: '500.25' }], null);
    await reopen();

    expect(await journal.getSetting('risk')).toEqual({ maxPositionPct: 25, symbols: ['BTCUSDT'], nested: { a: null } });
    expect(await journal.getSetting<string>('mode')).toBe('live');
    expect(await journal.getSetting('teams')).toEqual([{ name: 'alpha', capital: '500.25' }]);
    expect(await journal.getSetting('never-set')).toBeNull();
  });

  it('write their audit entry in the same transaction, when one is given', async () => {
    await journal.setSetting('mode', 'paper', { actor: 'console', via: 'console', action: 'set mode', detail: { to: 'paper' }, at: T0 });
    await journal.setSetting('quiet', true, null);

    expect(await journal.getAudit()).toEqual([{ seq: 1, actor: 'console', via: 'console', action: 'set mode', detail: { to: 'paper' }, at: T0 }]);
  });

  it('refuse a value that is not JSON, writing neither the value nor its audit entry', async () => {
    expect(() => journal.setSetting('bad', undefined, { actor: 'cli', via: 'cli', action: 'set bad', at: T0 })).toThrow(
      /journal\.setSetting\(bad\): setting bad: undefined is not JSON/,
    );
    expect(await count('audit')).toBe(0);
  });
});

// ── money ──

describe('money', () => {
  beforeEach(async () => {
    await journal.saveCrewInstance(crew());
  });

  it('is stored as exact decimal text, never as a float', async () => {
    await journal.savePosition(position({ cash: dec('0.1').plus(dec('0.2')), costBasis: dec('12345678.12345678'), quantity: dec('0.00000001') }));

    const [row] = await raw<{ cash: string; cost_basis: string; quantity: string; t: string }>(
      'SELECT cash, cost_basis, quantity, typeof(cash) AS t FROM positions',
    );
    expect(row).toEqual({ cash: '0.3', cost_basis: '12345678.12345678', quantity: '0.00000001', t: 'text' });

    await reopen();
    const [read] = await journal.getPositions();
    expect(read!.cash.eq(dec('0.3'))).toBe(true);
    expect(read!.costBasis.toString()).toBe('12345678.12345678');
    expect(read!.quantity.toString()).toBe('0.00000001');
  });

  it('order and fill amounts round-trip digit for digit', async () => {
    const o = order(1, { quoteQuantity: dec('12345678.12345678') });
    await journal.insertOrder(o, 2);
    const f = fill(o, '1', { price: dec('0.00000123'), fee: dec('0.000000000000000001') });
    await journal.recordFill(f, position(), filled(o, f), 'new');

    const [readOrder] = await journal.getOrders();
    const [readFill] = await journal.getFills();
    expect(readOrder!.quoteQuantity!.toString()).toBe('12345678.12345678');
    expect(readFill!.price.toString()).toBe('0.00000123');
    expect(readFill!.fee.toString()).toBe('0.000000000000000001');
    const types = await raw<{ t: string }>('SELECT DISTINCT typeof(price) AS t FROM fills UNION SELECT typeof(quote_quantity) FROM orders');
    expect(types).toEqual([{ t: 'text' }]);
  });
});

// ── ordering and the queue ──

describe('write order', () => {
  it('writes commit in call order by the end of the turn: another connection sees them, no flush needed', async () => {
    await journal.saveCrewInstance(crew());
    const n = 300;
    for (let seq = 1; seq <= n; seq++) {
      const o = order(seq);
      journal.insertOrder(o, seq + 1);
      // Depends on the insert before it: only call order makes this succeed.
      journal.updateOrder({ ...o, status: 'submitted', updatedAt: o.createdAt + 1 }, 'new', 'sent');
    }
    journal.recordEquity([{ scope: 'desk', equity: '1000', at: T0 }]);

    // No flush, no close: once the turn ends, a reader of the file (another process) has every row.
    const events = await raw<{ client_order_id: string; to_status: string }>('SELECT client_order_id, to_status FROM order_events ORDER BY id');
    expect(events.slice(0, 4)).toEqual([
      { client_order_id: 'cd-abc-1', to_status: 'new' },
      { client_order_id: 'cd-abc-1', to_status: 'submitted' },
      { client_order_id: 'cd-abc-2', to_status: 'new' },
      { client_order_id: 'cd-abc-2', to_status: 'submitted' },
    ]);
    expect(events).toHaveLength(2 * n);
    const orders = await journal.getOrders();
    expect(orders.map((o) => o.clientOrderId)).toEqual(Array.from({ length: n }, (_, i) => `cd-abc-${i + 1}`));
    expect(orders.every((o) => o.status === 'submitted')).toBe(true);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(n + 1);
  });

  it('a failed write does not stop the writes behind it', async () => {
    await journal.saveCrewInstance(crew());
    expect(() => journal.insertOrder(order(1, { crewId: 'ghost.crew' }), 2)).toThrow(/FOREIGN KEY/);
    expect(journal.insertOrder(order(2), 3)).toBeUndefined();
    expect(() => journal.flush()).not.toThrow();
    expect((await journal.getOrders()).map((o) => o.clientOrderId)).toEqual(['cd-abc-2']);
  });

  it('a transaction commits its writes together, or none of them; one inside another joins it', async () => {
    journal.saveCrewInstance(crew());
    expect(() =>
      journal.transaction(() => {
        journal.insertOrder(order(1), 2);
        journal.transaction(() => journal.recordAdvice(advice(1)));
        throw new Error('the step failed');
      }),
    ).toThrow('the step failed');
    expect(await count('orders')).toBe(0);
    expect(await count('advice')).toBe(0);

    const result = journal.transaction(() => {
      journal.insertOrder(order(1), 2);
      // A nested transaction that fails undoes its own writes only.
      expect(() => journal.transaction(() => (journal.recordAdvice(advice(1)), journal.insertOrder(order(1), 2)))).toThrow(OrderConflictError);
      journal.recordAdvice(advice(2));
      return 'done';
    });
    expect(result).toBe('done');
    expect(await count('orders')).toBe(1);
    expect((await journal.getAdvice()).map((a) => a.adviceKey)).toEqual([advice(2).adviceKey]);
  });

  // A transaction() inside the turn's transaction is a savepoint: SQLite keeps a copy of every page it
  // changes (its sub-journal), and beyond 64 KiB put that copy in a temporary file — a write per page,
  // before the commit's own, for a 20-crew close ~260 system calls. In memory, the same rollback holds.
  it.skipIf(process.platform !== 'linux')('a transaction keeps its savepoint copies in memory: no temporary file is opened, and it still rolls back', () => {
    const temporaryFiles = () =>
      fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`).includes('etilqs_');
        } catch {
          return false;
        }
      }).length;
    // 100 settings of ~3 KB: one page each, committed; changing all of them in a transaction touches 100 pages (400 KiB).
    for (let i = 0; i < 100; i++) journal.setSetting(`k${i}`, 'a'.repeat(3000), null);
    journal.flush();
    let during = -1;
    expect(() =>
      journal.transaction(() => {
        for (let i = 0; i < 100; i++) journal.setSetting(`k${i}`, 'b'.repeat(3000), null);
        during = temporaryFiles();
        throw new Error('the step failed');
      }),
    ).toThrow('the step failed');
    expect(during).toBe(0);
    expect(journal.getSetting('k99')).toBe('a'.repeat(3000));
  });
});

// ── text and numbers ──

describe('text and numbers', () => {
  it('text with NUL and other control characters round-trips whole', async () => {
    await journal.saveCrewInstance(crew());
    const odd = advice(2, { reason: 'before\0after\u0001\u001b[31m\r\n\ttab\u007f end' });
    journal.recordAdvice(advice(1));
    journal.recordAdvice(odd);
    journal.recordAdvice(advice(3));
    journal.saveCrewState(CREW, { note: 'a\0b' }, T0 + 1);
    await reopen();

    expect(await journal.getAdvice()).toEqual([advice(1), odd, advice(3)]);
    const [row] = await raw<{ n: number }>('SELECT length(CAST(reason AS BLOB)) AS n FROM advice WHERE id = 2');
    expect(row!.n).toBe(Buffer.byteLength(odd.reason));
    expect((await journal.getCrewInstances())[0]!.state).toEqual({ note: 'a\0b' });
  });

  it('fractions are stored bit for bit', async () => {
    await journal.saveCrewInstance(crew());
    // SQLite itself would read the decimal text 0.556089 as 0.5560889999999999.
    const sizes = [0.556089, 0.1, 1 / 3, 0.64912537038932];
    sizes.forEach((size, i) => {
      journal.recordAdvice(advice(i, { size }));
    });
    await reopen();

    expect((await journal.getAdvice()).map((a) => a.size)).toEqual(sizes);
  });
});

describe('equity', () => {
  it('records a batch in one go and reads a scope from a time on, oldest first', async () => {
    await journal.recordEquity([
      { scope: 'desk', equity: '1000', at: T0 },
      { scope: 'crew:alpha.sma-btc', equity: '500.00', at: T0 },
      { scope: 'desk', equity: '1000.5', at: T0 + 60_000 },
    ]);
    await journal.recordEquity([{ scope: 'desk', equity: '999.99999999', at: T0 + 120_000 }]);
    await journal.recordEquity([]);

    expect(await journal.getEquity('desk')).toEqual([
      { scope: 'desk', equity: '1000', at: T0 },
      { scope: 'desk', equity: '1000.5', at: T0 + 60_000 },
      { scope: 'desk', equity: '999.99999999', at: T0 + 120_000 },
    ]);
    expect(await journal.getEquity('desk', T0 + 60_000)).toHaveLength(2);
    expect(await journal.getEquity('crew:alpha.sma-btc')).toEqual([{ scope: 'crew:alpha.sma-btc', equity: '500', at: T0 }]);
    const [row] = await raw<{ t: string }>('SELECT DISTINCT typeof(equity) AS t FROM equity_snapshots');
    expect(row).toEqual({ t: 'text' });
  });

  it('a batch with one bad amount writes none of its points', async () => {
    expect(() =>
      journal.recordEquity([
        { scope: 'desk', equity: '1000', at: T0 },
        { scope: 'desk', equity: 'NaN', at: T0 + 1 },
      ]),
    ).toThrow(/journal\.recordEquity\(2 points\)/);
    expect(await count('equity_snapshots')).toBe(0);
  });
});

describe('list getters', () => {
  beforeEach(async () => {
    await journal.saveCrewInstance(crew());
    await journal.saveCrewInstance(crew({ id: 'beta.rsi-eth', symbol: 'ETHUSDT' }));
    for (let seq = 1; seq <= 4; seq++) {
      const o = seq % 2 === 1 ? order(seq) : order(seq, { crewId: 'beta.rsi-eth', symbol: 'ETHUSDT' });
      await journal.insertOrder(o, seq + 1);
      const f = fill(o, String(seq));
      await journal.recordFill(f, position({ crewId: o.crewId, symbol: o.symbol }), filled(o, f), 'new');
    }
  });

  it('fills: by crew, by symbol, since a time; newest first when limited, else oldest first', async () => {
    const ids = (fills: JournalFill[]) => fills.map((f) => f.tradeId);
    expect(ids(await journal.getFills())).toEqual(['1', '2', '3', '4']);
    expect(ids(await journal.getFills({ crewId: CREW }))).toEqual(['1', '3']);
    expect(ids(await journal.getFills({ symbol: 'ETHUSDT' }))).toEqual(['2', '4']);
    expect(ids(await journal.getFills({ since: order(3).createdAt }))).toEqual(['3', '4']);
    expect(ids(await journal.getFills({ limit: 3 }))).toEqual(['4', '3', '2']);
    expect(ids(await journal.getFills({ crewId: 'beta.rsi-eth', limit: 1 }))).toEqual(['4']);
    expect(await journal.getFills({ crewId: CREW, symbol: 'ETHUSDT' })).toEqual([]);
  });

  it('orders: by crew, since a time, limited', async () => {
    const ids = (orders: Order[]) => orders.map((o) => o.clientOrderId);
    expect(ids(await journal.getOrders())).toEqual(['cd-abc-1', 'cd-abc-2', 'cd-abc-3', 'cd-abc-4']);
    expect(ids(await journal.getOrders({ crewId: 'beta.rsi-eth' }))).toEqual(['cd-abc-2', 'cd-abc-4']);
    expect(ids(await journal.getOrders({ since: order(2).createdAt, limit: 2 }))).toEqual(['cd-abc-4', 'cd-abc-3']);
    expect(await journal.getOrders({ limit: 0 })).toEqual([]);
    expect(() => journal.getOrders({ limit: -1 })).toThrow(/limit must be a non-negative integer/);
  });

  it('positions: one per crew, the latest', async () => {
    expect((await journal.getPositions()).map((p) => [p.crewId, p.symbol])).toEqual([
      [CREW, 'BTCUSDT'],
      ['beta.rsi-eth', 'ETHUSDT'],
    ]);
  });

  it('advice, risk events and audit: filtered, newest first when limited', async () => {
    for (let i = 0; i < 3; i++) {
      const at = T0 + i;
      await journal.recordAdvice({
        crewId: CREW,
        adviceKey: `${CREW}@${i}`,
        candleTime: at,
        action: 'buy',
        size: 0.5,
        reason: `r${i}`,
        at,
      });
      await journal.recordRiskEvent({
        crewId: i === 2 ? null : CREW,
        adviceKey: null,
        rule: 'halt',
        reason: `denied ${i}`,
        ...(i === 0 ? { detail: { level: 'entries' } } : {}),
        at,
      });
      await journal.recordAudit({ actor: 'cli', via: 'cli', action: `a${i}`, at });
    }
    const hold: AdviceRecord = {
      crewId: 'beta.rsi-eth',
      adviceKey: 'beta@0',
      candleTime: T0,
      action: 'hold',
      size: null,
      reason: '',
      at: T0 + 9,
    };
    await journal.recordAdvice(hold);

    expect((await journal.getAdvice({ crewId: CREW })).map((a) => a.reason)).toEqual(['r0', 'r1', 'r2']);
    expect(await journal.getAdvice({ limit: 1 })).toEqual([hold]);
    expect((await journal.getRiskEvents({ crewId: CREW })).map((r) => r.reason)).toEqual(['denied 0', 'denied 1']);
    expect((await journal.getRiskEvents({ since: T0 + 1 })).map((r) => r.reason)).toEqual(['denied 1', 'denied 2']);
    expect(await journal.getRiskEvents({ limit: 1 })).toEqual([{ crewId: null, adviceKey: null, rule: 'halt', reason: 'denied 2', at: T0 + 2 }]);
    expect((await journal.getRiskEvents())[0]).toMatchObject({ detail: { level: 'entries' } });
    expect((await journal.getAudit({ limit: 2 })).map((a) => a.action)).toEqual(['a2', 'a1']);
  });
});

// ── close ──

describe('close', () => {
  it('keeps what was written before it, then every call throws a clear error', async () => {
    await journal.saveCrewInstance(crew());
    journal.insertOrder(order(1), 2);
    journal.close();

    expect(() => journal.getOrder('cd-abc-1')).toThrow(JournalClosedError);
    expect(() => journal.getOrder('cd-abc-1')).toThrow(`journal.getOrder(cd-abc-1): the journal (${file}) is closed`);
    expect(() => journal.insertOrder(order(2), 3)).toThrow(/is closed/);
    expect(() => journal.flush()).toThrow(/journal\.flush: .* is closed/);
    expect(() => journal.close()).not.toThrow();

    journal = await SqliteJournal.open(file);
    expect(await journal.getOrder('cd-abc-1')).not.toBeNull();
  });
});
