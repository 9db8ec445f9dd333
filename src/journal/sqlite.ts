// Promises over the callback API of `sqlite3`, kept to what the journal needs.
// Two traps of that API shape this file and the journal's queue:
// - Runs of *different* prepared statements are not ordered by `db.serialize()`: each goes to the
//   thread pool as soon as it is called. Statements must be awaited one after another.
// - Reads use `all`, never `get`: `all` steps a statement to completion, while `get` leaves it
//   mid-result, holding a read transaction open until the statement is next used.
import sqlite3 from 'sqlite3';
import type { Database, RunResult, Statement } from 'sqlite3';

export type { Database, Statement };

/** Values we bind: SQLite has no other types we use. */
export type SqlValue = string | number | null;

export const NO_PARAMS: readonly SqlValue[] = [];

export function openDatabase(file: string, readonly: boolean): Promise<Database> {
  const mode = readonly
    ? sqlite3.OPEN_READONLY | sqlite3.OPEN_FULLMUTEX
    : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_FULLMUTEX;
  return new Promise((resolve, reject) => {
    const db: Database = new sqlite3.Database(file, mode, (error) => (error ? reject(error) : resolve(db)));
  });
}

export function closeDatabase(db: Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

/** Runs one or more statements without parameters (pragmas, migrations). */
export function exec(db: Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

/** Rows of an unprepared statement (pragmas and one-off reads at open). */
export function query<T>(db: Database, sql: string, params: readonly SqlValue[] = NO_PARAMS): Promise<T[]> {
  return new Promise((resolve, reject) =>
    db.all<T>(sql, params, (error, rows) => (error ? reject(error) : resolve(rows))),
  );
}

export function prepare(db: Database, sql: string): Promise<Statement> {
  return new Promise((resolve, reject) => {
    const statement = db.prepare(sql, (error: Error | null) => (error ? reject(error) : resolve(statement)));
  });
}

/** Runs a prepared statement; resolves the number of rows it changed. */
export function run(statement: Statement, params: readonly SqlValue[]): Promise<number> {
  return new Promise((resolve, reject) =>
    statement.run(params, function (this: RunResult, error: Error | null) {
      if (error) reject(error);
      else resolve(this.changes);
    }),
  );
}

export function all<T>(statement: Statement, params: readonly SqlValue[]): Promise<T[]> {
  return new Promise((resolve, reject) =>
    statement.all<T>(params, (error, rows) => (error ? reject(error) : resolve(rows))),
  );
}

export function finalize(statement: Statement): Promise<void> {
  // finalize() reports no failure worth acting on at close: the statement is gone either way.
  return new Promise((resolve) => statement.finalize(() => resolve()));
}

/** Each row of an unprepared query, one at a time (no array of them all); resolves the row count. */
export function each<T>(db: Database, sql: string, params: readonly SqlValue[], onRow: (row: T) => void): Promise<number> {
  return new Promise((resolve, reject) =>
    db.each<T>(
      sql,
      params,
      (error, row) => {
        if (error === null) onRow(row);
      },
      (error, count) => (error ? reject(error) : resolve(count)),
    ),
  );
}
