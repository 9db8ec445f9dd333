// The risk gate: every advice passes here before it becomes an order. It sizes the order
// exactly (rounded to the symbol's step and tick), checks it against the hard limits and
// Binance's filters, and holds the halt state. A denial is a verdict with a rule and a reason.
// Its rules are one ordered list (GATE_RULES, then the exposure caps while sizing); the monitors
// that react to equity (drawdown, daily loss) live beside it in ./monitors.ts.
import type { Advice, HaltLevel, HaltState, OrderSide, OrderType, SymbolFilters } from '../core/domain.ts';
import type { RiskRule } from '../core/events.ts';
import { checkFilters, quantityFor, quoteOver, roundPrice, roundQuantity } from '../core/filters.ts';
import { type Decimal, bps, dec, minDec, ONE, ZERO } from '../core/money.ts';
import type { BookView, ExitKind } from '../ports/book-view.ts';
import type { RiskLimits } from './limits.ts';

export interface SizedOrder {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity?: Decimal;
  readonly quoteQuantity?: Decimal;
  readonly price?: Decimal;
  /** Quote (BUY) or base (SELL) this order sets aside in the crew's book until it ends. */
  readonly reserveQuote: Decimal;
  readonly reserveQty: Decimal;
  /** Set when a limit cut the advised size down. */
  readonly note?: string;
}

export type Verdict = { readonly ok: true; readonly order: SizedOrder } | { readonly ok: false; readonly rule: RiskRule; readonly reason: string };

/** The rules are one list, in core: the facts a denial becomes carry the same type. */
export type { RiskRule };

/** What the gate needs to know about the desk at the moment of a decision. */
export interface GateContext {
  readonly book: BookView;
  readonly crewCapital: Decimal;
  readonly crewPaused: boolean;
  readonly filters: SymbolFilters;
  /** Last price of the symbol (the candle's close). */
  readonly price: number;
  readonly teamCapital: Decimal;
  /** Team exposure (positions at the last price + pending buys), quote. */
  readonly teamExposure: number;
  readonly totalExposure: number;
  readonly now: number;
  /**
   * Exits (stop-loss, take-profit, trailing, max-holding, the owner's flatten) skip the entry rules
   * and pass every halt level — a halt never strips a position of its protective exits — but not
   * rates (flatten excepted) or filters.
   */
  readonly isExit: boolean;
  /** Which exit, when `isExit`. */
  readonly exit?: ExitKind;
}

const HALT_ORDER: Record<HaltLevel, number> = { none: 0, entries: 1, cancel: 2, flatten: 3 };

export function haltAtLeast(state: HaltState, level: HaltLevel): boolean {
  return HALT_ORDER[state.level] >= HALT_ORDER[level];
}

const MINUTE = 60_000;

export class RiskGate {
  private haltState: HaltState = { level: 'none', reason: '', actor: '', since: null };
  private readonly orderTimes = new Map<string, number[]>();
  private readonly allOrderTimes: number[] = [];
  private readonly stopLossAt = new Map<string, number>();
  /** UTC day (ms at 00:00) whose daily loss limit was hit, or null. */
  private dailyLossDay: number | null = null;
  private readonly onePlusFee: Decimal;
  /** The limits that size orders, as Decimals: converted once, not per advice. */
  private exact: ExactLimits;

  constructor(
    private limitsValue: RiskLimits,
    feeBps: number,
  ) {
    this.onePlusFee = ONE.plus(bps(feeBps));
    this.exact = exactLimits(limitsValue);
  }

  get limits(): RiskLimits {
    return this.limitsValue;
  }

  setLimits(limits: RiskLimits): void {
    this.limitsValue = limits;
    this.exact = exactLimits(limits);
  }

  get halt(): HaltState {
    return this.haltState;
  }

  setHalt(state: HaltState): void {
    this.haltState = state;
  }

