// Where each crew's orders go. A desk has one market data feed and up to two venues side by side:
// `exchange` (the venue of the desk's mode: Binance Spot testnet or live, or the paper exchange in
// a paper desk) and `paper` (an in-process paper exchange). In a paper desk both names are the same
// paper exchange, so a paper desk is all paper, as it always was.
import type { Candle, VenueName } from '../core/domain.ts';
import type { Exchange } from '../ports/exchange.ts';

export class Venues {
  /** The distinct exchanges (one in a paper desk, two otherwise). */
  readonly distinct: readonly Exchange[];
  /** Those matching resting orders on each closed candle (the paper exchange). */
  private readonly simulated: readonly Exchange[];

  constructor(
    /** The desk's venue for its mode. */
    readonly exchange: Exchange,
    /** The paper exchange; the same object as `exchange` in a paper desk. */
    readonly paper: Exchange = exchange,
  ) {
    this.distinct = paper === exchange ? [exchange] : [exchange, paper];
    this.simulated = this.distinct.filter((e) => e.onCandle !== undefined);
  }

  /** Whether the desk runs two venues (a testnet or live desk with its paper exchange beside it). */
  get separate(): boolean {
    return this.paper !== this.exchange;
  }

  of(venue: VenueName): Exchange {
    return venue === 'paper' ? this.paper : this.exchange;
  }

  /** What the owner reads for a venue: `paper`, or the exchange's name (`binance`, …). A paper desk's `exchange` is `paper`. */
  label(venue: VenueName): string {
    return venue === 'paper' || !this.separate ? 'paper' : `exchange (${this.exchange.name})`;
  }

  /** Feeds a closed candle to every simulated venue. */
  onCandle(candle: Candle): void {
    for (const venue of this.simulated) venue.onCandle!(candle);
  }
}
