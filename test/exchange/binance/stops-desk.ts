// A testnet-shaped Desk (engine, gate, order manager, SQLite journal) trading one scripted crew
// through the Binance adapter (the real @binance/spot client) on the emulator's market data: the
// stage of the protective-stop tests. Candles are played by the test (`emulator.advance()`).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load.ts';
import { Desk } from '../../../src/desk/desk.ts';
import type { Emulator } from '../../../src/emulator/emulator.ts';
import type { BinanceExchange } from '../../../src/exchange/binance/binance-exchange.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { BinanceMarketData } from '../../../src/market/binance-market-data.ts';
import { wallClock } from '../../../src/ports/clock.ts';
import { tempDir, writeCrewModule } from '../../support/desk-harness.ts';
import { candles, connectTo, emulatorWith, eventually, flat } from './support.ts';

export interface OrderView {
  readonly clientOrderId: string;
  readonly type: string;
  readonly side: string;
  readonly origQty: string;
  readonly stopPrice?: string;
}
export interface BalanceView {
  readonly asset: string;
  readonly free: string;
  readonly locked: string;
}

export interface StopsDesk {
  readonly emulator: Emulator;
  readonly exchange: BinanceExchange;
  readonly desk: Desk;
  /** Fills the desk has published so far. */
  fills(): number;
  /** The error facts' messages so far. */
  readonly errors: readonly string[];
  /** The emulator's resting STOP_LOSS_LIMIT orders. */
  stops(): OrderView[];
  state(): { openOrders: OrderView[]; balances: BalanceView[] };
  close(): Promise<void>;
}

export async function openStopsDesk(setup: {
  /** The crew module (`defineCrew({ name: <crew>, … })`). */
  readonly crew: string;
  readonly source: string;
  /** BTCUSDT 1m closes (flat candles), five already closed as history. */
  readonly closes: readonly number[];
  /** The config's `stops:` section. */
  readonly stops: Record<string, unknown>;
  /** The crew instance's params (its stop-loss). */
  readonly params: Record<string, unknown>;
}): Promise<StopsDesk> {
  const dir = tempDir(`crewdesk-binance-${setup.crew}-`);
  writeCrewModule(dir, setup.crew, setup.source);
  const emulator = await emulatorWith({ candles: candles('BTCUSDT', setup.closes.map(flat)), history: 5, balances: { USDT: '1000' } });
  const exchange = await connectTo(emulator, { pollIntervalMs: 20, wsReconnectDelayMs: 300 });
  const config = parseConfig(
    {
      mode: 'testnet',
      journal: join(dir, 'journal.sqlite'),
      crewDirs: [dir],
      risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
      stops: setup.stops,
      teams: [{ name: 'guards', capital: '1000', crews: [{ id: 'guard', crew: setup.crew, symbol: 'BTCUSDT', interval: '1m', params: setup.params }] }],
    },
    'test config',
  );
  const desk = await Desk.open({ config, exchange, clock: wallClock, log: silentLogger(), journalFile: join(dir, 'journal.sqlite') });
  let fills = 0;
  const errors: string[] = [];
  desk.bus.subscribe('count', () => void fills++, ['fill']);
  desk.bus.subscribe('errors', (e) => void (e.type === 'error' && errors.push(e.message)), ['error']);
  const controller = new AbortController();
  const run = desk.engine.run(
    new BinanceMarketData({ restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl, reconnectInitialMs: 50 }),
    controller.signal,
  );
  await eventually(() => emulator.connections().subscribers('btcusdt@kline_1m') === 1, 'the kline stream');
  const state = () => emulator.state() as unknown as { openOrders: OrderView[]; balances: BalanceView[] };
  return {
    emulator,
    exchange,
    desk,
    fills: () => fills,
    errors,
    stops: () => state().openOrders.filter((o) => o.type === 'STOP_LOSS_LIMIT'),
    state,
    close: async () => {
      controller.abort();
      await run;
      await desk.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
