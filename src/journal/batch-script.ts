// How a batch of writes becomes one SQL script: BEGIN IMMEDIATE, the writes' statements with their
// values written in (sql-literal.ts), COMMIT — one sqlite3 call for the lot. SQLite compiles every
// statement of a script, and compiling a one-row statement costs more than running it, so the rows
// that the writes of a batch give one table go out as ONE statement: a multi-row INSERT (or upsert),
// or, for updates by key, an `UPDATE … FROM (VALUES …)`. A batch of a few hundred orders, fills,
// events and equity points is a dozen statements, however the calls interleave.
//
// A batch must commit exactly what its writes would commit one by one, in call order, or fail (the
// writes then run again one by one, and each resolves or rejects as it would alone). Grouped:
// - Foreign keys are checked as each row goes in, as when a write runs alone. A group's statement
//   runs after those of the tables it refers to (`rank`: orders before their events and fills), and
//   a write that creates a row an earlier write of the batch referred to (`defines`, `refersTo`)
//   starts a new segment, whose statements run after the earlier ones: a row never finds a parent
//   that, in call order, did not exist yet. (Parents created only by statements with no grouping
//   need no such care: those go in order.)
// - A table's rows keep call order (their ids, and so every "oldest first" listing, follow calls).
// - Rows with the same `key` replace each other (an order updated twice, a position after each
//   fill): only the last is written — merged where the statement says how (`merge`). SQLite never
//   sees the rows replaced, so a row may be replaced only where it could fail no check that the
//   last one, or another row of its own write, does not also make (`collapsible`); a write with a
//   row that could is taken in order instead.
// - A statement a write depends on changing rows (an update of an order that must exist, a fill that
//   must be new) is followed by a guard that fails the batch unless it changed every row. A write
//   repeating a row whose step is `skip` (a fill already journaled by an earlier write of the batch)
//   is known here: nothing of it is written, and it resolves false, as it would alone.
// Statements with no grouping (crew creation, halt, settings) go in order: the segment so far is
// written out, then each of their statements, guarded where needed.
import { rowLiteral, type SqlTemplate } from './sql-literal.ts';
import type { SqlValue } from './sqlite.ts';

/** One statement of a write. */
export interface Step<Name extends string = string> {
  readonly sql: Name;
  readonly params: readonly SqlValue[];
  /** When the statement changes no row, the write either fails with this message, or — `skip`, only
   * on a first step, so nothing is written — ends there and resolves false. */
  readonly unchanged?: { readonly fail: string } | 'skip';
}

/** How the rows of one statement, from every write of a batch, become one statement: `head`, the
 * rows (each step's params as a `(…)` row), `tail`. */
export interface Grouping {
  /** Groups run in ascending rank within a segment: a table before the tables that refer to it. */
  readonly rank: number;
  readonly head: string;
  readonly tail: string;
  /** A row's identity. For a `skip` step, a later row with the same key is a repeat (its write is
   * skipped); for any other, it replaces the earlier row. */
  readonly key?: (params: readonly SqlValue[]) => string;
  /** The row that replaces `earlier` (default: `later`). */
  readonly merge?: (earlier: readonly SqlValue[], later: readonly SqlValue[]) => readonly SqlValue[];
  /** False when this row must not be replaced unseen: a check might refuse it that would pass its
   * replacement (the write then goes in order). Default: any row may be replaced. */
  readonly collapsible?: (params: readonly SqlValue[]) => boolean;
  /** The param holding the key of the row this statement creates, which others refer to. */
  readonly defines?: number;
  /** The param holding the key of a row (of a `defines` statement) this statement refers to. */
  readonly refersTo?: number;
}

export type Templates<Name extends string> = { readonly [K in Name]: SqlTemplate };
export type Groupings<Name extends string> = { readonly [K in Name]?: Grouping };

/** Made at open, per connection. A guard inserts a row here; the CHECK refuses it, so the table
 * stays empty and the batch fails. */
export const CREATE_GUARD_TABLE =
  'CREATE TEMP TABLE IF NOT EXISTS journal_guard ' +
  '(changed_no_row INTEGER CONSTRAINT a_statement_changed_no_row CHECK (changed_no_row IS NULL))';

