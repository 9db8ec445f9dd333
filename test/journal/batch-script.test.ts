// A batch script is the writes' statements in order, in one transaction; rows of the same plain
// INSERT that follow each other share one statement; a statement a write depends on is guarded.
import { describe, expect, it } from 'vitest';
import { batchScript, renderWrite, type Step } from '../../src/journal/batch-script.ts';
import { SqlTemplate } from '../../src/journal/sql-literal.ts';

const TEMPLATES = {
  insertPoint: SqlTemplate.compile('INSERT INTO points (scope, at) VALUES (?, ?)'),
  insertEvent: SqlTemplate.compile('INSERT INTO events (what) VALUES (?)'),
  updateOrder: SqlTemplate.compile('UPDATE orders SET status = ? WHERE id = ?'),
  upsert: SqlTemplate.compile('INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v'),
};
type Name = keyof typeof TEMPLATES;

function write(...steps: Step<Name>[]) {
  const rendered = renderWrite(steps, TEMPLATES);
  if (rendered === null) throw new Error('not renderable');
  return rendered;
}

describe('batchScript', () => {
  it('is one transaction taking the write lock up front', () => {
    const sql = batchScript([write({ sql: 'insertEvent', params: ['a'] })]);
    expect(sql).toBe("BEGIN IMMEDIATE;\nINSERT INTO events (what) VALUES ('a');\nCOMMIT;");
  });

  it('merges consecutive rows of the same plain INSERT, across writes, in order', () => {
    const sql = batchScript([
      write({ sql: 'insertPoint', params: ['desk', 1] }, { sql: 'insertPoint', params: ['crew', 1] }),
      write({ sql: 'insertPoint', params: ['desk', 2] }),
      write({ sql: 'insertEvent', params: ['x'] }),
      write({ sql: 'insertPoint', params: ['desk', 3] }),
    ]);
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "INSERT INTO points (scope, at) VALUES ('desk', 1),\n('crew', 1),\n('desk', 2);\n" +
        "INSERT INTO events (what) VALUES ('x');\n" +
        "INSERT INTO points (scope, at) VALUES ('desk', 3);\n" +
        'COMMIT;',
    );
  });

  it('never merges an upsert or an update, and guards a statement the write depends on', () => {
    const sql = batchScript([
      write({ sql: 'upsert', params: ['k', 1] }, { sql: 'upsert', params: ['k', 2] }),
      write({ sql: 'updateOrder', params: ['filled', 'o-1'], unchanged: { fail: 'order o-1 is not journaled' } }),
      write({ sql: 'insertEvent', params: ['dup?'], unchanged: 'skip' }, { sql: 'insertEvent', params: ['after'] }),
    ]);
    expect(sql).toBe(
      'BEGIN IMMEDIATE;\n' +
        "INSERT INTO kv (k, v) VALUES ('k', 1) ON CONFLICT (k) DO UPDATE SET v = excluded.v;\n" +
        "INSERT INTO kv (k, v) VALUES ('k', 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v;\n" +
        "UPDATE orders SET status = 'filled' WHERE id = 'o-1';\n" +
        'INSERT INTO temp.journal_guard SELECT 1 WHERE changes() = 0;\n' +
        "INSERT INTO events (what) VALUES ('dup?');\n" +
        'INSERT INTO temp.journal_guard SELECT 1 WHERE changes() = 0;\n' +
        "INSERT INTO events (what) VALUES ('after');\n" +
        'COMMIT;',
    );
  });
});

describe('renderWrite', () => {
  it('is null when a value has no literal, so the write binds it instead', () => {
    expect(renderWrite<Name>([{ sql: 'insertEvent', params: ['nul\0byte'] }], TEMPLATES)).toBeNull();
    expect(renderWrite<Name>([{ sql: 'insertPoint', params: ['x', Number.NaN] }], TEMPLATES)).toBeNull();
  });

  it('lets other errors through: a wrong number of values is a bug, not a value to bind', () => {
    expect(() => renderWrite<Name>([{ sql: 'insertPoint', params: ['x'] }], TEMPLATES)).toThrow(/1 values for 2/);
  });
});
