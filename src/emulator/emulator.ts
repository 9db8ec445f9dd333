// A protocol-faithful local Binance Spot: REST `/api/v3`, WebSocket market streams and the
// WebSocket API on one 127.0.0.1 port, one account traded by crewdesk's PaperMatcher, prices
// replayed from candles (files or synthetic), and fault knobs for chaos tests. The real
// `@binance/spot` client talks to it as it would to Binance; only the URLs change.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Candle } from '../core/domain.ts';
import type { PaperMatcher } from '../exchange/paper/paper-matcher.ts';
import { type AdminControls, handleAdmin } from './admin.ts';
import type { Credentials } from './auth.ts';
import { balanceJson, fmt, orderJson, tradeJson } from './binance-format.ts';
import { DEFAULT_HISTORY, loadCandleFiles, seriesFromCandles, syntheticSeries } from './candle-source.ts';
import { filtersFor } from './endpoints.ts';
import { type Knobs, type KnobsPatch, applyKnobs, defaultKnobs, takeFault } from './knobs.ts';
import { type CandleSeries, MarketReplay, TICKS_PER_CANDLE } from './market-replay.ts';
import { MarketStreams } from './market-streams.ts';
import { probe } from './probe.ts';
import { RateLimiter } from './rate-limiter.ts';
import { UNKNOWN_ERROR, handleRest } from './rest-server.ts';
import { Venue } from './venue.ts';
import { WS_API_PATH, WebsocketApi } from './ws-api.ts';

export interface EmulatorOptions {
  /** 0 (default): any free port. Always bound to 127.0.0.1. */
  readonly port?: number;
  /** A candle CSV file or a folder of them (`BTCUSDT-1m-….csv`). */
  readonly data?: string;
  /** Candles in memory (tests), instead of files or synthetic data. */
  readonly candles?: readonly Candle[];
  /** Symbols of the synthetic market (default BTCUSDT and ETHUSDT) when neither data nor candles are given. */
  readonly symbols?: readonly string[];
  readonly seed?: number;
  /** Candles per symbol already closed at start (served by klines, never streamed); default 500. */
  readonly history?: number;
  /**
   * Replay speed in candles per second (each candle is four ticks, evenly spaced): 1 plays a
   * 1m file 60× faster than real time, 1/60 plays it in real time. 0 (the default here): manual,
   * no timers; `advance()`, `step(n)`, `tick()` (or POST /__admin/step) move the market.
   */
  readonly speed?: number;
  /** Starting balances (default 10,000 USDT). */
  readonly balances?: Readonly<Record<string, string>>;
  /** Commission on the notional, charged in the quote asset (default 10 bps, Binance's base rate). */
  readonly feeBps?: number;
  /** Default: BINANCE_API_KEY / BINANCE_API_SECRET. */
  readonly apiKey?: string;
  readonly apiSecret?: string;
  readonly knobs?: KnobsPatch;
  /** The wall clock (default Date.now); server time is this plus the clock-skew knob. */
  readonly now?: () => number;
}

export interface EmulatorState {
  readonly serverTime: number;
  readonly balances: unknown[];
  readonly openOrders: unknown[];
  readonly orders: unknown[];
  readonly trades: unknown[];
  readonly prices: Record<string, string | null>;
  readonly replay: { readonly symbols: string[]; readonly done: boolean; readonly next: Candle[] };
  readonly knobs: Knobs;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: @binance/spot's `configurationRestAPI.basePath`. */
  readonly restUrl: string;
  /** `ws://127.0.0.1:<port>`: `configurationWebsocketStreams.wsURL` (the client adds `/stream?streams=`); raw streams at `/ws/<stream>`. */
  readonly wsStreamUrl: string;
  /** `ws://127.0.0.1:<port>/ws-api/v3`: `configurationWebsocketAPI.wsURL`. */
  readonly wsApiUrl: string;
  readonly port: number;
  readonly symbols: readonly string[];
  /** The live knobs (mutating them works; `setKnobs` validates). */
  readonly knobs: Knobs;
  readonly engine: PaperMatcher;
  readonly venue: Venue;
  readonly replay: MarketReplay;
  setKnobs(patch: KnobsPatch): Knobs;
  /** Server time: wall clock plus the clock skew. */
  serverTime(): number;
  /** Plays the next candle of every symbol (finishing the one in play); returns the candles closed. */
  advance(): Candle[];
  /** `advance()` n times. */
  step(n?: number): Candle[];
  /** Plays one price tick (a quarter candle: open, first extreme, second extreme, close). */
  tick(): boolean;
  /** The candles to be played next, without playing them. */
  peek(): Candle[];
  /** Moves a last price directly (matching resting orders), without a kline. */
  setPrice(symbol: string, price: string): void;
  /** Cuts every market-stream and WebSocket API connection now; returns how many. */
  disconnectWebSockets(): number;
  /** Connections and subscriptions right now, so tests wait for them instead of sleeping. */
  connections(): { streams: number; wsApi: number; userData: number; subscribers(stream: string): number };
  state(): EmulatorState;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const credentials = credentialsFrom(options);
  const wallClock = options.now ?? Date.now;
  const knobs = defaultKnobs();
  if (options.knobs !== undefined) applyKnobs(knobs, options.knobs);
  const serverTime = (): number => wallClock() + knobs.clockSkewMs;

