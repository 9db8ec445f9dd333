// A minimal stand-in for the engine, to drive a crew's onCandle directly in tests: candles built
// from closes, params through the crew's schema, its own indicators, and a position that flips
// as if every advice had filled at the candle's close. No risk gate, no fees, no exits: what a
// test sees is the crew's own advice and nothing else.
import type { z } from 'zod';
import type { Advice, Candle, Interval } from '../../src/core/domain.ts';
import { intervalMs } from '../../src/core/domain.ts';
import {
  asAnyCrew,
  parseParams,
  type CrewContext,
  type CrewDefinition,
  type CrewLogger,
  type CrewPositionView,
  type ParamsShape,
} from '../../src/crew/template.ts';

/** 2024-01-01T00:00:00Z: a whole day since the epoch, so every interval's slots line up with index 0. */
export const T0 = Date.UTC(2024, 0, 1);

export interface CandleShape {
  readonly close: number;
  readonly open?: number;
  readonly high?: number;
  readonly low?: number;
  readonly volume?: number;
}

/** The candle at `index` of a series starting at `start`: OHLC default to the close. */
export function makeCandle(index: number, shape: CandleShape | number, { symbol = 'BTCUSDT', interval = '1h' as Interval, start = T0 } = {}): Candle {
  const s = typeof shape === 'number' ? { close: shape } : shape;
  const ms = intervalMs(interval);
  const openTime = start + index * ms;
  return {
    symbol,
    interval,
    openTime,
    closeTime: openTime + ms - 1,
    open: s.open ?? s.close,
    high: s.high ?? Math.max(s.close, s.open ?? s.close),
    low: s.low ?? Math.min(s.close, s.open ?? s.close),
    close: s.close,
    volume: s.volume ?? 1,
  };
}

export function makeCandles(shapes: readonly (CandleShape | number)[], options?: Parameters<typeof makeCandle>[2]): Candle[] {
  return shapes.map((shape, index) => makeCandle(index, shape, options));
}

export const FLAT: CrewPositionView = Object.freeze({ quantity: 0, isLong: false, entryPrice: null, entryTime: null });

export const noopLog: CrewLogger = { info: () => {}, warn: () => {} };

type ParamsOf<S extends ParamsShape> = z.infer<z.ZodObject<S>>;

/** Params through the crew's full schema (own + exits), defaults filled in; a refusal throws with the reason. */
export function paramsFor<S extends ParamsShape, I>(crew: CrewDefinition<S, I>, input: Record<string, unknown> = {}): ParamsOf<S> {
  const parsed = parseParams(asAnyCrew(crew), input);
  if (!parsed.ok) throw new Error(`params refused for ${crew.name}: ${parsed.error}`);
  return parsed.params as ParamsOf<S>;
}

/** One crew instance: feed it candles, read its advice. */
export class CrewHarness<S extends ParamsShape, I> {
  readonly params: ParamsOf<S>;
  readonly indicators: I;
  readonly state: Record<string, unknown> = {};
  position: CrewPositionView = FLAT;
  cash: number;
  /** Advice per candle fed, by index. */
  readonly advice: Advice[] = [];
  /** Whether buy/sell advice fills at once at the candle's close. Off: set `position`/`cash` yourself. */
  autoFill: boolean;

  constructor(
    readonly crew: CrewDefinition<S, I>,
    paramsInput: Record<string, unknown> = {},
    { cash = 1_000, autoFill = true }: { cash?: number; autoFill?: boolean } = {},
  ) {
    this.params = paramsFor(crew, paramsInput);
    this.indicators = crew.indicators(this.params);
    this.cash = cash;
    this.autoFill = autoFill;
  }

  context(candle: Candle): CrewContext<ParamsOf<S>, I> {
    return {
      candle,
      params: this.params,
      indicators: this.indicators,
      position: this.position,
      cash: this.cash,
      state: this.state,
      log: noopLog,
    };
  }

  feed(candle: Candle): Advice {
    const advice = this.crew.onCandle(this.context(candle));
    this.advice.push(advice);
    if (this.autoFill) this.fill(advice, candle);
    return advice;
  }

  feedAll(candles: readonly Candle[]): Advice[] {
    return candles.map((candle) => this.feed(candle));
  }

  /** Applies advice as if it filled in full at the candle's close. */
  fill(advice: Advice, candle: Candle): void {
    if (advice.action === 'buy') {
      const spend = this.cash * advice.size;
      const bought = spend / candle.close;
      const quantity = this.position.quantity + bought;
      const cost = (this.position.entryPrice ?? 0) * this.position.quantity + spend;
      this.cash -= spend;
      this.position = {
        quantity,
        isLong: quantity > 0,
        entryPrice: cost / quantity,
        entryTime: this.position.entryTime ?? candle.closeTime,
      };
    } else if (advice.action === 'sell') {
      const sold = this.position.quantity * advice.size;
      const quantity = this.position.quantity - sold;
      this.cash += sold * candle.close;
      this.position = quantity > 1e-12 ? { ...this.position, quantity } : FLAT;
    }
  }

  /** Indices of the candles where the crew advised `action`. */
  indicesOf(action: Advice['action']): number[] {
    return this.advice.flatMap((a, i) => (a.action === action ? [i] : []));
  }

  /** Non-hold advice as `[index, action]` pairs: a compact trace for expectations. */
  trades(): [number, 'buy' | 'sell'][] {
    return this.advice.flatMap((a, i): [number, 'buy' | 'sell'][] => (a.action === 'hold' ? [] : [[i, a.action]]));
  }
}

/** Runs a crew over closes (or candle shapes) and returns the harness to inspect. */
export function runCrew<S extends ParamsShape, I>(
  crew: CrewDefinition<S, I>,
  paramsInput: Record<string, unknown>,
  series: readonly (CandleShape | number)[],
  options?: { cash?: number; interval?: Interval },
): CrewHarness<S, I> {
  const harness = new CrewHarness(crew, paramsInput, options?.cash === undefined ? {} : { cash: options.cash });
  harness.feedAll(makeCandles(series, options?.interval ? { interval: options.interval } : undefined));
  return harness;
}
