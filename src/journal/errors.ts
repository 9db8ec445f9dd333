// Journal failures name the method and the key they were about, so a log line such as
// "journal.insertOrder(cd-abc-1): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed" is enough
// to find the row. The SQLite error stays available as `cause`.
import { JournalConflictError } from '../ports/journal.ts';

export class JournalError extends Error {
  /** SQLite's primary result code (e.g. "SQLITE_CONSTRAINT") when SQLite raised it. */
  readonly code: string | undefined;
  /** Its extended code (e.g. "SQLITE_CONSTRAINT_FOREIGNKEY", "SQLITE_IOERR_WRITE"). */
  readonly extendedCode: string | undefined;

  constructor(
    readonly method: string,
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause as { code?: unknown } | undefined;
    const extended = typeof cause?.code === 'string' && cause.code.startsWith('SQLITE_') ? cause.code : undefined;
    const primary = extended?.split('_').slice(0, 2).join('_');
    // The primary code leads the message, as SQLite's own shell prints it.
    const text = primary !== undefined && !message.startsWith(primary) ? `${primary}: ${message}` : message;
    super(`${callName(method, key)}: ${text}`, options);
    this.name = 'JournalError';
    this.code = primary;
    this.extendedCode = extended;
  }
}

/** A call made after close(). */
export class JournalClosedError extends JournalError {
  constructor(method: string, key: string | undefined, file: string) {
    super(method, key, `the journal (${file}) is closed`);
    this.name = 'JournalClosedError';
  }
}

/** insertOrder met an existing client order id or advice key. `existingClientOrderId` is the order
 * already journaled under that key, so a caller replaying advice can pick it up instead. */
export class OrderConflictError extends JournalConflictError {
  constructor(
    readonly clientOrderId: string,
    readonly field: 'clientOrderId' | 'adviceKey',
    readonly existingClientOrderId: string | null,
    message: string,
  ) {
    super(`${callName('insertOrder', clientOrderId)}: ${message}`);
    this.name = 'OrderConflictError';
  }
}

export function callName(method: string, key: string | undefined): string {
  return key === undefined ? `journal.${method}` : `journal.${method}(${key})`;
}

/** Wraps anything thrown inside a journal call, leaving the journal's own errors as they are. */
export function wrapError(method: string, key: string | undefined, error: unknown): Error {
  if (error instanceof JournalError || error instanceof JournalConflictError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new JournalError(method, key, message, { cause: error });
}

/** A write after the journal stopped writing (its first failure, below, is the cause): fail-stop,
 * so nothing is done that is not journaled. */
export class JournalFailedError extends JournalError {
  constructor(method: string, key: string | undefined, file: string, first: Error) {
    super(method, key, `the journal (${file}) stopped writing after a failed write: ${first.message}`, { cause: first });
    this.name = 'JournalFailedError';
  }
}

/** The file failed its check at open (or is not a database): trading on it is refused. */
export class JournalDamagedError extends JournalError {
  constructor(file: string, problems: string) {
    super(
      'open',
      file,
      `the journal is damaged (${problems}); crewdesk will not trade on it. Inspect it with ` +
        `\`sqlite3 ${file} 'PRAGMA integrity_check'\`, then restore it from a backup, or recover what is readable with ` +
        `\`sqlite3 ${file} '.recover' | sqlite3 ${file}.recovered\` and use that file`,
    );
    this.name = 'JournalDamagedError';
  }
}

/** Result codes (SQLite's primary code, the part before a second underscore) that say the journal
 * itself cannot write — the disk, the file, the lock — rather than that a call's values were refused
 * (a constraint): after one of these, nothing else may be written. */
const FAIL_STOP_CODES = new Set([
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
  'SQLITE_PERM',
]);

export function isFailStop(code: string | undefined): boolean {
  return code !== undefined && FAIL_STOP_CODES.has(code.split('_').slice(0, 2).join('_'));
}
