// Kline streams as Binance sends them: raw at /ws/<stream>, combined at /stream?streams=, live
// SUBSCRIBE/UNSUBSCRIBE, non-final updates before the closing one, and the real client's
// combined-stream connection counting only closed candles.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpotWebsocketStreams } from '@binance/spot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Emulator, startEmulator } from '../../src/emulator/emulator.ts';
import { API_KEY, API_SECRET, T0, candles, eventually, flat, spotClient } from './harness.ts';

type Message = Record<string, any>;

function open(url: string): Promise<{ socket: WebSocket; messages: Message[] }> {
  const socket = new WebSocket(url);
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Message));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages }));
    socket.once('error', reject);
  });
}

function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.close();
  });
}

const BTC = candles('BTCUSDT', [
  flat(30_000),
  [30_000, 30_050, 29_980, 30_040],
  [30_040, 30_060, 29_900, 29_950],
  ...Array.from({ length: 12 }, () => flat(29_950)),
]);
const ETH = candles(
  'ETHUSDT',
  Array.from({ length: 15 }, () => flat(2_000)),
);

describe('kline streams', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ candles: [...BTC, ...ETH], history: 1, apiKey: API_KEY, apiSecret: API_SECRET });
  });
  afterAll(() => emulator.close());

  it('sends a raw /ws/btcusdt@kline_1m stream: x:false updates, then the closing x:true, in Binance shape', async () => {
    const { socket, messages } = await open(`${emulator.wsStreamUrl}/ws/btcusdt@kline_1m`);
    emulator.advance();
    await eventually(() => messages.length === 4, 'four kline updates');
    expect(messages.map((m) => m.k.x)).toEqual([false, false, false, true]);
    // The rising candle is played open → low → high → close.
    expect(messages.map((m) => m.k.c)).toEqual(['30000.00000000', '29980.00000000', '30050.00000000', '30040.00000000']);
    const closing = messages[3]!;
    expect(closing).toMatchObject({ e: 'kline', s: 'BTCUSDT' });
    expect(typeof closing.E).toBe('number');
    expect(closing.k).toMatchObject({
      t: T0 + 60_000,
      T: T0 + 119_999,
      s: 'BTCUSDT',
      i: '1m',
      o: '30000.00000000',
      h: '30050.00000000',
      l: '29980.00000000',
      c: '30040.00000000',
      v: '10.00000000',
      x: true,
    });
    expect(Object.keys(closing.k).sort()).toEqual(['t', 'T', 's', 'i', 'f', 'L', 'o', 'c', 'h', 'l', 'v', 'n', 'x', 'q', 'V', 'Q', 'B'].sort());
    // Only the subscribed symbol: ETH's candle closed too, but nothing of it came here.
    expect(messages.every((m) => m.s === 'BTCUSDT')).toBe(true);
    await closeSocket(socket);
  });

  it('answers SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE with {result, id}, and wraps combined streams as {stream, data}', async () => {
    const raw = await open(`${emulator.wsStreamUrl}/ws`);
    raw.socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethusdt@kline_1m'], id: 1 }));
    await eventually(() => raw.messages.find((m) => m.id === 1), 'the SUBSCRIBE reply');
    expect(raw.messages[0]).toEqual({ result: null, id: 1 });
    raw.socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 2 }));
    expect(await eventually(() => raw.messages.find((m) => m.id === 2), 'the list')).toEqual({ result: ['ethusdt@kline_1m'], id: 2 });

    const combined = await open(`${emulator.wsStreamUrl}/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m`);
    emulator.advance();
    await eventually(() => combined.messages.length === 8, 'both symbols in the combined stream');
    expect(new Set(combined.messages.map((m) => m.stream))).toEqual(new Set(['btcusdt@kline_1m', 'ethusdt@kline_1m']));
    expect(combined.messages[0]!.data).toMatchObject({ e: 'kline' });
    await eventually(() => raw.messages.filter((m) => m.e === 'kline').length === 4, 'ETH klines on the raw connection');

    raw.socket.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['ethusdt@kline_1m'], id: 3 }));
    await eventually(() => raw.messages.find((m) => m.id === 3), 'the UNSUBSCRIBE reply');
    emulator.advance();
    await eventually(() => combined.messages.length === 16, 'the next candle on the combined stream');
    expect(raw.messages.filter((m) => m.e === 'kline')).toHaveLength(4);
    await Promise.all([closeSocket(raw.socket), closeSocket(combined.socket)]);
  });

  it('aggregates coarser intervals from the data: one closing 5m kline per five 1m candles', async () => {
    const { socket, messages } = await open(`${emulator.wsStreamUrl}/ws/btcusdt@kline_5m`);
    // Candles up to T0+3m are played already; the fifth of the first bucket closes it.
    emulator.step(5);
    const closed = await eventually(() => messages.find((m) => m.k.x === true), 'a closed 5m kline');
    expect(closed.k).toMatchObject({
      i: '5m',
      t: T0,
      T: T0 + 5 * 60_000 - 1,
      o: '30000.00000000',
      h: '30060.00000000',
      l: '29900.00000000',
      c: '29950.00000000',
    });
    expect(messages.filter((m) => m.k.x === true)).toHaveLength(1);
    await closeSocket(socket);
  });
});

describe('the real client on a combined stream', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ candles: [...BTC, ...ETH], history: 1, apiKey: API_KEY, apiSecret: API_SECRET });
  });
  afterAll(() => emulator.close());

  it('counts only the x:true candles of each symbol', async () => {
    const spot = spotClient(emulator);
    const connection = await spot.websocketStreams!.connect({ stream: ['btcusdt@kline_1m', 'ethusdt@kline_1m'] });
    const closed: Record<string, string[]> = { BTCUSDT: [], ETHUSDT: [] };
    let updates = 0;
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      connection.kline({ symbol, interval: SpotWebsocketStreams.KlineIntervalEnum.INTERVAL_1m }).on('message', (event) => {
        updates++;
        if (event.k?.x === true) closed[event.s!]!.push(event.k.c!);
      });
    }
    emulator.step(3);
    await eventually(() => closed.BTCUSDT!.length === 3 && closed.ETHUSDT!.length === 3, 'three closed candles per symbol');
    expect(closed.BTCUSDT).toEqual(['30040.00000000', '29950.00000000', '29950.00000000']);
    expect(updates).toBe(2 * 3 * 4);
    await connection.disconnect();
  });
});

describe('candles from files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crewdesk-emulator-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes the symbol from the file name and replays the rows after the history', async () => {
    const rows = ['open_time,open,high,low,close,volume'];
    for (let i = 0; i < 10; i++) rows.push(`${T0 + i * 60_000},${100 + i},${101 + i},${99 + i},${100.5 + i},5`);
    await writeFile(join(dir, 'SOLUSDT-1m-2024-01.csv'), `${rows.join('\n')}\n`);
    const emulator = await startEmulator({ data: dir, history: 4, apiKey: API_KEY, apiSecret: API_SECRET });
    try {
      expect(emulator.symbols).toEqual(['SOLUSDT']);
      expect(emulator.state().prices).toEqual({ SOLUSDT: '103.50000000' });
      expect(emulator.step(2).map((c) => c.close)).toEqual([104.5, 105.5]);
      const klines = (await (await fetch(`${emulator.restUrl}/api/v3/klines?symbol=SOLUSDT&interval=1m`)).json()) as unknown[][];
      expect(klines).toHaveLength(6);
      expect(emulator.step(100)).toHaveLength(4);
      expect(emulator.state().replay.done).toBe(true);
    } finally {
      await emulator.close();
    }
  });
});
