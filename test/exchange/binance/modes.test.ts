// The modes' plumbing: each mode's Binance URLs, overridable by config and environment so any
// mode can be pointed at the emulator; and the reachability probe paper mode decides by.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { binanceEndpoints, probeReachable } from '../../../src/exchange/binance/modes.ts';
import { emulatorWith } from './support.ts';

describe('binanceEndpoints', () => {
  it('gives Binance’s own URLs per mode: production for paper and live, the Spot testnet for testnet', () => {
    expect(binanceEndpoints('live', {}, {})).toEqual({
      restUrl: 'https://api.binance.com',
      wsStreamUrl: 'wss://stream.binance.com:9443',
      wsApiUrl: 'wss://ws-api.binance.com:443/ws-api/v3',
    });
    // Paper trades locally on live market data: the same public endpoints, never an order.
    expect(binanceEndpoints('paper', {}, {})).toEqual(binanceEndpoints('live', {}, {}));
    expect(binanceEndpoints('testnet', {}, {})).toEqual({
      restUrl: 'https://testnet.binance.vision',
      wsStreamUrl: 'wss://stream.testnet.binance.vision',
      wsApiUrl: 'wss://ws-api.testnet.binance.vision/ws-api/v3',
    });
  });

  it('takes the config’s URLs first, then BINANCE_*_URL from the environment (so any mode can use the emulator)', () => {
    const env = {
      BINANCE_REST_URL: 'http://127.0.0.1:4000/',
      BINANCE_WS_STREAM_URL: 'ws://127.0.0.1:4000',
      BINANCE_WS_API_URL: 'ws://127.0.0.1:4000/ws-api/v3',
    };
    expect(binanceEndpoints('live', {}, env)).toEqual({
      restUrl: 'http://127.0.0.1:4000',
      wsStreamUrl: 'ws://127.0.0.1:4000',
      wsApiUrl: 'ws://127.0.0.1:4000/ws-api/v3',
    });
    expect(binanceEndpoints('testnet', { restUrl: 'http://127.0.0.1:5000' }, env).restUrl).toBe('http://127.0.0.1:5000');
    expect(binanceEndpoints('testnet', {}, { BINANCE_REST_URL: '' }).restUrl).toBe('https://testnet.binance.vision');
  });

  it('refuses a malformed URL, naming where it came from', () => {
    expect(() => binanceEndpoints('paper', {}, { BINANCE_WS_API_URL: 'https://not-a-websocket' })).toThrow(
      'BINANCE_WS_API_URL="https://not-a-websocket" is not a ws(s) URL',
    );
    expect(() => binanceEndpoints('paper', { restUrl: 'ftp://x' })).toThrow(/Binance endpoint override: restUrl/);
  });
});

describe('probeReachable', () => {
  it('says yes for a venue that answers ping, and why not for one that does not', async () => {
    const emulator = await emulatorWith({ symbols: ['BTCUSDT'], history: 5 });
    try {
      expect(await probeReachable(emulator.restUrl, 2000)).toMatchObject({ ok: true });
    } finally {
      await emulator.close();
    }
    // A port that accepts connections and never answers, then one nobody listens on.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      expect(await probeReachable(`http://127.0.0.1:${port}`, 100)).toEqual({ ok: false, reason: `http://127.0.0.1:${port} did not answer within 100 ms` });
    } finally {
      silent.close();
    }
    const refused = await probeReachable(`http://127.0.0.1:${port}`, 1000);
    expect(refused.ok).toBe(false);
    expect(refused).toMatchObject({ reason: expect.stringMatching(/is unreachable: .*ECONNREFUSED/) });
  });
});
