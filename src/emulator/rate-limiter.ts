// Binance's rate limits, as the venue enforces them: request weight per minute (fixed windows,
// reported in X-MBX-USED-WEIGHT-1M), new orders per 10 seconds (X-MBX-ORDER-COUNT-10S) and per
// day. Past the weight limit a request is refused with 429 and Retry-After; a client that keeps
// sending while told to back off is banned with 418 for a while. REST and the WebSocket API
// share the counters, as they share an IP on the real venue.
import { ExchangeError } from '../ports/exchange.ts';
import type { Knobs } from './knobs.ts';

/** A refusal by the rate limiter: ExchangeError plus the seconds the client must wait. */
export class RateLimitError extends ExchangeError {
  constructor(
    code: number,
    message: string,
    httpStatus: 429 | 418,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message, httpStatus);
    this.name = 'RateLimitError';
  }
}

export interface Usage {
  readonly usedWeight1m: number;
  readonly orderCount10s: number;
  readonly orderCount1d: number;
}

const MINUTE = 60_000;
const TEN_SECONDS = 10_000;
const DAY = 86_400_000;

export class RateLimiter {
  private weightWindow = -1;
  private weight = 0;
  private orderWindow = -1;
  private orders = 0;
  private dayWindow = -1;
  private ordersToday = 0;
  /** Until when the client was told to back off (the end of the window that overflowed). */
  private backoffUntil = 0;
  private strikes = 0;
  private bannedUntil = 0;

  constructor(
    private readonly knobs: Knobs,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request of `weight` (and a new order when `order`), or throws RateLimitError. */
  admit(weight: number, order = false): Usage {
    const now = this.now();
    this.roll(now);
    if (this.bannedUntil > now) throw this.banned(now);
    if (this.backoffUntil > now) {
      this.strikes++;
      if (this.strikes >= this.knobs.banAfter429s) {
        this.bannedUntil = now + this.knobs.banMs;
        throw this.banned(now);
      }
      throw this.tooMany(now);
    }
    if (this.weight + weight > this.knobs.requestWeightPerMinute) {
      this.backoffUntil = (this.weightWindow + 1) * MINUTE;
      this.strikes = 0;
      throw this.tooMany(now);
    }
    this.weight += weight;
    if (order) {
      if (this.orders + 1 > this.knobs.ordersPer10s) {
        throw new RateLimitError(
          -1015,
          `Too many new orders; current limit is ${this.knobs.ordersPer10s} orders per 10 SECOND.`,
          429,
          Math.max(1, Math.ceil(((this.orderWindow + 1) * TEN_SECONDS - now) / 1000)),
        );
      }
      this.orders++;
      this.ordersToday++;
    }
    return this.usage();
  }

  usage(): Usage {
    this.roll(this.now());
    return { usedWeight1m: this.weight, orderCount10s: this.orders, orderCount1d: this.ordersToday };
  }

  private roll(now: number): void {
    const minute = Math.floor(now / MINUTE);
    if (minute !== this.weightWindow) {
      this.weightWindow = minute;
      this.weight = 0;
    }
    const tens = Math.floor(now / TEN_SECONDS);
    if (tens !== this.orderWindow) {
      this.orderWindow = tens;
      this.orders = 0;
    }
    const day = Math.floor(now / DAY);
    if (day !== this.dayWindow) {
      this.dayWindow = day;
      this.ordersToday = 0;
    }
  }

  private tooMany(now: number): RateLimitError {
    return new RateLimitError(
      -1003,
      `Too many requests; current limit of IP(127.0.0.1) is ${this.knobs.requestWeightPerMinute} requests per minute. ` +
        'Please use the websocket for live updates to avoid polling the API.',
      429,
      Math.max(1, Math.ceil((this.backoffUntil - now) / 1000)),
    );
  }

  private banned(now: number): RateLimitError {
    return new RateLimitError(
      -1003,
      `Way too many requests; IP(127.0.0.1) banned until ${this.bannedUntil}. Please use the websocket for live updates to avoid bans.`,
      418,
      Math.max(1, Math.ceil((this.bannedUntil - now) / 1000)),
    );
  }
}
