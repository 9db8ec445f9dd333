// Prints what the desk does, as it happens, one line per fact: advice, denials, orders, fills,
// halts. The console transport and `crewdesk start` without Discord use it.
import { actorName, type EngineEvent, type EventType, type ExitKind, scopeKey, scopeName } from '../core/events.ts';
import type { Notifier } from '../ports/notifier.ts';
import { describeTrouble } from '../chat/trouble-text.ts';

export class ConsoleNotifier implements Notifier {
  readonly name = 'console';
  readonly types = DESCRIBED_EVENTS;
  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly timeOf: (event: EngineEvent) => number | undefined = eventTime,
  ) {}

  /** The last denial printed per scope: the same refusal on every candle is said once, not every minute. */
  private readonly lastDenial = new Map<string, string>();

  notify(event: EngineEvent): void {
    if (event.type === 'risk.denied') {
      const key = scopeKey(event.scope);
      if (this.lastDenial.get(key) === event.rule) return;
      this.lastDenial.set(key, event.rule);
    } else if (event.type === 'order.created') {
      this.lastDenial.delete(scopeKey({ kind: 'crew', crewId: event.order.crewId }));
    } else if (event.type === 'halt') {
      this.lastDenial.clear();
    }
    const line = describeEvent(event);
    if (!line) return;
    const t = this.timeOf(event);
    this.write(t === undefined ? line : `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')}  ${line}`);
  }
}

function eventTime(event: EngineEvent): number | undefined {
  switch (event.type) {
    case 'fill':
      return event.fill.time;
    case 'order.created':
    case 'order.updated':
      return event.order.updatedAt;
    case 'candle':
      return event.candle.closeTime;
    case 'equity':
    case 'advice':
    case 'risk.denied':
    case 'halt':
    case 'crew.paused':
    case 'crew.resumed':
    case 'error':
    case 'exchange.trouble':
      return event.at;
  }
}

/** Whether describeEvent has a line for each type (a Record: a new event type must be decided here). */
const DESCRIBED: Readonly<Record<EventType, boolean>> = {
  candle: false,
  equity: false,
  advice: true,
  'risk.denied': true,
  'order.created': true,
  'order.updated': true,
  fill: true,
  halt: true,
  'crew.paused': true,
  'crew.resumed': true,
  error: true,
  'exchange.trouble': true,
};

/** The events worth subscribing to for a line: never candles, so the engine builds no candle events for them. */
export const DESCRIBED_EVENTS: readonly EventType[] = (Object.keys(DESCRIBED) as EventType[]).filter((type) => DESCRIBED[type]);

/** One human line for an event, or null for events not worth a line (candles, equity, progress). */
export function describeEvent(event: EngineEvent): string | null {
  switch (event.type) {
    case 'advice':
      return `advice  ${event.crewId}: ${event.advice.action} ${Math.round(event.advice.size * 100)}%${exitTag(event.exit)} — ${event.advice.reason}`;
    case 'risk.denied':
      return `denied  ${scopeName(event.scope)}: [${event.rule}] ${event.reason} (repeats are not shown until the crew next trades)`;
    case 'order.created': {
      const o = event.order;
      const amount = o.quantity ? `${o.quantity} ${o.symbol}` : `${o.quoteQuantity} quote of ${o.symbol}`;
      return `order   ${o.crewId}: ${o.side} ${o.type} ${amount}${o.price ? ` @ ${o.price}` : ''}${exitTag(event.exit)} (${o.clientOrderId})`;
    }
    case 'order.updated':
      // A fill's own line says it; an acknowledgement is routine.
      if (event.fillTradeId !== null || event.order.status === 'submitted') return null;
      return `order   ${event.order.crewId}: ${event.order.clientOrderId} ${event.from} → ${event.order.status} (${event.reason})`;
    case 'fill': {
      const f = event.fill;
      return `fill    ${event.crewId}: ${f.side} ${f.quantity} ${f.symbol} @ ${f.price} fee ${f.fee} ${f.feeAsset} → cash ${event.position.cash.round(2)}, holding ${event.position.quantity}`;
    }
    case 'halt':
      return event.level === 'none' ? `RESUMED by ${actorName(event.actor)}` : `HALT (${event.level}) by ${actorName(event.actor)}: ${event.reason}`;
    case 'crew.paused':
      return `paused  ${event.crewId}: ${event.reason} (by ${actorName(event.actor)})`;
    case 'crew.resumed':
      return `resumed ${event.crewId} by ${actorName(event.actor)}`;
    case 'error':
      return `error   [${event.source}] ${event.message}`;
    case 'exchange.trouble':
      return `exchange ${describeTrouble(event)}`;
    case 'candle':
    case 'equity':
      return null;
  }
}

/** Which exit sent a sell, when it was not the crew's own advice: " [stop-loss]", " [flatten]", … */
function exitTag(exit: ExitKind | null): string {
  return exit === null || exit === 'crew' ? '' : ` [${exit}]`;
}
