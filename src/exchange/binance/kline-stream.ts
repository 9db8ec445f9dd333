// One combined market-stream connection (`/stream?streams=a@kline_1m/b@kline_5m`) that stays up:
// reconnects with exponential backoff and jitter, and pings to find a connection that died
// without a close. It speaks Binance's public stream protocol with `ws` directly (the library
// the connector itself uses): the connector's stream client reconnects at a fixed delay forever
// and takes a second to disconnect, and this path is latency-critical.
import WebSocket from 'ws';
import { z } from 'zod';
import type { Logger } from '../../log/logger.ts';
import { decimalText } from './wire.ts';

const millis = z.number().int();

/** The kline payload (`k`) of a kline event, as far as crewdesk reads it. */
export const klinePayloadSchema = z.object({
  t: millis,
  T: millis,
  s: z.string(),
  i: z.string(),
  o: decimalText,
  h: decimalText,
  l: decimalText,
  c: decimalText,
  v: decimalText,
  x: z.boolean(),
});
export type KlinePayload = z.output<typeof klinePayloadSchema>;

const combinedKlineSchema = z.object({ stream: z.string(), data: z.object({ e: z.literal('kline'), k: klinePayloadSchema }) });

export interface KlineStreamOptions {
  /** Base URL; the connection goes to `${wsStreamUrl}/stream?streams=…`. */
  readonly wsStreamUrl: string;
  /** Stream names, lower case (`btcusdt@kline_1m`). */
  readonly streams: readonly string[];
  readonly onKline: (stream: string, kline: KlinePayload) => void;
  /** Connected (the first time and after every reconnect): what was missed must be fetched. */
  readonly onOpen: () => void;
  readonly onClose?: (reason: string) => void;
  /** First reconnect delay (default 250 ms), doubling up to `maxBackoffMs` (default 30 s). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Ping interval; a connection that has not answered the previous ping is dropped (default 20 s). */
  readonly heartbeatMs?: number;
  readonly log?: Logger;
}

export class KlineStream {
  private socket: WebSocket | null = null;
  private closed = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private awaitingPong = false;

  constructor(private readonly options: KlineStreamOptions) {}

  get url(): string {
    return `${this.options.wsStreamUrl}/stream?streams=${this.options.streams.join('/')}`;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.closed || this.socket !== null) return;
    const socket = new WebSocket(this.url, { perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => {
      this.awaitingPong = false;
      this.heartbeat = setInterval(() => this.beat(socket), this.options.heartbeatMs ?? 20_000);
      this.heartbeat.unref();
      this.options.onOpen();
    });
    socket.on('message', (data: Buffer) => this.onMessage(data));
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (error) => this.options.log?.warn({ err: error.message }, 'Binance market stream error'));
    socket.on('close', (code, reason) => this.onClosed(socket, `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`));
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
    }
  }

  private onMessage(data: Buffer): void {
    this.failures = 0;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      this.options.log?.warn('Binance market stream: a message that is not JSON was ignored');
      return;
    }
    const message = combinedKlineSchema.safeParse(parsed);
    if (!message.success) {
      // Subscription replies ({result, id}) and other streams' events carry no kline.
      if (typeof parsed === 'object' && parsed !== null && 'stream' in parsed) {
        this.options.log?.warn(
          { issues: message.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) },
          'Binance market stream: malformed kline ignored',
        );
      }
      return;
    }
    this.options.onKline(message.data.stream, message.data.data.k);
  }

  private beat(socket: WebSocket): void {
    if (this.awaitingPong) {
      this.options.log?.warn('Binance market stream: no pong to the last ping; reconnecting');
      socket.terminate();
      return;
    }
    this.awaitingPong = true;
    socket.ping();
  }

  private onClosed(socket: WebSocket, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.stopHeartbeat();
    socket.removeAllListeners();
    if (this.closed) return;
    this.options.onClose?.(reason);
    const base = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.initialBackoffMs ?? 250) * 2 ** this.failures++);
    const wait = Math.round(base * (0.75 + Math.random() * 0.5));
    this.options.log?.warn({ retryInMs: wait }, `Binance market stream ${reason}; reconnecting`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.start();
    }, wait);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