  /** Records that today's loss limit was reached: entries are refused until the next UTC day. */
  blockEntriesForDay(now: number): void {
    this.dailyLossDay = utcDay(now);
  }

  entriesBlockedForDay(now: number): boolean {
    return this.dailyLossDay !== null && this.dailyLossDay === utcDay(now);
  }

  noteOrderSent(crewId: string, now: number): void {
    let times = this.orderTimes.get(crewId);
    if (!times) this.orderTimes.set(crewId, (times = []));
    times.push(now);
    this.allOrderTimes.push(now);
  }

  noteStopLoss(crewId: string, now: number): void {
    this.stopLossAt.set(crewId, now);
  }

  check(advice: Exclude<Advice, { action: 'hold' }>, ctx: GateContext): Verdict {
    for (const { rule, problem } of GATE_RULES) {
      const reason = problem(this, advice, ctx);
      if (reason !== null) return deny(rule, reason);
    }
    return advice.action === 'buy' ? this.sizeBuy(advice, ctx) : this.sizeSell(advice, ctx);
  }

  /** Why the halt refuses this order, or null. Entries stop at `entries`; a crew's own sells at
   * `cancel`; exits (stop-loss, trailing, max-holding, take-profit, flatten) pass at every level. */
  haltProblem(advice: Exclude<Advice, { action: 'hold' }>, ctx: GateContext): string | null {
    const level = this.haltState.level;
    if (level === 'none' || (ctx.isExit && advice.action === 'sell')) return null;
    if (!haltAtLeast(this.haltState, advice.action === 'buy' ? 'entries' : 'cancel')) return null;
    return `trading is halted (${level}): ${this.haltState.reason || 'no reason given'}`;
  }

  dailyLossProblem(ctx: GateContext): string | null {
    if (!this.entriesBlockedForDay(ctx.now)) return null;
    return `the daily loss limit (${this.limits.dailyLossLimitQuote} quote) was reached today; entries resume tomorrow (UTC)`;
  }

  cooldownProblem(ctx: GateContext): string | null {
    const slAt = this.stopLossAt.get(ctx.book.crewId);
    const coolMs = this.limits.stopLossCooldownMinutes * MINUTE;
    if (slAt === undefined || ctx.now - slAt >= coolMs) return null;
    return `cooling down after a stop-loss: ${Math.ceil((coolMs - (ctx.now - slAt)) / MINUTE)} more minute(s)`;
  }

  /** The UTC day whose entries are blocked by the daily loss limit (persisted by the monitors), or null. */
  get blockedDay(): number | null {
    return this.dailyLossDay;
  }

