// A forge proof as a research job, both sides. The desk's side names what the proof depends on —
// the draft's source and its sha256, the candle files by name and sha256 (as a sweep names them),
// the costs, the sandbox's limits, the code versions. The worker's side checks all of it, finds
// the candles with the same checksummed lookup/download/cache as a sweep run, places exactly those
// files in a folder of the job's own, and runs the same sandbox the desk would (`proveInSandbox`):
// the draft's code runs nowhere else, on a worker too.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Interval } from '../core/domain.ts';
import type { ProofOutcome } from '../forge/proof.ts';
import type { ForgeProver, SandboxJob, SandboxLimits } from '../forge/sandbox.ts';
import { engineCodeVersion, proofCodeVersion } from './code-version.ts';
import { FORGE_JOBS_FOLDER, type JobExecutor } from './execute.ts';
import { type ForgeProofAnswer, type ForgeProofJob, forgeProofJobSchema } from './job.ts';
import { candleSetOf } from './sweep-jobs.ts';

/** A forge job the worker must fail (not refuse): its draft's source is not the one it names. */
export class DraftSourceError extends Error {
  override readonly name = 'DraftSourceError';
}

export function newForgeJobId(now = Date.now()): string {
  return `forge-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function sourceSha256(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}

/** The job for a proof the desk would otherwise run in its own sandbox; a draft or setting the job cannot carry is refused, saying which. */
export async function forgeProofJob(job: SandboxJob, limits: SandboxLimits, id = newForgeJobId()): Promise<ForgeProofJob> {
  const candidate: ForgeProofJob = {
    kind: 'forge-proof',
    id,
    code: engineCodeVersion(),
    proofCode: proofCodeVersion(),
    draft: { name: job.name, source: job.source, sha256: sourceSha256(job.source) },
    candles: await candleSetOf(job.data, job.symbol, job.interval, undefined, undefined),
    cash: job.cash,
    feeBps: job.feeBps,
    inSampleShare: job.inSampleShare,
    compare: job.compare,
    limits: { timeoutMs: limits.timeoutMs, memoryMb: limits.memoryMb },
  };
  const parsed = forgeProofJobSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a forge proof job: ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Why this worker refuses the proof (other engine or proof code), or null. */
export function proofRefusal(job: ForgeProofJob): string | null {
  const code = engineCodeVersion();
  if (job.code !== code) return `engine code ${short(code)} differs from the proof's ${short(job.code)}`;
  const proof = proofCodeVersion();
  if (job.proofCode !== proof) return `forge evaluation or built-in crews ${short(proof)} differ from the proof's ${short(job.proofCode)}`;
  return null;
}

/**
 * Runs the proof on this worker: the source's sha256 checked, the candle files found and checked
 * (a mismatch throws naming the file), linked (or copied) into a folder of the job's own under the
 * cache, the sandbox run on that folder only, and the folder removed.
 */
export async function runForgeProof(job: ForgeProofJob, executor: JobExecutor, prove: ForgeProver): Promise<ProofOutcome> {
  const actual = sourceSha256(job.draft.source);
  if (actual !== job.draft.sha256) {
    throw new DraftSourceError(`draft ${job.draft.name}: its source has sha256 ${actual}, the job names ${job.draft.sha256}`);
  }
  const paths = await executor.candleFiles(job.candles, 'proof');
  const dir = join(executor.cacheDir ?? tmpdir(), FORGE_JOBS_FOLDER, `${job.id}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    for (const [i, path] of paths.entries()) place(path, join(dir, job.candles.files[i]!.name));
    return await prove(
      {
        name: job.draft.name,
        source: job.draft.source,
        symbol: job.candles.symbol,
        interval: job.candles.interval as Interval,
        data: [dir],
        cash: job.cash,
        feeBps: job.feeBps,
        inSampleShare: job.inSampleShare,
        compare: job.compare,
      },
      job.limits,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A hard link where the file system allows one (no copy of a year of candles), else a copy. */
function place(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/** Time a proof may take beyond its sandbox's limit: a worker's first proof builds the sandbox, and the job may wait for a worker to finish a sweep run. */
export const PROOF_MARGIN_MS = 60_000;

/** What the queue back end offers for proofs (queue-backend.ts); named here so the forge's side loads no BullMQ. */
export interface ProofQueue {
  prove(job: ForgeProofJob, waitMs: number): Promise<ForgeProofAnswer>;
}

/**
 * The forge's prover when research goes through a queue: the proof becomes a job, and whatever
 * keeps it from coming back — no worker, a refusal, a checksum, no answer within the sandbox's
 * limit plus a margin — becomes a failed proof with the reason, never a wait without end.
 */
export function queueProver(queue: ProofQueue, marginMs = PROOF_MARGIN_MS): ForgeProver {
  return async (job, limits) => {
    try {
      const answer = await queue.prove(await forgeProofJob(job, limits), limits.timeoutMs + marginMs);
      return answer.proof;
    } catch (error) {
      return { ok: false, stage: 'queue', reason: `the research queue gave no proof: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
}
