// Records a backtest's equity curve on the hot path. `record()` runs once per candle (millions
// per second), so it allocates nothing: points live in Float64Arrays that grow by doubling, and
// the statistics the KPIs need — running peak, max drawdown and its duration, time in market,
// one closing equity per UTC day — are kept exactly and incrementally, whatever the chart keeps.
//
// With `maxPoints` the stored series stays bounded: when it fills up, each run of 4 stored
// points is folded to its lowest and highest (in time order) and later buckets cover twice as
// many candles. A dip is a bucket's minimum, so it survives every fold; the first point, the
// last point and the exact max-drawdown peak and trough are pinned besides, so the chart always
// shows the drawdown the KPIs report.

export const DAY_MS = 86_400_000;

/** How many points the chart series keeps by default: ample for a 2,000 px wide chart. */
export const DEFAULT_MAX_POINTS = 5_000;

/** The least `maxPoints` can be: room for a fold's output plus the pinned points. */
const MIN_MAX_POINTS = 16;
/** First, last, max-drawdown peak, max-drawdown trough. */
const PINNED_POINTS = 4;

export interface EquityRecorderOptions {
  /** Bound on the chart series' length (≥ 16). `Infinity` keeps every point. Default 5,000.
   * The KPIs' statistics are exact whatever this is. */
  readonly maxPoints?: number;
}

/** What the KPIs need from a run's equity curve: plain data, JSON-safe. */
export interface EquitySummary {
  /** Points recorded. 0 means an empty run: every other number is then 0 / empty. */
  readonly count: number;
  readonly startTime: number;
  readonly endTime: number;
  /** Equity of the first point: record the starting cash at the start time first. */
  readonly startEquity: number;
  readonly endEquity: number;
  readonly peakEquity: number;
  /** Deepest fall from a running peak, as a fraction of that peak (0.25 = 25 % below). */
  readonly maxDrawdown: number;
  /** When the deepest drawdown's peak and trough were recorded (both 0 when there was none). */
  readonly maxDrawdownPeakTime: number;
  readonly maxDrawdownTroughTime: number;
  /** When equity first got back to that peak, or null if it never did before the end. */
  readonly maxDrawdownRecoveryTime: number | null;
  /** The deepest drawdown's duration: its peak to its recovery, or to the end if never recovered
   * (time the data covers: a gap in the candles is not time under water). */
  readonly maxDrawdownDurationMs: number;
  /** The longest time spent below a previous peak (any drawdown, an unrecovered one up to the end;
   * gaps in the data left out). */
  readonly longestDrawdownMs: number;
  /** Time during which a position was held: each gap between two points counts for the state
   * recorded at its start (the position held until the next point), gaps in the data left out. */
  readonly inMarketMs: number;
  /** The time the data covers between the first and the last point: their distance less the gaps
   * in the data (see `record`'s `elapsedMs`). Left out, it is that distance. */
  readonly tradedMs?: number;
  /** UTC day number (floor(ms / 86,400,000)) of `dailyCloses[0]`. */
  readonly firstDay: number;
  /** The last equity recorded on each UTC day from `firstDay` on; a day without a point repeats
   * the previous close, except a day wholly inside a gap in the data, which is left out. */
  readonly dailyCloses: readonly number[];
}

export interface EquityPoint {
  readonly time: number;
  readonly equity: number;
}

export interface DrawdownPoint {
  readonly time: number;
  /** Percent below the running peak, ≤ 0 (−12.5 = 12.5 % below). */
  readonly pct: number;
}

export class EquityRecorder {
  private readonly cap: number;

  // The stored (possibly folded) series: time, equity, drawdown fraction (≤ 0) at that point.
  private times: Float64Array;
  private equities: Float64Array;
  private drawdowns: Float64Array;
  private len = 0;

  // The bucket being filled: `bucketSize` raw points become its min and max.
  private bucketSize = 1;
  private openCount = 0;
  private openMinTime = 0;
  private openMinEquity = 0;
  private openMinDrawdown = 0;
  private openMaxTime = 0;
  private openMaxEquity = 0;
  private openMaxDrawdown = 0;

  // Exact running statistics.
  private count = 0;
  private startTime = 0;
  private startEquity = 0;
  private lastTime = 0;
  private lastEquity = 0;
  private lastDrawdown = 0;
  private lastInMarket = false;
  private inMarketMs = 0;
  private tradedMs = 0;