/** Right after a statement (`changes()` is still its count): fails the batch unless it changed `rows` rows. */
function guard(rows: number): string {
  return `INSERT INTO temp.journal_guard SELECT 1 WHERE changes() <> ${rows};\n`;
}

/** The rows one statement collects in the open segment. */
interface Group {
  readonly grouping: Grouping;
  /** Rows in call order; keyed rows (other than `skip` ones) by key, each where its key first came. */
  readonly rows: (readonly SqlValue[])[];
  readonly keyed: Map<string, readonly SqlValue[]>;
  /** Whether some step of it must change every row. */
  guarded: boolean;
}

/** One batch's script, built write by write in call order. */
export class BatchScript<Name extends string> {
  /** The script's pieces, joined once at the end. */
  private readonly parts: string[] = ['BEGIN IMMEDIATE;\n'];
  /** The open segment: its groups by statement, and the keys its rows refer to. */
  private groups = new Map<Name, Group>();
  private referred = new Set<SqlValue>();
  /** Keys of the `skip` rows written by the batch so far. */
  private readonly written = new Set<string>();

  constructor(
    private readonly templates: Templates<Name>,
    private readonly groupings: Groupings<Name>,
  ) {}

  /** Adds a write's steps. False when the write repeats a `skip` row already written by the batch:
   * nothing of it is written, and it resolves false. */
  add(steps: readonly Step<Name>[]): boolean {
    const first = steps[0];
    if (first?.unchanged === 'skip') {
      const key = this.groupings[first.sql]?.key?.(first.params);
      if (key !== undefined) {
        if (this.written.has(key)) return false;
        this.written.add(key);
      }
    }
    if (steps.every((step) => this.groupable(step))) {
      for (const step of steps) this.group(step);
    } else {
      this.endSegment();
      for (const step of steps) {
        this.parts.push(this.templates[step.sql].render(step.params), ';\n');
        if (step.unchanged !== undefined) this.parts.push(guard(1));
      }
    }
    return true;
  }

  /** The whole script. */
  finish(): string {
    this.endSegment();
    this.parts.push('COMMIT;');
    return this.parts.join('');
  }

  private groupable(step: Step<Name>): boolean {
    const grouping = this.groupings[step.sql];
    if (grouping === undefined) return false;
    return grouping.key === undefined || step.unchanged === 'skip' || grouping.collapsible?.(step.params) !== false;
  }

  private group(step: Step<Name>): void {
    const grouping = this.groupings[step.sql]!;
    if (grouping.defines !== undefined && this.referred.has(step.params[grouping.defines]!)) this.endSegment();
    if (grouping.refersTo !== undefined) this.referred.add(step.params[grouping.refersTo]!);
    let group = this.groups.get(step.sql);
    if (group === undefined) {
      group = { grouping, rows: [], keyed: new Map(), guarded: false };
      this.groups.set(step.sql, group);
    }
    if (step.unchanged !== undefined) group.guarded = true;
    if (grouping.key === undefined || step.unchanged === 'skip') {
      group.rows.push(step.params);
    } else {
      const key = grouping.key(step.params);
      const earlier = group.keyed.get(key);
      group.keyed.set(key, earlier !== undefined && grouping.merge ? grouping.merge(earlier, step.params) : step.params);
    }
  }

  /** Writes out the open segment's statements, by rank (then first use), and opens a new one. */
  private endSegment(): void {
    if (this.groups.size === 0) return;
    const groups = [...this.groups.values()].sort((a, b) => a.grouping.rank - b.grouping.rank);
    for (const { grouping, rows, keyed, guarded } of groups) {
      const all = keyed.size === 0 ? rows : [...rows, ...keyed.values()];
      const parts = this.parts;
      parts.push(grouping.head);
      for (let i = 0; i < all.length; i++) {
        if (i > 0) parts.push(',\n');
        parts.push(rowLiteral(all[i]!));
      }
      parts.push(grouping.tail, ';\n');
      if (guarded) parts.push(guard(all.length));
    }
    this.groups = new Map();
    this.referred = new Set();
  }
}
