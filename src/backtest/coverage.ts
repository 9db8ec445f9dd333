// The time a run's candles cover: the union of their [open, close] ranges. A gap in the data —
// maintenance, or two files weeks apart — is time the run did not trade, so the KPIs measured
// over time (CAGR, exposure, daily returns) and the chart leave it out.

export interface TimeRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** Merged, ordered ranges of covered time, built candle by candle (runs once per candle: cheap). */
export class Coverage {
  private readonly ranges: { start: number; end: number }[] = [];
  private covered = 0;

  /** Adds [start, end). Candles come nearly in time order, so the last range is almost always the one. */
  add(start: number, end: number): void {
    if (!(end > start)) return;
    const last = this.ranges[this.ranges.length - 1];
    if (last === undefined || start > last.end) {
      this.ranges.push({ start, end });
      this.covered += end - start;
      return;
    }
    if (start >= last.start) {
      if (end > last.end) {
        this.covered += end - last.end;
        last.end = end;
      }
      return;
    }
    this.insert(start, end);
  }

  /** Total covered time so far, ms. */
  get total(): number {
    return this.covered;
  }

  /** The time in [start, end) no candle covers, as ordered ranges. */
  holes(start: number, end: number): TimeRange[] {
    const out: TimeRange[] = [];
    let at = start;
    for (const r of this.ranges) {
      if (r.end <= at) continue;
      if (r.start >= end) break;
      if (r.start > at) out.push({ start: at, end: r.start });
      at = Math.max(at, r.end);
    }
    if (at < end) out.push({ start: at, end });
    return out;
  }

  /** A range that starts before the last one (a coarser candle closing after finer ones): merged exactly. */
  private insert(start: number, end: number): void {
    const merged = [...this.ranges, { start, end }].sort((a, b) => a.start - b.start);
    this.ranges.length = 0;
    this.covered = 0;
    for (const r of merged) {
      const last = this.ranges[this.ranges.length - 1];
      if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else this.ranges.push({ ...r });
    }
    for (const r of this.ranges) this.covered += r.end - r.start;
  }
}