  const series = await loadSeries(options, wallClock());
  if (series.length === 0) throw new Error('the emulator has no symbols: the data held no candles');
  const replay = new MarketReplay(series);
  const firstPrice = new Map(series.map((s) => [s.symbol, s.history.at(-1)?.close] as const));
  const filters = filtersFor(replay.symbols, (symbol) => firstPrice.get(symbol));
  const venue = new Venue({
    balances: options.balances ?? { USDT: '10000' },
    filters,
    feeBps: options.feeBps ?? 10,
    now: serverTime,
    splitFill: () => takeFault(knobs, 'splitFills'),
  });
  for (const [symbol, price] of firstPrice) if (price !== undefined) venue.setPrice(symbol, price);
  replay.onTick((tick) => venue.setPrice(tick.symbol, tick.price));

  const limiter = new RateLimiter(knobs, wallClock);
  const timers = new Set<NodeJS.Timeout>();
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  const apiContext = { venue, replay, knobs, serverTime, limiter, credentials, delay };
  const streams = new MarketStreams(replay, serverTime);
  const wsApi = new WebsocketApi(apiContext, venue);

  const step = (n = 1): Candle[] => {
    const closed: Candle[] = [];
    for (let i = 0; i < n; i++) {
      const candles = replay.advance();
      if (candles.length === 0) break;
      closed.push(...candles);
    }
    return closed;
  };
  const disconnectWebSockets = (): number => streams.disconnectAll() + wsApi.disconnectAll();
  const setKnobs = (patch: unknown): Knobs => applyKnobs(knobs, patch);
  const setPrice = (symbol: string, price: string): void => venue.setPrice(symbol, price);
  const state = (): EmulatorState => ({
    serverTime: serverTime(),
    balances: venue.balances().map(balanceJson),
    openOrders: venue.openOrders().map(orderJson),
    orders: venue.allOrderViews().map(orderJson),
    trades: venue.allTrades().map(tradeJson),
    prices: Object.fromEntries(replay.symbols.map((s) => [s, fmtOrNull(venue.lastPrice(s))])),
    replay: { symbols: replay.symbols, done: replay.done, next: replay.peek() },
    knobs: { ...knobs },
  });
  const admin: AdminControls = {
    state,
    knobs: () => knobs,
    setKnobs,
    step,
    tick: () => replay.tick(),
    disconnectWebSockets,
    setPrice,
  };

  const server = createServer((req, res) => void route(req, res));
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    probe.requestReceived?.(req, performance.now());
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname.startsWith('/__admin/')) await handleAdmin(admin, req, res, url);
      else await handleRest(apiContext, req, res, url);
    } catch (error) {
      console.error('emulator: request failed', error);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: -1000, msg: UNKNOWN_ERROR }));
      }
    }
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === WS_API_PATH) wsApi.upgrade(req, socket, head);
    else if (MarketStreams.handles(url.pathname)) streams.upgrade(req, socket, head, url);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const clock = options.speed !== undefined && options.speed > 0 ? startReplayClock(replay, options.speed, wallClock) : null;

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      clock?.stop();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      streams.close();
      wsApi.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return closed;
  };

  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsStreamUrl: `ws://127.0.0.1:${port}`,
    wsApiUrl: `ws://127.0.0.1:${port}${WS_API_PATH}`,
    port,
    symbols: replay.symbols,
    knobs,
    engine: venue.engine,
    venue,
    replay,
    setKnobs,
    serverTime,
    advance: () => replay.advance(),
    step,
    tick: () => replay.tick(),
    peek: () => replay.peek(),
    setPrice,
    disconnectWebSockets,
    connections: () => ({
      streams: streams.connections,
      wsApi: wsApi.connections,
      userData: wsApi.userDataSubscriptions,
      subscribers: (stream: string) => streams.subscribers(stream),
    }),
    state,
    close,
  };
}

function credentialsFrom(options: EmulatorOptions): Credentials {
  const apiKey = options.apiKey ?? process.env.BINANCE_API_KEY;
  const apiSecret = options.apiSecret ?? process.env.BINANCE_API_SECRET;
  if (!apiKey || !apiSecret) {
    throw new Error("the emulator needs the account's API key and secret: set BINANCE_API_KEY and BINANCE_API_SECRET");
  }
  return { apiKey, apiSecret };
}

async function loadSeries(options: EmulatorOptions, now: number): Promise<CandleSeries[]> {
  const history = options.history ?? DEFAULT_HISTORY;
  if (options.candles !== undefined) return seriesFromCandles(options.candles, history);
  if (options.data !== undefined) return loadCandleFiles(options.data, history);
  return syntheticSeries({
    ...(options.symbols !== undefined && { symbols: options.symbols }),
    ...(options.seed !== undefined && { seed: options.seed }),
    now,
    history,
  });
}

/**
 * Plays ticks in real time: `speed` candles per second, four ticks each. A late timer catches up
 * (several ticks in one go), so high speeds work with coarse timers.
 */
function startReplayClock(replay: MarketReplay, speed: number, now: () => number): { stop(): void } {
  const tickMs = 1000 / (speed * TICKS_PER_CANDLE);
  const started = now();
  let played = 0;
  const timer = setInterval(
    () => {
      const due = Math.floor((now() - started) / tickMs);
      let budget = 10_000;
      while (played < due && budget-- > 0) {
        if (!replay.tick()) {
          clearInterval(timer);
          process.stderr.write('emulator: the replay reached the end of its data; prices stay where they are\n');
          return;
        }
        played++;
      }
    },
    Math.max(5, Math.min(tickMs, 1000)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function fmtOrNull(value: Parameters<typeof fmt>[0] | null): string | null {
  return value === null ? null : fmt(value);
}
