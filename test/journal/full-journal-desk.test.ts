// A paper desk whose journal fills up mid-run (SQLite made full with max_page_count on a real
// file, as a full disk would): the first failed write halts entries and tells the owner why (a
// `halt` and an `error` fact), no order reaches the exchange that the journal does not hold, and
// the desk still closes.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import type { OrderRequest } from '../../src/core/domain.ts';
import type { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { candlesFrom, type Harness, openHarness, tempDir, writeCrewModule } from '../support/desk-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** Trades on every candle: buys when flat, sells when long — an order (and its rows) per candle. */
const FLIPPER = `export default defineCrew({
  name: 'flipper',
  description: 'test crew: in and out on every candle',
  params: z.object({}),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle(ctx) {
    return ctx.position.isLong ? { action: 'sell', size: 1, reason: 'out' } : { action: 'buy', size: 0.5, reason: 'in' };
  },
});`;

it('a full journal halts entries, alerts the owner, lets no unjournaled order out, and the desk still closes', async () => {
  const dir = tempDir('crewdesk-full-');
  const crewDir = join(dir, 'crews');
  writeCrewModule(crewDir, 'flipper', FLIPPER);
  h = await openHarness({ dir, crewDirs: [crewDir], crews: [{ id: 'flip', crew: 'flipper' }], risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 } });
  const journal = h.desk.journal as SqliteJournal;

  // Every order the exchange receives, and how many it had received when the journal failed.
  const sent: string[] = [];
  const place = h.exchange.placeOrder.bind(h.exchange);
  h.exchange.placeOrder = (request: OrderRequest) => {
    sent.push(request.clientOrderId);
    return place(request);
  };
  let sentAtFailure = -1;
  journal.onFailure(() => (sentAtFailure = sent.length));

  const rows = Array.from({ length: 400 }, (_, i) => [100 + (i % 7), 108, 95, 100 + ((i + 3) % 7)] as const);
  const candles = candlesFrom(rows);
  await h.desk.engine.run(new ArrayMarketData(candles.slice(0, 20)));
  expect(sent.length).toBeGreaterThan(5);
  // From here on the file cannot grow: as a full disk.
  journal.limitPages();
  await h.desk.engine.run(new ArrayMarketData(candles.slice(20)));

  expect(journal.failed).toMatchObject({ code: 'SQLITE_FULL' });
  expect(sentAtFailure).toBeGreaterThan(5);
  // The candles went on after the failure; not one more order went out.
  expect(sent.length).toBe(sentAtFailure);
  expect(h.desk.engine.gate.halt).toMatchObject({ level: 'entries', actor: 'journal' });
  expect(h.desk.engine.gate.halt.reason).toMatch(/^the journal cannot write \(journal\.\w+\(.*\): SQLITE_FULL: /);
  const halts = h.events.filter((e) => e.type === 'halt');
  expect(halts).toEqual([expect.objectContaining({ level: 'entries', actor: { kind: 'journal' } })]);
  const errors = h.events.filter((e) => e.type === 'error');
  // One error fact for the owner, however many writes were refused after it.
  expect(errors).toEqual([expect.objectContaining({ source: 'journal', message: expect.stringMatching(/cannot write .*SQLITE_FULL/) })]);

  // Shutdown completes (the desk's close does not wait on a journal that cannot write).
  await h.close();

  // Every order the exchange heard of is in the journal file, committed before it was sent.
  const db = new Database(h.journalFile, { readonly: true });
  try {
    const journaled = new Set((db.prepare('SELECT client_order_id FROM orders').all() as { client_order_id: string }[]).map((r) => r.client_order_id));
    expect(sent.filter((id) => !journaled.has(id))).toEqual([]);
  } finally {
    db.close();
  }
});
