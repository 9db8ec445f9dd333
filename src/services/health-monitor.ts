// The process's own health, sampled: event-loop lag (p50/p99 since the last sample), resident
// memory and heap, CPU. /status (console and Discord), the API's /status and /metrics read the
// same figures. Crossing a configured line (lag or memory) is said once, until it falls back below.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface HealthFigures {
  readonly eventLoopLagP50Ms: number;
  readonly eventLoopLagP99Ms: number;
  readonly eventLoopLagMaxMs: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  /** The same, exact (for /metrics). */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Of one core, over the last sample's span (100 = one core busy). */
  readonly cpuPct: number;
  /** Wall-clock ms of the sample. */
  readonly sampledAt: number;
}

export interface HealthLines {
  readonly eventLoopLagMs: number;
  readonly rssMb: number;
}

export interface HealthAlert {
  readonly kind: 'event-loop-lag' | 'rss';
  readonly value: number;
  readonly line: number;
  readonly message: string;
}

const MB = 1024 * 1024;
const PROBE_MS = 20;

export class HealthMonitor {
  private readonly histogram: RecordableHistogram;
  private readonly timer: NodeJS.Timeout;
  private readonly probe: NodeJS.Timeout;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private current: HealthFigures;
  private readonly over = { 'event-loop-lag': false, rss: false };
  private readonly listeners = new Set<(alert: HealthAlert) => void>();

  constructor(
    private readonly lines: HealthLines,
    options: { readonly sampleMs?: number } = {},
  ) {
    // The lag is how late a 20 ms timer fires. perf_hooks.monitorEventLoopDelay was tried first: on
    // Node 20.20 it reported 15–25 ms for the loop held 300 ms by one synchronous task (this timer: 330).
    this.histogram = createHistogram();
    let due = performance.now() + PROBE_MS;
    this.probe = setInterval(() => {
      const now = performance.now();
      // Recorded in µs (a histogram holds integers ≥ 1).
      this.histogram.record(Math.max(1, Math.round((now - due) * 1000)));
      due = now + PROBE_MS;
    }, PROBE_MS);
    this.probe.unref();
    this.current = this.measure();
    this.timer = setInterval(() => this.sample(), options.sampleMs ?? 5_000);
    this.timer.unref();
  }

  /** The latest sample (taken every few seconds). */
  figures(): HealthFigures {
    return this.current;
  }

  /** Takes a sample now, checks the lines, and returns it. */
  sample(): HealthFigures {
    this.current = this.measure();
    this.check('event-loop-lag', this.current.eventLoopLagP99Ms, this.lines.eventLoopLagMs, 'ms', 'the event loop lags: p99');
    this.check('rss', this.current.rssMb, this.lines.rssMb, 'MB', 'the process holds');
    return this.current;
  }

  /** Hears each crossing of a line (once per crossing). Returns a function that stops listening. */
  onAlert(listener: (alert: HealthAlert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.probe);
    this.listeners.clear();
  }

  private measure(): HealthFigures {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const spanMs = Math.max(1, now - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const memory = process.memoryUsage();
    const h = this.histogram;
    // µs → ms; an empty histogram (no probe yet) reads 0.
    const ms = (us: number) => (Number.isFinite(us) && h.count > 0 ? round(us / 1000) : 0);
    const figures: HealthFigures = {
      eventLoopLagP50Ms: ms(h.percentile(50)),
      eventLoopLagP99Ms: ms(h.percentile(99)),
      eventLoopLagMaxMs: ms(h.max),
      rssMb: round(memory.rss / MB),
      heapUsedMb: round(memory.heapUsed / MB),
      heapTotalMb: round(memory.heapTotal / MB),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      cpuPct: round(((cpu.user + cpu.system) / 1000 / spanMs) * 100),
      sampledAt: Date.now(),
    };
    h.reset();
    return figures;
  }

  private check(kind: HealthAlert['kind'], value: number, line: number, unit: string, what: string): void {
    const above = value > line;
    if (above === this.over[kind]) return;
    this.over[kind] = above;
    if (!above) return;
    const alert: HealthAlert = { kind, value, line, message: `${what} ${value} ${unit}, over the line of ${line} ${unit}` };
    for (const listener of this.listeners) {
      try {
        listener(alert);
      } catch {
        // One listener failing never stops the others (or the sampling).
      }
    }
  }
}

/** The figures in one line, as /status shows them. */
export function healthLine(f: HealthFigures): string {
  return `event loop p50 ${f.eventLoopLagP50Ms} ms, p99 ${f.eventLoopLagP99Ms} ms · RSS ${f.rssMb} MB · heap ${f.heapUsedMb}/${f.heapTotalMb} MB · CPU ${f.cpuPct}%`;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
