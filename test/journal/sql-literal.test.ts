// Values written into SQL text must come back from SQLite as exactly the value that binding them
// would store — same type, same characters, same bits — and must never become SQL themselves.
// Every literal here is checked against a real SQLite, not only against an expected string.
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasLiteral,
  NotALiteralError,
  numberLiteral,
  rowLiteral,
  SqlTemplate,
  sqlLiteral,
  textLiteral,
} from '../../src/journal/sql-literal.ts';
import type { SqlValue } from '../../src/journal/sqlite.ts';

let db: sqlite3.Database;

beforeAll(async () => {
  db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(':memory:', (e) => (e ? reject(e) : resolve(opened)));
  });
  await exec('CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT) STRICT');
  await exec('CREATE TABLE stored (id INTEGER PRIMARY KEY, how TEXT NOT NULL, value REAL) STRICT');
  await exec('CREATE TABLE stored_int (id INTEGER PRIMARY KEY, how TEXT NOT NULL, value INTEGER) STRICT');
});

afterAll(async () => {
  await new Promise<void>((resolve) => db.close(() => resolve()));
});

function exec(sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
}

function all<T>(sql: string, params: SqlValue[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => db.all<T>(sql, params, (e, rows) => (e ? reject(e) : resolve(rows))));
}

/** What SQLite makes of the literals, read back with their types. */
async function readBack(literals: string[]): Promise<{ v: unknown; t: string }[]> {
  const select = literals.map((l) => `SELECT ${l} AS v, typeof(${l}) AS t`).join(' UNION ALL ');
  return all(select);
}

/** What a STRICT table's typed column (the journal has no other kind) holds for each number, written
 * as a literal and bound as a parameter, read back with its type. */
async function storedBothWays(table: 'stored' | 'stored_int', values: number[]) {
  await exec(`DELETE FROM ${table}`);
  await exec(`INSERT INTO ${table} (how, value) VALUES ${values.map((v) => `('literal', ${numberLiteral(v)})`).join(', ')}`);
  await all(`INSERT INTO ${table} (how, value) VALUES ${values.map(() => "('bound', ?)").join(', ')}`, values);
  const read = (how: string) =>
    all<{ value: number; t: string }>(`SELECT value, typeof(value) AS t FROM ${table} WHERE how = ? ORDER BY id`, [how]);
  return { literal: await read('literal'), bound: await read('bound') };
}

describe('text', () => {
  const tricky = [
    '',
    "it's",
    "''",
    "'",
    "'; DROP TABLE t; --",
    "\\'); DELETE FROM t; --",
    'back\\slash \\n is not an escape in SQL',
    'line\nbreak\r\nand\ttab',
    '? :name @name $1 ?1 -- /* not */ "ident" [br] `tick`',
    'BTC ₿ ≈ 29 000 €, 日本語, עברית, Ελληνικά',
    'emoji 🚀👩‍👩‍👧 and combining é (e\u0301)',
    '\u2028\u2029\uFEFF zero width\u200B',
    'x'.repeat(100_000),
  ];

  it("is quoted, with each single quote doubled and nothing else escaped", () => {
    expect(textLiteral("it's")).toBe("'it''s'");
    expect(textLiteral("''")).toBe("''''''");
    expect(textLiteral('a\\b')).toBe("'a\\b'");
    expect(sqlLiteral('plain')).toBe("'plain'");
  });

  it('comes back from SQLite as the same string, quotes, unicode and all — as TEXT', async () => {
    const rows = await readBack(tricky.map(textLiteral));
    expect(rows).toEqual(tricky.map((v) => ({ v, t: 'text' })));
  });

  it('stays a value: an injection attempt is stored, not run', async () => {
    const attack = "x'); DROP TABLE t; --";
    await exec(`INSERT INTO t (text) VALUES (${textLiteral(attack)})`);
    expect(await all('SELECT text FROM t WHERE text = ?', [attack])).toEqual([{ text: attack }]);
  });

  it('refuses a NUL: sqlite3_exec would end the script there', () => {
    expect(() => textLiteral('before\0after')).toThrow(NotALiteralError);
    expect(() => sqlLiteral('\0')).toThrow(/NUL/);
  });

  it('keeps huge and precise decimals as TEXT, digit for digit', async () => {
    const amounts = [
      '12345678901234567890123456789012345678.123456789012345678901234567890',
      '0.000000000000000000000000000000000000001',
      '-99999999999999999999.99999999',
      '0.1',
      '100',
    ];
    await exec(`INSERT INTO t (text) VALUES ${amounts.map((a) => `(${textLiteral(a)})`).join(', ')}`);
    const rows = await all<{ text: string; t: string }>(
      `SELECT text, typeof(text) AS t FROM t WHERE id > (SELECT max(id) - ${amounts.length} FROM t) ORDER BY id`,
    );
    expect(rows).toEqual(amounts.map((text) => ({ text, t: 'text' })));
  });
});

