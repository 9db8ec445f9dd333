/** Time as the engine sees it: the wall clock live, the candle clock in backtests. */
export interface Clock {
  now(): number;
  /** Simulated clocks follow the candles: the engine moves them to each candle's close. */
  advanceTo?(time: number): void;
}

export const wallClock: Clock = { now: () => Date.now() };

/** A clock a backtest or test moves by hand (to each candle's close). */
export class ManualClock implements Clock {
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  set(time: number): void {
    this.time = time;
  }
  advanceTo(time: number): void {
    if (time > this.time) this.time = time;
  }
}
