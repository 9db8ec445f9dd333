// The SQLite binding (better-sqlite3), kept to what the journal needs. Synchronous: a statement
// has run, and a transaction has committed, when the call returns.
import BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** Values we bind: SQLite has no other types we use. */
export type SqlValue = string | number | null;

export function openDatabase(file: string, readonly: boolean): Database {
  // fileMustExist for a read-only open: a tool reading a journal never creates an empty one.
  return new BetterSqlite3(file, readonly ? { readonly: true, fileMustExist: true } : {});
}

/** Rows of a one-off statement (pragmas and reads at open). */
export function query<T>(db: Database, sql: string, params: readonly SqlValue[] = []): T[] {
  return db.prepare(sql).all(...params) as T[];
}

/** SQLite's extended result code of an error it raised ("SQLITE_FULL", "SQLITE_IOERR_WRITE", …). */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
