// Where a research queue keeps things in Redis, and how a run travels: the names both sides agree
// on, and the result's encoding (v8's serializer: every number — -0, NaN, Infinity included —
// comes back as it left, so a merged sweep is byte-identical to a local one).
import { deserialize, serialize } from 'node:v8';
import type { SweepRun } from '../backtest/optimize-worker.ts';

export const DEFAULT_PREFIX = 'crewdesk';
export const DEFAULT_QUEUE = 'research';
export const JOB_NAME = 'sweep-run';
export const FORGE_JOB_NAME = 'forge-proof';

/** A worker is listed lost when it has not been heard of for this long. */
export const LOST_AFTER_MS = 10_000;
export const HEARTBEAT_MS = 2_000;

export interface QueueLocation {
  readonly prefix: string;
  readonly queue: string;
}

export const workersKey = (at: QueueLocation) => `${at.prefix}:${at.queue}:workers`;
export const refusalsKey = (at: QueueLocation, sweep: string) => `${at.prefix}:${at.queue}:refusals:${sweep}`;

/** What a worker says about itself (no secrets: host name, pid, code version, what it does). */
export interface WorkerCard {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Engine code version (code-version.ts). */
  readonly code: string;
  readonly state: 'idle' | 'busy';
  readonly job: string | null;
  readonly jobsDone: number;
  readonly startedAt: number;
  readonly seenAt: number;
}

/** What a job returns through the queue. */
export interface QueuedOutcome {
  readonly run: string;
  readonly worker: string;
  readonly ms: number;
}

export function encodeRun(run: SweepRun): string {
  return serialize(run).toString('base64');
}

export function decodeRun(text: string): SweepRun {
  return deserialize(Buffer.from(text, 'base64')) as SweepRun;
}

/** A Redis URL for messages: the password never shown. */
export function showUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis (unparsable URL)';
  }
}
