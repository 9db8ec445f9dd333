// A real `crewdesk worker` process, as a remote machine would run it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'crewdesk.js');

export class WorkerProcess {
  output = '';

  private constructor(
    readonly id: string,
    readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
  }

  /** Starts `crewdesk worker --id ID …` and resolves once it takes jobs. */
  static async start(id: string, args: readonly string[]): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [BIN, 'worker', '--id', id, ...args], {
      cwd: REPO,
      // No keys, no config: a worker needs neither.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(id, child);
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (worker.output.includes('takes research jobs')) {
          child.stdout!.off('data', check);
          resolve();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code}) before taking jobs:\n${worker.output}`)));
    });
    return worker;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}
