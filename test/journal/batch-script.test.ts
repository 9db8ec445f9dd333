// A batch script is one transaction in which each table gets one statement for the rows of every
// write of the batch: parents before the rows that refer to them, a table's rows in call order,
// rows of the same key collapsed to the last, statements a write depends on guarded — and
// statements with no grouping in call order between the groups.
import { describe, expect, it } from 'vitest';
import { BatchScript, type Groupings, type Step } from '../../src/journal/batch-script.ts';
import { SqlTemplate } from '../../src/journal/sql-literal.ts';

const SQL = {
  insertParent: 'INSERT INTO parents (id) VALUES (?)',
  insertChild: 'INSERT INTO children (parent, what) VALUES (?, ?)',
  insertOnce: 'INSERT INTO once (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING',
  updateParent: 'UPDATE parents SET status = ? WHERE id = ?',
  bump: 'UPDATE counters SET n = max(n, ?) WHERE id = ?',
  upsertKv: 'INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v',
  setSetting: 'INSERT INTO settings (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v',
};
type Name = keyof typeof SQL;
const TEMPLATES = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, SqlTemplate.compile(v)])) as {
  readonly [K in Name]: SqlTemplate;
};

function rows(name: Name): { head: string; tail: string } {
  return TEMPLATES[name].row!;
}

const GROUPINGS: Groupings<Name> = {
  insertParent: { rank: 0, ...rows('insertParent'), defines: 0 },
  updateParent: {
    rank: 1,
    head: 'UPDATE parents SET status = v.column1 FROM (VALUES ',
    tail: ') AS v WHERE parents.id = v.column2',
    key: (p) => String(p[1]),
    refersTo: 1,
  },
  insertChild: { rank: 2, ...rows('insertChild'), refersTo: 0 },
  insertOnce: { rank: 2, ...rows('insertOnce'), key: (p) => String(p[0]) },
  bump: {
    rank: 2,
    head: 'UPDATE counters SET n = max(n, v.column1) FROM (VALUES ',
    tail: ') AS v WHERE counters.id = v.column2',
    key: (p) => String(p[1]),
    merge: (a, b) => [Math.max(a[0] as number, b[0] as number), b[1]!],
  },
  upsertKv: { rank: 2, ...rows('upsertKv'), key: (p) => String(p[0]), collapsible: (p) => typeof p[1] === 'number' },
  // setSetting: no grouping, goes in order.
};

function script(...writes: Step<Name>[][]): { sql: string; added: boolean[] } {
  const batch = new BatchScript(TEMPLATES, GROUPINGS);
  const added = writes.map((steps) => batch.add(steps));
  return { sql: batch.finish(), added };
}

const GUARD = (n: number) => `INSERT INTO temp.journal_guard SELECT 1 WHERE changes() <> ${n};\n`;

