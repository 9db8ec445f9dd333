// The SQLite journal against real files: what crewdesk writes is what it reads back after a
// restart, each call is all-or-nothing, and writes land in the order they were issued.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order, Position } from '../../src/core/domain.ts';
import { dec } from '../../src/core/money.ts';
import type { AdviceRecord, CrewInstanceRecord, JournalFill } from '../../src/ports/journal.ts';
import { JournalConflictError } from '../../src/ports/journal.ts';
import {
  JournalClosedError,
  JournalError,
  OrderConflictError,
  SqliteJournal,
} from '../../src/journal/sqlite-journal.ts';
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
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (e) =>
      e ? reject(e) : resolve(opened),
    );
  });
  try {
    return await new Promise<T[]>((resolve, reject) =>
      db.all<T>(sql, params, (e, rows) => (e ? reject(e) : resolve(rows))),
    );
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

async function count(table: string): Promise<number> {
  const [row] = await raw<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return row!.n;
}

/** Fails, instead of hanging, when `promise` is still pending after `ms` (it only waits if broken). */
async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} is still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
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
    await expect(journal.updateCrewStatus('ghost.crew', 'paused', 'x', T0)).rejects.toThrow(
      'journal.updateCrewStatus(ghost.crew): crew instance ghost.crew is not journaled',
    );
    await expect(journal.saveCrewState('ghost.crew', {}, T0)).rejects.toThrow(/ghost\.crew is not journaled/);
  });

  it('the schema refuses an id outside [A-Za-z0-9_.-]', async () => {
    await expect(journal.saveCrewInstance(crew({ id: 'bad id!' }))).rejects.toThrow(
      /journal\.saveCrewInstance\(bad id!\): SQLITE_CONSTRAINT: CHECK constraint failed/,
    );
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

    const error = await journal.insertOrder(duplicate, 9).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalConflictError);
    expect(error).toMatchObject({ field: 'clientOrderId', existingClientOrderId: 'cd-abc-1' });
    expect((error as Error).message).toBe(
      'journal.insertOrder(cd-abc-1): client order id cd-abc-1 is already journaled',
    );
    expect(await journal.getOrderEvents('cd-abc-1')).toHaveLength(1);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(2);
  });

  it('a second order for the same advice is a conflict naming the advice and the order it has', async () => {
    await journal.insertOrder(order(1), 2);
    const sameAdvice = order(2, { adviceKey: order(1).adviceKey });

    const error = await journal.insertOrder(sameAdvice, 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderConflictError);
    expect(error).toMatchObject({ field: 'adviceKey', existingClientOrderId: 'cd-abc-1' });
    expect((error as Error).message).toBe(
      `journal.insertOrder(cd-abc-2): advice key ${order(1).adviceKey} already has order cd-abc-1`,
    );
    expect(await journal.getOrder('cd-abc-2')).toBeNull();
    expect(await count('order_events')).toBe(1);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(2);
  });

  it('an order of a crew that was never saved fails on the foreign key, naming the order', async () => {
    const error = await journal.insertOrder(order(1, { crewId: 'ghost.crew' }), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalError);
    expect((error as JournalError).code).toBe('SQLITE_CONSTRAINT');
    expect((error as Error).message).toBe(
      'journal.insertOrder(cd-abc-1): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed',
    );
  });

  it('an update of an order never journaled is an error, and leaves no event', async () => {
    await expect(journal.updateOrder(order(5, { status: 'submitted' }), 'new', 'x')).rejects.toThrow(
      'journal.updateOrder(cd-abc-5): order cd-abc-5 is not journaled',
    );
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

    await expect(journal.recordFill(f, position(), filled(ghost, f), 'new')).rejects.toThrow(
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
    await expect(journal.recordFill(f, position({ crewId: 'ghost.crew' }), filled(o, f), 'new')).rejects.toThrow(
      /FOREIGN KEY constraint failed/,
    );
    // Fill and position written; the order update (third step) finds no order.
    await expect(
      journal.recordFill(f, position(), filled({ ...o, clientOrderId: 'cd-abc-404' }, f), 'new'),
    ).rejects.toThrow(/order cd-abc-404 is not journaled/);

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
    expect(await journal.getAudit()).toEqual([
      { actor: 'discord:ops#1', via: 'discord', action: 'halt', detail: { level: 'flatten' }, at: T0 },
    ]);

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

    expect(await journal.getAudit()).toEqual([
      { actor: 'console', via: 'console', action: 'set mode', detail: { to: 'paper' }, at: T0 },
    ]);
  });

  it('refuse a value that is not JSON, writing neither the value nor its audit entry', async () => {
    await expect(
      journal.setSetting('bad', undefined, { actor: 'cli', via: 'cli', action: 'set bad', at: T0 }),
    ).rejects.toThrow(/journal\.setSetting\(bad\): setting bad: undefined is not JSON/);
    expect(await count('audit')).toBe(0);
  });
});

