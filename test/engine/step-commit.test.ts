// The orders every crew decides on one candle close are journaled together — one commit for all of
// them — and only then sent, in decision order. A step whose journaling fails sends none of them.
// A real paper desk on a real SQLite file; a second connection reads what is durable at each send.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import type { OrderRequest } from '../../src/core/domain.ts';
import type { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { candlesFrom, type Harness, openHarness, tempDir, writeCrewModule } from '../support/desk-harness.ts';

let h: Harness | undefined;
let reader: Database.Database | undefined;
afterEach(async () => {
  reader?.close();
  reader = undefined;
  await h?.dispose();
  h = undefined;
});

/** Buys when flat, sells when long: an order on every candle. */
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

const CREWS = 8;

/** A desk of CREWS flippers on one symbol, and every order the exchange receives (with what the journal held then). */
async function flippers(): Promise<{ journal: SqliteJournal; sent: { id: string; crewId: string | undefined; commits: number }[] }> {
  const dir = tempDir('crewdesk-step-');
  const crewDir = join(dir, 'crews');
  writeCrewModule(crewDir, 'flipper', FLIPPER);
  h = await openHarness({
    dir,
    crewDirs: [crewDir],
    cash: String(CREWS * 1000),
    crews: Array.from({ length: CREWS }, (_, i) => ({ id: `flip-${i}`, crew: 'flipper', capital: '1000' })),
    risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, maxOrdersPerMinute: 1000, maxOrdersPerMinutePerCrew: 1000 },
  });
  const journal = h.desk.journal as SqliteJournal;
  // Another connection sees only what is committed: the row it finds at a send is durable.
  reader = new Database(h.journalFile, { readonly: true });
  const durable = reader.prepare('SELECT crew_id FROM orders WHERE client_order_id = ?');
  const sent: { id: string; crewId: string | undefined; commits: number }[] = [];
  const place = h.exchange.placeOrder.bind(h.exchange);
  h.exchange.placeOrder = (request: OrderRequest) => {
    const row = durable.get(request.clientOrderId) as { crew_id: string } | undefined;
    sent.push({ id: request.clientOrderId, crewId: row?.crew_id, commits: journal.commits });
    return place(request);
  };
  return { journal, sent };
}

const candles = candlesFrom(Array.from({ length: 3 }, () => [100, 101, 99, 100] as const));

it('the orders of every crew on one close commit once, together, before the first of them is sent, and go out in decision order', async () => {
  const { journal, sent } = await flippers();
  const before = journal.commits;

  await h!.desk.engine.run(new ArrayMarketData(candles.slice(0, 1)));

  expect(sent).toHaveLength(CREWS);
  // Every send saw the same single commit since the close: no order waited for another's commit.
  expect(sent.map((s) => s.commits)).toEqual(Array.from({ length: CREWS }, () => before + 1));
  // Each order was in the file (durable) when it was sent, and they left in the crews' order.
  expect(sent.map((s) => s.crewId)).toEqual(Array.from({ length: CREWS }, (_, i) => `flip-${i}`));
});

it("the step's commit holds only what must be durable before a send: the orders' advice rows are written after it and commit by the end of the turn", async () => {
  const { sent } = await flippers();
  const advice = reader!.prepare('SELECT count(*) AS n FROM advice');
  const adviceAtSends: number[] = [];
  const place = h!.exchange.placeOrder.bind(h!.exchange);
  h!.exchange.placeOrder = (request: OrderRequest) => {
    adviceAtSends.push((advice.get() as { n: number }).n);
    return place(request);
  };

  await h!.desk.engine.run(new ArrayMarketData(candles.slice(0, 1)));

  // Every order was durable when it was sent (flippers' wrapper), and no advice row of the step was:
  // they are not in the commit the sends wait for.
  expect(sent.map((s) => s.crewId)).toEqual(Array.from({ length: CREWS }, (_, i) => `flip-${i}`));
  expect(adviceAtSends).toEqual(Array.from({ length: CREWS }, () => 0));
  // They are journaled all the same, one per order, once the turn is over.
  expect((advice.get() as { n: number }).n).toBe(CREWS);
  const keys = (h!.desk.journal as SqliteJournal).getAdvice().map((a) => a.adviceKey);
  const orderKeys = sent.map((s) => (h!.desk.journal as SqliteJournal).getOrder(s.id)?.adviceKey);
  expect(keys).toEqual(orderKeys);
});

it('the journal failing mid-step (a full disk) sends none of its orders, even those written before it, and halts entries', async () => {
  const { journal, sent } = await flippers();
  await h!.desk.engine.run(new ArrayMarketData(candles.slice(0, 1)));
  expect(sent).toHaveLength(CREWS);
  journal.flush();

  // The disk fills up while the step is journaled: after its third order row, a write needs a page
  // the file may not have (SQLITE_FULL, as a full disk), and the journal stops writing.
  let inserted = 0;
  const insert = journal.insertOrder.bind(journal);
  journal.insertOrder = (order, next) => {
    insert(order, next);
    if (++inserted !== 3) return;
    journal.limitPages();
    try {
      journal.recordAudit({ actor: 'test', via: 'test', action: 'fill the disk', detail: { blob: 'x'.repeat(100_000) }, at: 0 });
    } catch {
      // The journal's own failure: its listeners have heard of it.
    }
  };
  const reserved = () => [...h!.desk.engine.crews.values()].map((c) => c.book.reservedQty.toString());
  await h!.desk.engine.run(new ArrayMarketData(candles.slice(1, 2)));

  expect(journal.failed).toMatchObject({ code: 'SQLITE_FULL' });
  // Three of the step's rows were written before the failure (else this would prove nothing) …
  expect(inserted).toBe(3);
  // … and still not one order of the step went out; their funds are free again.
  expect(sent).toHaveLength(CREWS);
  expect(reserved()).toEqual(Array.from({ length: CREWS }, () => '0'));
  expect(h!.desk.engine.gate.halt).toMatchObject({ level: 'entries', reason: expect.stringMatching(/^the journal cannot write .*SQLITE_FULL/) });
});

it('a failed commit of the step sends none of its orders, and none of their rows is in the file', async () => {
  const { journal, sent } = await flippers();
  // The step's transaction fails as a COMMIT that cannot write does: everything in it rolled back.
  const transaction = journal.transaction.bind(journal);
  journal.transaction = <T>(fn: () => T): T =>
    transaction(() => {
      fn();
      throw new Error('SQLITE_IOERR: disk I/O error (commit)');
    });

  await h!.desk.engine.run(new ArrayMarketData(candles.slice(0, 1)));

  expect(sent).toEqual([]);
  const rows = reader!.prepare('SELECT count(*) AS n FROM orders').get() as { n: number };
  expect(rows.n).toBe(0);
  const books = [...h!.desk.engine.crews.values()].map((c) => c.book.reservedF);
  expect(books).toEqual(Array.from({ length: CREWS }, () => 0));
});
