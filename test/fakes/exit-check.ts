// Runs an exit-check fixture in its own Node process (under tsx, from the repository root): it
// prints FIXTURE_DONE after its last step, and a test asks whether the process then exited by
// itself, i.e. nothing (socket, timer, server) kept its event loop alive.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ExitCheck {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from FIXTURE_DONE on stdout to the process's exit (Infinity when it never printed it). */
  readonly lingerMs: number;
}

/** Runs `fixture` (a file URL or path); kills it after `killAfterMs` if it has not exited. */
export async function runExitCheck(fixture: URL | string, killAfterMs: number): Promise<ExitCheck> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture instanceof URL ? fileURLToPath(fixture) : fixture], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let doneAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (doneAt === 0 && stdout.includes('FIXTURE_DONE')) doneAt = Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  return { code, signal, stdout, stderr, lingerMs: doneAt === 0 ? Infinity : Date.now() - doneAt };
}
