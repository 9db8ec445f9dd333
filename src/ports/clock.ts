/** Time as the engine sees it: the wall clock live, the candle clock in backtests. */
export interface Clock {
  now(): number;
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
}