describe('numbers', () => {
  it('a safe integer is its digits, stored exactly as when bound', async () => {
    const ints = [0, 1, -1, 42, 1_700_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    expect(ints.map(numberLiteral)).toEqual(ints.map(String));
    expect(await readBack(ints.map(numberLiteral))).toEqual(ints.map((v) => ({ v, t: 'integer' })));
    // sqlite3 binds a number beyond int32 as a REAL; a typed column makes both the same value.
    for (const table of ['stored', 'stored_int'] as const) {
      const { literal, bound } = await storedBothWays(table, ints);
      expect(literal).toEqual(bound);
    }
  });

  it('-0 is written as 0, which is what sqlite3 binds for it', async () => {
    expect(numberLiteral(-0)).toBe('0');
    const { literal, bound } = await storedBothWays('stored', [-0]);
    expect(literal).toEqual(bound);
    expect(Object.is(literal[0]!.value, 0)).toBe(true);
  });

  it('refuses NaN and the infinities', () => {
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => numberLiteral(n)).toThrow(NotALiteralError);
    }
  });

  it('a fraction comes back bit for bit — which its shortest decimal text would not', async () => {
    // SQLite 3.52 reads the text 0.556089 as 0.5560889999999999: not correctly rounded.
    const [asText] = await readBack(['0.556089']);
    expect(asText!.v).not.toBe(0.556089);

    const [exact] = await readBack([numberLiteral(0.556089)]);
    expect(exact).toEqual({ v: 0.556089, t: 'real' });
  });

  it('every finite double round-trips exactly, and is stored as when bound', async () => {
    const special = [
      0.1, 0.5, 1 / 3, -2.5, 0.64912537038932, 29000.01, 1e-7, 123456.789e10,
      2 ** 53, 2 ** 63, 2 ** 64 + 2 ** 12, 1e21, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** -1022, 5e-324 * 3,
    ];
    const random: number[] = [];
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    while (random.length < 3000) {
      words[0] = next();
      words[1] = next();
      if (Number.isFinite(bits[0]!)) random.push(bits[0]!);
    }
    for (let i = 0; i < 2000; i++) random.push(Math.round(((next() % 10_000_000) / 10 ** (next() % 9)) * 1e8) / 1e8);

    const values = [...special, ...random];
    for (let i = 0; i < values.length; i += 400) {
      const chunk = values.slice(i, i + 400);
      const rows = await readBack(chunk.map(numberLiteral));
      rows.forEach((row, k) => {
        expect(Object.is(row.v, chunk[k]), `${chunk[k]} came back as ${row.v}`).toBe(true);
        expect(row.t).toBe(Number.isSafeInteger(chunk[k]) ? 'integer' : 'real');
      });
      const { literal, bound } = await storedBothWays('stored', chunk);
      expect(literal).toEqual(bound);
    }
  });

  it('a big integral double in an INTEGER column is the integer binding stores', async () => {
    const { literal, bound } = await storedBothWays('stored_int', [2 ** 53, 2 ** 60, -(2 ** 62)]);
    expect(literal).toEqual(bound);
    expect(literal.map((r) => r.t)).toEqual(['integer', 'integer', 'integer']);
  });
});

