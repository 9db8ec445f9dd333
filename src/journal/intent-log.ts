// The write-ahead intent log: a file beside the SQLite journal (`<journal>-intents`) that makes a
// new order durable in one synchronous append, so that the order can be sent at once instead of
// after a trip to sqlite3's worker thread and a commit.
//
// - An order is appended as one JSON line (its `orders` row and the crew's next sequence) with
//   one write() before it is sent. Like a commit of SQLite's WAL with synchronous=NORMAL — the
//   journal's own setting — the line is then in the operating system's hands: it survives the
//   process being killed at any moment (it does not survive a power cut before the OS writes it
//   out; neither does such a commit).
// - The same order is also written to SQLite as usual. Once every order appended has committed
//   there, the file is truncated: in normal running it holds only the orders of the last moments.
// - It is kept by a desk trading on a real exchange (SqliteJournalOptions.intentLog); a paper desk
//   or a tool opening the same journal neither keeps nor touches it.
// - On open, before anything reads the journal, what the file still holds is replayed into SQLite
//   (an order already there is skipped), then the file is emptied. Restart reconciliation then
//   finds those orders open in the journal and asks the exchange about each.
// - A torn last line (the process killed in the middle of the write) was never followed by a
//   send: it is ignored.
// - One process writes a journal at a time (as before: two desks on one journal would trade
//   twice); a read-only open leaves the log alone.
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import type { SqlValue } from './sqlite.ts';

/** One order to journal: its `orders` row in insertOrder's column order (rows.ts orderParams). */
export interface OrderIntent {
  readonly row: readonly SqlValue[];
  readonly nextOrderSeq: number;
}

export function intentLogPath(journalFile: string): string {
  return `${journalFile}-intents`;
}

/** What a file held: complete intents in write order, and lines that were not (a torn end). */
export interface IntentFile {
  readonly intents: OrderIntent[];
  readonly malformed: number;
}

export function readIntents(path: string): IntentFile {
  if (!existsSync(path)) return { intents: [], malformed: 0 };
  const text = readFileSync(path, 'utf8');
  const intents: OrderIntent[] = [];
  let malformed = 0;
  const lines = text.split('\n');
  // The text after the last newline is a line whose write did not finish (or nothing).
  if (lines.at(-1) !== '') malformed++;
  lines.pop();
  for (const line of lines) {
    const intent = parseIntent(line);
    if (intent === null) malformed++;
    else intents.push(intent);
  }
  return { intents, malformed };
}

function parseIntent(line: string): OrderIntent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { v, row, next } = raw as { v?: unknown; row?: unknown; next?: unknown };
  if (v !== 1 || !Array.isArray(row) || !Number.isSafeInteger(next)) return null;
  if (!row.every((x) => x === null || typeof x === 'string' || typeof x === 'number')) return null;
  return { row: row as SqlValue[], nextOrderSeq: next as number };
}

export class IntentLog {
  /** Appended and not yet known to be committed to SQLite. */
  private pending = 0;
  /** A row failed to commit: the file keeps everything until the next open replays it. */
  private failed = false;
  private bytes = 0;
  private fd: number | null;

  /** Opens the file for appending, emptied: call after its content was replayed. */
  constructor(readonly path: string) {
    // O_APPEND: every write lands at the end, also after the file was truncated under it.
    this.fd = openSync(path, 'a');
    ftruncateSync(this.fd, 0);
  }

  /** Bytes in the file now (it is emptied whenever every intent has committed). */
  get size(): number {
    return this.bytes;
  }

  /** Appends one intent in one write. Throws when the file cannot take it (the order must not be sent then). */
  append(intent: OrderIntent): void {
    if (this.fd === null) throw new Error('the intent log is closed');
    const text = `${JSON.stringify({ v: 1, row: intent.row, next: intent.nextOrderSeq })}\n`;
    // One write; a short one (a full disk) is finished from where it stopped.
    let written = writeSync(this.fd, text, null, 'utf8');
    const size = Buffer.byteLength(text, 'utf8');
    if (written < size) {
      const rest = Buffer.from(text, 'utf8');
      while (written < size) written += writeSync(this.fd, rest, written, size - written, null);
    }
    this.bytes += size;
    this.pending++;
  }

  /** An appended intent's SQLite write settled: once all have committed, the file is emptied. */
  settled(committed: boolean): void {
    this.pending--;
    if (!committed) this.failed = true;
    if (this.pending === 0 && !this.failed && this.bytes > 0 && this.fd !== null) {
      ftruncateSync(this.fd, 0);
      this.bytes = 0;
    }
  }

  /** Closes the file; removes it when it holds nothing to replay. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    if (this.pending === 0 && !this.failed) {
      try {
        unlinkSync(this.path);
      } catch {
        // Gone already, or not ours to remove: an empty file replays nothing.
      }
    }
  }
}
