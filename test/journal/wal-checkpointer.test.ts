// A busy journal's WAL is copied back into the database by a worker thread, not by a commit on the
// trading thread; closing the journal still ends with the WAL gone (the worker's connection is closed
// first, so the journal's own close is the last one). Real files, a real worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { crewRecord } from '../support/journal-records.ts';

const T0 = 1_700_000_000_000;
const CREW = 'alpha.sma-btc';

let dir: string;
let file: string;
let journal: SqliteJournal | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crewdesk-checkpoint-'));
  file = path.join(dir, 'journal.db');
});

afterEach(() => {
  journal?.close();
  journal = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Rows of `advice` in the database file alone — what checkpoints have copied there — read from a
 * copy of the file without its WAL. */
function adviceInDatabaseFile(): number {
  const copy = path.join(dir, `copy-${Date.now()}-${Math.random()}.db`);
  fs.copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM advice').get() as { n: number }).n;
  } catch {
    return 0; // the table itself is not in the file yet
  } finally {
    db.close();
    fs.rmSync(copy, { force: true });
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One commit each: far fewer pages than SQLite's own automatic checkpoint waits for. */
function commitAdvice(j: SqliteJournal, count: number): void {
  for (let i = 0; i < count; i++) {
    j.recordAdvice({ crewId: CREW, adviceKey: `${CREW}@${i}`, candleTime: T0 + i, action: 'buy', size: 1, reason: 'test', at: T0 + i });
    j.flush();
  }
}

it('a busy journal has its WAL checkpointed off the trading thread, with no commit of its own doing it', async () => {
  journal = SqliteJournal.open(file);
  journal.saveCrewInstance(crewRecord(CREW, T0));
  commitAdvice(journal, 100);
  // SQLite's automatic checkpoint waits for ~40 MB of WAL; 100 one-row commits are far from it.
  await eventually(() => adviceInDatabaseFile() === 100, 'the advice rows to reach the database file');
  // Writing goes on as before, and what was written reads back.
  commitAdvice(journal, 1);
  expect(journal.getAdvice()).toHaveLength(101);
});

it('a journal opened for a moment starts no worker, and closing any journal leaves no WAL behind', async () => {
  const brief = SqliteJournal.open(file);
  brief.saveCrewInstance(crewRecord(CREW, T0));
  commitAdvice(brief, 3);
  brief.close();
  expect(fs.existsSync(`${file}-wal`)).toBe(false);

  journal = SqliteJournal.open(file);
  commitAdvice(journal, 97);
  await eventually(() => adviceInDatabaseFile() === 100, 'the worker to checkpoint');
  journal.close();
  journal = undefined;
  // The worker's connection was closed before the journal's: the last close removed the WAL.
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
  const again = SqliteJournal.open(file, { readonly: true });
  expect(again.getAdvice()).toHaveLength(100);
  again.close();
});
