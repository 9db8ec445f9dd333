import { describe, expect, it } from 'vitest';
import { parseMessagesNatively, parseSafeJson } from '../../../src/exchange/binance/ws-api-messages.ts';

describe('parseSafeJson', () => {
  it('parses JSON whose integers are all safe', () => {
    expect(parseSafeJson('{"a":[1,2.5,"x",{"b":9007199254740991}],"c":null}')).toEqual({ a: [1, 2.5, 'x', { b: 9007199254740991 }], c: null });
  });

  it('refuses an integer beyond 2^53 (the connector keeps it exact) and text that is not JSON', () => {
    expect(parseSafeJson('{"orderId":9007199254740993}')).toBeNull();
    expect(parseSafeJson('[1,[2,[123456789012345678901]]]')).toBeNull();
    expect(parseSafeJson('{"a":')).toBeNull();
  });
});

/** A stand-in for the connector's WebSocket API object: records what reaches its own handler. */
function fakeConnector() {
  const own: string[] = [];
  const events: unknown[] = [];
  const base = {
    onMessage(data: string, _connection: unknown) {
      own.push(data);
    },
    streamCallbackMap: new Map([['userData', new Set([(e: unknown) => void events.push(e)])]]),
  };
  const answers: unknown[] = [];
  const pendingRequests = new Map([['req1', { resolve: (a: unknown) => void answers.push(a), reject: () => undefined }]]);
  return { base, own, events, answers, connection: { pendingRequests } };
}

describe('parseMessagesNatively', () => {
  it("resolves a request's answer and hands out events as the connector would", () => {
    const f = fakeConnector();
    expect(parseMessagesNatively(f.base)).toBe(true);
    f.base.onMessage('{"id":"req1","status":200,"result":{"orderId":5},"rateLimits":[{"count":1}]}', f.connection as never);
    f.base.onMessage('{"subscriptionId":0,"event":{"e":"executionReport","i":5}}', f.connection as never);
    expect(f.answers).toEqual([{ data: { orderId: 5 }, rateLimits: [{ count: 1 }] }]);
    expect(f.connection.pendingRequests.size).toBe(0);
    expect(f.events).toEqual([{ e: 'executionReport', i: 5 }]);
    expect(f.own).toEqual([]);
  });

  it("leaves error answers, unknown ids, serverShutdown, unsafe integers and junk to the connector's own handler", () => {
    const f = fakeConnector();
    parseMessagesNatively(f.base);
    const passed = [
      '{"id":"req1","status":400,"error":{"code":-1013,"msg":"Filter failure: NOTIONAL"}}',
      '{"id":"other","status":200,"result":{}}',
      '{"event":{"e":"serverShutdown","E":1}}',
      '{"id":"req1","status":200,"result":{"orderId":90071992547409930}}',
      'not json',
      '{"result":null,"id":7}',
    ];
    for (const text of passed) f.base.onMessage(text, f.connection as never);
    expect(f.own).toEqual(passed);
    expect(f.answers).toEqual([]);
    expect(f.connection.pendingRequests.has('req1')).toBe(true);
  });

  it('changes nothing on an object not shaped as the connector is', () => {
    const odd = { onMessage: () => undefined };
    expect(parseMessagesNatively(odd)).toBe(false);
    expect(parseMessagesNatively(null)).toBe(false);
  });
});
