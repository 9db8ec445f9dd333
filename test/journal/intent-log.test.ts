// The write-ahead intent log: an order made durable by insertOrderNow survives the process being
// killed before its SQLite commit (a real SIGKILL, in a child process), and is in the journal —
// open, with its event and the crew's next sequence — once the journal is opened again. In normal
// running the log empties itself, and insertOrderNow stands aside (null) whenever it cannot be
// sure SQLite will take the row.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/core/domain.ts';
import { dec } from '../../src/core/money.ts';
import { intentLogPath, readIntents } from '../../src/journal/intent-log.ts';
import { KeyFilter } from '../../src/journal/key-filter.ts';
import { orderParams } from '../../src/journal/rows.ts';
import { ORDERS_TABLE_CHECKS, OrderConflictError, SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { closeDatabase, openDatabase, query } from '../../src/journal/sqlite.ts';
import type { CrewInstanceRecord } from '../../src/ports/journal.ts';
import { crewRecord, newOrder } from '../support/journal-records.ts';

const T0 = 1_700_000_000_000;
const CREW = 'alpha.flip';
const FIXTURE = fileURLToPath(new URL('./fixtures/kill-after-intent.ts', import.meta.url));

let dir: string;
let file: string;
let journal: SqliteJournal | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crewdesk-intents-'));
  file = path.join(dir, 'journal.sqlite');
});

