// Applies the numbered migrations a journal file has not seen yet, each in its own
// transaction, and refuses a file written by a newer crewdesk (a migration id it does not know).
import type { Migration } from './migrations.ts';
import { type Database, query } from './sqlite.ts';

export interface AppliedMigration {
  readonly id: number;
  readonly name: string;
  readonly appliedAt: number;
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  applied_at  INTEGER NOT NULL
) STRICT`;

export function appliedMigrations(db: Database): AppliedMigration[] {
  const ledger = query<{ n: number }>(db, `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`);
  if ((ledger[0]?.n ?? 0) === 0) return [];
  return query<AppliedMigration>(db, 'SELECT id, name, applied_at AS appliedAt FROM schema_migrations ORDER BY id');
}

/** Throws when ids are not strictly ascending: the order of application must be the order of the list. */
export function checkMigrationList(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    if (!Number.isInteger(migration.id) || migration.id <= previous) {
      throw new Error(`migration ids must be ascending positive integers: ${migration.id} (${migration.name})`);
    }
    previous = migration.id;
  }
}

/** The migrations not yet applied to `db`, in order. */
export function pendingMigrations(db: Database, migrations: readonly Migration[]): Migration[] {
  checkMigrationList(migrations);
  const applied = appliedMigrations(db);
  const known = new Set(migrations.map((m) => m.id));
  const unknown = applied.filter((m) => !known.has(m.id));
  if (unknown.length > 0) {
    const names = unknown.map((m) => `${m.id} (${m.name})`).join(', ');
    throw new Error(`the journal has migrations this crewdesk does not know: ${names}; is it from a newer version?`);
  }
  const done = new Set(applied.map((m) => m.id));
  return migrations.filter((m) => !done.has(m.id));
}

/** Applies what is pending; returns the ids applied. A failing migration is rolled back whole and
 * the call throws naming it; the migrations before it stay applied. */
export function migrate(db: Database, migrations: readonly Migration[], now: () => number): number[] {
  db.exec(CREATE_LEDGER);
  const pending = pendingMigrations(db, migrations);
  const applied: number[] = [];
  for (const migration of pending) {
    const foreignKeys = migration.rebuildsTables === true && db.pragma('foreign_keys', { simple: true }) === 1;
    if (foreignKeys) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.rebuildsTables === true) {
          const broken = query<{ table: string; parent: string }>(db, 'PRAGMA foreign_key_check');
          if (broken.length > 0) throw new Error(`${broken.length} rows lost their reference (first: ${broken[0]!.table} → ${broken[0]!.parent})`);
        }
        db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(migration.id, migration.name, now());
      }).immediate();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`migration ${migration.id} (${migration.name}) failed: ${message}`, { cause: error });
    } finally {
      if (foreignKeys) db.pragma('foreign_keys = ON');
    }
    applied.push(migration.id);
  }
  return applied;
}
