// The dashboard's reader of the live fact stream (web/js/api.js), run in Node against the real API:
// it sends the token in a header, hands each fact over as it comes, and after its connection drops
// it reconnects with Last-Event-ID and gets what it missed, nothing twice. No browser needed.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/services/result.ts';
import { type ApiHarness, CHANGE_TOKEN, openApiHarness } from '../api/api-harness.ts';

interface Received {
  readonly id: string | null;
  readonly type: string;
  readonly fact: { readonly level?: string };
}
interface FactStreamLike extends EventTarget {
  lastId: string | null;
  controller: AbortController | null;
  start(): void;
  stop(): void;
}
interface WebApi {
  FactStream: new (path: string) => FactStreamLike;
  setToken(token: string | null): void;
  authEvents: EventTarget;
}

const OWNER: Actor = { id: 'owner', via: 'test', isOwner: true };
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let h: ApiHarness;
let web: WebApi;
let base: string;

beforeAll(async () => {
  // The page keeps its token in sessionStorage; Node has none.
  const store = new Map<string, string>();
  Object.assign(globalThis, {
    sessionStorage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => store.set(k, v),
      removeItem: (k: string) => store.delete(k),
    },
  });
  web = (await import(pathToFileURL(join(ROOT, 'web/js/api.js')).href)) as WebApi;
  h = await openApiHarness();
  await h.api.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.api.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await h?.dispose();
});

/** Polls until `probe` holds (the bound is a safety net, not a claim about speed). */
async function eventually(probe: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + 30_000;
  while (!probe()) {
    if (Date.now() > giveUp) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the dashboard’s fact stream reader', () => {
  it('reads facts as they come and, after a drop, resumes with Last-Event-ID: what it missed, nothing twice', async () => {
    web.setToken(CHANGE_TOKEN);
    const stream = new web.FactStream(`${base}/api/v1/events`);
    const got: Received[] = [];
    let opened = 0;
    stream.addEventListener('fact', (event) => got.push((event as CustomEvent<Received>).detail));
    stream.addEventListener('open', () => opened++);
    stream.start();
    try {
      await eventually(() => opened === 1, 'the stream opening');
      await h.service.halt('entries', 'first', OWNER);
      await eventually(() => got.some((g) => g.type === 'halt'), 'the first halt');

      // The connection drops; two facts happen while it is down.
      stream.controller!.abort();
      await eventually(() => opened === 1 && !(stream as unknown as { connected: boolean }).connected, 'the drop seen');
      await h.service.resume(OWNER);
      await h.service.halt('cancel', 'second', OWNER);

      await eventually(() => got.filter((g) => g.type === 'halt').length === 3, 'the missed halts');
      expect(opened).toBe(2);
      expect(got.filter((g) => g.type === 'halt').map((g) => g.fact.level)).toEqual(['entries', 'none', 'cancel']);
      const ids = got.map((g) => Number(g.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    } finally {
      stream.stop();
      web.setToken(null);
    }
  });

  it('says a refused token is refused, and never opens', async () => {
    web.setToken('not-the-token');
    const stream = new web.FactStream(`${base}/api/v1/events`);
    let opened = 0;
    stream.addEventListener('open', () => opened++);
    const signedOut = new Promise<void>((resolve) => web.authEvents.addEventListener('signed-out', () => resolve(), { once: true }));
    stream.start();
    await signedOut;
    expect(opened).toBe(0);
    stream.stop();
    web.setToken(null);
  });
});
