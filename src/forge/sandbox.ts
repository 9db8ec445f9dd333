// Proves a draft in a separate Node process, never in the desk's: an empty environment (no
// keys, no tokens), Node's permission model with read access to node_modules (where the
// sandbox's build of the code lives) and the candle paths only — no writes, no child processes,
// no workers, no native addons — a heap cap and a wall-clock deadline. A process that throws,
// hangs or runs out of memory is killed and the reason reported; the desk only waits on a pipe.
// The process runs at the lowest CPU priority: on a machine with few cores, a proof must take
// what the trading desk leaves, not share the cores with it evenly.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from './checks.ts';
import type { ProofFailure, ProofJob, ProofOutcome } from './proof.ts';
import { buildSandbox, placeDraft, removeDraft } from './sandbox-build.ts';

export interface SandboxLimits {
  /** Wall-clock limit of one evaluation. */
  readonly timeoutMs: number;
  /** V8 heap cap (--max-old-space-size), MB. */
  readonly memoryMb: number;
}

export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({ timeoutMs: 120_000, memoryMb: 512 });

export type SandboxJob = Omit<ProofJob, 'draftDir'> & { readonly source: string };

/**
 * Who proves a draft: `proveInSandbox` in this machine by default; with a research queue, a
 * `crewdesk worker` that runs the same sandbox (the research back end offers it as this function).
 */
export type ForgeProver = (job: SandboxJob, limits: SandboxLimits) => Promise<ProofOutcome>;

/** The permission flag of this Node: experimental on 20, stable from 22. */
export function permissionFlag(version = process.versions.node): string {
  return Number(version.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';
}

export async function proveInSandbox(job: SandboxJob, limits: SandboxLimits = DEFAULT_LIMITS): Promise<ProofOutcome> {
  const build = await buildSandbox();
  const draftDir = placeDraft(`${process.pid}-${randomBytes(6).toString('hex')}`, job.name, job.source);
  const { source: _source, ...rest } = job;
  const proofJob: ProofJob = { ...rest, data: job.data.map((d) => resolve(d)), draftDir };
  try {
    return await runChild(build, proofJob, limits);
  } finally {
    removeDraft(draftDir);
  }
}

function runChild(build: string, job: ProofJob, limits: SandboxLimits): Promise<ProofOutcome> {
  const args = [
    permissionFlag(),
    `--allow-fs-read=${join(PROJECT_ROOT, 'node_modules')}`,
    ...job.data.map((d) => `--allow-fs-read=${d}`),
    `--max-old-space-size=${limits.memoryMb}`,
    '--no-warnings',
    join(build, 'src', 'forge', 'sandbox-child.js'),
  ];
  const guard = outliveGuard(limits);
  return new Promise((resolvePromise) => {
    // In a process group of its own (detached), so that a kill reaches the guard and the proof alike.
    const child = spawn(guard ? guard[0]! : process.execPath, guard ? [...guard.slice(1), process.execPath, ...args] : args, {
      env: {},
      cwd: build,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (!guard) lowerPriority(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout = (stdout + text).slice(-4_000_000);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-20_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, limits.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise(failure(`the sandbox could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut)
        return resolvePromise(failure(`killed: exceeded the wall-clock limit of ${Math.round(limits.timeoutMs / 1000)} s (an endless loop, or far too slow)`));
      if (/heap out of memory|Allocation failed/i.test(stderr)) return resolvePromise(failure(`killed: exceeded the memory cap of ${limits.memoryMb} MB`));
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) {
        try {
          return resolvePromise(JSON.parse(last) as ProofOutcome);
        } catch {
          // reported below
        }
      }
      resolvePromise(failure(`the sandbox process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) without a result: ${lastLine(stderr)}`));
    });
    child.stdin.on('error', () => {}); // a child that died early: its exit is what is reported
    child.stdin.end(JSON.stringify(job));
  });
}

/** Seconds the guard allows beyond the desk's own deadline: it is the backstop, the desk's timer answers first. */
const GUARD_GRACE_S = 5;

/**
 * The proof must not outlive whoever asked for it: a desk or `crewdesk worker` killed with SIGKILL
 * mid-proof cannot kill its child, and a draft stuck in a loop would then spin at 100 % of a core
 * until someone noticed. coreutils' `timeout` holds the deadline outside both processes (a loop
 * blocks the child's own timers, so the child cannot hold it itself), and `nice` starts the child at
 * niceness 19 from its first instruction. Null where either is missing: then the desk's timer is the
 * only deadline and the niceness is set just after the spawn.
 */
function outliveGuard(limits: SandboxLimits): string[] | null {
  const timeout = ['/usr/bin/timeout', '/bin/timeout'].find((p) => existsSync(p));
  const nice = ['/usr/bin/nice', '/bin/nice'].find((p) => existsSync(p));
  if (!timeout || !nice) return null;
  return [timeout, '--signal=KILL', `${Math.ceil(limits.timeoutMs / 1000) + GUARD_GRACE_S}s`, nice, '-n', '19'];
}

/** The sandbox's whole process group (the guard and the proof); the process alone where the group is gone. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Niceness 19 for the sandbox, set before it has started its own threads (they inherit it). A system
 * that refuses leaves it at the desk's priority: slower for the desk, never a failed proof. */
function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, constants.priority.PRIORITY_LOW);
  } catch {
    // Not permitted here: the proof runs at the desk's priority.
  }
}

function failure(reason: string): ProofFailure {
  return { ok: false, stage: 'sandbox', reason };
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at '));
  const error = lines.find((l) => /Error/.test(l)) ?? lines.at(-1) ?? 'no output';
  return error.length > 300 ? `${error.slice(0, 299)}…` : error;
}