  private peak = 0;
  private peakTime = 0;
  // Drawdown durations run on the traded clock (tradedMs): a gap in the data is no time under water.
  private peakClock = 0;
  private maxDrawdownPeakClock = 0;
  private maxDrawdownRecoveryClock = 0;
  private underwater = false;
  private longestDrawdownMs = 0;
  private maxDrawdown = 0;
  private maxDrawdownPeakTime = 0;
  private maxDrawdownPeakEquity = 0;
  private maxDrawdownTroughTime = 0;
  private maxDrawdownTroughEquity = 0;
  private maxDrawdownRecoveryTime = Number.NaN;
  private maxDrawdownOpen = false;

  private dailyCloses: Float64Array;
  private firstDay = 0;
  private currentDay = 0;
  private days = 0;

  constructor(options: EquityRecorderOptions = {}) {
    const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    if (!(maxPoints >= MIN_MAX_POINTS)) {
      throw new RangeError(`maxPoints must be at least ${MIN_MAX_POINTS} (or Infinity), got ${maxPoints}`);
    }
    this.cap = maxPoints === Infinity ? Infinity : Math.floor(maxPoints) - PINNED_POINTS;
    const initial = Math.min(1024, this.cap);
    this.times = new Float64Array(initial);
    this.equities = new Float64Array(initial);
    this.drawdowns = new Float64Array(initial);
    this.dailyCloses = new Float64Array(64);
  }

  /** Records equity at `time` (ms, not decreasing). `inMarket`: a position is held from now until
   * the next point. `elapsedMs`: how much of the time since the previous point the data covers
   * (less than that time across a gap in the candles, which then counts neither as time in the
   * market nor as traded time, and whose whole days are not daily returns); default: all of it.
   * Allocation-free except for the occasional doubling of a buffer. */
  record(time: number, equity: number, inMarket = false, elapsedMs?: number): void {
    if (!Number.isFinite(equity) || !Number.isFinite(time)) {
      throw new RangeError(`equity and time must be finite numbers (time ${time}, equity ${equity})`);
    }
    if (this.count === 0) {
      this.startTime = time;
      this.startEquity = equity;
      this.peak = equity;
      this.peakTime = time;
      this.firstDay = Math.floor(time / DAY_MS);
      this.currentDay = this.firstDay;
      this.days = 1;
      this.dailyCloses[0] = equity;
    } else {
      if (time < this.lastTime) {
        throw new RangeError(`time went backwards: ${time} after ${this.lastTime}`);
      }
      const step = time - this.lastTime;
      const traded = elapsedMs === undefined ? step : Math.min(step, Math.max(0, elapsedMs));
      if (this.lastInMarket) this.inMarketMs += traded;
      this.tradedMs += traded;
      this.recordDay(time, equity, step - traded);
    }

    let drawdown = 0;
    if (equity >= this.peak) {
      if (this.underwater) {
        const duration = this.tradedMs - this.peakClock;
        if (duration > this.longestDrawdownMs) this.longestDrawdownMs = duration;
        if (this.maxDrawdownOpen) {
          this.maxDrawdownRecoveryTime = time;
          this.maxDrawdownRecoveryClock = this.tradedMs;
          this.maxDrawdownOpen = false;
        }
        this.underwater = false;
      }
      this.peak = equity;
      this.peakTime = time;
      this.peakClock = this.tradedMs;
    } else {
      this.underwater = true;
      drawdown = this.peak > 0 ? (equity - this.peak) / this.peak : 0;
      if (-drawdown > this.maxDrawdown) {
        this.maxDrawdown = -drawdown;
        this.maxDrawdownPeakTime = this.peakTime;
        this.maxDrawdownPeakClock = this.peakClock;
        this.maxDrawdownPeakEquity = this.peak;
        this.maxDrawdownTroughTime = time;
        this.maxDrawdownTroughEquity = equity;
        this.maxDrawdownRecoveryTime = Number.NaN;
        this.maxDrawdownOpen = true;
      }
    }

    this.count++;
    this.lastTime = time;
    this.lastEquity = equity;
    this.lastDrawdown = drawdown;
    this.lastInMarket = inMarket;
    this.addToBucket(time, equity, drawdown);
  }

  /** Points recorded so far. */
  get size(): number {
    return this.count;
  }

