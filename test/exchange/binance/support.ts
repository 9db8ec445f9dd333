// Shared pieces of the Binance adapter tests: the emulator with hand-made candles, the adapter
// pointed at it with short timings, and a recorder of what onExecution hands out.
import type { Fill } from '../../../src/core/domain.ts';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../../src/emulator/emulator.ts';
import { BinanceExchange, type BinanceExchangeOptions } from '../../../src/exchange/binance/binance-exchange.ts';
import type { ExecutionUpdate } from '../../../src/ports/exchange.ts';
import { API_KEY, API_SECRET } from '../../emulator/harness.ts';

export { API_KEY, API_SECRET, T0, candles, eventually, flat, rejection } from '../../emulator/harness.ts';

export function emulatorWith(options: EmulatorOptions): Promise<Emulator> {
  return startEmulator({ apiKey: API_KEY, apiSecret: API_SECRET, ...options });
}

/** The adapter on the emulator, with timings short enough for tests (none of them is waited on by a sleep). */
export function connectTo(emulator: Emulator, options: Partial<BinanceExchangeOptions> = {}): Promise<BinanceExchange> {
  return BinanceExchange.connect({
    endpoints: { restUrl: emulator.restUrl, wsApiUrl: emulator.wsApiUrl },
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    timeoutMs: 2000,
    retryBackoffMs: 10,
    pollIntervalMs: 50,
    wsReconnectDelayMs: 50,
    ...options,
  });
}

/** Everything onExecution hands out, and the fills among it. */
export class Recorder {
  readonly updates: ExecutionUpdate[] = [];
  readonly unsubscribe: () => void;

  constructor(exchange: BinanceExchange) {
    this.unsubscribe = exchange.onExecution((u) => this.updates.push(u));
  }

  of(clientOrderId: string): ExecutionUpdate[] {
    return this.updates.filter((u) => u.order.clientOrderId === clientOrderId);
  }

  fills(clientOrderId?: string): Fill[] {
    return this.updates.flatMap((u) => (u.fill !== undefined && (clientOrderId === undefined || u.fill.clientOrderId === clientOrderId) ? [u.fill] : []));
  }

  statuses(clientOrderId: string): string[] {
    return this.of(clientOrderId).map((u) => u.order.status);
  }
}

/** Runs `test` on an adapter of its own (connected with `options`, its updates recorded), and closes the adapter after it. */
export async function withExchange(
  emulator: Emulator,
  options: Partial<BinanceExchangeOptions>,
  test: (exchange: BinanceExchange, recorder: Recorder) => Promise<void>,
): Promise<void> {
  const exchange = await connectTo(emulator, options);
  const recorder = new Recorder(exchange);
  try {
    await test(exchange, recorder);
  } finally {
    await exchange.close();
  }
}
