// The emulator in a process of its own for the Binance latency benchmark (as a venue is: the bot's
// work and the venue's do not share one event loop), with the benchmark's probes. Every instant is
// taken here, in the emulator's process:
// - "kline sent": the market streams' probe, just before the closing kline (`x:true`) is written to
//   the subscribers' sockets;
// - "order received": the emulator's request probes (src/emulator/probe.ts) fire when an
//   `order.place` WebSocket API request (the adapter's way while that connection is up) or a
//   `POST /api/v3/order` (its REST fallback) has arrived, before the emulator processes it (for
//   the WebSocket API: when the bytes completing its frame arrived);
// - "order processed": a wrapper around `venue.place` runs when the emulator gets to match it —
//   the difference is the emulator's own queue (it is single-threaded; Binance is not).
// The parent drives it over IPC: { cmd: 'advance' | 'reset' | 'latencies' | 'state' | 'close' }.
import type { Candle } from '../src/core/domain.ts';
import { startEmulator } from '../src/emulator/emulator.ts';
import { probe } from '../src/emulator/probe.ts';

export interface EmulatorProcessSetup {
  /** Flat one-minute candles from T0 at these price levels, per symbol (prices do not matter to the benchmark). */
  readonly levels: Readonly<Record<string, number>>;
  readonly candles: number;
  readonly history: number;
  readonly balances: Readonly<Record<string, string>>;
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** Per order, ms after the closing kline was sent: when the request arrived, and when the emulator got to it. */
export interface Latencies {
  readonly received: number[];
  readonly processed: number[];
}

export type ParentMessage = { readonly cmd: 'advance' | 'reset' | 'latencies' | 'state' | 'close'; readonly id: number };
export type ChildMessage =
  | { readonly type: 'ready'; readonly restUrl: string; readonly wsStreamUrl: string; readonly wsApiUrl: string }
  | { readonly type: 'reply'; readonly id: number; readonly value: unknown };

async function serve(): Promise<void> {
  const setup = JSON.parse(process.argv[2] ?? '{}') as EmulatorProcessSetup;
  const emulator = await startEmulator({
    candles: flatCandles(setup.levels, setup.candles),
    history: setup.history,
    balances: setup.balances,
    apiKey: setup.apiKey,
    apiSecret: setup.apiSecret,
    knobs: { requestWeightPerMinute: 10_000_000, ordersPer10s: 10_000_000 },
  });
  const sentAt = new Map<string, number>();
  let latencies: Latencies = { received: [], processed: [] };
  // Stamped just before the closing kline is written (after the write, a process woken by it on the
  // same CPU may run first and make the stamp late: seen as impossible sub-millisecond medians).
  probe.finalKlineSending = (symbol, at) => sentAt.set(symbol, at);
  probe.requestReceived = (req, at) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/api/v3/order?')) return;
    // @binance/spot sends the signed parameters in the query string.
    const symbol = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1)).get('symbol');
    const sent = symbol === null ? undefined : sentAt.get(symbol);
    if (sent !== undefined) latencies.received.push(at - sent);
  };
  probe.wsApiRequestReceived = (method, params, at) => {
    if (method !== 'order.place') return;
    const sent = typeof params.symbol === 'string' ? sentAt.get(params.symbol) : undefined;
    if (sent !== undefined) latencies.received.push(at - sent);
  };
  const place = emulator.venue.place.bind(emulator.venue);
  emulator.venue.place = (params) => {
    const sent = sentAt.get(params.symbol);
    if (sent !== undefined) latencies.processed.push(performance.now() - sent);
    return place(params);
  };
  const send = (message: ChildMessage): void => void process.send!(message);
  process.on('message', (message: ParentMessage) => {
    switch (message.cmd) {
      case 'advance':
        send({ type: 'reply', id: message.id, value: emulator.advance().length });
        return;
      case 'reset':
        latencies = { received: [], processed: [] };
        send({ type: 'reply', id: message.id, value: null });
        return;
      case 'latencies':
        send({ type: 'reply', id: message.id, value: latencies });
        return;
      case 'state': {
        const c = emulator.connections();
        send({ type: 'reply', id: message.id, value: { streams: c.streams, userData: c.userData, openOrders: emulator.state().openOrders.length } });
        return;
      }
      case 'close':
        void emulator.close().then(() => {
          send({ type: 'reply', id: message.id, value: null });
          process.disconnect();
        });
    }
  });
  send({ type: 'ready', restUrl: emulator.restUrl, wsStreamUrl: emulator.wsStreamUrl, wsApiUrl: emulator.wsApiUrl });
}

const T0 = Date.UTC(2024, 0, 1);

function flatCandles(levels: Readonly<Record<string, number>>, count: number): Candle[] {
  return Object.entries(levels).flatMap(([symbol, price]) =>
    Array.from({ length: count }, (_, i) => ({
      symbol,
      interval: '1m' as const,
      openTime: T0 + i * 60_000,
      closeTime: T0 + (i + 1) * 60_000 - 1,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: 10,
    })),
  );
}

// Started by the benchmark with an IPC channel; imported for its types, it does nothing.
if (process.send !== undefined) await serve();
