// How a batch of writes becomes one SQL script: BEGIN IMMEDIATE, each write's statements with
// their values written in (sql-literal.ts), COMMIT — one sqlite3 call for the lot. SQLite compiles
// every statement of a script, and for these tables compiling costs more than running, so rows of
// the same plain INSERT that follow each other (equity points, advice, events…) share one
// multi-row INSERT: the same rows, in the same order, checked as they are inserted.
//
// A batch must commit exactly what the writes would commit one by one, or fail. So a statement
// whose write depends on it changing a row (an update of an order that must exist; a fill that
// must not be journaled already) is followed by a guard that fails the batch when it changed none;
// the write, run again on its own, then says what that means.
import { NotALiteralError, type SqlTemplate } from './sql-literal.ts';
import type { SqlValue } from './sqlite.ts';

/** One statement of a write. */
export interface Step<Name extends string = string> {
  readonly sql: Name;
  readonly params: readonly SqlValue[];
  /** When the statement changes no row, the write either fails with this message, or — `skip`, only
   * on a first step, so nothing is written — ends there and resolves false. */
  readonly unchanged?: { readonly fail: string } | 'skip';
}

/** A statement of a rendered write: a row to append to an INSERT of `into`, or whole statements. */
interface RenderedStatement {
  readonly into: SqlTemplate | null;
  readonly text: string;
}

export type RenderedWrite = readonly RenderedStatement[];

/** Made at open, per connection. A guard inserts a row here; the CHECK refuses it, so the table
 * stays empty and the batch fails. */
export const CREATE_GUARD_TABLE =
  'CREATE TEMP TABLE IF NOT EXISTS journal_guard ' +
  '(changed_no_row INTEGER CONSTRAINT a_statement_changed_no_row CHECK (changed_no_row IS NULL))';
/** Right after a statement: `changes()` is still that statement's count. */
const GUARD = 'INSERT INTO temp.journal_guard SELECT 1 WHERE changes() = 0';

/** A write's steps as SQL; null when a value has no exact literal (the write must bind it instead). */
export function renderWrite<Name extends string>(
  steps: readonly Step<Name>[],
  templates: { readonly [K in Name]: SqlTemplate },
): RenderedWrite | null {
  const rendered: RenderedStatement[] = [];
  try {
    for (const step of steps) {
      const template = templates[step.sql];
      if (step.unchanged !== undefined) {
        rendered.push({ into: null, text: `${template.render(step.params)};\n${GUARD}` });
      } else if (template.valuesHead !== null) {
        rendered.push({ into: template, text: template.renderRow(step.params) });
      } else {
        rendered.push({ into: null, text: template.render(step.params) });
      }
    }
  } catch (error) {
    if (error instanceof NotALiteralError) return null;
    throw error;
  }
  return rendered;
}

/** The writes, in order, as one transaction. */
export function batchScript(writes: readonly RenderedWrite[]): string {
  let sql = 'BEGIN IMMEDIATE;\n';
  /** The INSERT whose VALUES list is still open. */
  let open: SqlTemplate | null = null;
  for (const write of writes) {
    for (const statement of write) {
      if (statement.into !== null && statement.into === open) {
        sql += ',\n' + statement.text;
        continue;
      }
      if (open !== null) sql += ';\n';
      open = statement.into;
      sql += open === null ? `${statement.text};\n` : open.valuesHead + statement.text;
    }
  }
  if (open !== null) sql += ';\n';
  return sql + 'COMMIT;';
}
