// Prints what the desk does, as it happens, one line per fact: advice, denials, orders, fills,
// halts. The console transport and `crewdesk start` without Discord use it. How much it says is
// the config's console level; repeats are folded (line-folder.ts); numbers read one way per kind
// (core/format.ts) and times are in the desk's time zone.
import { actorName, type EngineEvent, type EventType, type ExitKind, scopeKey, scopeName } from '../core/events.ts';
import { describeTrouble } from '../chat/trouble-text.ts';
import type { SymbolFilters } from '../core/domain.ts';
import { formatPrice, formatQty, formatQuote, formatTime } from '../core/format.ts';
import { plainText } from '../core/plain-text.ts';
import type { Notifier } from '../ports/notifier.ts';
import { type ConsoleLevel, shownAt } from './console-settings.ts';
import { LineFolder } from './line-folder.ts';

export interface ConsoleNotifierOptions {
  /** quiet, normal (default) or verbose: see console-settings.ts. */
  readonly level?: ConsoleLevel;
  /** The desk's time zone (default UTC). */
  readonly timeZone?: string;
  /** Market minutes within which a repeat is folded (default a day). */
  readonly foldMinutes?: number;
  /** A symbol's filters, for prices to its tick and quantities to its step (default: as the exchange gave them). */
  readonly filtersOf?: (symbol: string) => SymbolFilters | undefined;
}

export class ConsoleNotifier implements Notifier {
  readonly name = 'console';
  readonly types = DESCRIBED_EVENTS;
  private readonly level: ConsoleLevel;
  private readonly timeZone: string;
  private readonly folder: LineFolder;
  private readonly format: EventFormat;

  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly timeOf: (event: EngineEvent) => number | undefined = eventTime,
    options: ConsoleNotifierOptions = {},
  ) {
    this.level = options.level ?? 'normal';
    this.timeZone = options.timeZone ?? 'UTC';
    this.folder = new LineFolder((options.foldMinutes ?? 24 * 60) * 60_000, (ms) => formatTime(ms, this.timeZone));
    this.format = { ...(options.filtersOf ? { filtersOf: options.filtersOf } : {}) };
  }

  notify(event: EngineEvent): void {
    if (!shownAt(this.level, event)) return;
    const line = describeEvent(event, this.format);
    if (!line) return;
    const t = this.timeOf(event);
    const text = t === undefined ? line : `${formatTime(t, this.timeZone)}  ${line}`;
    if (this.level === 'verbose') return this.print(text);
    if (event.type === 'halt') {
      // After a halt or a resume everything is news again: say what was folded, then start afresh.
      for (const summary of this.folder.flush()) this.print(summary);
      return this.print(text);
    }
    const shape = foldShape(event, line);
    const shown = shape === null ? text : this.folder.offer({ shape, text, at: t });
    if (shown !== null) this.print(shown);
  }

  /** Says what is still folded (at shutdown). */
  flush(): void {
    for (const summary of this.folder.flush()) this.print(summary);
  }

  private print(text: string): void {
    // Reasons and messages come from crews, the exchange and the model: no control sequences reach the terminal.
    this.write(plainText(text));
  }
}

/** Which lines fold, and what makes two of them the same: advice by its whole text, a denial by its crew and rule. */
function foldShape(event: EngineEvent, line: string): string | null {
  switch (event.type) {
    case 'advice':
      return `advice\u0000${event.crewId}\u0000${line}`;
    case 'risk.denied':
      return `denied\u0000${scopeKey(event.scope)}\u0000${event.rule}`;
    default:
      return null;
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

/** What describeEvent may know beyond the event: a symbol's filters, for prices to its tick and quantities to its step. */
export interface EventFormat {
  readonly filtersOf?: (symbol: string) => SymbolFilters | undefined;
}

/** One human line for an event, or null for events not worth a line (candles, equity, progress). */
export function describeEvent(event: EngineEvent, format: EventFormat = {}): string | null {
  const filters = (symbol: string) => format.filtersOf?.(symbol);
  const price = (symbol: string, value: { toString(): string }) => {
    const f = filters(symbol);
    return f ? formatPrice(value.toString(), f.tickSize) : value.toString();
  };
  const qty = (symbol: string, value: { toString(): string }) => {
    const f = filters(symbol);
    return f ? formatQty(value.toString(), f.stepSize) : value.toString();
  };
  switch (event.type) {
    case 'advice':
      return `advice  ${event.crewId}: ${event.advice.action} ${Math.round(event.advice.size * 100)}%${exitTag(event.exit)} — ${event.advice.reason}`;
    case 'risk.denied':
      return `denied  ${scopeName(event.scope)}: [${event.rule}] ${event.reason}`;
    case 'order.created': {
      const o = event.order;
      const amount = o.quantity ? `${qty(o.symbol, o.quantity)} ${o.symbol}` : `${formatQuote(o.quoteQuantity?.toString() ?? '0')} quote of ${o.symbol}`;
      return `order   ${o.crewId}: ${o.side} ${o.type} ${amount}${o.price ? ` @ ${price(o.symbol, o.price)}` : ''}${exitTag(event.exit)} (${o.clientOrderId})`;
    }
    case 'order.updated':
      // A fill's own line says it; an acknowledgement is routine.
      if (event.fillTradeId !== null || event.order.status === 'submitted') return null;
      return `order   ${event.order.crewId}: ${event.order.clientOrderId} ${event.from} → ${event.order.status} (${event.reason})`;
    case 'fill': {
      const f = event.fill;
      // A fee in the quote asset is a quote amount (to cents); in the base asset or BNB it stays exact.
      const fee = f.feeAsset === filters(f.symbol)?.quoteAsset ? formatQuote(f.fee.toString()) : f.fee.toString();
      return `fill    ${event.crewId}: ${f.side} ${qty(f.symbol, f.quantity)} ${f.symbol} @ ${price(f.symbol, f.price)} fee ${fee} ${f.feeAsset} → cash ${formatQuote(event.position.cash)}, holding ${qty(f.symbol, event.position.quantity)}`;
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
