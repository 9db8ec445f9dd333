// The owner hears of exchange trouble once, from the running desk: a crew whose orders Binance
// rejects one after another (the account holds far less than the crew's capital) gives one
// "exchange" line on the console when the run begins — not one per order — as a fact on the bus.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../../src/console/console-notifier.ts';
import { Desk } from '../../../src/desk/desk.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { type ExchangeTrouble, ownerActor } from '../../../src/core/events.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import { REJECTION_RUN } from '../../../src/exchange/binance/trouble-watch.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { BinanceMarketData } from '../../../src/market/binance-market-data.ts';
import { wallClock } from '../../../src/ports/clock.ts';
import { tempDir, writeCrewModule } from '../../support/desk-harness.ts';
import { candles, connectTo, emulatorWith, eventually, flat } from './support.ts';

const BTC = candles(
  'BTCUSDT',
  Array.from({ length: 40 }, (_, i) => flat(30_000 + 10 * i)),
);

describe('a run of rejected orders on the running desk', () => {
  let emulator: Emulator;
  let desk: Desk;
  let dir: string;
  const controller = new AbortController();
  let run: Promise<void>;
  const lines: string[] = [];
  const facts: ExchangeTrouble[] = [];
  let rejected = 0;

  beforeAll(async () => {
    dir = tempDir('crewdesk-binance-trouble-');
    writeCrewModule(
      dir,
      'eager',
      `export default defineCrew({
  name: 'eager',
  description: 'Buys on every candle.',
  params: z.object({ size: z.number().min(0.01).max(1).default(0.5).describe('Fraction of cash per buy.') }),
  indicators: () => ({}),
  warmup: () => 0,
  onCandle: ({ params }) => ({ action: 'buy', size: params.size, reason: 'eager' }),
});`,
    );
    // The account holds 20 USDT; the crew believes it has 1000: Binance rejects each buy (-2010).
    emulator = await emulatorWith({ candles: BTC, history: 5, balances: { USDT: '20' } });
    const exchange = await connectTo(emulator, { pollIntervalMs: 20 });
    const journalFile = join(dir, 'journal.sqlite');
    const config = parseConfig(
      {
        mode: 'testnet',
        journal: journalFile,
        crewDirs: [dir],
        risk: { maxOrdersPerMinutePerCrew: 100, maxOrdersPerMinute: 100 },
        teams: [{ name: 'solo', capital: '1000', crews: [{ id: 'eager-a', crew: 'eager', symbol: 'BTCUSDT', interval: '1m', capital: '1000' }] }],
      },
      'test config',
    );
    desk = await Desk.open({
      config,
      exchange,
      clock: wallClock,
      log: silentLogger(),
      journalFile,
      notifiers: [new ConsoleNotifier((line) => lines.push(line))],
    });
    // Start-up pauses it for the balance drift; the owner resumes it anyway.
    desk.engine.resumeCrew('eager-a', ownerActor('owner'));
    desk.bus.subscribe('trouble', (e) => void facts.push(e as ExchangeTrouble), ['exchange.trouble']);
    desk.bus.subscribe('rejected', (e) => void (e.type === 'order.updated' && e.order.status === 'rejected' && rejected++), ['order.updated']);
    run = desk.engine.run(new BinanceMarketData({ restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl, reconnectInitialMs: 50 }), controller.signal);
    await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'the kline stream');
  });
  afterAll(async () => {
    controller.abort();
    await run;
    await desk?.close();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`says it once when ${REJECTION_RUN} orders in a row are rejected, and not again for the next ones`, async () => {
    for (let candle = 1; candle <= REJECTION_RUN + 2; candle++) {
      emulator.advance();
      await eventually(() => rejected >= candle, `the rejection of candle ${candle}`, 5000);
    }
    desk.bus.flush();
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({
      type: 'exchange.trouble',
      phase: 'began',
      kind: 'rejections',
      venue: 'binance',
      code: -2010,
      refused: { orders: REJECTION_RUN },
    });
    const said = lines.filter((l) => l.includes('exchange '));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/exchange ⚠️ Binance: orders rejected in a row \(-2010, HTTP 400\)\. .*insufficient balance/i);
  }, 30_000);
});
