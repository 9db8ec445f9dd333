// GET /api/v1/events: the desk's facts as Server-Sent Events over a real socket — a fill as it
// happens (money as decimal strings), and a client that reconnects with Last-Event-ID gets exactly
// what it missed (or a `gap` event when the ring no longer holds it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { flatCandles } from '../support/desk-harness.ts';
import { type ApiHarness, asChange, CHANGE_TOKEN, openApiHarness } from './api-harness.ts';

interface SseEvent {
  readonly id: number | null;
  readonly event: string;
  readonly data: unknown;
}

/** A client of the stream: collects its events; `until` waits for one that matches. */
class SseClient {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  private waiters = new Set<() => void>();
  readonly done: Promise<void>;
  /** Resolves once the server answered: from then on, every new fact reaches this client. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(url: string, lastEventId?: number) {
    const headers: Record<string, string> = { authorization: `Bearer ${CHANGE_TOKEN}` };
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.done = this.read(url, headers).catch(() => {});
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(url, { headers, signal: this.controller.signal });
    if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
    this.markReady();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        let id: number | null = null;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = Number(line.slice(4));
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) this.events.push({ id, event, data: JSON.parse(data.join('\n')) });
        for (const w of this.waiters) w();
      }
    }
  }

  until(match: (e: SseEvent) => boolean, timeoutMs = 30_000): Promise<SseEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (found) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no such event within ${timeoutMs} ms; got ${this.events.map((e) => `${e.id}:${e.event}`).join(', ')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.controller.abort();
    return this.done;
  }
}

let h: ApiHarness;
let url: string;

beforeAll(async () => {
  h = await openApiHarness({ config: { eventBuffer: 10 } });
  await h.api.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.api.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/events`;
}, 60_000);

afterAll(async () => {
  await h?.dispose();
});

describe('the fact stream', () => {
  it('delivers a fill as it happens, its money as decimal strings', async () => {
    const client = new SseClient(url);
    await client.ready;
    // Falling, then rising: sma-cross (2 over 3) buys on the cross, filled at the next open.
    await h.harness.desk.engine.run(new ArrayMarketData(flatCandles([100, 99, 98, 97, 99, 102, 105, 108])));
    const fill = await client.until((e) => e.event === 'fill');
    const fact = fill.data as { type: string; crewId: string; fill: { side: string; price: unknown; quantity: unknown } };
    expect(fact.type).toBe('fill');
    expect(fact.crewId).toBe('sma-btc');
    expect(fact.fill.side).toBe('BUY');
    expect(typeof fact.fill.price).toBe('string');
    expect(fact.fill.quantity).toMatch(/^\d+(\.\d+)?$/);
    expect(fill.id).toBeGreaterThan(0);
    await client.close();
  }, 60_000);

  it('resumes with Last-Event-ID: what was missed, nothing twice', async () => {
    const first = new SseClient(url);
    await first.ready;
    await h.api.app.inject({ method: 'POST', url: '/api/v1/crews/rsi-btc/pause', headers: asChange, payload: { reason: 'sse test' } });
    const paused = await first.until((e) => e.event === 'crew.paused');
    await first.close();
    // Missed while away:
    await h.api.app.inject({ method: 'POST', url: '/api/v1/halt', headers: asChange, payload: { level: 'entries', reason: 'while away' } });
    await h.api.app.inject({ method: 'POST', url: '/api/v1/crews/rsi-btc/resume', headers: asChange, payload: {} });
    const again = new SseClient(url, paused.id!);
    const resumed = await again.until((e) => e.event === 'crew.resumed');
    const halt = again.events.find((e) => e.event === 'halt');
    expect(halt?.data).toMatchObject({ type: 'halt', level: 'entries', reason: 'while away', actor: { kind: 'owner', id: 'api' }, via: 'api' });
    expect(halt!.id).toBe(paused.id! + 1);
    expect(resumed.id).toBe(paused.id! + 2);
    expect(again.events.every((e) => e.id === null || e.id > paused.id!)).toBe(true);
    await again.close();
    await h.api.app.inject({ method: 'POST', url: '/api/v1/resume', headers: asChange });
  }, 60_000);

  it('says so with a gap event when the ring no longer holds what was missed', async () => {
    const oldest = h.api.stream.lastId - 9;
    for (let i = 0; i < 12; i++) h.harness.desk.bus.publish({ type: 'error', source: 'test', message: `filler ${i}`, at: 0 });
    const client = new SseClient(url, Math.max(0, oldest - 1));
    const gap = await client.until((e) => e.event === 'gap');
    expect(gap.data).toMatchObject({ type: 'gap', resumedAt: h.api.stream.lastId - 9 });
    await client.until((e) => e.id === h.api.stream.lastId);
    await client.close();
  }, 60_000);

  it('treats a Last-Event-ID past the newest (from before a restart) as a gap, and sends what the ring holds', async () => {
    h.harness.desk.bus.publish({ type: 'error', source: 'test', message: 'before the reconnect', at: 0 });
    const watcher = new SseClient(url);
    await watcher.ready;
    h.harness.desk.bus.publish({ type: 'error', source: 'test', message: 'sent to the watcher', at: 0 });
    const sent = await watcher.until((e) => e.event === 'error' && (e.data as { message: string }).message === 'sent to the watcher');
    await watcher.close();
    // Ids begin at 1 in every process: a client of the last run holds a higher one than this run has sent.
    const client = new SseClient(url, sent.id! + 1000);
    const gap = await client.until((e) => e.event === 'gap');
    expect(gap.data).toMatchObject({ type: 'gap', after: sent.id! + 1000 });
    const replayed = await client.until((e) => e.id === sent.id);
    expect((replayed.data as { message: string }).message).toBe('sent to the watcher');
    await client.close();
  }, 60_000);

  it('is a GET only: a HEAD is not held open as a stream', async () => {
    expect(h.api.routes.filter((r) => r.url === '/api/v1/events').map((r) => r.method)).toEqual(['GET']);
    expect((await h.api.app.inject({ method: 'HEAD', url: '/api/v1/events', headers: asChange })).statusCode).toBe(404);
  });

  it('refuses a malformed Last-Event-ID, naming it', async () => {
    const res = await h.api.app.inject({ method: 'GET', url: '/api/v1/events', headers: { ...asChange, 'last-event-id': 'abc' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toContain('last-event-id');
  });
});
