// Journal failures name the method and the key they were about, so a log line such as
// "journal.insertOrder(cd-abc-1): SQLITE_CONSTRAINT: FOREIGN KEY constraint failed" is enough
// to find the row. The SQLite error stays available as `cause`.
import { JournalConflictError } from '../ports/journal.ts';

export class JournalError extends Error {
  /** SQLite's result code name (e.g. "SQLITE_CONSTRAINT") when SQLite raised it. */
  readonly code: string | undefined;

  constructor(
    readonly method: string,
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${callName(method, key)}: ${message}`, options);
    this.name = 'JournalError';
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
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
