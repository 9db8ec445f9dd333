// Crewdesk before the synchronous journal kept a write-ahead intent log beside the journal
// (`<journal>-intents`): an order sent to a real exchange was one JSON line there before it was
// committed to SQLite. The journal now commits every order before it is sent, and writes no such
// file; but a desk killed under the old version may have left orders only there. The first
// writable open replays them into SQLite (before anything reads the journal), so restart
// reconciliation asks the exchange about them, and then removes the file.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { ORDER_ROW } from './rows.ts';
import type { Database, SqlValue } from './sqlite.ts';

export function legacyIntentsPath(journalFile: string): string {
  return `${journalFile}-intents`;
}

/** What open() replayed from a leftover intent log. */
export interface IntentReplay {
  /** Orders that were only in the intent log: now in the journal, open, for reconciliation. */
  readonly inserted: readonly string[];
  /** Intents whose order the journal had already. */
  readonly alreadyJournaled: number;
  /** Intents not replayed, and why. */
  readonly skipped: readonly string[];
}

export const NOTHING_REPLAYED: IntentReplay = Object.freeze({ inserted: [], alreadyJournaled: 0, skipped: [] });

interface Intent {
  readonly row: SqlValue[];
  readonly next: number;
}

/** The statements of insertOrder, given the order's row (rows.ts orderParams). */
export interface OrderInserts {
  insert(row: readonly SqlValue[], nextOrderSeq: number): void;
}

/** Replays and removes `<journal>-intents` when it exists; one transaction with its audit entry. */
export function replayLegacyIntents(db: Database, journalFile: string, orders: OrderInserts, now: number): IntentReplay {
  const path = legacyIntentsPath(journalFile);
  if (!existsSync(path)) return NOTHING_REPLAYED;
  const lines = readFileSync(path, 'utf8').split('\n');
  const inserted: string[] = [];
  const skipped: string[] = [];
  let alreadyJournaled = 0;
  // Text after the last newline is a line whose write never finished: that order was never sent.
  const torn = lines.pop() === '' ? 0 : 1;
  const intents: Intent[] = [];
  let malformed = torn;
  for (const line of lines) {
    const intent = parse(line);
    if (intent === null) malformed++;
    else intents.push(intent);
  }
  if (malformed > 0) skipped.push(`${malformed} incomplete line${malformed === 1 ? '' : 's'} (a write cut short: never sent)`);
  const find = db.prepare('SELECT client_order_id FROM orders WHERE client_order_id = ? OR advice_key = ?');
  db.transaction(() => {
    for (const { row, next } of intents) {
      const id = row[ORDER_ROW.clientOrderId];
      const adviceKey = row[ORDER_ROW.adviceKey] ?? null;
      if (typeof id !== 'string') {
        skipped.push(`a line that is not an order row (${row.length} values)`);
        continue;
      }
      const found = find.all(id, adviceKey) as { client_order_id: string }[];
      if (found.some((r) => r.client_order_id === id)) {
        alreadyJournaled++;
        continue;
      }
      if (found.length > 0) {
        skipped.push(`${id}: advice key ${String(adviceKey)} already has order ${found[0]!.client_order_id}`);
        continue;
      }
      try {
        // A savepoint per order: one that fails (a bad row) does not undo the others.
        db.transaction(() => orders.insert(row, next))();
        inserted.push(id);
      } catch (error) {
        skipped.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (intents.length > 0 || malformed > 0) {
      db.prepare('INSERT INTO audit (actor, via, action, detail, at) VALUES (?, ?, ?, ?, ?)').run(
        'journal',
        'journal',
        'journal.intents-replayed',
        JSON.stringify({ inserted, alreadyJournaled, skipped }),
        now,
      );
    }
  }).immediate();
  unlinkSync(path);
  return { inserted, alreadyJournaled, skipped };
}

function parse(line: string): Intent | null {
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
  return { row: row as SqlValue[], next: next as number };
}
