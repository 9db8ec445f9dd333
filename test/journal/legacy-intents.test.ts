// A `<journal>-intents` file left by the crewdesk that kept a write-ahead intent log: the first
// writable open that asks for it replays the orders SQLite lacks (open, for reconciliation), skips
// what it already has and a line cut short, audits what it did, and removes the file. Other opens
// leave it alone.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Order } from '../../src/core/domain.ts';
import { legacyIntentsPath } from '../../src/journal/legacy-intents.ts';
import { orderParams } from '../../src/journal/rows.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { tempDir } from '../support/desk-harness.ts';
import { crewRecord, newOrder } from '../support/journal-records.ts';

const T0 = 1_700_000_000_000;
const CREW = 'alpha.flip';
let dir: string;
let file: string;

beforeEach(() => {
  dir = tempDir('crewdesk-legacy-intents-');
  file = path.join(dir, 'journal.sqlite');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function order(seq: number): Order {
  const at = T0 + seq * 60_000;
  return newOrder({ clientOrderId: `cd-flip-${seq}`, crewId: CREW, adviceKey: `${CREW}@${at}`, reason: 'flip "quoted"\nline', at });
}

const line = (o: Order, next: number) => `${JSON.stringify({ v: 1, row: orderParams(o), next })}\n`;

it('replays what SQLite lacks, skips what it has and a torn line, audits it, and removes the file', () => {
  const first = SqliteJournal.open(file);
  first.saveCrewInstance(crewRecord(CREW, T0));
  first.insertOrder(order(1), 2);
  first.close();
  fs.writeFileSync(legacyIntentsPath(file), line(order(1), 2) + line(order(2), 3) + '{"v":1,"row":["cd-fl');

  // A paper desk or a tool does not ask for it: the file stays.
  SqliteJournal.open(file).close();
  expect(fs.existsSync(legacyIntentsPath(file))).toBe(true);

  const journal = SqliteJournal.open(file, { intentLog: true });
  try {
    expect(journal.intentReplay).toEqual({ inserted: ['cd-flip-2'], alreadyJournaled: 1, skipped: ['1 incomplete line (a write cut short: never sent)'] });
    expect(fs.existsSync(legacyIntentsPath(file))).toBe(false);
    expect(journal.getOpenOrders().map((o) => [o.clientOrderId, o.status, o.reason])).toEqual([
      ['cd-flip-1', 'new', 'flip "quoted"\nline'],
      ['cd-flip-2', 'new', 'flip "quoted"\nline'],
    ]);
    expect(journal.getCrewInstances()[0]!.nextOrderSeq).toBe(3);
    expect(journal.getAudit({ limit: 1 })[0]).toMatchObject({ actor: 'journal', action: 'journal.intents-replayed', detail: { inserted: ['cd-flip-2'] } });
  } finally {
    journal.close();
  }
});