afterEach(async () => {
  await journal?.close();
  journal = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** As a desk trading on a real exchange opens its journal. */
const WRITE_AHEAD = { intentLog: true } as const;

function crew(id = CREW): CrewInstanceRecord {
  return crewRecord(id, T0);
}

function order(seq: number, overrides: Partial<Order> = {}): Order {
  const at = T0 + seq * 60_000;
  return newOrder({ clientOrderId: `cd-flip-${seq}`, crewId: CREW, adviceKey: `${CREW}@${at}`, reason: 'flip', at }, overrides);
}

async function openWithCrew(): Promise<SqliteJournal> {
  const j = await SqliteJournal.open(file, WRITE_AHEAD);
  await j.saveCrewInstance(crew());
  return j;
}

describe('the write-ahead intent log', () => {
  it('makes an order durable before it returns, and empties itself once the row has committed', async () => {
    journal = await openWithCrew();
    const written = journal.insertOrderNow(order(1), 2);
    expect(written).not.toBeNull();
    // Durable now: the line is in the file before anything was awaited.
    const { intents } = readIntents(intentLogPath(file));
    expect(intents).toEqual([{ row: orderParams(order(1)), nextOrderSeq: 2 }]);
    await written;
    expect(journal.intentLogSize).toBe(0);
    expect(fs.statSync(intentLogPath(file)).size).toBe(0);
    expect((await journal.getOrder('cd-flip-1'))?.status).toBe('new');
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(2);
    await journal.close();
    journal = undefined;
    // A clean close leaves no log behind.
    expect(fs.existsSync(intentLogPath(file))).toBe(false);
  });

  it('stands aside (null, nothing written) when it cannot be sure SQLite takes the row', async () => {
    journal = await SqliteJournal.open(file, WRITE_AHEAD);
    // The crew's record has not committed yet.
    const saving = journal.saveCrewInstance(crew());
    expect(journal.insertOrderNow(order(1), 2)).toBeNull();
    await saving;
    await journal.insertOrderNow(order(1), 2);
    // The same client order id, or the same advice key: a conflict SQLite must decide on.
    expect(journal.insertOrderNow(order(1), 2)).toBeNull();
    expect(journal.insertOrderNow(order(2, { adviceKey: order(1).adviceKey }), 3)).toBeNull();
    // A row a check would refuse: both quantities.
    expect(journal.insertOrderNow(order(3, { quantity: dec(1) }), 4)).toBeNull();
    // A crew that is not journaled at all.
    expect(journal.insertOrderNow(order(4, { crewId: 'nobody' }), 5)).toBeNull();
    expect(journal.intentLogSize).toBe(0);
    // The slow way then decides as it always has.
    await expect(journal.insertOrder(order(2, { adviceKey: order(1).adviceKey }), 3)).rejects.toBeInstanceOf(OrderConflictError);
    // A fresh order after all that still goes the fast way.
    expect(journal.insertOrderNow(order(5), 6)).not.toBeNull();
    await journal.flush();
  });

  it('is not kept for an in-memory or a read-only journal', async () => {
    const memory = await SqliteJournal.open(':memory:', WRITE_AHEAD);
    await memory.saveCrewInstance(crew());
    await memory.flush();
    expect(memory.insertOrderNow(order(1), 2)).toBeNull();
    await memory.close();
    journal = await openWithCrew();
    await journal.close();
    const readonly = await SqliteJournal.open(file, { ...WRITE_AHEAD, readonly: true });
    expect(readonly.insertOrderNow(order(1), 2)).toBeNull();
    await readonly.close();
    journal = undefined;
  });

  it('is not kept, and a log left behind is not touched, when the desk does not ask for it (an in-process venue, a tool)', async () => {
    const left = `${JSON.stringify({ v: 1, row: orderParams(order(1)), next: 2 })}\n`;
    fs.writeFileSync(intentLogPath(file), left);
    journal = await SqliteJournal.open(file);
    await journal.saveCrewInstance(crew());
    await journal.flush();
    expect(journal.insertOrderNow(order(2), 3)).toBeNull();
    expect(journal.intentReplay.inserted).toEqual([]);
    expect(await journal.getOrders()).toEqual([]);
    await journal.close();
    journal = undefined;
    expect(fs.readFileSync(intentLogPath(file), 'utf8')).toBe(left);
  });

  it('survives SIGKILL between record and send: the next open has the orders, open, for reconciliation', async () => {
    const child = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx/esm'), FIXTURE, file, String(T0)], { encoding: 'utf8', timeout: 30_000 });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(child.stdout).toBe('durable\n');
    // The log holds both; SQLite none of them (the process died before handing them over).
    expect(readIntents(intentLogPath(file)).intents.map((i) => i.row[0])).toEqual(['cd-kill-1', 'cd-kill-2']);

    journal = await SqliteJournal.open(file, WRITE_AHEAD);
    expect(journal.intentReplay).toEqual({ inserted: ['cd-kill-1', 'cd-kill-2'], alreadyJournaled: 0, skipped: [] });
    expect(fs.statSync(intentLogPath(file)).size).toBe(0);
    const open = await journal.getOpenOrders();
    expect(open.map((o) => [o.clientOrderId, o.status, o.type, o.quantity?.toString(), o.price?.toString()])).toEqual([
      ['cd-kill-1', 'new', 'LIMIT', '0.001', '20000.5'],
      ['cd-kill-2', 'new', 'LIMIT', '0.001', '20000.5'],
    ]);
    expect(open[0]!.reason).toBe("it's durable: \"quoted\"\nand multi-line");
    expect((await journal.getOrderEvents('cd-kill-2')).map((e) => [e.from, e.to])).toEqual([[null, 'new']]);
    // The crew goes on after the orders it made: no client order id is used twice.
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(3);
    const [audit] = await journal.getAudit({ limit: 1 });
    expect(audit).toMatchObject({ actor: 'journal', action: 'journal.intents-replayed', detail: { inserted: ['cd-kill-1', 'cd-kill-2'] } });
    // Their keys are known: the same advice cannot take the fast way again.
    expect(journal.insertOrderNow({ ...order(9), adviceKey: 'kill.crew@' + String(T0 + 60_000), crewId: 'kill.crew' }, 10)).toBeNull();
  });

  it('replays what SQLite lacks only, and ignores a line whose write was cut short', async () => {
    journal = await openWithCrew();
    await journal.insertOrder(order(1), 2);
    await journal.close();
    journal = undefined;
    // As a kill leaves it: order 1 committed, order 2 only in the log, order 3's line half written.
    const lines = [order(1), order(2)].map((o, i) => JSON.stringify({ v: 1, row: orderParams(o), next: i + 2 }));
    const torn = JSON.stringify({ v: 1, row: orderParams(order(3)), next: 4 }).slice(0, 40);
    fs.writeFileSync(intentLogPath(file), `${lines.join('\n')}\n${torn}`);

    journal = await SqliteJournal.open(file, WRITE_AHEAD);
    expect(journal.intentReplay.inserted).toEqual(['cd-flip-2']);
    expect(journal.intentReplay.alreadyJournaled).toBe(1);
    expect(journal.intentReplay.skipped).toEqual(['1 incomplete line (a write cut short: never sent)']);
    expect((await journal.getOrders()).map((o) => o.clientOrderId)).toEqual(['cd-flip-1', 'cd-flip-2']);
    expect((await journal.getCrewInstances())[0]!.nextOrderSeq).toBe(3);
  });

  it('keeps the log when a row fails to commit, so the next open replays it', async () => {
    journal = await openWithCrew();
    const first = journal.insertOrderNow(order(1), 2)!;
    await first;
    // Stands in for an I/O failure of the commit: the row of an intent that SQLite then refuses.
    // (A real conflict never takes the fast way; here the filter is bypassed on purpose.)
    (journal as unknown as { writeAhead: { orderKeys: KeyFilter } }).writeAhead.orderKeys = new KeyFilter();
    const dup = journal.insertOrderNow(order(1), 2);
    expect(dup).not.toBeNull();
    await expect(dup).rejects.toBeInstanceOf(OrderConflictError);
    expect(journal.intentLogSize).toBeGreaterThan(0);
    await journal.close();
    journal = undefined;
    expect(readIntents(intentLogPath(file)).intents).toHaveLength(1);
    journal = await SqliteJournal.open(file, WRITE_AHEAD);
    expect(journal.intentReplay).toEqual({ inserted: [], alreadyJournaled: 1, skipped: [] });
  });
});

describe("the intent log's checks of a row", () => {
  it("are the orders table's CHECKs as the migrated schema has them", async () => {
    journal = await SqliteJournal.open(file);
    await journal.close();
    journal = undefined;
    const db = await openDatabase(file, true);
    const [table] = await query<{ sql: string }>(db, "SELECT sql FROM sqlite_master WHERE name = 'orders'");
    await closeDatabase(db);
    for (const [column, allowed] of Object.entries(ORDERS_TABLE_CHECKS)) {
      const list = new RegExp(`\\b${column}\\s+TEXT[^,]*CHECK \\(${column} IN \\(([^)]*)\\)`).exec(table!.sql)?.[1];
      expect(list, column).toBeDefined();
      expect(new Set(list!.split(',').map((v) => v.trim().replace(/^'|'$/g, ''))), column).toEqual(allowed);
    }
  });
});

describe('KeyFilter', () => {
  it('never forgets a key, and rarely claims one it was not given', () => {
    const filter = new KeyFilter(1024);
    const keys = Array.from({ length: 50_000 }, (_, i) => `crew-${i % 37}@${T0 + i * 60_000}`);
    for (const k of keys) filter.add(k);
    expect(keys.every((k) => filter.mayHave(k))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mayHave(`cd-other-${i.toString(36)}`)) falsePositives++;
    // 1e-4 per layer; it grew to a handful of layers.
    expect(falsePositives).toBeLessThan(100);
    expect(filter.bytes).toBeLessThan(50_000 * 8);
  });
});
