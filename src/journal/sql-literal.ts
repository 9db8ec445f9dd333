// Values written into SQL text, so a batch of writes reaches SQLite as one script: one trip to
// sqlite3's worker thread instead of one per statement. The SQL comes only from our own statement
// templates; a value only ever becomes a literal, never SQL:
// - text: in single quotes, each quote doubled (SQLite has no backslash escapes). A NUL cannot be
//   written: sqlite3_exec reads the script as a C string, so a NUL would end it mid-statement.
// - a safe integer: its digits.
// - any other finite number: an exact product of an integer and powers of two, because SQLite's
//   decimal parser is not correctly rounded (3.52 reads 0.556089 as 0.5560889999999999), while a
//   bound parameter keeps every bit.
// - null: NULL.
// A value with no exact literal (a NUL, NaN, ±Infinity, anything not a SqlValue) throws
// NotALiteralError: the caller binds it instead.
import type { SqlValue } from './sqlite.ts';

export class NotALiteralError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'NotALiteralError';
  }
}

export function sqlLiteral(value: SqlValue): string {
  if (typeof value === 'string') return textLiteral(value);
  if (typeof value === 'number') return numberLiteral(value);
  if (value === null) return 'NULL';
  throw new NotALiteralError(`${typeof value} is not an SQL value`);
}

/** Whether `sqlLiteral(value)` succeeds: checked when a write is issued, so that its rows can be
 * written in later, when its batch goes out. */
export function hasLiteral(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('\0');
  if (typeof value === 'number') return Number.isFinite(value);
  return value === null;
}

/** A row of values, `(v1, v2, …)`, as in `INSERT … VALUES (…), (…)` or `FROM (VALUES (…))`. */
export function rowLiteral(values: readonly SqlValue[]): string {
  // Literals joined once: ~20 % less time and garbage than adding each to a growing string.
  const literals = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) literals[i] = sqlLiteral(values[i]!);
  return `(${literals.join(', ')})`;
}

export function textLiteral(text: string): string {
  if (text.includes('\0')) throw new NotALiteralError('text with a NUL character has no SQL literal');
  return text.includes("'") ? `'${text.replaceAll("'", "''")}'` : `'${text}'`;
}

/** 2^k as exact digits, k = 0…62 (String(2 ** 62) would print a rounded 4611686018427388000). */
const POWERS_OF_TWO = Array.from({ length: 63 }, (_, k) => (2n ** BigInt(k)).toString());

export function numberLiteral(n: number): string {
  // -0 gives "0": sqlite3 binds it as the integer 0 too.
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isFinite(n)) throw new NotALiteralError(`${n} has no SQL literal`);
  // n = m · 2^e with m a safe integer; doubling and halving a double are exact.
  let m = n;
  let e = 0;
  while (!Number.isInteger(m)) {
    m *= 2;
    e--;
  }
  while (!Number.isSafeInteger(m)) {
    m /= 2;
    e++;
  }
  // m and 2^k (k ≤ 62) are exact doubles, and so is every step towards n: the result is n.
  let sql = `CAST(${m} AS REAL)`;
  while (e !== 0) {
    const k = Math.min(62, Math.abs(e));
    sql += e < 0 ? ` / ${POWERS_OF_TWO[k]}` : ` * ${POWERS_OF_TWO[k]}`;
    e += e < 0 ? k : -k;
  }
  return `(${sql})`;
}

/** `INSERT INTO t (…) VALUES (?, …, ?)`, optionally followed by an upsert clause (`ON CONFLICT …`,
 * applied row by row, in order): rows of it can share one statement. */
const ROW_INSERT = /^(INSERT\s+INTO\s[^;]*?\bVALUES\s*)(\(\s*\?(?:\s*,\s*\?)*\s*\))(\s*(?:ON\s+CONFLICT\b[^;]*)?)$/i;

/** One of our statements, its `?` placeholders to be filled with literals. */
export class SqlTemplate {
  /** For an INSERT … VALUES (?, …) whose placeholders are all in its one row: the text around that
   * row, so that the rows of many calls can be one multi-row INSERT (`head` + row + `, ` + row …
   * + `tail`). Null for any other statement. */
  readonly row: { readonly head: string; readonly tail: string } | null;

  private constructor(
    readonly sql: string,
    /** The text around the placeholders: one more part than placeholders. */
    private readonly parts: readonly string[],
  ) {
    const match = ROW_INSERT.exec(sql);
    // Every placeholder in the row (none in the upsert clause), and no RETURNING.
    const rowOnly = match !== null && match[2]!.split('?').length === parts.length && !/\bRETURNING\b/i.test(match[3]!);
    this.row = rowOnly ? { head: match[1]!, tail: match[3]! } : null;
  }

  /** Splits at each `?` outside quotes and comments. Refuses numbered and named parameters
   * (`?1`, `:a`, `@a`, `$a`): sqlite3_exec would run them bound to NULL. */
  static compile(sql: string): SqlTemplate {
    const parts: string[] = [];
    let start = 0;
    let i = 0;
    const skipPast = (close: string, from: number): number => {
      const end = sql.indexOf(close, from);
      if (end < 0) throw new SyntaxError(`unterminated ${JSON.stringify(sql[i])} in SQL: ${sql}`);
      return end + close.length;
    };
    while (i < sql.length) {
      const c = sql[i]!;
      const next = sql[i + 1] ?? '';
      if (c === "'" || c === '"' || c === '`') {
        // A doubled quote inside is the quote itself: skipping to each next one handles it.
        i = skipPast(c, i + 1);
      } else if (c === '[') {
        i = skipPast(']', i + 1);
      } else if (c === '-' && next === '-') {
        const end = sql.indexOf('\n', i);
        i = end < 0 ? sql.length : end + 1;
      } else if (c === '/' && next === '*') {
        i = skipPast('*/', i + 2);
      } else if (c === '?') {
        if (/[0-9]/.test(next)) throw new SyntaxError(`numbered parameter ?${next}… in SQL: ${sql}`);
        parts.push(sql.slice(start, i));
        start = ++i;
      } else if ((c === ':' || c === '@' || c === '$') && /[A-Za-z0-9_]/.test(next)) {
        throw new SyntaxError(`named parameter ${c}${next}… in SQL: ${sql}`);
      } else {
        i++;
      }
    }
    parts.push(sql.slice(start));
    return new SqlTemplate(sql, parts);
  }

  get placeholders(): number {
    return this.parts.length - 1;
  }

  /** The statement with `values` written in. */
  render(values: readonly SqlValue[]): string {
    return this.fill(this.parts[0]!, values);
  }

  /** Only the row, `(…)`, of an INSERT … VALUES (see `row`). */
  renderRow(values: readonly SqlValue[]): string {
    if (this.row === null) throw new TypeError(`not an INSERT … VALUES (?, …): ${this.sql}`);
    this.checkCount(values);
    return rowLiteral(values);
  }

  /** Throws unless there is one value per placeholder. */
  checkCount(values: readonly SqlValue[]): void {
    if (values.length !== this.placeholders) {
      throw new RangeError(`${values.length} values for ${this.placeholders} placeholders in SQL: ${this.sql}`);
    }
  }

  private fill(head: string, values: readonly SqlValue[]): string {
    this.checkCount(values);
    let sql = head;
    for (let i = 0; i < values.length; i++) sql += sqlLiteral(values[i]!) + this.parts[i + 1]!;
    return sql;
  }
}
