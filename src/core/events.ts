// The internal event bus. Events are immutable facts (frozen) that carry who, why and which rule
// as typed fields — never prose to be parsed back. The journal is the bus's recorder: it hears
// each fact first, synchronously, so a fact any other subscriber sees is already journaled. The
// other subscribers are called in order, each inside its own try/catch, so a broken notifier is
// logged and never stops trading.
import type { Advice, Candle, Fill, HaltLevel, Order, OrderStatus, Position } from './domain.ts';

/** Every rule the risk side decides by: the gate's checks and the monitors' limits. */
export type RiskRule =
  | 'halt'
  | 'crew-paused'
  | 'daily-loss'
  | 'cooldown'
  | 'order-rate'
  | 'position-size'
  | 'team-exposure'
  | 'total-exposure'
  | 'insufficient-cash'
  | 'no-position'
  | 'filters'
  | 'no-price'
  | 'crew-drawdown'
  | 'total-drawdown';

/** Who made a fact happen: an owner (a Discord user id, `console`, `cli`), the manager, a risk rule
 * (and which), or the engine itself (a crew whose handler threw). */
export type FactActor =
  | { readonly kind: 'owner'; readonly id: string }
  | { readonly kind: 'manager' }
  | { readonly kind: 'risk'; readonly rule: RiskRule }
  | { readonly kind: 'engine' }
  /** The journal's fail-stop: it could not write, so entries halted. */
  | { readonly kind: 'journal' };

/** What a fact concerns: one crew, one team, or the whole desk. */
export type FactScope = { readonly kind: 'crew'; readonly crewId: string } | { readonly kind: 'team'; readonly team: string } | { readonly kind: 'desk' };

/** Why a position is sold: one of the template's exits, the crew's own advice, or a flatten halt. */
export type ExitKind = 'stop-loss' | 'take-profit' | 'trailing-stop' | 'max-holding' | 'crew' | 'flatten';

/** An advice that trades (not a hold). */
export type TradeAdvice = Exclude<Advice, { action: 'hold' }>;

export const ENGINE_ACTOR: FactActor = Object.freeze({ kind: 'engine' });
export const JOURNAL_ACTOR: FactActor = Object.freeze({ kind: 'journal' });
export const MANAGER_FACT_ACTOR: FactActor = Object.freeze({ kind: 'manager' });
export const DESK_SCOPE: FactScope = Object.freeze({ kind: 'desk' });

export function ownerActor(id: string): FactActor {
  return { kind: 'owner', id };
}

export function riskActor(rule: RiskRule): FactActor {
  return { kind: 'risk', rule };
}

export function crewScope(crewId: string): FactScope {
  return { kind: 'crew', crewId };
}

/** The actor's name as people read it and as the journal's text columns store it. */
export function actorName(actor: FactActor): string {
  return actor.kind === 'owner' ? actor.id : actor.kind;
}

/** The risk monitors and the engine act on their own; an owner or the manager was asked to. */
export function actedAlone(actor: FactActor): boolean {
  return actor.kind === 'risk' || actor.kind === 'engine' || actor.kind === 'journal';
}

/** A key per scope (`crew:<id>`, `team:<name>`, `total`): the journal's equity scope, a map key. Never parsed back. */
export function scopeKey(scope: FactScope): string {
  return scope.kind === 'crew' ? `crew:${scope.crewId}` : scope.kind === 'team' ? `team:${scope.team}` : 'total';
}

/** The scope as people read it. */
export function scopeName(scope: FactScope): string {
  return scope.kind === 'crew' ? scope.crewId : scope.kind === 'team' ? `team ${scope.team}` : 'all crews';
}

