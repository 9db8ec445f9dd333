// The desk's facts for Server-Sent Events: a ring of the recent ones, each with an id that only
// grows, so a client that reconnects with Last-Event-ID gets what it missed (while the ring still
// holds it). A deferred subscriber of the bus: sending never delays the step that published.
import type { ServerResponse } from 'node:http';
import type { EngineEvent, EventBus, EventType } from '../core/events.ts';

/** Every fact but candles (the hot path; the dashboard reads candles from the equity and trades). */
export const STREAMED_FACTS: readonly EventType[] = [
  'advice',
  'risk.denied',
  'order.created',
  'order.updated',
  'fill',
  'halt',
  'crew.paused',
  'crew.resumed',
  'equity',
  'error',
  'exchange.trouble',
];

interface Entry {
  readonly id: number;
  readonly type: string;
  /** The SSE frame, built once for every client. */
  readonly frame: string;
}

/** Bytes a client may have unread before it is dropped (it reconnects with Last-Event-ID). */
const MAX_UNREAD_BYTES = 4 << 20;
const HEARTBEAT_MS = 15_000;
/** How long a fact may wait to be sent with the ones after it: well under what a person notices. */
const SEND_EVERY_MS = 50;

export class FactStream {
  private readonly ring: Entry[] = [];
  private nextId = 1;
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private unsent: string[] = [];
  private sendScheduled: NodeJS.Timeout | null = null;

  constructor(
    bus: EventBus,
    private readonly capacity: number,
    /** Applied to each frame once, as it is built (e.g. to keep secrets out). */
    private readonly scrub: (frame: string) => string = (frame) => frame,
  ) {
    this.unsubscribe = bus.subscribe('api.fact-stream', (fact) => this.add(fact), STREAMED_FACTS, { deferred: true });
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** The id of the newest fact (0 before any). */
  get lastId(): number {
    return this.nextId - 1;
  }

  add(fact: EngineEvent): void {
    const id = this.nextId++;
    const frame = this.scrub(`id: ${id}\nevent: ${fact.type}\ndata: ${JSON.stringify(fact)}\n\n`);
    this.ring.push({ id, type: fact.type, frame });
    if (this.ring.length > this.capacity * 2) this.ring.splice(0, this.ring.length - this.capacity);
    // Sent in batches, at most every SEND_EVERY_MS: one write per client however many facts came
    // meanwhile (a busy desk publishes hundreds a second; fifty clients × each would be a syscall each).
    this.unsent.push(frame);
    if (this.sendScheduled === null) this.sendScheduled = setTimeout(() => this.sendUnsent(), SEND_EVERY_MS);
  }

  private sendUnsent(): void {
    this.sendScheduled = null;
    if (this.unsent.length === 0) return;
    const frames = this.unsent.join('');
    this.unsent = [];
    this.broadcast(frames);
  }

  /**
   * Streams to `res` (headers written here): first what came after `lastEventId` (or a `gap` event
   * when the ring no longer holds all of it), then every new fact until the client goes.
   */
  attach(res: ServerResponse, lastEventId: number | null): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    // Facts of this turn not yet sent to anyone come with the next send, not twice.
    const sentUpTo = this.nextId - 1 - this.unsent.length;
    if (lastEventId !== null) {
      const oldest = this.oldestKept();
      // An id this process never sent comes from before a restart (ids begin at 1 in every run):
      // all this run's facts are news to that client, as far as the ring still holds them.
      const fromAnotherRun = lastEventId > sentUpTo;
      if (fromAnotherRun || lastEventId + 1 < oldest) {
        res.write(`event: gap\ndata: ${JSON.stringify({ type: 'gap', after: lastEventId, resumedAt: oldest })}\n\n`);
      }
      const after = fromAnotherRun ? 0 : lastEventId;
      const missed: string[] = [];
      for (const e of this.ring) if (e.id > after && e.id <= sentUpTo && e.id >= oldest) missed.push(e.frame);
      if (missed.length > 0) res.write(missed.join(''));
    }
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    res.on('close', drop);
    res.on('error', drop);
  }

  /** Ends every stream (the server is closing) and stops listening to the bus. */
  close(): void {
    this.unsubscribe();
    if (this.sendScheduled !== null) clearTimeout(this.sendScheduled);
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  /** The oldest id a client can resume from: the ring keeps up to twice its capacity between trims, but promises only its capacity. */
  private oldestKept(): number {
    const first = this.ring[0]?.id ?? this.nextId;
    return Math.max(first, this.nextId - this.capacity);
  }

  private broadcast(frame: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_UNREAD_BYTES) {
        // A client that does not read would hold memory without bound: it resumes with Last-Event-ID.
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  }
}
