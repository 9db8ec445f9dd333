// Where a closed candle goes: per symbol, its crews (all of them, and by interval), the finest of
// their intervals and the last close. One lookup per candle finds all of it.
import { type Interval, intervalMs } from '../core/domain.ts';

/** What a route needs of a crew. */
export interface RoutedCrew {
  readonly symbol: string;
  readonly interval: Interval;
}

/** One symbol's crews and market state. Kept once made, so its last price outlives its crews. */
export interface SymbolRoute<C extends RoutedCrew> {
  /** Its crews, every interval (marking to market). */
  readonly crews: C[];
  /** Its crews by interval (deciding): a candle finds them with no key string built per candle. */
  readonly byInterval: Map<string, C[]>;
  /** The finest interval of its crews (ms; NaN without crews): only those candles are matched by a simulated exchange. */
  matchMs: number;
  /** Last close (NaN before the first): a number field written in place, never boxed anew per candle. */
  lastPrice: number;
}

export class SymbolRoutes<C extends RoutedCrew> {
  private readonly routes = new Map<string, SymbolRoute<C>>();

  get(symbol: string): SymbolRoute<C> | undefined {
    return this.routes.get(symbol);
  }

  add(crew: C): void {
    let route = this.routes.get(crew.symbol);
    if (route === undefined) {
      route = { crews: [], byInterval: new Map(), matchMs: Number.NaN, lastPrice: Number.NaN };
      this.routes.set(crew.symbol, route);
    }
    route.crews.push(crew);
    const list = route.byInterval.get(crew.interval);
    if (list === undefined) route.byInterval.set(crew.interval, [crew]);
    else list.push(crew);
    route.matchMs = finestInterval(route.crews);
  }

  remove(crew: C): void {
    const route = this.routes.get(crew.symbol);
    if (route === undefined) return;
    takeOut(route.crews, crew);
    const list = route.byInterval.get(crew.interval);
    if (list !== undefined) {
      takeOut(list, crew);
      if (list.length === 0) route.byInterval.delete(crew.interval);
    }
    route.matchMs = finestInterval(route.crews);
  }

  /** The symbol's last close, once a candle of it has been routed. */
  lastPrice(symbol: string): number | undefined {
    const price = this.routes.get(symbol)?.lastPrice;
    return price === undefined || Number.isNaN(price) ? undefined : price;
  }
}

function finestInterval(crews: readonly RoutedCrew[]): number {
  let finest = Number.NaN;
  for (const crew of crews) {
    const ms = intervalMs(crew.interval);
    if (Number.isNaN(finest) || ms < finest) finest = ms;
  }
  return finest;
}

function takeOut<C>(list: C[], crew: C): void {
  const i = list.indexOf(crew);
  if (i >= 0) list.splice(i, 1);
}
