// The requests ws-api-requests.ts writes must be, byte for byte, what the pinned connector would
// send for the same params at the same moment: the connector's own builder is the oracle.
import { buildWebsocketAPIMessage } from '@binance/common';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignedRequestWriter } from '../../../src/exchange/binance/ws-api-requests.ts';

const API_KEY = 'key0123456789';
const API_SECRET = 'secret-of-the-test';
const NOW = 1_700_000_000_123;

function writerOnFakeConnection(readyState = 1) {
  const written: string[] = [];
  const entry = {
    ws: { readyState, send: (text: string) => void written.push(text) },
    pendingRequests: new Map<string, { resolve: (a: unknown) => void; reject: (e: unknown) => void }>(),
  };
  const writer = SignedRequestWriter.attach({ connectionPool: [entry] }, API_KEY, API_SECRET, 1000);
  if (writer === null) throw new Error('not attached');
  return { writer, written, entry };
}

const packageJson = (path: string): { version: string; dependencies?: Record<string, string> } =>
  JSON.parse(readFileSync(new URL(`../../../node_modules/${path}/package.json`, import.meta.url), 'utf8'));

describe('SignedRequestWriter', () => {
  it('checks against the very @binance/common the pinned @binance/spot runs on (bump them together)', () => {
    expect(packageJson('@binance/common').version).toBe(packageJson('@binance/spot').dependencies?.['@binance/common']);
    expect(existsSync(new URL('../../../node_modules/@binance/spot/node_modules/@binance/common', import.meta.url))).toBe(false);
  });

  afterEach(() => vi.useRealTimers());

  it.each([
    [
      'order.place',
      {
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'LIMIT',
        newClientOrderId: 'cd-a-1',
        newOrderRespType: 'FULL',
        quantity: '0.001',
        price: '29000.5',
        timeInForce: 'GTC',
        recvWindow: 5000,
      },
    ],
    [
      'order.place',
      { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', newClientOrderId: 'cd_x-Y.2', newOrderRespType: 'FULL', quoteOrderQty: '100', recvWindow: 60000 },
    ],
    ['order.cancel', { symbol: 'ETHUSDT', origClientOrderId: 'cd-a-1', recvWindow: 5000 }],
  ] as const)('writes %s exactly as the connector would sign and send it', (method, params) => {
    vi.useFakeTimers({ now: NOW });
    const id = '0123456789abcdef0123456789abcdef';
    const { writer, written } = writerOnFakeConnection();
    void writer.send(method, params, id, Date.now());
    const connector = buildWebsocketAPIMessage({ apiKey: API_KEY, apiSecret: API_SECRET } as never, method, { ...params, id }, { isSigned: true });
    expect(written).toEqual([JSON.stringify(connector)]);
  });

  it("resolves with the answer registered where the connector's handler finds it, and times out like the connector", async () => {
    vi.useFakeTimers({ now: NOW });
    const { writer, entry } = writerOnFakeConnection();
    // As the connector's message handler does: the entry is taken off the map, then settled.
    const settle = (id: string) => {
      const pending = entry.pendingRequests.get(id)!;
      entry.pendingRequests.delete(id);
      return pending;
    };
    const answered = writer.send('order.cancel', { symbol: 'BTCUSDT', origClientOrderId: 'x' }, 'id-1', NOW)!;
    settle('id-1').resolve({ data: { status: 'CANCELED' } });
    await expect(answered).resolves.toEqual({ data: { status: 'CANCELED' } });

    const refused = writer.send('order.cancel', { symbol: 'BTCUSDT', origClientOrderId: 'y' }, 'id-2', NOW)!;
    settle('id-2').reject({ code: -2011, msg: 'Unknown order sent.' });
    await expect(refused).rejects.toEqual({ code: -2011, msg: 'Unknown order sent.' });

    const silent = writer.send('order.cancel', { symbol: 'BTCUSDT', origClientOrderId: 'z' }, 'id-3', NOW)!;
    const outcome = silent.catch((error: Error) => error.message);
    vi.advanceTimersByTime(1000);
    expect(await outcome).toBe('Request timeout for id: id-3');
    expect(entry.pendingRequests.size).toBe(0);
  });

  it('writes nothing on a connection that is not open, or for a param it does not write (the connector then sends it)', () => {
    const closed = writerOnFakeConnection(3);
    expect(closed.writer.send('order.cancel', { symbol: 'BTCUSDT', origClientOrderId: 'x' }, 'id', NOW)).toBeNull();
    expect(closed.written).toEqual([]);
    const open = writerOnFakeConnection();
    expect(open.writer.send('order.place', { symbol: 'BTCUSDT', quantity: 1e-7 }, 'id', NOW)).toBeNull();
    expect(open.written).toEqual([]);
  });

  it("leaves a burst's requests in one write: the socket corked at the first, uncorked on the next tick", async () => {
    const calls: string[] = [];
    const socket = { destroyed: false, cork: () => void calls.push('cork'), uncork: () => void calls.push('uncork') };
    const entry = { ws: { readyState: 1, _socket: socket, send: () => void calls.push('send') }, pendingRequests: new Map() };
    const writer = SignedRequestWriter.attach({ connectionPool: [entry] }, API_KEY, API_SECRET, 1000)!;
    void writer.send('order.cancel', { symbol: 'BTCUSDT', origClientOrderId: 'a' }, 'id-a', NOW)?.catch(() => undefined);
    void writer.send('order.cancel', { symbol: 'BTCUSDT', origClientOrderId: 'b' }, 'id-b', NOW)?.catch(() => undefined);
    expect(calls).toEqual(['cork', 'send', 'send']);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(calls).toEqual(['cork', 'send', 'send', 'uncork']);
    for (const pending of entry.pendingRequests.values()) (pending as { resolve: (a: unknown) => void }).resolve({ data: null });
  });

  it('is not attached to an object not shaped as the connector is', () => {
    expect(SignedRequestWriter.attach({}, API_KEY, API_SECRET, 1000)).toBeNull();
    expect(SignedRequestWriter.attach({ connectionPool: [{}, {}] }, API_KEY, API_SECRET, 1000)).toBeNull();
    expect(SignedRequestWriter.attach(undefined, API_KEY, API_SECRET, 1000)).toBeNull();
  });
});
