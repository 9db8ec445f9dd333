// The HTTP API's section of the config (`api:`): absent, there is no API. Tokens never come from
// the file: CREWDESK_API_TOKEN (read and change) and CREWDESK_API_READ_TOKEN (read only).
import { z } from 'zod';

export const apiConfigSchema = z
  .object({
    /** Where to listen; anything but a loopback address needs a token. */
    host: z.string().min(1).default('127.0.0.1'),
    /** 0: any free port (the desk prints the one it got). */
    port: z.number().int().min(0).max(65535).default(8787),
    /** Requests per minute per token (or per address, without one); more get 429. */
    rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(3000),
    /** Facts kept for SSE clients that reconnect with Last-Event-ID. */
    eventBuffer: z.number().int().min(10).max(100_000).default(2000),
    /** The owner is alerted when the event loop lags or the process grows past these lines (once per crossing). */
    alerts: z
      .object({
        eventLoopLagMs: z.number().positive().default(500),
        rssMb: z.number().positive().default(1024),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The API's tokens, from the environment. */
export interface ApiTokens {
  readonly change: string | null;
  readonly read: string | null;
}

/** Shorter tokens are guessable, even at the rate limit, on a desk that listens beyond this machine. */
export const MIN_TOKEN_LENGTH = 16;

/** The API's tokens, from the environment; a token too short, with a space inside, or the same for reading and changing is refused, naming the variable. */
export function apiTokensFrom(env: NodeJS.ProcessEnv): ApiTokens {
  const take = (name: 'CREWDESK_API_TOKEN' | 'CREWDESK_API_READ_TOKEN'): string | null => {
    const value = env[name]?.trim();
    if (!value) return null;
    if (value.length < MIN_TOKEN_LENGTH)
      throw new Error(`${name} is ${value.length} characters long: use at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 24)`);
    // A bearer header carries one word: a token with a space inside could never be presented.
    if (/\s/.test(value)) throw new Error(`${name} has a space inside: a bearer token is one word (e.g. openssl rand -hex 24)`);
    return value;
  };
  const change = take('CREWDESK_API_TOKEN');
  const read = take('CREWDESK_API_READ_TOKEN');
  // The same token for both would make the read token a change token.
  if (change !== null && change === read) throw new Error('CREWDESK_API_READ_TOKEN is the same as CREWDESK_API_TOKEN: the read-only token must differ');
  return { change, read };
}
