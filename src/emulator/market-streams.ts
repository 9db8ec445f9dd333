// Binance's WebSocket market streams: raw streams at `/ws/<stream>` (payloads as they are),
// combined streams at `/stream?streams=a/b` (`{stream, data}`), and live SUBSCRIBE /
// UNSUBSCRIBE / LIST_SUBSCRIPTIONS requests answered `{result, id}`. Kline streams
// (`<symbol>@kline_<interval>`) carry every replay tick: `x:false` updates, then `x:true`.
// Other well-formed stream names are accepted and stay silent.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type Candle, isInterval } from '../core/domain.ts';
import { klineEventJson } from './binance-format.ts';
import type { MarketReplay, Tick } from './market-replay.ts';
import { probe } from './probe.ts';

interface StreamClient {
  readonly socket: WebSocket;
  /** Combined streams wrap each payload as `{stream, data}`. */
  readonly combined: boolean;
  readonly streams: Set<string>;
}

const STREAM_NAME = /^[a-z0-9]+@[A-Za-z0-9_@!]+$/;
const KLINE = /^([a-z0-9]+)@kline_([0-9]+[smhdwM])$/;

export class MarketStreams {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly clients = new Set<StreamClient>();
  private readonly unsubscribeReplay: () => void;

  constructor(
    private readonly replay: MarketReplay,
    private readonly serverTime: () => number,
  ) {
    this.unsubscribeReplay = replay.onTick((tick) => this.broadcast(tick));
  }

  /** Whether a request path belongs to the market streams. */
  static handles(pathname: string): boolean {
    return pathname === '/ws' || pathname.startsWith('/ws/') || pathname === '/stream';
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const combined = url.pathname === '/stream';
    const listed = combined ? (url.searchParams.get('streams') ?? '') : url.pathname.slice('/ws'.length).replace(/^\//, '');
    const streams = listed.split('/').filter((s) => s !== '');
    if (streams.some((s) => !STREAM_NAME.test(s))) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: StreamClient = { socket: ws, combined, streams: new Set(streams) };
      this.clients.add(client);
      ws.on('message', (data) => this.onMessage(client, data.toString()));
      ws.on('close', () => this.clients.delete(client));
      ws.on('error', () => this.clients.delete(client));
    });
  }

  /** Subscribers of a stream right now (tests wait on it instead of sleeping). */
  subscribers(stream: string): number {
    let n = 0;
    for (const c of this.clients) if (c.streams.has(stream)) n++;
    return n;
  }

  get connections(): number {
    return this.clients.size;
  }

  /** Cuts every connection at once (no close handshake), as a network drop would. */
  disconnectAll(): number {
    const n = this.clients.size;
    for (const c of this.clients) c.socket.terminate();
    this.clients.clear();
    return n;
  }

  close(): void {
    this.unsubscribeReplay();
    this.disconnectAll();
    this.wss.close();
  }

  private onMessage(client: StreamClient, text: string): void {
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      this.send(client.socket, { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } });
      return;
    }
    const id = request.id ?? null;
    const validId = id === null || typeof id === 'number' || typeof id === 'string';
    const params = Array.isArray(request.params) ? (request.params as unknown[]) : [];
    if (!validId || typeof request.method !== 'string') {
      this.send(client.socket, { error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' }, id: null });
      return;
    }
    switch (request.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const names = params.filter((p): p is string => typeof p === 'string');
        if (names.length !== params.length || names.some((s) => !STREAM_NAME.test(s))) {
          this.send(client.socket, { error: { code: 2, msg: 'Invalid request: invalid stream name' }, id });
          return;
        }
        for (const s of names) {
          if (request.method === 'SUBSCRIBE') client.streams.add(s);
          else client.streams.delete(s);
        }
        this.send(client.socket, { result: null, id });
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        this.send(client.socket, { result: [...client.streams], id });
        return;
      case 'SET_PROPERTY':
        this.send(client.socket, { result: null, id });
        return;
      case 'GET_PROPERTY':
        this.send(client.socket, { result: client.combined, id });
        return;
      default:
        this.send(client.socket, { error: { code: 2, msg: `Invalid request: unknown method ${request.method}` }, id });
    }
  }

  private broadcast(tick: Tick): void {
    if (this.clients.size === 0) return;
    if (tick.final) probe.finalKlineSending?.(tick.symbol, performance.now());
    const klinesOfSymbol = `${tick.symbol.toLowerCase()}@kline_`;
    const eventTime = this.serverTime();
    const payloads = new Map<string, string | null>();
    for (const client of this.clients) {
      for (const stream of client.streams) {
        if (!stream.startsWith(klinesOfSymbol)) continue;
        let payload = payloads.get(stream);
        if (payload === undefined) {
          payload = this.klinePayload(stream, tick, eventTime);
          payloads.set(stream, payload);
        }
        if (payload === null) continue;
        this.sendText(client.socket, client.combined ? `{"stream":${JSON.stringify(stream)},"data":${payload}}` : payload);
      }
    }
  }

  private klinePayload(stream: string, tick: Tick, eventTime: number): string | null {
    const match = KLINE.exec(stream);
    const interval = match?.[2];
    if (interval === undefined || !isInterval(interval)) return null;
    let candle: Candle = tick.partial;
    let final = tick.final;
    if (interval !== tick.partial.interval) {
      const aggregated = this.replay.aggregatedPartial(tick.partial, interval);
      if (aggregated === null) return null;
      candle = aggregated.candle;
      final = aggregated.final;
    }
    return JSON.stringify(klineEventJson(candle, final, eventTime, Math.floor(candle.openTime / 1000)));
  }

  private send(socket: WebSocket, message: unknown): void {
    this.sendText(socket, JSON.stringify(message));
  }

  private sendText(socket: WebSocket, text: string): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
  }
}
