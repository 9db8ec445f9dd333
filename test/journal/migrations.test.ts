// The journal's schema comes from numbered migrations: a fresh file gets them all, a re-open
// applies only new ones, a failing one leaves nothing behind and names itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration } from '../../src/journal/migrations.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { crewRecord, newOrder } from '../support/journal-records.ts';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crewdesk-migrations-'));
  file = path.join(dir, 'journal.db');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads a file with a connection of its own, as another process would. */
async function rawQuery<T>(sql: string): Promise<T[]> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

async function tableNames(): Promise<string[]> {
  const rows = await rawQuery<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return rows.map((r) => r.name);
}

const EXPECTED_TABLES = [
  'advice',
  'audit',
  'crew_instances',
  'equity_snapshots',
  'fills',
  'halt',
  'order_events',
  'orders',
  'positions',
  'risk_events',
  'schema_migrations',
  'settings',
];

describe('migrations', () => {
  it('keeps off the order path the indexes no trading query reads, and the lookups still answer', async () => {
    const journal = SqliteJournal.open(file);
    journal.close();
    const indexes = (await rawQuery<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")).map((r) => r.name);
    for (const gone of ['orders_by_crew', 'order_events_by_order', 'advice_by_key']) expect(indexes).not.toContain(gone);
    // The ones recovery and the reports read stay.
    for (const kept of ['orders_open', 'fills_by_crew', 'risk_events_by_time', 'advice_by_crew']) expect(indexes).toContain(kept);
  });

  it("keys one order per advice by the candle's time first, so a close's orders sit side by side; the lookup uses it", async () => {
    const journal = SqliteJournal.open(file);
    journal.close();
    const indexes = await rawQuery<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'");
    // No index of the table's own on advice_key alone (UNIQUE (advice_key) made one, ordered by crew).
    expect(indexes.map((i) => i.name).sort()).toEqual(['orders_by_advice', 'orders_open', 'sqlite_autoindex_orders_1']);
    expect(indexes.find((i) => i.name === 'orders_by_advice')?.sql).toMatch(
      /^CREATE UNIQUE INDEX orders_by_advice ON orders \(substr\(advice_key, instr\(advice_key, '@'\)\), advice_key\)$/,
    );
    const db = new Database(file, { readonly: true });
    try {
      const sql = `SELECT client_order_id FROM orders WHERE substr(advice_key, instr(advice_key, '@')) = substr(?, instr(?, '@')) AND advice_key = ?`;
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('a@1', 'a@1', 'a@1') as { detail: string }[];
      expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING INDEX orders_by_advice/);
    } finally {
      db.close();
    }
  });

  it('migration 5 rebuilds orders keeping every row, its rowid and the rows that reference it; foreign keys stay on', () => {
    const before = MIGRATIONS.filter((m) => m.id < 5);
    const old = SqliteJournal.open(file, { migrations: before });
    old.saveCrewInstance(crewRecord('c1', 1_700_000_000_000));
    const orders = [1, 2, 3].map((seq) =>
      newOrder({ clientOrderId: `cd-c1-${seq}`, crewId: 'c1', adviceKey: `c1@${1_700_000_000_000 + seq * 60_000}`, reason: 'r', at: 1_700_000_000_000 + seq }),
    );
    for (const [i, o] of orders.entries()) old.insertOrder(o, i + 2);
    old.close();
    const raw = new Database(file);
    raw.exec("DELETE FROM order_events WHERE client_order_id = 'cd-c1-2'; DELETE FROM orders WHERE client_order_id = 'cd-c1-2'");
    const rowidsBefore = raw.prepare('SELECT rowid, client_order_id FROM orders ORDER BY rowid').all();
    raw.close();

    const journal = SqliteJournal.open(file);
    try {
      expect(journal.getAppliedMigrations().map((m) => m.id)).toEqual(MIGRATIONS.map((m) => m.id));
      const check = new Database(file, { readonly: true });
      expect(check.prepare('SELECT rowid, client_order_id FROM orders ORDER BY rowid').all()).toEqual(rowidsBefore);
      expect(check.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
      check.close();
      expect(journal.getOrderByAdvice(orders[2]!.adviceKey)?.clientOrderId).toBe('cd-c1-3');
      expect(journal.getOrderEvents('cd-c1-3')).toHaveLength(1);
      // Still one order per advice, and a reference to an order that does not exist is still refused.
      expect(() => journal.insertOrder({ ...orders[0]!, clientOrderId: 'cd-c1-9' }, 10)).toThrow(/advice key c1@1700000060000 already has order cd-c1-1/);
      expect(() => journal.updateOrder({ ...orders[0]!, clientOrderId: 'cd-c1-404', status: 'submitted' }, 'new', 'x')).toThrow();
      expect(() =>
        journal.recordFill(
          {
            crewId: 'c1',
            tradeId: 't',
            clientOrderId: 'cd-c1-404',
            exchangeOrderId: 'x',
            symbol: 'BTCUSDT',
            side: 'BUY',
            price: orders[0]!.quoteQuantity!,
            quantity: orders[0]!.quoteQuantity!,
            quoteQuantity: orders[0]!.quoteQuantity!,
            fee: orders[0]!.quoteQuantity!,
            feeAsset: 'USDT',
            time: 1,
          },
          {
            crewId: 'c1',
            symbol: 'BTCUSDT',
            quantity: orders[0]!.quoteQuantity!,
            costBasis: orders[0]!.quoteQuantity!,
            cash: orders[0]!.quoteQuantity!,
            realizedPnl: orders[0]!.quoteQuantity!,
            feesPaid: orders[0]!.quoteQuantity!,
            entryTime: null,
            entryPrice: null,
          },
          { ...orders[0]!, clientOrderId: 'cd-c1-404' },
          'new',
        ),
      ).toThrow(/FOREIGN KEY|not journaled/);
    } finally {
      journal.close();
    }
  });

  it('brings a fresh file to the current schema, in WAL mode', async () => {
    const journal = await SqliteJournal.open(file);
    const applied = await journal.getAppliedMigrations();
    await journal.close();

    expect(applied.map((m) => [m.id, m.name])).toEqual(MIGRATIONS.map((m) => [m.id, m.name]));
    expect(await tableNames()).toEqual(EXPECTED_TABLES);
    // journal_mode is stored in the file, so another connection sees it.
    expect(await rawQuery<{ journal_mode: string }>('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  });

  it('re-opening applies nothing twice and keeps the data', async () => {
    const first = await SqliteJournal.open(file);
    const appliedBefore = await first.getAppliedMigrations();
    await first.setSetting('mode', 'paper', null);
    await first.close();

    const second = await SqliteJournal.open(file);
    expect(await second.getAppliedMigrations()).toEqual(appliedBefore);
    expect(await second.getSetting('mode')).toBe('paper');
    await second.close();
  });

  it('re-opening with a new migration applies only that one', async () => {
    await (await SqliteJournal.open(file)).close();
    const next: Migration = { id: MIGRATIONS.length + 1, name: 'add-notes', sql: 'CREATE TABLE notes (body TEXT) STRICT;' };

    const journal = await SqliteJournal.open(file, { migrations: [...MIGRATIONS, next] });
    const applied = await journal.getAppliedMigrations();
    await journal.close();

    expect(applied.map((m) => m.id)).toEqual([...MIGRATIONS.map((m) => m.id), next.id]);
    expect(await tableNames()).toContain('notes');
  });

  it('a failing migration is rolled back whole and open() rejects naming it', async () => {
    await (await SqliteJournal.open(file)).close();
    const broken: Migration = {
      id: 90,
      name: 'broken-on-purpose',
      // The first statement succeeds; the second fails, and must take the first with it.
      sql: 'CREATE TABLE half_done (x TEXT) STRICT; INSERT INTO no_such_table VALUES (1);',
    };

    expect(() => SqliteJournal.open(file, { migrations: [...MIGRATIONS, broken] })).toThrow(
      /migration 90 \(broken-on-purpose\) failed: .*no such table: no_such_table/,
    );

    expect(await tableNames()).not.toContain('half_done');
    const ids = await rawQuery<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(ids.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
    // The file is still usable with the shipped schema.
    await (await SqliteJournal.open(file)).close();
  });

  it('refuses a file migrated by a newer crewdesk', async () => {
    const future: Migration = { id: 999, name: 'from-the-future', sql: 'CREATE TABLE future (x TEXT) STRICT;' };
    await (await SqliteJournal.open(file, { migrations: [...MIGRATIONS, future] })).close();

    expect(() => SqliteJournal.open(file)).toThrow(/999 \(from-the-future\).*newer version/);
  });

  it('refuses a migration list that is not in ascending order', async () => {
    const list: Migration[] = [...MIGRATIONS, { id: 1, name: 'again', sql: 'SELECT 1;' }];
    expect(() => SqliteJournal.open(file, { migrations: list })).toThrow(/ascending/);
  });

  it('read-only: reads a current file, refuses writes, refuses a file that needs migrating', async () => {
    const writer = await SqliteJournal.open(file);
    await writer.setSetting('mode', 'live', null);
    await writer.close();

    const reader = await SqliteJournal.open(file, { readonly: true });
    expect(await reader.getSetting('mode')).toBe('live');
    expect(() => reader.setSetting('mode', 'paper', null)).toThrow(/journal\.setSetting\(mode\): .*read-only/);
    await reader.close();

    const next: Migration = { id: MIGRATIONS.length + 1, name: 'add-notes', sql: 'CREATE TABLE notes (b TEXT) STRICT;' };
    expect(() => SqliteJournal.open(file, { readonly: true, migrations: [...MIGRATIONS, next] })).toThrow(/needs migrations .*add-notes/);
  });

  it('opens a journal the sqlite3-era crewdesk wrote (same migrations and ledger, WAL), keeping its rows', () => {
    // What that version left on disk: the schema of migration 1 applied by its runner, its ledger row,
    // WAL mode, and rows written as it wrote them.
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
    old.exec(MIGRATIONS[0]!.sql);
    old.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(1, MIGRATIONS[0]!.name, 1_700_000_000_000);
    old.prepare("INSERT INTO settings (key, value) VALUES ('mode', '\"live\"')").run();
    old.prepare("INSERT INTO halt (id, level, reason, actor, since) VALUES (1, 'entries', 'old halt', 'owner', 1700000000000)").run();
    old.close();

    const journal = SqliteJournal.open(file);
    try {
      expect(journal.getAppliedMigrations().map((m) => m.id)).toEqual(MIGRATIONS.map((m) => m.id));
      expect(journal.getSetting('mode')).toBe('live');
      expect(journal.getHalt()).toEqual({ level: 'entries', reason: 'old halt', actor: 'owner', since: 1_700_000_000_000 });
      journal.setSetting('mode', 'paper', null);
      expect(journal.getSetting('mode')).toBe('paper');
    } finally {
      journal.close();
    }
  });

  it('opens an in-memory journal', async () => {
    const journal = await SqliteJournal.open(':memory:');
    expect((await journal.getAppliedMigrations()).length).toBe(MIGRATIONS.length);
    await journal.close();
  });

  it('names the file when it cannot be opened', async () => {
    const missing = path.join(dir, 'no-such-dir', 'journal.db');
    // better-sqlite3 says why before SQLite would (sqlite3 said SQLITE_CANTOPEN).
    expect(() => SqliteJournal.open(missing)).toThrow(`journal.open(${missing}): Cannot open database because the directory does not exist`);
  });
});
