// The internal event bus. Events are immutable facts (frozen); subscribers are called in
// order, each inside its own try/catch, so a failing journal writer or a broken notifier is
// logged and never stops trading.
import type { Advice, Candle, Fill, HaltLevel, Order, OrderStatus, Position } from './domain.ts';

export type EngineEvent =
  | { readonly type: 'candle'; readonly candle: Candle }
  | {
      readonly type: 'advice';
      readonly crewId: string;
      readonly adviceKey: string;
      readonly candleTime: number;
      readonly advice: Advice;
      readonly at: number;
    }
  | {
      readonly type: 'risk.denied';
      readonly crewId: string;
      readonly adviceKey: string;
      /** Short machine name of the rule: 'position-size', 'halt', 'drawdown', … */
      readonly rule: string;
      readonly reason: string;
      readonly at: number;
    }
  | { readonly type: 'order.created'; readonly order: Order }
  | {
      readonly type: 'order.updated';
      readonly order: Order;
      readonly from: OrderStatus;
      readonly reason: string;
    }
  | { readonly type: 'fill'; readonly crewId: string; readonly fill: Fill; readonly position: Position }
  | {
      readonly type: 'halt';
      readonly level: HaltLevel;
      readonly reason: string;
      readonly actor: string;
      readonly at: number;
    }
  | { readonly type: 'crew.paused'; readonly crewId: string; readonly reason: string; readonly at: number }
  | { readonly type: 'crew.resumed'; readonly crewId: string; readonly actor: string; readonly at: number }
  | {
      readonly type: 'equity';
      readonly at: number;
      readonly snapshots: readonly { readonly scope: string; readonly equity: string }[];
    }
  | { readonly type: 'error'; readonly source: string; readonly message: string; readonly at: number }
  | ExchangeTrouble;

/** What the exchange refused the desk for: an IP ban (418), a rate limit (429), a clock fault (-1021), a run of rejected orders. */
export type ExchangeTroubleKind = 'ban' | 'rate-limit' | 'clock' | 'rejections';

/**
 * An episode of exchange trouble, said once when it begins (again only if it gets worse) and once
 * when it ends. `refused` counts what was refused while it lasted (at `ended`: in all).
 */
export interface ExchangeTrouble {
  readonly type: 'exchange.trouble';
  readonly phase: 'began' | 'ended';
  readonly kind: ExchangeTroubleKind;
  readonly venue: string;
  /** The exchange's error code and HTTP status of the refusal that made (or worsened) the episode. */
  readonly code: number;
  readonly httpStatus: number;
  /** The exchange's own words for it. */
  readonly message: string;
  /** When the exchange said requests may go again (ban, rate limit); null when it did not say. */
  readonly until: number | null;
  readonly since: number;
  readonly refused: { readonly orders: number; readonly cancels: number; readonly reads: number };
  readonly at: number;
}

export type EventType = EngineEvent['type'];
export type EventOf<T extends EventType> = Extract<EngineEvent, { type: T }>;

type Handler = (event: EngineEvent) => void | Promise<void>;

export interface SubscriberErrorSink {
  (subscriber: string, event: EngineEvent, error: unknown): void;
}

interface Subscriber {
  readonly name: string;
  readonly types: ReadonlySet<EventType> | null;
  readonly handler: Handler;
  readonly deferred: boolean;
  active: boolean;
}

export interface SubscribeOptions {
  /** Deliver after the step that published (a batch per event-loop turn, in order) instead of
   * inside it: for notifiers, so that printing or queueing an alert never delays an order that the
   * same step is about to send. */
  readonly deferred?: boolean;
}

export class EventBus {
  private readonly subscribers: Subscriber[] = [];
  private candleSubscribers = 0;
  /** Facts waiting for deferred subscribers, in publish order. */
  private pending: { subscriber: Subscriber; fact: EngineEvent }[] = [];
  private flushScheduled = false;

  constructor(private readonly onSubscriberError: SubscriberErrorSink = () => {}) {}

  /** Subscribes to the given event types (all when `types` is omitted). Returns an unsubscribe function. */
  subscribe(name: string, handler: Handler, types?: readonly EventType[], options: SubscribeOptions = {}): () => void {
    const entry: Subscriber = { name, types: types ? new Set(types) : null, handler, deferred: options.deferred === true, active: true };
    this.subscribers.push(entry);
    if (!types || types.includes('candle')) this.candleSubscribers++;
    return () => {
      const i = this.subscribers.indexOf(entry);
      if (i >= 0) {
        entry.active = false;
        this.subscribers.splice(i, 1);
        if (!types || types.includes('candle')) this.candleSubscribers--;
      }
    };
  }

  /** Facts still waiting for deferred subscribers (notifiers): a producer that outruns them holds while this is over its bound. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Whether anyone listens to candles; the engine skips building candle events otherwise (hot path). */
  get wantsCandles(): boolean {
    return this.candleSubscribers > 0;
  }

  publish(event: EngineEvent): void {
    // Candles are frozen by their producers' contract (readonly) and not re-frozen here: they are the hot path.
    const fact = event.type === 'candle' ? event : Object.freeze(event);
    for (const s of this.subscribers) {
      if (s.types && !s.types.has(fact.type)) continue;
      if (s.deferred) {
        this.pending.push({ subscriber: s, fact });
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => this.flush());
        }
        continue;
      }
      this.deliver(s, fact);
    }
  }

  /** Delivers every fact still waiting for deferred subscribers, now (also at shutdown). */
  flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      for (const { subscriber, fact } of batch) if (subscriber.active) this.deliver(subscriber, fact);
    }
  }

  private deliver(s: Subscriber, fact: EngineEvent): void {
    try {
      const result = s.handler(fact);
      if (result && typeof (result as Promise<void>).catch === 'function') {
        (result as Promise<void>).catch((error: unknown) => this.onSubscriberError(s.name, fact, error));
      }
    } catch (error) {
      this.onSubscriberError(s.name, fact, error);
    }
  }
}