  summary(): EquitySummary {
    if (this.count === 0) {
      return {
        count: 0,
        startTime: 0,
        endTime: 0,
        startEquity: 0,
        endEquity: 0,
        peakEquity: 0,
        maxDrawdown: 0,
        maxDrawdownPeakTime: 0,
        maxDrawdownTroughTime: 0,
        maxDrawdownRecoveryTime: null,
        maxDrawdownDurationMs: 0,
        longestDrawdownMs: 0,
        inMarketMs: 0,
        tradedMs: 0,
        firstDay: 0,
        dailyCloses: [],
      };
    }
    const openDrawdownMs = this.underwater ? this.tradedMs - this.peakClock : 0;
    const recovered = this.maxDrawdown > 0 && !this.maxDrawdownOpen;
    const maxDrawdownDurationMs = this.maxDrawdown === 0 ? 0 : (recovered ? this.maxDrawdownRecoveryClock : this.tradedMs) - this.maxDrawdownPeakClock;
    return {
      count: this.count,
      startTime: this.startTime,
      endTime: this.lastTime,
      startEquity: this.startEquity,
      endEquity: this.lastEquity,
      peakEquity: this.peak,
      maxDrawdown: this.maxDrawdown,
      maxDrawdownPeakTime: this.maxDrawdownPeakTime,
      maxDrawdownTroughTime: this.maxDrawdownTroughTime,
      maxDrawdownRecoveryTime: recovered ? this.maxDrawdownRecoveryTime : null,
      maxDrawdownDurationMs,
      longestDrawdownMs: Math.max(this.longestDrawdownMs, openDrawdownMs),
      inMarketMs: this.inMarketMs,
      tradedMs: this.tradedMs,
      firstDay: this.firstDay,
      dailyCloses: Array.from(this.dailyCloses.subarray(0, this.days)),
    };
  }

  /** The chart series: every point, or with `maxPoints` at most that many (bucket minima and
   * maxima, plus the first, the last and the max-drawdown peak and trough). In time order. */
  equityPoints(): EquityPoint[] {
    const out: EquityPoint[] = [];
    this.forEachPoint((time, equity) => out.push({ time, equity }));
    return out;
  }

  /** The drawdown below the running peak at the same points as `equityPoints()`, in percent (≤ 0). */
  drawdownPoints(): DrawdownPoint[] {
    const out: DrawdownPoint[] = [];
    this.forEachPoint((time, _equity, drawdown) => out.push({ time, pct: drawdown * 100 }));
    return out;
  }

  private forEachPoint(visit: (time: number, equity: number, drawdown: number) => void): void {
    if (this.count === 0) return;
    // Stored points, then the open bucket's, merged with the pinned points. Pinned points are
    // real recorded points, so one that is already there (same time and equity) is skipped.
    const series: [number, number, number][] = [];
    for (let i = 0; i < this.len; i++) series.push([this.times[i]!, this.equities[i]!, this.drawdowns[i]!]);
    if (this.openCount > 0) {
      const minFirst = this.openMinTime <= this.openMaxTime;
      const a: [number, number, number] = [this.openMinTime, this.openMinEquity, this.openMinDrawdown];
      const b: [number, number, number] = [this.openMaxTime, this.openMaxEquity, this.openMaxDrawdown];
      const [first, second] = minFirst ? [a, b] : [b, a];
      series.push(first);
      if (second[0] !== first[0] || second[1] !== first[1]) series.push(second);
    }
    const pinned: [number, number, number][] = [[this.startTime, this.startEquity, 0]];
    if (this.maxDrawdown > 0) {
      pinned.push([this.maxDrawdownPeakTime, this.maxDrawdownPeakEquity, 0]);
      pinned.push([this.maxDrawdownTroughTime, this.maxDrawdownTroughEquity, -this.maxDrawdown]);
    }
    pinned.push([this.lastTime, this.lastEquity, this.lastDrawdown]);

    let p = 0;
    let prevTime = Number.NEGATIVE_INFINITY;
    let prevEquity = Number.NaN;
    const emit = (point: [number, number, number]): void => {
      if (point[0] === prevTime && point[1] === prevEquity) return;
      prevTime = point[0];
      prevEquity = point[1];
      visit(point[0], point[1], point[2]);
    };
    for (const point of series) {
      while (p < pinned.length && pinned[p]![0] < point[0]) emit(pinned[p++]!);
      // Pinned points at the same time as a stored one: emit the pinned one only if different.
      while (p < pinned.length && pinned[p]![0] === point[0] && pinned[p]![1] === point[1]) p++;
      emit(point);
    }
    while (p < pinned.length) emit(pinned[p++]!);
  }

