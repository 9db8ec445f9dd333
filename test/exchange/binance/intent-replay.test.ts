// A kill between the write-ahead record and the SQLite commit, then a restart against the emulator:
// the order is only in the intent log. One such order did reach Binance and filled; another was
// never sent. On the next start the journal replays both before anything reads it, and restart
// reconciliation settles them: the first filled (its fill and the crew's book applied), the
// second rejected (the exchange never heard of it).
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Desk } from '../../../src/desk/desk.ts';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { Order } from '../../../src/core/domain.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { clientOrderId, crewTag } from '../../../src/engine/client-order-id.ts';
import { legacyIntentsPath as intentLogPath } from '../../../src/journal/legacy-intents.ts';
import { orderParams } from '../../../src/journal/rows.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { wallClock } from '../../../src/ports/clock.ts';
import { tempDir, writeCrewModule } from '../../support/desk-harness.ts';
import { candles, connectTo, emulatorWith, flat } from './support.ts';
import { newOrder } from '../../support/journal-records.ts';

const BTC = candles(
  'BTCUSDT',
  Array.from({ length: 10 }, () => flat(30_000)),
);

describe('restart after a kill between the write-ahead record and the commit', () => {
  let emulator: Emulator;
  let dir: string;
  let config: Config;
  let journalFile: string;

  beforeAll(async () => {
    dir = tempDir('crewdesk-intent-replay-');
    writeCrewModule(
      dir,
      'hold',
      `export default defineCrew({
  name: 'hold',
  description: 'Never trades (the orders of this test are made by hand).',
  params: z.object({}),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: () => ({ action: 'hold' }),
});`,
    );
    emulator = await emulatorWith({ candles: BTC, history: 3, balances: { USDT: '10000' } });
    journalFile = join(dir, 'journal.sqlite');
    config = parseConfig(
      {
        mode: 'testnet',
        journal: journalFile,
        crewDirs: [dir],
        teams: [{ name: 't', capital: '1000', crews: [{ id: 'holder', crew: 'hold', symbol: 'BTCUSDT', interval: '1m', capital: '1000' }] }],
      },
      'test config',
    );
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the orders only the intent log holds, and reconciliation settles each against the exchange', async () => {
    // A first run journals the crew, then stops.
    let desk = await Desk.open({ config, exchange: await connectTo(emulator), clock: wallClock, log: silentLogger(), journalFile });
    const seq = desk.engine.crews.get('holder')!.nextOrderSeq;
    await desk.close();

    // What a SIGKILL right after two sends leaves: both orders in the intent log, neither committed;
    // the first reached Binance (and filled), the second never left the machine.
    const now = Date.now();
    const order = (n: number): Order =>
      newOrder({ clientOrderId: clientOrderId(crewTag('holder'), seq + n), crewId: 'holder', adviceKey: `holder@${now}@${n}`, reason: 'by hand', at: now });
    for (const n of [0, 1]) appendFileSync(intentLogPath(journalFile), `${JSON.stringify({ v: 1, row: orderParams(order(n)), next: seq + n + 1 })}\n`);
    const sender = await connectTo(emulator);
    const sent = await sender.placeOrder(order(0));
    expect(sent.status).toBe('filled');
    await sender.close();

    desk = await Desk.open({ config, exchange: await connectTo(emulator), clock: wallClock, log: silentLogger(), journalFile });
    try {
      const [filled, never] = [order(0).clientOrderId, order(1).clientOrderId];
      expect(desk.reconciliation?.settled).toEqual([
        { clientOrderId: filled, status: 'filled' },
        { clientOrderId: never, status: 'rejected' },
      ]);
      expect(desk.reconciliation?.fillsApplied).toBe(1);
      await desk.journal.flush();
      const orders = await desk.journal.getOrders();
      expect(orders.map((o) => [o.clientOrderId, o.status])).toEqual([
        [filled, 'filled'],
        [never, 'rejected'],
      ]);
      const fills = await desk.journal.getFills();
      expect(fills.map((f) => f.clientOrderId)).toEqual([filled]);
      // The crew's book holds what the exchange says it bought, and its next order has a new id.
      const crew = desk.engine.crews.get('holder')!;
      expect(crew.book.quantity.toString()).toBe(sent.executedQty.toString());
      expect(crew.nextOrderSeq).toBe(seq + 2);
    } finally {
      await desk.close();
    }
  });
});
