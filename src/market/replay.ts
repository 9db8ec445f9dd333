// Replays candles at an accelerated pace: `speed` simulated seconds per real second.
// `crewdesk start` uses it when no exchange is reachable, so the desk runs like live, only faster.
// A replay faster than the desk can follow must never starve it: once behind schedule the candles
// would come back to back on microtasks, and stdin (the console's /halt), signals, timers, the
// journal's commits and the notifiers would never run while memory filled with their queues. So
// when behind, the producer turns the event loop at least every TURN_MS, lets the journal drain
// now and then, waits while the downstream queues are over their bound, and says once per episode
// that the replay lags (and once when it has caught up).
import { performance } from 'node:perf_hooks';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import type { Candle } from '../core/domain.ts';
import type { CandleSubscription, MarketData } from '../ports/market-data.ts';

/** Longest stretch of candles without a turn of the event loop while behind schedule (ms). */
const TURN_MS = 10;
/** How often, while behind, the journal's queued writes are waited for (ms). */
const DRAIN_MS = 100;
/** How far behind schedule (real ms) the replay must be before it says it lags. */
const LAG_NOTICE_MS = 1000;
/** How long to wait before looking at an over-bound queue again (ms). */
const PRESSURE_POLL_MS = 5;

/** A lagging replay, as told to the owner: a fact with numbers, not prose. */
export interface ReplayLag {
  readonly phase: 'began' | 'ended';
  /** The speed asked for (simulated seconds per real second). */
  readonly speed: number;
  /** How far behind schedule the replay was (real ms) when this was said. */
  readonly behindMs: number;
  /** The speed actually kept since the replay started. */
  readonly keptSpeed: number;
}

/** What the replay waits for while it runs behind schedule. */
export interface ReplayBackpressure {
  /** Whether a downstream queue (deferred notifiers, console output) is over its bound now. */
  readonly overBound?: () => boolean;
  /** Resolves once the writes queued so far are done (the journal's `flush`). */
  readonly drain?: () => Promise<void>;
  /** Told once when the replay starts to lag, and once when it has caught up again. */
  readonly onLag?: (lag: ReplayLag) => void;
  /** How far behind schedule (real ms) before the replay says it lags (default 1000). */
  readonly lagNoticeMs?: number;
}

export class PacedMarketData implements MarketData {
  readonly description: string;
  constructor(
    private readonly inner: MarketData,
    private readonly speed: number,
    private readonly backpressure: ReplayBackpressure = {},
  ) {
    this.description = `${inner.description}, replayed at ${speed}× speed`;
  }

  async *candles(subscriptions: readonly CandleSubscription[], signal?: AbortSignal): AsyncGenerator<Candle> {
    const { overBound, drain, onLag, lagNoticeMs = LAG_NOTICE_MS } = this.backpressure;
    const source = this.inner.candles(subscriptions, signal);
    let firstClose: number | null = null;
    const startedAt = performance.now();
    let lastTurn = startedAt;
    let lastDrain = startedAt;
    let lagging = false;
    const lag = (phase: ReplayLag['phase'], behindMs: number, closeTime: number): void => {
      const elapsed = performance.now() - startedAt;
      onLag?.({
        phase,
        speed: this.speed,
        behindMs: Math.round(behindMs),
        keptSpeed: elapsed > 0 ? Math.round((closeTime - (firstClose ?? closeTime)) / elapsed) : this.speed,
      });
    };
    for await (const candle of source as AsyncIterable<Candle>) {
      if (signal?.aborted) return;
      firstClose ??= candle.closeTime;
      const due = startedAt + (candle.closeTime - firstClose) / this.speed;
      let now = performance.now();
      const wait = due - now;
      if (wait > 1) {
        if (lagging) {
          lagging = false;
          lag('ended', 0, candle.closeTime);
        }
        try {
          await sleep(wait, undefined, signal ? { signal } : undefined);
        } catch {
          return; // aborted
        }
        lastTurn = performance.now();
      } else if (now - lastTurn >= TURN_MS) {
        // Behind schedule: let I/O, timers and signals in, then hold while the desk digests.
        await turn();
        if (drain !== undefined && now - lastDrain >= DRAIN_MS) {
          await drain();
          lastDrain = performance.now();
        }
        while (overBound?.() === true && signal?.aborted !== true) await sleep(PRESSURE_POLL_MS);
        if (signal?.aborted) return;
        now = performance.now();
        lastTurn = now;
        if (!lagging && now - due >= lagNoticeMs) {
          lagging = true;
          lag('began', now - due, candle.closeTime);
        }
      }
      yield candle;
    }
  }
}