  /** `uncoveredMs`: the part of the time since the previous point that the data does not cover (a
   * gap in the candles, which ends where the newly covered time begins). */
  private recordDay(time: number, equity: number, uncoveredMs: number): void {
    const day = Math.floor(time / DAY_MS);
    if (day === this.currentDay) {
      this.dailyCloses[this.days - 1] = equity;
      return;
    }
    // A day without a point closes where the previous one did (a weekly crew's days are still
    // days), but a day the data does not cover at all is no day of trading: it is left out.
    const gapStart = this.lastTime + 1;
    const gapEnd = gapStart + uncoveredMs;
    const previousClose = this.dailyCloses[this.days - 1]!;
    const needed = this.days + (day - this.currentDay);
    if (needed > this.dailyCloses.length) {
      const grown = new Float64Array(Math.max(needed, this.dailyCloses.length * 2));
      grown.set(this.dailyCloses.subarray(0, this.days));
      this.dailyCloses = grown;
    }
    for (let d = this.currentDay + 1; d < day; d++) {
      if (uncoveredMs > 0 && d * DAY_MS >= gapStart && (d + 1) * DAY_MS <= gapEnd) continue;
      this.dailyCloses[this.days++] = previousClose;
    }
    this.dailyCloses[this.days++] = equity;
    this.currentDay = day;
  }

  private addToBucket(time: number, equity: number, drawdown: number): void {
    if (this.bucketSize === 1) {
      this.push(time, equity, drawdown);
      return;
    }
    if (this.openCount === 0) {
      this.openMinTime = this.openMaxTime = time;
      this.openMinEquity = this.openMaxEquity = equity;
      this.openMinDrawdown = this.openMaxDrawdown = drawdown;
    } else if (equity < this.openMinEquity) {
      this.openMinTime = time;
      this.openMinEquity = equity;
      this.openMinDrawdown = drawdown;
    } else if (equity > this.openMaxEquity) {
      this.openMaxTime = time;
      this.openMaxEquity = equity;
      this.openMaxDrawdown = drawdown;
    }
    if (++this.openCount < this.bucketSize) return;
    this.openCount = 0;
    if (this.openMinTime <= this.openMaxTime) {
      this.push(this.openMinTime, this.openMinEquity, this.openMinDrawdown);
      if (this.openMaxTime !== this.openMinTime) this.push(this.openMaxTime, this.openMaxEquity, this.openMaxDrawdown);
    } else {
      this.push(this.openMaxTime, this.openMaxEquity, this.openMaxDrawdown);
      this.push(this.openMinTime, this.openMinEquity, this.openMinDrawdown);
    }
  }

  private push(time: number, equity: number, drawdown: number): void {
    if (this.len === this.times.length) {
      if (this.len >= this.cap) {
        this.fold();
      } else {
        this.grow(Math.min(this.cap, this.times.length * 2));
      }
    }
    const i = this.len++;
    this.times[i] = time;
    this.equities[i] = equity;
    this.drawdowns[i] = drawdown;
  }

  private grow(capacity: number): void {
    const times = new Float64Array(capacity);
    const equities = new Float64Array(capacity);
    const drawdowns = new Float64Array(capacity);
    times.set(this.times.subarray(0, this.len));
    equities.set(this.equities.subarray(0, this.len));
    drawdowns.set(this.drawdowns.subarray(0, this.len));
    this.times = times;
    this.equities = equities;
    this.drawdowns = drawdowns;
  }

  /** Halves the stored series in place: each run of 4 points keeps its lowest and highest. */
  private fold(): void {
    const { times, equities, drawdowns } = this;
    let out = 0;
    for (let start = 0; start < this.len; start += 4) {
      const end = Math.min(start + 4, this.len);
      let lo = start;
      let hi = start;
      for (let i = start + 1; i < end; i++) {
        if (equities[i]! < equities[lo]!) lo = i;
        if (equities[i]! > equities[hi]!) hi = i;
      }
      const first = Math.min(lo, hi);
      const second = Math.max(lo, hi);
      times[out] = times[first]!;
      equities[out] = equities[first]!;
      drawdowns[out] = drawdowns[first]!;
      out++;
      if (second !== first) {
        times[out] = times[second]!;
        equities[out] = equities[second]!;
        drawdowns[out] = drawdowns[second]!;
        out++;
      }
    }
    this.len = out;
    // A stored point stood for bucketSize / 2 raw points (1 while unfolded); it now stands for
    // twice that, and new buckets must match: 2 points per bucket.
    this.bucketSize = this.bucketSize === 1 ? 4 : this.bucketSize * 2;
  }
}