  private sizeBuy(advice: Extract<Advice, { action: 'buy' }>, ctx: GateContext): Verdict {
    const { book, filters } = ctx;
    const limits = this.exact;
    const price = dec(ctx.price);
    const wanted = book.freeCash.times(dec(clampFraction(advice.size)));
    if (wanted.lte(0)) return deny('insufficient-cash', `the crew has no free cash (cash ${book.cash}, reserved ${book.reserved})`);

    // Headroom under each exposure limit, in quote, in turn: none left for a minimum order denies,
    // less than wanted cuts the order to it. (Texts are made only for a denial or a cut: this runs
    // for every entry.)
    const caps: Caps = {
      heldNotional: book.quantity.times(price).plus(book.reserved),
      positionCap: minDec(ctx.crewCapital.times(limits.positionFraction), limits.positionQuote),
      teamCap: ctx.teamCapital.times(limits.teamFraction),
    };
    let spend = wanted;
    let cutBy: RiskRule | null = null;
    for (const rule of CAP_RULES) {
      const headroom = this.headroom(rule, caps, ctx);
      if (headroom.lt(filters.minNotional)) return deny(rule, `${this.capText(rule, caps, ctx)}: no room for a new entry`);
      if (headroom.lt(spend)) {
        spend = headroom;
        cutBy = rule;
      }
    }
    const note = cutBy === null ? undefined : `cut to ${this.capText(cutBy, caps, ctx)}`;

    // Each order is built whole (a spread of objects of other shapes costs ~1 µs here); the note only on a cut.
    const onePlusFee = this.onePlusFee;
    if (advice.limitPrice !== undefined) {
      const limitPrice = roundPrice(filters, dec(advice.limitPrice));
      const quantity = quantityFor(filters, spend, limitPrice.times(onePlusFee), false);
      const order: SizedOrder = {
        symbol: filters.symbol,
        side: 'BUY',
        type: 'LIMIT',
        quantity,
        price: limitPrice,
        reserveQuote: quantity.times(limitPrice).times(onePlusFee),
        reserveQty: ZERO,
      };
      const violation = checkFilters(filters, order, price);
      if (violation) return deny('filters', `Filter failure: ${violation.filter} (${violation.detail})`);
      return ok(note ? { ...order, note } : order);
    }
    // MARKET buys spend a quote amount (Binance's quoteOrderQty): quantity = spend / (fill price × (1 + fee)),
    // rounded down to the step by the exchange at the fill price, so the cost never exceeds what was set aside.
    const quoteQuantity = quoteOver(filters, spend, onePlusFee);
    const order: SizedOrder = { symbol: filters.symbol, side: 'BUY', type: 'MARKET', quoteQuantity, reserveQuote: spend, reserveQty: ZERO };
    const violation = checkFilters(filters, order, price);
    if (violation) return deny('filters', `Filter failure: ${violation.filter} (${violation.detail})`);
    const estQty = quantityFor(filters, quoteQuantity, price, true);
    if (estQty.lt(filters.marketMinQty)) {
      return deny('filters', `Filter failure: MARKET_LOT_SIZE (about ${estQty} below minQty ${filters.marketMinQty})`);
    }
    return ok(note ? { ...order, note } : order);
  }

  /** Quote still free under one exposure limit. (The exposures are converted only when reached.) */
  private headroom(rule: CapRule, caps: Caps, ctx: GateContext): Decimal {
    if (rule === 'position-size') return caps.positionCap.minus(caps.heldNotional);
    if (rule === 'team-exposure') return caps.teamCap.minus(dec(ctx.teamExposure));
    return this.exact.totalQuote.minus(dec(ctx.totalExposure));
  }

  /** What a limit is and how much of it is used, for a denial or a cut. */
  private capText(rule: CapRule, caps: Caps, ctx: GateContext): string {
    if (rule === 'position-size') return `position limit ${caps.positionCap} quote (held ${caps.heldNotional.round(2)})`;
    if (rule === 'team-exposure') return `team exposure limit ${caps.teamCap} quote (exposed ${ctx.teamExposure.toFixed(2)})`;
    return `total exposure limit ${this.limits.maxTotalExposureQuote} quote (exposed ${ctx.totalExposure.toFixed(2)})`;
  }

  private sizeSell(advice: Extract<Advice, { action: 'sell' }>, ctx: GateContext): Verdict {
    const { book, filters } = ctx;
    const free = book.freeQuantity;
    if (free.lte(0)) return deny('no-position', 'nothing to sell');
    const fraction = clampFraction(advice.size);
    const market = advice.limitPrice === undefined;
    const quantity = fraction >= 1 ? roundQuantity(filters, free, market) : roundQuantity(filters, free.times(dec(fraction)), market);
    // The order as sent, built whole (as for a buy).
    const order: SizedOrder = market
      ? { symbol: filters.symbol, side: 'SELL', type: 'MARKET', quantity, reserveQuote: ZERO, reserveQty: quantity }
      : {
          symbol: filters.symbol,
          side: 'SELL',
          type: 'LIMIT',
          quantity,
          price: roundPrice(filters, dec(advice.limitPrice!)),
          reserveQuote: ZERO,
          reserveQty: quantity,
        };
    const violation = checkFilters(filters, order, dec(ctx.price));
    if (violation) return deny('filters', `Filter failure: ${violation.filter} (${violation.detail})`);
    return ok(order);
  }

