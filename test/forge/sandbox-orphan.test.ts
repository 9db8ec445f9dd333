// A proof never outlives whoever asked for it: a desk or worker killed with SIGKILL while a draft
// spins in an endless loop leaves no process behind once the proof's deadline has passed (without
// the guard, the orphan spun at a full core until someone killed it by hand).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROVER = fileURLToPath(new URL('./orphan-prover.ts', import.meta.url));

/** Every live process whose command line mentions `marker` (read from /proc: no ps needed). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.includes(marker) && state !== 'Z') found.push(Number(entry));
    } catch {
      // The process ended while it was read.
    }
  }
  return found;
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.runIf(process.platform === 'linux')('a sandboxed proof whose asker is killed', () => {
  it('is ended by its own deadline: no process is left spinning', async () => {
    const prover = spawn(process.execPath, ['--import', import.meta.resolve('tsx/esm'), PROVER, '4000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    prover.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    await until('the prover to start', () => /prover \d+/.test(out), 60_000);
    // The sandbox's child holds the build's sandbox-child.js on its command line.
    await until('the sandbox process', () => processesWith('sandbox-child.js').some((pid) => isDescendant(pid, prover.pid!)), 60_000);
    const sandboxes = processesWith('sandbox-child.js').filter((pid) => isDescendant(pid, prover.pid!));
    prover.kill('SIGKILL');
    // 4 s of limit and 5 s of grace: generous room for a busy machine, none for a process that spins forever.
    await until('the orphaned sandbox to end', () => sandboxes.every((pid) => !processesWith('sandbox-child.js').includes(pid)), 90_000);
    expect(sandboxes.length).toBeGreaterThan(0);
  }, 200_000);
});

/** Whether `pid` descends from `ancestor`, by the parent links in /proc. */
function isDescendant(pid: number, ancestor: number): boolean {
  let current = pid;
  for (let hops = 0; hops < 20 && current > 1; hops++) {
    try {
      current = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${current}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return false;
    }
    if (current === ancestor) return true;
  }
  return false;
}
