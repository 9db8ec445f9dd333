// A research job: one run of a sweep, self-contained and deterministic. It names everything the
// answer depends on — the code (a hash of the engine and crew code, and of the crew module's
// source), the params, the costs, the candles (symbol, interval, span, each file's name and
// sha256) and the range to trade — so the same job gives the same bytes on any worker, and a
// worker that holds other code or other candles refuses or fails instead of answering differently.
// It carries no secrets, no paths and no config: only what is written here.
// A second kind proves a forge draft on a worker: the draft's source (and its sha256), the candles
// and costs, the sandbox's limits; the worker runs it in the same sandbox the desk would.
import { z } from 'zod';
import type { SweepRun } from '../backtest/optimize-worker.ts';
import type { ProofOutcome } from '../forge/proof.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');

export const candleFileSchema = z.strictObject({
  /** The file's name (no folder): the worker looks for it in its data folders or downloads it. */
  name: z.string().regex(/^[A-Za-z0-9._-]+\.csv$/, 'a candle file name such as BTCUSDT-1m-2024-01.csv'),
  sha256,
});
export type CandleFileRef = z.infer<typeof candleFileSchema>;

export const candleSetSchema = z.strictObject({
  symbol: z.string().regex(/^[A-Z0-9]{2,20}$/),
  interval: z.string().regex(/^\d+[smhdwM]$/),
  /** The columns' span, as the sweep loaded them (warm-up included); null: from the first / to the last candle. */
  from: z.number().int().nullable(),
  to: z.number().int().nullable(),
  files: z.array(candleFileSchema).min(1),
});
export type CandleSet = z.infer<typeof candleSetSchema>;

export const researchJobSchema = z.strictObject({
  kind: z.literal('sweep-run'),
  /** `<sweep>-<n>`: unique within the queue; results are merged by it (a job answered twice counts once). */
  id: z.string().regex(/^[A-Za-z0-9_-]+-\d+$/),
  sweep: z.string().regex(/^[A-Za-z0-9_-]+$/),
  /** The engine code version (see code-version.ts) the owner runs. */
  code: sha256,
  crew: z.strictObject({ name: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/), sha256 }),
  params: z.record(z.string(), z.unknown()),
  cash: z.number().positive(),
  feeBps: z.number().min(0),
  slippageBps: z.number().min(0),
  candles: candleSetSchema,
  /** The candles traded: open time in [start, end). */
  range: z.strictObject({ start: z.number().int(), end: z.number().int() }),
});
export type ResearchJob = z.infer<typeof researchJobSchema>;

/** A forge proof's id: `forge-<time>-<random>` (no colon and not a number: safe as a BullMQ job id). */
export const FORGE_JOB_ID = /^forge-[a-z0-9]{1,12}-[0-9a-f]{8,32}$/;

export const forgeProofJobSchema = z.strictObject({
  kind: z.literal('forge-proof'),
  id: z.string().regex(FORGE_JOB_ID, 'a forge proof id such as forge-m1abc2d3-0123abcd'),
  /** The engine code version (code-version.ts) the owner runs. */
  code: sha256,
  /** The proof's own code (the evaluation and the crews it compares against; code-version.ts). */
  proofCode: sha256,
  draft: z.strictObject({
    name: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a crew name such as ema-rsi-dip'),
    /** The module's TypeScript, as the checks passed it: it runs only inside the worker's sandbox. */
    source: z.string().min(1).max(200_000),
    sha256,
  }),
  candles: candleSetSchema,
  cash: z.number().positive(),
  feeBps: z.number().min(0),
  inSampleShare: z.number().gt(0).lt(1),
  compare: z.boolean(),
  limits: z.strictObject({
    timeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(24 * 3_600_000),
    memoryMb: z.number().int().min(32).max(65_536),
  }),
});
export type ForgeProofJob = z.infer<typeof forgeProofJobSchema>;

/** Anything a `crewdesk worker` takes from the queue. */
export const queuedJobSchema = z.discriminatedUnion('kind', [researchJobSchema, forgeProofJobSchema]);
export type QueuedJob = z.infer<typeof queuedJobSchema>;

/** What a forge proof job gives back. */
export interface ForgeProofAnswer {
  readonly proof: ProofOutcome;
  readonly worker: string;
  readonly ms: number;
}

/** What a job gives back: the run, and who ran it (not part of the result; for progress and benchmarks). */
export interface JobOutcome {
  readonly run: SweepRun;
  readonly worker: string;
  readonly ms: number;
}

/** A job that failed on its worker (a thrown error, a checksum mismatch): its reason, for the sweep's owner. */
export class ResearchJobError extends Error {
  override readonly name = 'ResearchJobError';
  constructor(
    readonly jobId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The sweep was cancelled before this job's answer came. */
export class ResearchCancelledError extends Error {
  override readonly name = 'ResearchCancelledError';
}

/** The key under which a worker keeps a candle set's columns (same files, same span: same columns). */
export function candleSetKey(set: CandleSet): string {
  return JSON.stringify([set.symbol, set.interval, set.from, set.to, set.files.map((f) => f.sha256)]);
}