  rateProblem(crewId: string, now: number): string | null {
    const since = now - MINUTE;
    const mine = this.orderTimes.get(crewId);
    if (mine) {
      prune(mine, since);
      if (mine.length >= this.limits.maxOrdersPerMinutePerCrew) {
        return `the crew sent ${mine.length} orders in the last minute (limit ${this.limits.maxOrdersPerMinutePerCrew})`;
      }
    }
    prune(this.allOrderTimes, since);
    if (this.allOrderTimes.length >= this.limits.maxOrdersPerMinute) {
      return `${this.allOrderTimes.length} orders in the last minute across all crews (limit ${this.limits.maxOrdersPerMinute})`;
    }
    return null;
  }
}

type Order = Exclude<Advice, { action: 'hold' }>;

/** An entry: a buy that is not an exit. The entry rules apply to it alone. */
function isEntry(advice: Order, ctx: GateContext): boolean {
  return advice.action === 'buy' && !ctx.isExit;
}

/**
 * The gate's rules, in the order they are checked; the first that has a reason denies. Sizing then
 * applies the exposure caps (CAP_RULES), the cash and position checks and Binance's filters.
 */
export const GATE_RULES: readonly { readonly rule: RiskRule; readonly problem: (gate: RiskGate, advice: Order, ctx: GateContext) => string | null }[] = [
  { rule: 'halt', problem: (gate, advice, ctx) => gate.haltProblem(advice, ctx) },
  { rule: 'crew-paused', problem: (_gate, advice, ctx) => (isEntry(advice, ctx) && ctx.crewPaused ? 'the crew is paused' : null) },
  { rule: 'daily-loss', problem: (gate, advice, ctx) => (isEntry(advice, ctx) ? gate.dailyLossProblem(ctx) : null) },
  { rule: 'cooldown', problem: (gate, advice, ctx) => (isEntry(advice, ctx) ? gate.cooldownProblem(ctx) : null) },
  // The owner's flatten is not held back by the order rate: every position must go, whatever was sent this minute.
  { rule: 'order-rate', problem: (gate, _advice, ctx) => (ctx.exit === 'flatten' ? null : gate.rateProblem(ctx.book.crewId, ctx.now)) },
  { rule: 'no-price', problem: (_gate, _advice, ctx) => (ctx.price > 0 ? null : `no price for ${ctx.filters.symbol} yet`) },
];

/** The exposure limits an entry is sized under, in the order they are checked. */
const CAP_RULES = ['position-size', 'team-exposure', 'total-exposure'] as const;
type CapRule = (typeof CAP_RULES)[number];

/** What one entry's exposure limits are measured against. */
interface Caps {
  readonly heldNotional: Decimal;
  readonly positionCap: Decimal;
  readonly teamCap: Decimal;
}

interface ExactLimits {
  readonly positionFraction: Decimal;
  readonly positionQuote: Decimal;
  readonly teamFraction: Decimal;
  readonly totalQuote: Decimal;
}

function exactLimits(limits: RiskLimits): ExactLimits {
  return {
    positionFraction: dec(limits.maxPositionFraction),
    positionQuote: dec(limits.maxPositionQuote),
    teamFraction: dec(limits.maxTeamExposureFraction),
    totalQuote: dec(limits.maxTotalExposureQuote),
  };
}

function ok(order: SizedOrder): Verdict {
  return { ok: true, order };
}

function deny(rule: RiskRule, reason: string): Verdict {
  return { ok: false, rule, reason };
}

function clampFraction(size: number): number {
  return Number.isFinite(size) ? Math.min(1, Math.max(0, size)) : 0;
}

function prune(times: number[], since: number): void {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= since) drop++;
  if (drop > 0) times.splice(0, drop);
}

export function utcDay(time: number): number {
  return time - (time % 86_400_000);
}
