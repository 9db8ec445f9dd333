// The emulator's fault and limit knobs: what a chaos test turns to see how the bot copes with a
// slow, flaky or strict venue. Set programmatically (`emulator.setKnobs`) or over HTTP
// (`POST /__admin/knobs` with a JSON object of the knobs to change). Counters (`fail5xx`,
// `dropOrderResponses`) count down as they fire.
import { z } from 'zod';

const count = z.number().int().min(0);

export const knobsSchema = z
  .object({
    /** Added delay (ms) before every REST response and every WebSocket API response. */
    latencyMs: count.max(600_000),
    /** The next N accepted orders (REST POST /api/v3/order or WS order.place) get no response:
     * the order exists, the REST socket is destroyed (socket hang-up) / the WS reply never comes. */
    dropOrderResponses: count,
    /** The next N REST requests (admin excluded) and WebSocket API requests (session and user data
     * stream methods excluded) answer 503 with Binance's -1001 and are not processed. */
    fail5xx: count,
    /** Server clock offset (ms): serverTime = wall clock + skew, used for `time` and the recvWindow check. */
    clockSkewMs: z.number().int().min(-86_400_000).max(86_400_000),
    /** What GET /sapi/v1/account/apiRestrictions says (a live bot must refuse a key that can withdraw). */
    enableWithdrawals: z.boolean(),
    /** Request weight allowed per minute (Binance: 6000); past it, 429 with Retry-After. */
    requestWeightPerMinute: count.min(1),
    /** New orders allowed per 10 seconds (Binance: 100); past it, 429 with -1015. */
    ordersPer10s: count.min(1),
    /** Requests a client may still send while told to back off (after a 429) before a 418 ban. */
    banAfter429s: count.min(1),
    /** How long a 418 ban lasts (ms; Binance starts at 2 minutes). */
    banMs: count,
    /** The next N fills come as two trades each (half, then the rest): partial fills, as a thin book gives them. */
    splitFills: count,
  })
  .strict();

export type Knobs = z.infer<typeof knobsSchema>;

export const knobsPatchSchema = knobsSchema.partial().strict();
export type KnobsPatch = z.infer<typeof knobsPatchSchema>;

export function defaultKnobs(): Knobs {
  return {
    latencyMs: 0,
    dropOrderResponses: 0,
    fail5xx: 0,
    clockSkewMs: 0,
    enableWithdrawals: false,
    requestWeightPerMinute: 6000,
    ordersPer10s: 100,
    banAfter429s: 3,
    banMs: 120_000,
    splitFills: 0,
  };
}

/** Applies a patch in place (the emulator's knobs object stays the same object) after validating it. */
export function applyKnobs(knobs: Knobs, patch: unknown): Knobs {
  const parsed = knobsPatchSchema.parse(patch);
  Object.assign(knobs, parsed);
  return knobs;
}

/** Spends one of a countdown fault (`fail5xx`, `dropOrderResponses`): whether it fires now. */
export function takeFault(knobs: Knobs, fault: 'fail5xx' | 'dropOrderResponses' | 'splitFills'): boolean {
  if (knobs[fault] <= 0) return false;
  knobs[fault]--;
  return true;
}
