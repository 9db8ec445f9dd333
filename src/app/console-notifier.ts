// Prints what the desk does, as it happens, one line per fact: advice, denials, orders, fills,
// halts. The console transport and `crewdesk start` without Discord use it.
import type { EngineEvent, EventType } from '../core/events.ts';
import type { Notifier } from '../ports/notifier.ts';
import { plainText } from '../core/plain-text.ts';

export class ConsoleNotifier implements Notifier {
  readonly name = 'console';
  readonly types = DESCRIBED_EVENTS;
  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly timeOf: (event: EngineEvent) => number | undefined = eventTime,
  ) {}

  /** The last denial printed per crew: the same refusal on every candle is said once, not every minute. */
  private readonly lastDenial = new Map<string, string>();

  notify(event: EngineEvent): void {
    if (event.type === 'risk.denied') {
      if (this.lastDenial.get(event.crewId) === event.rule) return;
      this.lastDenial.set(event.crewId, event.rule);
    } else if (event.type === 'order.created') {
      this.lastDenial.delete(event.order.crewId);
    } else if (event.type === 'halt') {
      this.lastDenial.clear();
    }
    const line = describeEvent(event);
    if (!line) return;
    const t = this.timeOf(event);
    // Reasons and messages come from crews, the exchange and the model: no control sequences reach the terminal.
    this.write(plainText(t === undefined ? line : `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')}  ${line}`));
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
};

/** The events worth subscribing to for a line: never candles, so the engine builds no candle events for them. */
export const DESCRIBED_EVENTS: readonly EventType[] = (Object.keys(DESCRIBED) as EventType[]).filter((type) => DESCRIBED[type]);

/** One human line for an event, or null for events not worth a line (candles, equity, progress). */
export function describeEvent(event: EngineEvent): string | null {
  switch (event.type) {
    case 'advice':
      return event.advice.action === 'hold' ? null : `advice  ${event.crewId}: ${event.advice.action} ${Math.round(event.advice.size * 100)}% — ${event.advice.reason}`;
    case 'risk.denied':
      return `denied  ${event.crewId}: [${event.rule}] ${event.reason} (repeats are not shown until the crew next trades)`;
    case 'order.created': {
      const o = event.order;
      const amount = o.quantity ? `${o.quantity} ${o.symbol}` : `${o.quoteQuantity} quote of ${o.symbol}`;
      return `order   ${o.crewId}: ${o.side} ${o.type} ${amount}${o.price ? ` @ ${o.price}` : ''} (${o.clientOrderId})`;
    }
    case 'order.updated':
      if (event.reason === 'fill' || event.order.status === 'submitted') return null;
      return `order   ${event.order.crewId}: ${event.order.clientOrderId} ${event.from} → ${event.order.status} (${event.reason})`;
    case 'fill': {
      const f = event.fill;
      return `fill    ${event.crewId}: ${f.side} ${f.quantity} ${f.symbol} @ ${f.price} fee ${f.fee} ${f.feeAsset} → cash ${event.position.cash.round(2)}, holding ${event.position.quantity}`;
    }
    case 'halt':
      return event.level === 'none' ? `RESUMED by ${event.actor}` : `HALT (${event.level}) by ${event.actor}: ${event.reason}`;
    case 'crew.paused':
      return `paused  ${event.crewId}: ${event.reason}`;
    case 'crew.resumed':
      return `resumed ${event.crewId} by ${event.actor}`;
    case 'error':
      return `error   [${event.source}] ${event.message}`;
    case 'candle':
    case 'equity':
      return null;
  }
}