describe('BatchScript', () => {
  it('is one transaction taking the write lock up front', () => {
    expect(script([{ sql: 'insertChild', params: ['p', 'a'] }]).sql).toBe(
      "BEGIN IMMEDIATE;\nINSERT INTO children (parent, what) VALUES ('p', 'a');\nCOMMIT;",
    );
  });

  it('gives each table one statement for the rows of all writes, parents first, rows in call order', () => {
    const { sql } = script(
      [{ sql: 'insertChild', params: ['old', 'a'] }],
      [{ sql: 'insertParent', params: ['p1'] }, { sql: 'insertChild', params: ['p1', 'b'] }],
      [{ sql: 'upsertKv', params: ['k', 1] }],
      [{ sql: 'insertParent', params: ['p2'] }, { sql: 'insertChild', params: ['p2', 'c'] }],
    );
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "INSERT INTO parents (id) VALUES ('p1'),\n('p2');\n" +
        "INSERT INTO children (parent, what) VALUES ('old', 'a'),\n('p1', 'b'),\n('p2', 'c');\n" +
        "INSERT INTO kv (k, v) VALUES ('k', 1) ON CONFLICT (k) DO UPDATE SET v = excluded.v;\n" +
        'COMMIT;',
    );
  });

  it('writes only the last row of a key (or the merged one), and guards what must change every row', () => {
    const { sql } = script(
      [{ sql: 'updateParent', params: ['sent', 'p1'], unchanged: { fail: 'p1 is not journaled' } }],
      [{ sql: 'bump', params: [5, 'c'] }],
      [{ sql: 'updateParent', params: ['done', 'p1'], unchanged: { fail: 'p1 is not journaled' } }],
      [{ sql: 'bump', params: [3, 'c'] }],
      [{ sql: 'updateParent', params: ['sent', 'p2'], unchanged: { fail: 'p2 is not journaled' } }],
      [{ sql: 'upsertKv', params: ['k', 1] }],
      [{ sql: 'upsertKv', params: ['k', 2] }],
    );
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "UPDATE parents SET status = v.column1 FROM (VALUES ('done', 'p1'),\n('sent', 'p2')) AS v WHERE parents.id = v.column2;\n" +
        GUARD(2) +
        "UPDATE counters SET n = max(n, v.column1) FROM (VALUES (5, 'c')) AS v WHERE counters.id = v.column2;\n" +
        "INSERT INTO kv (k, v) VALUES ('k', 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v;\n" +
        'COMMIT;',
    );
  });

  it('skips a write whose first, `skip`, row repeats one already in the batch: nothing of it is written', () => {
    const { sql, added } = script(
      [{ sql: 'insertOnce', params: ['t1', 'first'], unchanged: 'skip' }, { sql: 'insertChild', params: ['p', 'x'] }],
      [{ sql: 'insertOnce', params: ['t2', 'other'], unchanged: 'skip' }],
      [{ sql: 'insertOnce', params: ['t1', 'again'], unchanged: 'skip' }, { sql: 'insertChild', params: ['p', 'y'] }],
    );
    expect(added).toEqual([true, true, false]);
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "INSERT INTO once (k, v) VALUES ('t1', 'first'),\n('t2', 'other') ON CONFLICT (k) DO NOTHING;\n" +
        GUARD(2) +
        "INSERT INTO children (parent, what) VALUES ('p', 'x');\n" +
        'COMMIT;',
    );
  });

  it('starts a new segment when a write creates a row an earlier write of the batch referred to', () => {
    // In call order the child comes first, so it must meet the foreign key before its parent exists.
    const { sql } = script(
      [{ sql: 'insertParent', params: ['p1'] }],
      [{ sql: 'insertChild', params: ['p2', 'early'] }],
      [{ sql: 'insertParent', params: ['p2'] }, { sql: 'insertChild', params: ['p2', 'late'] }],
    );
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "INSERT INTO parents (id) VALUES ('p1');\n" +
        "INSERT INTO children (parent, what) VALUES ('p2', 'early');\n" +
        "INSERT INTO parents (id) VALUES ('p2');\n" +
        "INSERT INTO children (parent, what) VALUES ('p2', 'late');\n" +
        'COMMIT;',
    );
  });

  it('puts a statement with no grouping, or a row that must not be collapsed unseen, in call order', () => {
    const { sql } = script(
      [{ sql: 'insertChild', params: ['p', 'a'] }],
      [{ sql: 'setSetting', params: ['mode', '"paper"'] }],
      [{ sql: 'insertChild', params: ['p', 'b'] }],
      [{ sql: 'upsertKv', params: ['k', 'not a number'] }],
      [{ sql: 'updateParent', params: ['x', 'p'], unchanged: { fail: 'p is not journaled' } }],
      [{ sql: 'insertChild', params: ['p', 'c'] }],
    );
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "INSERT INTO children (parent, what) VALUES ('p', 'a');\n" +
        "INSERT INTO settings (k, v) VALUES ('mode', '\"paper\"') ON CONFLICT (k) DO UPDATE SET v = excluded.v;\n" +
        "INSERT INTO children (parent, what) VALUES ('p', 'b');\n" +
        "INSERT INTO kv (k, v) VALUES ('k', 'not a number') ON CONFLICT (k) DO UPDATE SET v = excluded.v;\n" +
        "UPDATE parents SET status = v.column1 FROM (VALUES ('x', 'p')) AS v WHERE parents.id = v.column2;\n" +
        GUARD(1) +
        "INSERT INTO children (parent, what) VALUES ('p', 'c');\n" +
        'COMMIT;',
    );
  });

  it('guards a statement in call order that a write depends on', () => {
    const { sql } = script([
      { sql: 'setSetting', params: ['mode', '1'], unchanged: { fail: 'no' } },
      { sql: 'insertChild', params: ['p', 'a'] },
    ]);
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "INSERT INTO settings (k, v) VALUES ('mode', '1') ON CONFLICT (k) DO UPDATE SET v = excluded.v;\n" +
        GUARD(1) +
        "INSERT INTO children (parent, what) VALUES ('p', 'a');\n" +
        'COMMIT;',
    );
  });
});