// ── money ──

describe('money', () => {
  beforeEach(async () => {
    await journal.saveCrewInstance(crew());
  });

  it('is stored as exact decimal text, never as a float', async () => {
    await journal.savePosition(
      position({ cash: dec('0.1').plus(dec('0.2')), costBasis: dec('12345678.12345678'), quantity: dec('0.00000001') }),
    );

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
  it('many writes issued without awaiting are all committed, in call order, by flush()', async () => {
    await journal.saveCrewInstance(crew());
    const n = 300;
    const pending: Promise<unknown>[] = [];
    for (let seq = 1; seq <= n; seq++) {
      const o = order(seq);
      pending.push(journal.insertOrder(o, seq + 1));
      // Depends on the insert before it: only call order makes this succeed.
      pending.push(journal.updateOrder({ ...o, status: 'submitted', updatedAt: o.createdAt + 1 }, 'new', 'sent'));
    }
    pending.push(journal.recordEquity([{ scope: 'desk', equity: '1000', at: T0 }]));
    await journal.flush();

    const orders = await journal.getOrders();
    expect(orders.map((o) => o.clientOrderId)).toEqual(Array.from({ length: n }, (_, i) => `cd-abc-${i + 1}`));
    expect(orders.every((o) => o.status === 'submitted')).toBe(true);
    const events = await raw<{ client_order_id: string; to_status: string }>(
      'SELECT client_order_id, to_status FROM order_events ORDER BY id',
    );
    expect(events.slice(0, 4)).toEqual([
      { client_order_id: 'cd-abc-1', to_status: 'new' },
      { client_order_id: 'cd-abc-1', to_status: 'submitted' },
      { client_order_id: 'cd-abc-2', to_status: 'new' },
      { client_order_id: 'cd-abc-2', to_status: 'submitted' },
    ]);
    expect(events).toHaveLength(2 * n);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(n + 1);
    await Promise.all(pending);
  });

  it('a failed write does not stop the writes queued behind it', async () => {
    await journal.saveCrewInstance(crew());
    const failing = journal.insertOrder(order(1, { crewId: 'ghost.crew' }), 2);
    const next = journal.insertOrder(order(2), 3);

    await expect(failing).rejects.toThrow(/FOREIGN KEY/);
    await expect(next).resolves.toBeUndefined();
    // The failure belongs to its own promise; flush() only waits.
    await expect(journal.flush()).resolves.toBeUndefined();
    expect((await journal.getOrders()).map((o) => o.clientOrderId)).toEqual(['cd-abc-2']);
  });

  it('a read sees every write issued before it', async () => {
    await journal.saveCrewInstance(crew());
    void journal.insertOrder(order(1), 2);
    expect(await journal.getOrder('cd-abc-1')).not.toBeNull();
  });
});

// ── group commit ──

describe('group commit', () => {
  beforeEach(async () => {
    await journal.saveCrewInstance(crew());
  });

  function advice(i: number, overrides: Partial<AdviceRecord> = {}): AdviceRecord {
    return { crewId: CREW, adviceKey: `${CREW}@a${i}`, candleTime: T0 + i, action: 'buy', size: 0.5, reason: `r${i}`, at: T0 + i, ...overrides };
  }

  /** Settles every promise, keeping each outcome (so no rejection goes unhandled). */
  function outcomes<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
    return Promise.allSettled(promises);
  }

  it('writes issued together commit as one batch, one transaction', async () => {
    const before = journal.getWriteStats();
    const pending = [
      journal.recordAdvice(advice(1)),
      journal.insertOrder(order(1), 2),
      journal.recordEquity([{ scope: 'desk', equity: '1000', at: T0 }]),
    ];
    await Promise.all(pending);

    const after = journal.getWriteStats();
    expect(after.batches - before.batches).toBe(1);
    expect(after.batchedWrites - before.batchedWrites).toBe(3);
    expect(after.writesAlone).toBe(0);
  });

  it('one failing write in a batch: it alone rejects, naming its key; the others commit; it leaves nothing', async () => {
    const o1 = order(1);
    const f1 = fill(o1, '9001');
    const results = await outcomes<unknown>([
      journal.recordAdvice(advice(1)),
      journal.insertOrder(o1, 2),
      // Unknown crew: the foreign key fails after the order row was written, inside the batch.
      journal.insertOrder(order(2, { crewId: 'ghost.crew' }), 3),
      journal.recordFill(f1, position(), filled(o1, f1), 'new'),
      journal.recordEquity([{ scope: 'desk', equity: '1000.5', at: T0 }]),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const error = (results[2] as PromiseRejectedResult).reason as JournalError;
    expect(error).toBeInstanceOf(JournalError);
    expect(error.message).toBe('journal.insertOrder(cd-abc-2): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed');
    expect((results[3] as PromiseFulfilledResult<boolean>).value).toBe(true);
    expect(journal.getWriteStats()).toMatchObject({ failedBatches: 1, writesAlone: 5 });

    expect(await journal.getOrder('cd-abc-2')).toBeNull();
    expect(await journal.getOrderEvents('cd-abc-2')).toEqual([]);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(2);
    expect(await journal.getOrder('cd-abc-1')).toEqual(filled(o1, f1));
    expect(await journal.getFills()).toEqual([f1]);
    expect((await journal.getAdvice()).map((a) => a.adviceKey)).toEqual([advice(1).adviceKey]);
    expect(await journal.getEquity('desk')).toEqual([{ scope: 'desk', equity: '1000.5', at: T0 }]);
  });

  it('a write that fails half-way inside a batch leaves none of its statements', async () => {
    const o1 = order(1);
    await journal.insertOrder(o1, 2);
    const f = fill(o1, '1');
    const results = await outcomes<unknown>([
      journal.recordAdvice(advice(1)),
      // The fill row and the position are written, then the order update finds no order.
      journal.recordFill(f, position(), filled({ ...o1, clientOrderId: 'cd-abc-404' }, f), 'new'),
      journal.recordAdvice(advice(2)),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain(
      'journal.recordFill(cd-abc-1, BTCUSDT trade 1): order cd-abc-404 is not journaled',
    );
    expect(await count('fills')).toBe(0);
    expect(await count('positions')).toBe(0);
    expect(await journal.getOrderEvents(o1.clientOrderId)).toHaveLength(1);
    expect(await count('advice')).toBe(2);
  });

  it('conflicts inside a batch reject as OrderConflictError, the rest commit in order', async () => {
    const results = await outcomes([
      journal.insertOrder(order(1), 2),
      journal.insertOrder(order(2), 3),
      journal.insertOrder(order(1, { adviceKey: `${CREW}@other` }), 4),
      journal.insertOrder(order(5, { adviceKey: order(2).adviceKey }), 6),
      journal.insertOrder(order(3), 4),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const [byId, byAdvice] = [results[2], results[3]].map((r) => (r as PromiseRejectedResult).reason as OrderConflictError);
    expect(byId).toBeInstanceOf(OrderConflictError);
    expect(byId).toMatchObject({ field: 'clientOrderId', existingClientOrderId: 'cd-abc-1' });
    expect(byId!.message).toBe('journal.insertOrder(cd-abc-1): client order id cd-abc-1 is already journaled');
    expect(byAdvice).toMatchObject({ field: 'adviceKey', existingClientOrderId: 'cd-abc-2' });
    expect(byAdvice!.message).toBe(`journal.insertOrder(cd-abc-5): advice key ${order(2).adviceKey} already has order cd-abc-2`);

    expect((await journal.getOrders()).map((o) => o.clientOrderId)).toEqual(['cd-abc-1', 'cd-abc-2', 'cd-abc-3']);
    expect(await count('order_events')).toBe(3);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(4);
  });

  it('a fill replayed inside the same batch resolves false and writes nothing', async () => {
    const o = order(1);
    const f = fill(o, '9001');
    const [inserted, first, replay] = await Promise.all([
      journal.insertOrder(o, 2),
      journal.recordFill(f, position(), filled(o, f), 'new'),
      journal.recordFill(f, position({ cash: dec(0) }), filled(o, f), 'filled'),
    ]);

    expect([inserted, first, replay]).toEqual([undefined, true, false]);
    expect(await count('fills')).toBe(1);
    expect((await journal.getPositions())[0]!.cash).toEqual(position().cash);
    expect(await journal.getOrderEvents(o.clientOrderId)).toHaveLength(2);
  });

  it('keeps call order across batches, including where a batch is cut at its size limit', async () => {
    const n = 2_500; // more than one batch can hold
    const before = journal.getWriteStats();
    const pending: Promise<unknown>[] = [];
    for (let i = 1; i <= n; i++) {
      pending.push(journal.recordAdvice(advice(i)));
      if (i % 500 === 0) {
        const o = order(i);
        pending.push(journal.insertOrder(o, i + 1));
        pending.push(journal.updateOrder({ ...o, status: 'submitted', updatedAt: o.createdAt + 1 }, 'new', 'sent'));
      }
    }
    await Promise.all(pending);

    expect(journal.getWriteStats().batches - before.batches).toBeGreaterThanOrEqual(3);
    const rows = await raw<{ advice_key: string }>('SELECT advice_key FROM advice ORDER BY id');
    expect(rows.map((r) => r.advice_key)).toEqual(Array.from({ length: n }, (_, i) => advice(i + 1).adviceKey));
    const events = await raw<{ client_order_id: string; to_status: string }>(
      'SELECT client_order_id, to_status FROM order_events ORDER BY id',
    );
    expect(events.map((e) => `${e.client_order_id}:${e.to_status}`)).toEqual(
      [500, 1000, 1500, 2000, 2500].flatMap((i) => [`cd-abc-${i}:new`, `cd-abc-${i}:submitted`]),
    );
  });

  it('a read between queued writes sees those before it and none after it', async () => {
    const o1 = order(1);
    const w1 = journal.insertOrder(o1, 2);
    const r1 = journal.getOrders();
    const w2 = journal.updateOrder({ ...o1, status: 'submitted', exchangeOrderId: 'x-1', updatedAt: o1.createdAt + 1 }, 'new', 'sent');
    const w3 = journal.insertOrder(order(2), 3);
    const r2 = journal.getOrders();
    const w4 = journal.recordAdvice(advice(1));
    const r3 = journal.getAdvice();

    expect((await r1).map((o) => [o.clientOrderId, o.status])).toEqual([['cd-abc-1', 'new']]);
    expect((await r2).map((o) => [o.clientOrderId, o.status])).toEqual([
      ['cd-abc-1', 'submitted'],
      ['cd-abc-2', 'new'],
    ]);
    expect(await r3).toHaveLength(1);
    await Promise.all([w1, w2, w3, w4]);
  });

  it('a write issued as the previous one settles is never left behind in the queue', async () => {
    // Issued from the settling of the write before, at each microtask depth: some land just as the
    // queue finds itself empty. A call stranded there would wait for some later call forever.
    for (let depth = 0; depth < 6; depth++) {
      const next = journal.recordAdvice(advice(depth)).then(async () => {
        for (let d = 0; d < depth; d++) await undefined;
        return journal.recordAdvice(advice(100 + depth));
      });
      await settlesWithin(next, 5_000, `the write issued ${depth} microtasks after the last one settled`);
    }
    expect(await count('advice')).toBe(12);
  });

  it('a value with no SQL literal (a NUL) is bound instead, in its place in call order', async () => {
    const odd = advice(2, { reason: 'before\0after' });
    await Promise.all([journal.recordAdvice(advice(1)), journal.recordAdvice(odd), journal.recordAdvice(advice(3))]);

    expect(await journal.getAdvice()).toEqual([advice(1), odd, advice(3)]);
    expect(journal.getWriteStats()).toMatchObject({ failedBatches: 0, writesAlone: 1 });
  });

  it('fractions are stored bit for bit, batched or not', async () => {
    // SQLite itself would read the decimal text 0.556089 as 0.5560889999999999.
    const sizes = [0.556089, 0.1, 1 / 3, 0.64912537038932];
    await Promise.all(sizes.map((size, i) => journal.recordAdvice(advice(i, { size }))));
    await journal.recordAdvice(advice(9, { size: 0.556089, reason: 'alone\0' }));

    expect((await journal.getAdvice()).map((a) => a.size)).toEqual([...sizes, 0.556089]);
  });
});

// ── grouped by table ──

describe('grouped by table', () => {
  beforeEach(async () => {
    await journal.saveCrewInstance(crew());
  });

  /** Settles every promise, keeping each outcome (so no rejection goes unhandled). */
  function outcomes<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
    return Promise.allSettled(promises);
  }

  function advice(i: number, overrides: Partial<AdviceRecord> = {}): AdviceRecord {
    return { crewId: CREW, adviceKey: `${CREW}@a${i}`, candleTime: T0 + i, action: 'buy', size: 0.5, reason: `r${i}`, at: T0 + i, ...overrides };
  }

  it('two updates of one order in a batch: the last one wins, both events are kept, in order', async () => {
    const o = order(1);
    const submitted: Order = { ...o, status: 'submitted', exchangeOrderId: 'x-1', updatedAt: o.createdAt + 1 };
    const f = fill(o, '9001', { time: o.createdAt + 2 });
    const results = await outcomes<unknown>([
      journal.insertOrder(o, 2),
      journal.recordAdvice(advice(1)),
      journal.updateOrder(submitted, 'new', 'accepted'),
      journal.recordEquity([{ scope: 'desk', equity: '1000', at: T0 }]),
      journal.recordFill(f, position(), filled(submitted, f), 'submitted'),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(journal.getWriteStats()).toMatchObject({ failedBatches: 0, writesAlone: 0 });
    expect(await journal.getOrder(o.clientOrderId)).toEqual(filled(submitted, f));
    expect((await journal.getOrderEvents(o.clientOrderId)).map((e) => [e.from, e.to, e.reason, e.at])).toEqual([
      [null, 'new', o.reason, o.createdAt],
      ['new', 'submitted', 'accepted', o.createdAt + 1],
      ['submitted', 'filled', 'fill 9001', o.createdAt + 2],
    ]);
  });

  it('a fill repeated inside a batch, other writes between: false, nothing of it written, the batch commits', async () => {
    const o = order(1);
    const f = fill(o, '9001');
    const results = await outcomes<unknown>([
      journal.insertOrder(o, 2),
      journal.recordFill(f, position(), filled(o, f), 'new'),
      journal.recordAdvice(advice(1)),
      journal.insertOrder(order(2), 3),
      journal.recordFill(f, position({ cash: dec(0) }), { ...filled(o, f), reason: 'replayed' }, 'filled'),
      journal.recordRiskEvent({ crewId: CREW, adviceKey: null, rule: 'r', reason: 'x', at: T0 }),
    ]);

    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.status))).toEqual([
      undefined, true, undefined, undefined, false, undefined,
    ]);
    expect(journal.getWriteStats()).toMatchObject({ failedBatches: 0, writesAlone: 0 });
    expect(await count('fills')).toBe(1);
    expect((await journal.getPositions())[0]!.cash).toEqual(position().cash);
    expect(await journal.getOrderEvents(o.clientOrderId)).toHaveLength(2);
  });

  it('a foreign key failing in a grouped batch rejects that write alone, naming it', async () => {
    const o = order(1);
    const ghost = order(9);
    const f = fill(o, '1');
    const g = fill(ghost, '2');
    const results = await outcomes<unknown>([
      journal.insertOrder(o, 2),
      journal.recordFill(g, position(), filled(o, g), 'new'),
      journal.recordAdvice(advice(1)),
      journal.recordFill(f, position(), filled(o, f), 'new'),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toBe(
      'JournalError: journal.recordFill(cd-abc-9, BTCUSDT trade 2): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed',
    );
    expect(journal.getWriteStats()).toMatchObject({ failedBatches: 1, writesAlone: 4 });
    expect(await journal.getFills()).toEqual([f]);
    expect(await journal.getOrderEvents(o.clientOrderId)).toHaveLength(2);
  });

  it('a write that comes, in call order, before the order it refers to fails as it would alone', async () => {
    // Grouped, the orders' INSERT runs before the rows that refer to orders: were the batch not cut
    // at the order, its update and fill would wrongly find it.
    const o = order(1);
    const f = fill(o, '1');
    const results = await outcomes<unknown>([
      journal.updateOrder({ ...o, status: 'submitted' }, 'new', 'too early'),
      journal.recordFill(f, position(), filled(o, f), 'new'),
      journal.insertOrder(o, 2),
    ]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toContain('order cd-abc-1 is not journaled');
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain('FOREIGN KEY constraint failed');
    expect(await journal.getOrder(o.clientOrderId)).toEqual(o);
    expect(await count('fills')).toBe(0);
  });

  it("a crew's state and order sequence in a batch: the last state, the highest sequence", async () => {
    await Promise.all([
      journal.saveCrewState(CREW, { n: 1 }, T0 + 1),
      journal.insertOrder(order(7), 8),
      journal.saveCrewState(CREW, { n: 2 }, T0 + 2),
      journal.insertOrder(order(3), 4),
    ]);

    const [saved] = await journal.getCrewInstances();
    expect(saved).toMatchObject({ state: { n: 2 }, updatedAt: T0 + 2, nextOrderSeq: 8 });
    expect(journal.getWriteStats()).toMatchObject({ failedBatches: 0, writesAlone: 0 });
  });

  it('a row that would fail a check is not replaced unseen by a later one: that write alone rejects', async () => {
    // Only the last state or position of a crew in a batch is written; these must not hide behind it.
    const results = [
      ...(await outcomes<unknown>([
        journal.saveCrewState(CREW, [1, 2] as unknown as Record<string, unknown>, T0 + 1),
        journal.saveCrewState(CREW, { n: 2 }, T0 + 2),
      ])),
      ...(await outcomes<unknown>([journal.savePosition(position({ entryTime: 1.5 })), journal.savePosition(position())])),
    ];
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toContain('CHECK constraint failed');
    expect(String((results[2] as PromiseRejectedResult).reason)).toContain('cannot store REAL value in INTEGER column');
    expect((await journal.getCrewInstances())[0]!.state).toEqual({ n: 2 });
    expect(await journal.getPositions()).toEqual([position()]);
  });

  // ── every kind of write, shuffled: batched, they commit what they commit one by one ──

  /** A deterministic pseudo-random sequence in [0, 1). */
  function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  type Call = (j: SqliteJournal) => Promise<unknown>;

  /** `n` calls touching every table, in a random order; with `failing`, some of them must fail, and
   * some have a value with no SQL literal. */
  function scenario(seed: number, n: number, failing: boolean): Call[] {
    const rand = random(seed);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const calls: Call[] = [];
    const crews = [CREW];
    const orders: Order[] = [];
    const fills: JournalFill[] = [];
    let seq = 0;
    for (let i = 0; i < n; i++) {
      const at = T0 + i;
      const r = rand();
      if (failing && r < 0.12) {
        const next = order(seq + 1);
        const bad: Call[] = [
          (j) => j.updateOrder({ ...next, status: 'submitted' }, 'new', `early ${i}`),
          (j) => j.recordFill(fill(next, `early-${i}`), position(), filled(next, fill(next, `early-${i}`)), 'new'),
          (j) => j.insertOrder(order(900 + i, { crewId: 'ghost.crew' }), 1),
          (j) => j.recordAdvice(advice(i, { crewId: 'ghost.crew' })),
          (j) => j.savePosition(position({ crewId: 'ghost.crew' })),
          (j) => j.saveCrewState('ghost.crew', { i }, at),
          (j) => j.updateCrewStatus('ghost.crew', 'paused', 'x', at),
          (j) => j.recordEquity([{ scope: 'desk', equity: 'not money', at }]),
        ];
        if (orders.length > 0) {
          const o = pick(orders);
          bad.push((j) => j.insertOrder({ ...o, adviceKey: `${CREW}@dup${i}` }, 1));
          bad.push((j) => j.insertOrder(order(800 + i, { adviceKey: o.adviceKey }), 1));
        }
        calls.push(pick(bad));
      } else if (r < 0.2) {
        const o = order(++seq, { crewId: pick(crews), createdAt: at, updatedAt: at });
        const nextSeq = seq + 1;
        orders.push(o);
        calls.push((j) => j.insertOrder(o, nextSeq));
      } else if (r < 0.32 && orders.length > 0) {
        const k = Math.floor(rand() * orders.length);
        const from = orders[k]!;
        const to: Order = { ...from, status: pick(['submitted', 'partially_filled', 'cancelled'] as const), exchangeOrderId: `x-${i}`, updatedAt: at };
        orders[k] = to;
        calls.push((j) => j.updateOrder(to, from.status, `update ${i}`));
      } else if (r < 0.45 && orders.length > 0) {
        if (fills.length > 0 && rand() < 0.25) {
          const [f, o] = [pick(fills), pick(orders)];
          calls.push((j) => j.recordFill(f, position({ cash: dec(i) }), o, 'filled'));
        } else {
          const k = Math.floor(rand() * orders.length);
          const from = orders[k]!;
          const f = fill(from, `t${i}`, { crewId: from.crewId, time: at, price: dec(`${29_000 + i}.5`) });
          const to = { ...filled(from, f), reason: from.reason };
          orders[k] = to;
          fills.push(f);
          const p = position({ crewId: from.crewId, cash: dec(`${1000 - i}.25`), entryTime: rand() < 0.2 ? null : at });
          calls.push((j) => j.recordFill(f, p, to, from.status));
        }
      } else if (r < 0.52) {
        const p = position({ crewId: pick(crews), quantity: dec(i) });
        calls.push((j) => j.savePosition(p));
      } else if (r < 0.6) {
        const id = pick(crews);
        const state = { i, nested: { at } };
        calls.push((j) => j.saveCrewState(id, state, at));
      } else if (r < 0.68) {
        const a = advice(i, { crewId: pick(crews), size: rand() < 0.5 ? null : i / 7 });
        calls.push((j) => j.recordAdvice(a));
      } else if (r < 0.74) {
        const detail = rand() < 0.5 ? undefined : { i, why: "it's" };
        const crewId = rand() < 0.8 ? pick(crews) : null;
        calls.push((j) => j.recordRiskEvent({ crewId, adviceKey: null, rule: 'max-exposure', reason: `r${i}`, ...(detail ? { detail } : {}), at }));
      } else if (r < 0.82) {
        const points = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => ({ scope: `s${k}`, equity: `${i}.${k}`, at }));
        calls.push((j) => j.recordEquity(points));
      } else if (r < 0.85) {
        calls.push((j) => j.recordAudit({ actor: 'cli', via: 'cli', action: `a${i}`, at }));
      } else if (r < 0.88) {
        const id = `crew.${i}`;
        crews.push(id);
        calls.push((j) => j.saveCrewInstance(crew({ id, nextOrderSeq: i, createdAt: at, updatedAt: at })));
      } else if (r < 0.91) {
        const [id, status] = [pick(crews), pick(['active', 'paused'] as const)];
        calls.push((j) => j.updateCrewStatus(id, status, `s${i}`, at));
      } else if (r < 0.94) {
        const audit = rand() < 0.5 ? null : { actor: 'cli', via: 'cli', action: 'set', at };
        calls.push((j) => j.setSetting(`k${i % 3}`, { i }, audit));
      } else if (r < 0.96) {
        calls.push((j) => j.setHalt({ level: 'entries', reason: `h${i}`, actor: 'cli', since: at }, { actor: 'cli', via: 'cli', action: 'halt', at }));
      } else {
        // A value with no SQL literal: that write goes alone, between two batches.
        const a = advice(i, failing ? { reason: `nul\0${i}` } : {});
        calls.push((j) => j.recordAdvice(a));
      }
    }
    return calls;
  }

  /** Every row of every table, in id (or key) order. */
  async function dump(of: string): Promise<Record<string, unknown[]>> {
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const opened: sqlite3.Database = new sqlite3.Database(of, sqlite3.OPEN_READONLY, (e) => (e ? reject(e) : resolve(opened)));
    });
    try {
      const tables = ['crew_instances', 'orders', 'order_events', 'fills', 'positions', 'equity_snapshots', 'advice', 'risk_events', 'audit', 'halt', 'settings'];
      const out: Record<string, unknown[]> = {};
      for (const table of tables) {
        out[table] = await new Promise<unknown[]>((resolve, reject) =>
          db.all(`SELECT * FROM ${table} ORDER BY rowid`, (e, rows) => (e ? reject(e) : resolve(rows))),
        );
      }
      return out;
    } finally {
      await new Promise<void>((resolve) => db.close(() => resolve()));
    }
  }

  function described(result: PromiseSettledResult<unknown>): unknown {
    if (result.status === 'fulfilled') return { value: result.value };
    const error = result.reason as Error;
    return { error: `${error.name}: ${error.message}` };
  }

  /** The calls issued at once (batched) on `journal`, and one by one, each awaited, on a second file. */
  async function bothWays(calls: readonly Call[]): Promise<void> {
    const batched = await outcomes(calls.map((call) => call(journal)));
    const aloneFile = path.join(dir, 'one-by-one.db');
    const alone = await SqliteJournal.open(aloneFile);
    const oneByOne: PromiseSettledResult<unknown>[] = [];
    try {
      await alone.saveCrewInstance(crew());
      for (const call of calls) oneByOne.push(...(await outcomes([call(alone)])));
    } finally {
      await alone.close();
    }
    await journal.flush();
    expect(batched.map(described)).toEqual(oneByOne.map(described));
    expect(await dump(file)).toEqual(await dump(aloneFile));
  }

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`every kind of write, shuffled (seed ${seed}): batched, they commit what they commit one by one`, async () => {
      const before = journal.getWriteStats();
      await bothWays(scenario(seed, 300, false));
      // All in one transaction, nothing run again alone.
      const after = journal.getWriteStats();
      expect(after.batches - before.batches).toBe(1);
      expect(after).toMatchObject({ batchedWrites: before.batchedWrites + 300, failedBatches: 0, writesAlone: 0 });
    });
  }

  for (const seed of [11, 12, 13, 14]) {
    it(`with failing writes among them (seed ${seed}): each resolves or rejects as it does alone`, async () => {
      await bothWays(scenario(seed, 200, true));
      expect(journal.getWriteStats().failedBatches).toBeGreaterThan(0);
    });
  }
});

// ── equity and the list getters ──

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
    expect(await journal.getEquity('crew:alpha.sma-btc')).toEqual([
      { scope: 'crew:alpha.sma-btc', equity: '500', at: T0 },
    ]);
    const [row] = await raw<{ t: string }>("SELECT DISTINCT typeof(equity) AS t FROM equity_snapshots");
    expect(row).toEqual({ t: 'text' });
  });

  it('a batch with one bad amount writes none of its points', async () => {
    await expect(
      journal.recordEquity([
        { scope: 'desk', equity: '1000', at: T0 },
        { scope: 'desk', equity: 'NaN', at: T0 + 1 },
      ]),
    ).rejects.toThrow(/journal\.recordEquity\(2 points\)/);
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
    await expect(journal.getOrders({ limit: -1 })).rejects.toThrow(/limit must be a non-negative integer/);
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
    expect(await journal.getRiskEvents({ limit: 1 })).toEqual([
      { crewId: null, adviceKey: null, rule: 'halt', reason: 'denied 2', at: T0 + 2 },
    ]);
    expect((await journal.getRiskEvents())[0]).toMatchObject({ detail: { level: 'entries' } });
    expect((await journal.getAudit({ limit: 2 })).map((a) => a.action)).toEqual(['a2', 'a1']);
  });
});

// ── close ──

describe('close', () => {
  it('flushes what was issued before it, then every call rejects with a clear error', async () => {
    await journal.saveCrewInstance(crew());
    const issuedBefore = journal.insertOrder(order(1), 2);
    await journal.close();
    await expect(issuedBefore).resolves.toBeUndefined();

    await expect(journal.getOrder('cd-abc-1')).rejects.toThrow(JournalClosedError);
    await expect(journal.getOrder('cd-abc-1')).rejects.toThrow(
      `journal.getOrder(cd-abc-1): the journal (${file}) is closed`,
    );
    await expect(journal.insertOrder(order(2), 3)).rejects.toThrow(/is closed/);
    await expect(journal.flush()).rejects.toThrow(/journal\.flush: .* is closed/);
    await expect(journal.close()).resolves.toBeUndefined();

    journal = await SqliteJournal.open(file);
    expect(await journal.getOrder('cd-abc-1')).not.toBeNull();
  });
});
