// Binance's timing rule and this machine's clock. A SIGNED request is processed only when
// `timestamp < serverTime + 1000 && serverTime − timestamp ≤ recvWindow`, and @binance/spot stamps
// every request with Date.now(): it has no clock-offset option and overwrites any timestamp
// passed in. So a local clock *behind* the server is absorbed by widening recvWindow by the
// measured offset (the tolerance counted from the true send time stays the configured one), and a
// local clock *ahead* by more than Binance's fixed 1000 ms cannot be worked around: that is a
// clear error naming the skew.
import { ExchangeError } from '../../ports/exchange.ts';

/** The largest recvWindow Binance accepts. */
export const MAX_RECV_WINDOW_MS = 60_000;
/** How far ahead of the server a timestamp may be (Binance's rule, not configurable). */
export const BINANCE_FUTURE_TOLERANCE_MS = 1000;

/** The clock is off by more than Binance tolerates: nothing signed can be sent. Code -1021, as Binance would refuse. */
export class ClockSkewError extends ExchangeError {
  constructor(
    /** serverTime − local time (ms): negative when this machine's clock is ahead. */
    readonly offsetMs: number,
    message: string,
  ) {
    super(-1021, message, 400);
    this.name = 'ClockSkewError';
  }
}

export interface ClockReading {
  /** serverTime − local midpoint of the request (ms). */
  readonly offsetMs: number;
  readonly roundTripMs: number;
  /** Local time of the reading. */
  readonly at: number;
}

/** A reading from one `GET /api/v3/time`: the server stamped somewhere between send and receipt; the midpoint is the best guess. */
export function readingFrom(sentAt: number, receivedAt: number, serverTime: number): ClockReading {
  return { offsetMs: Math.round(serverTime - (sentAt + receivedAt) / 2), roundTripMs: receivedAt - sentAt, at: receivedAt };
}

/**
 * The recvWindow to send given a clock reading, or the error that says why nothing signed can go.
 * `maxAheadMs` keeps a margin under Binance's 1000 ms for the one-way latency.
 */
export function recvWindowFor(reading: ClockReading, baseRecvWindowMs: number, maxAheadMs: number): number | ClockSkewError {
  const { offsetMs, roundTripMs } = reading;
  const aheadMs = -offsetMs;
  if (aheadMs > maxAheadMs) {
    return new ClockSkewError(
      offsetMs,
      `this machine's clock is ${fmtMs(aheadMs)} AHEAD of Binance's server time (measured with GET /api/v3/time, round trip ${roundTripMs} ms). ` +
        `Binance refuses signed requests stamped more than ${BINANCE_FUTURE_TOLERANCE_MS} ms in its future (-1021), and @binance/spot stamps them ` +
        'with the local clock (it has no offset option), so no recvWindow can help. Sync the system clock (NTP: e.g. `timedatectl set-ntp true`, chrony) and start again.',
    );
  }
  const behindMs = Math.max(0, offsetMs);
  const needed = baseRecvWindowMs + Math.ceil(behindMs + roundTripMs / 2);
  if (needed > MAX_RECV_WINDOW_MS) {
    return new ClockSkewError(
      offsetMs,
      `this machine's clock is ${fmtMs(behindMs)} BEHIND Binance's server time: covering that needs a recvWindow of ${needed} ms, ` +
        `more than Binance's maximum ${MAX_RECV_WINDOW_MS} ms. Sync the system clock (NTP) and start again.`,
    );
  }
  // Binance takes recvWindow with up to three decimals; a whole number is enough here.
  return behindMs > 0 ? needed : baseRecvWindowMs;
}

function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