describe('other values', () => {
  it('null is NULL', async () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(await readBack([sqlLiteral(null)])).toEqual([{ v: null, t: 'null' }]);
  });

  it('anything that is not a SqlValue is refused, not guessed at', () => {
    for (const value of [undefined, true, 10n, new Date(0), Buffer.from('x'), { a: 1 }]) {
      expect(() => sqlLiteral(value as unknown as SqlValue)).toThrow(NotALiteralError);
    }
  });

  it('hasLiteral says, without writing it, whether a value has a literal', () => {
    const values: unknown[] = ['', "it's", 'nul\0', 0, -0, 0.1, 2 ** 70, NaN, Infinity, -Infinity, null, undefined, true, 10n, {}];
    for (const value of values) {
      let literal = true;
      try {
        sqlLiteral(value as SqlValue);
      } catch {
        literal = false;
      }
      expect(hasLiteral(value), String(value)).toBe(literal);
    }
  });

  it('a row is its literals in parentheses', async () => {
    expect(rowLiteral(['a', 1, null])).toBe("('a', 1, NULL)");
    expect(await all(`SELECT * FROM (VALUES ${rowLiteral(["it's", 0.1, null])})`)).toEqual([
      { column1: "it's", column2: 0.1, column3: null },
    ]);
  });
});

describe('SqlTemplate', () => {
  it('fills each placeholder with a literal', () => {
    const t = SqlTemplate.compile('UPDATE orders SET status = ?, reason = ? WHERE client_order_id = ?');
    expect(t.placeholders).toBe(3);
    expect(t.render(['filled', "it's done", 'cd-1'])).toBe(
      "UPDATE orders SET status = 'filled', reason = 'it''s done' WHERE client_order_id = 'cd-1'",
    );
  });

  it('leaves question marks in quotes and comments alone', () => {
    const t = SqlTemplate.compile(
      `SELECT '?', "a?b", [c?], \`d?\`, 'it''s ?' -- what?\n, ? /* and? */ FROM x WHERE y = ?`,
    );
    expect(t.placeholders).toBe(2);
    expect(t.render([1, 'z'])).toBe(`SELECT '?', "a?b", [c?], \`d?\`, 'it''s ?' -- what?\n, 1 /* and? */ FROM x WHERE y = 'z'`);
  });

  it('refuses numbered and named parameters, which sqlite3_exec would silently run as NULL', () => {
    expect(() => SqlTemplate.compile('SELECT ?1')).toThrow(/numbered parameter/);
    for (const sql of ['SELECT :a', 'SELECT @a', 'SELECT $a']) expect(() => SqlTemplate.compile(sql)).toThrow(/named parameter/);
    expect(SqlTemplate.compile("SELECT value ->> '$.at' FROM json_each(?)").placeholders).toBe(1);
  });

  it('refuses unterminated quotes and comments', () => {
    expect(() => SqlTemplate.compile("SELECT 'open")).toThrow(/unterminated/);
    expect(() => SqlTemplate.compile('SELECT 1 /* open')).toThrow(/unterminated/);
  });

  it('refuses the wrong number of values', () => {
    const t = SqlTemplate.compile('SELECT ?, ?');
    expect(() => t.render([1])).toThrow(/1 values for 2 placeholders/);
    expect(() => t.render([1, 2, 3])).toThrow(/3 values for 2 placeholders/);
  });

  it('knows an INSERT … VALUES (?, …), whose rows can share one statement, from any other statement', () => {
    const insert = SqlTemplate.compile('INSERT INTO advice (crew_id, at) VALUES (?, ?)');
    expect(insert.row).toEqual({ head: 'INSERT INTO advice (crew_id, at) VALUES ', tail: '' });
    expect(insert.renderRow(['a', 1])).toBe("('a', 1)");
    expect(() => insert.renderRow(['a'])).toThrow(/1 values for 2 placeholders/);
    // An upsert clause applies to each row in turn: it follows the rows.
    expect(SqlTemplate.compile('INSERT INTO fills (a) VALUES (?) ON CONFLICT (a) DO NOTHING').row).toEqual({
      head: 'INSERT INTO fills (a) VALUES ',
      tail: ' ON CONFLICT (a) DO NOTHING',
    });

    for (const sql of [
      'INSERT INTO halt (id, level) VALUES (1, ?)',
      'INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = ?',
      'INSERT INTO e (a) SELECT value FROM json_each(?)',
      'INSERT OR REPLACE INTO e (a) VALUES (?)',
      'INSERT INTO e (a) VALUES (?) RETURNING id',
      'UPDATE e SET a = ?',
    ]) {
      const t = SqlTemplate.compile(sql);
      expect(t.row, sql).toBeNull();
      expect(() => t.renderRow(Array<SqlValue>(t.placeholders).fill(1))).toThrow(/not an INSERT … VALUES/);
    }
  });
});