export type EngineEvent =
  | { readonly type: 'candle'; readonly candle: Candle }
  | {
      readonly type: 'advice';
      readonly crewId: string;
      readonly adviceKey: string;
      readonly candleTime: number;
      readonly advice: TradeAdvice;
      /** Null for an entry (a buy); for a sell, which exit decided it. */
      readonly exit: ExitKind | null;
      readonly at: number;
    }
  | {
      readonly type: 'risk.denied';
      /** A crew's advice refused, or a limit reached for a team or the whole desk. */
      readonly scope: FactScope;
      /** The refused advice (crew scope), else null. */
      readonly adviceKey: string | null;
      readonly advice: TradeAdvice | null;
      readonly rule: RiskRule;
      readonly reason: string;
      readonly at: number;
    }
  | {
      readonly type: 'order.created';
      readonly order: Order;
      /** Null for an entry (a buy); for a sell, which exit sent it. */
      readonly exit: ExitKind | null;
    }
  | {
      readonly type: 'order.updated';
      readonly order: Order;
      readonly from: OrderStatus;
      readonly reason: string;
      /** The trade id of the fill that moved it (journaled with that fill), or null. */
      readonly fillTradeId: string | null;
    }
  | {
      readonly type: 'fill';
      readonly crewId: string;
      readonly fill: Fill;
      readonly position: Position;
      /** The order after this fill, and its status before it. */
      readonly order: Order;
      readonly from: OrderStatus;
    }
  | {
      readonly type: 'halt';
      readonly level: HaltLevel;
      readonly reason: string;
      readonly actor: FactActor;
      /** The interface it came through (discord, console, manager, engine, …), for the audit. */
      readonly via: string;
      readonly at: number;
    }
  | { readonly type: 'crew.paused'; readonly crewId: string; readonly reason: string; readonly actor: FactActor; readonly at: number }
  | { readonly type: 'crew.resumed'; readonly crewId: string; readonly actor: FactActor; readonly at: number }
  | {
      readonly type: 'equity';
      readonly at: number;
      readonly snapshots: readonly { readonly scope: FactScope; readonly equity: string }[];
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

/** The recorder's answer to a fact: nothing (written already), or the write still under way. */
export type Recorded = void | Promise<void>;

export type SubscriberErrorSink = (subscriber: string, event: EngineEvent, error: unknown) => void;

interface Subscriber {
  readonly name: string;
  readonly types: ReadonlySet<EventType> | null;
  readonly handler: Handler;
  readonly deferred: boolean;
  active: boolean;
}

interface Recorder {
  readonly name: string;
  readonly handler: (event: EngineEvent) => Recorded;
}

export interface SubscribeOptions {
  /** Deliver after the step that published (a batch per event-loop turn, in order) instead of
   * inside it: for notifiers, so that printing or queueing an alert never delays an order that the
   * same step is about to send. */
  readonly deferred?: boolean;
}

export class EventBus {
  private readonly subscribers: Subscriber[] = [];
  private recorder: Recorder | null = null;
  private candleSubscribers = 0;
  /** Facts waiting for deferred subscribers, in publish order. */
  private pending: { subscriber: Subscriber; fact: EngineEvent }[] = [];
  private flushScheduled = false;

  constructor(private readonly onSubscriberError: SubscriberErrorSink = () => {}) {}

  /**
   * Sets the recorder (the journal): it hears every fact but candles before any subscriber, in the
   * publishing step, and what it returns (a write still under way) is what publish() returns, so a
   * publisher that must wait for the write can. One recorder per bus. Returns a detach function.
   */
  record(name: string, handler: (event: EngineEvent) => Recorded): () => void {
    if (this.recorder) throw new Error(`the bus has a recorder already ("${this.recorder.name}")`);
    const entry: Recorder = { name, handler };
    this.recorder = entry;
    return () => {
      if (this.recorder === entry) this.recorder = null;
    };
  }

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

  /**
   * Records the fact, then delivers it. Returns the recorder's write when it is still under way (a
   * failure of it is reported here too); a publisher that does not wait for it may ignore it.
   */
  publish(event: EngineEvent): Recorded {
    // Candles are frozen by their producers' contract (readonly) and not re-frozen here: they are the
    // hot path, and not journaled.
    const fact = event.type === 'candle' ? event : Object.freeze(event);
    const recorded = fact.type === 'candle' ? undefined : this.recordFact(fact);
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
    return recorded;
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

  private recordFact(fact: EngineEvent): Recorded {
    const recorder = this.recorder;
    if (!recorder) return undefined;
    try {
      const result = recorder.handler(fact);
      if (result && typeof (result as Promise<void>).catch === 'function') {
        // Reported here (and handled, so never an unhandled rejection); the promise is handed back as
        // it is, so a publisher awaiting it hears of the failure too.
        (result as Promise<void>).catch((error: unknown) => this.onSubscriberError(recorder.name, fact, error));
        return result;
      }
    } catch (error) {
      this.onSubscriberError(recorder.name, fact, error);
    }
    return undefined;
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
