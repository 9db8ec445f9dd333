// `crewdesk start` in testnet mode as a child process, trading on the local Binance emulator (the real
// @binance/spot client inside it): the stage of the kill/restart and promotion tests. The child gets
// the emulator's URLs and keys and nothing of this machine's Discord, OpenAI, Binance or crewdesk settings.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../../src/core/domain.ts';
import type { Emulator } from '../../src/emulator/emulator.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The environment of a desk on `emulator` with these keys (the emulator checks them). */
export function testnetEnv(emulator: Emulator, key: string, secret: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DISCORD_|OPENAI_|BINANCE_|CREWDESK_)/.test(k)));
  return {
    ...inherited,
    BINANCE_API_KEY: key,
    BINANCE_API_SECRET: secret,
    BINANCE_REST_URL: emulator.restUrl,
    BINANCE_WS_STREAM_URL: emulator.wsStreamUrl,
    BINANCE_WS_API_URL: emulator.wsApiUrl,
    // The embedded research pool, whatever this machine's environment says.
    REDIS_URL: '',
    LOG_LEVEL: 'error',
  };
}

/** Writes a testnet config (YAML) of these lines after `mode` and `journal`; returns its path. */
export function writeTestnetConfig(dir: string, journalFile: string, lines: readonly string[]): string {
  const file = join(dir, 'crewdesk.yaml');
  writeFileSync(file, ['mode: testnet', `journal: ${journalFile}`, ...lines].join('\n'));
  return file;
}

export interface DeskChild {
  readonly proc: ChildProcess;
  /** Everything it printed (stdout and stderr) so far. */
  output(): string;
  /** Types a line into its console (`console: true`). */
  type(line: string): void;
}

/**
 * Starts `crewdesk start --config <configFile>` and resolves once it trades (its "journal …" line),
 * or rejects with what it printed. `console`: its stdin is a pipe to type into (else /dev/null).
 */
export function startTestnetDesk(
  configFile: string,
  env: NodeJS.ProcessEnv,
  options: { readonly cwd?: string; readonly console?: boolean } = {},
): Promise<DeskChild> {
  const proc = spawn(process.execPath, [join(REPO, 'bin/crewdesk.js'), 'start', '--config', configFile], {
    cwd: options.cwd ?? REPO,
    env,
    stdio: [options.console ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const child: DeskChild = { proc, output: () => out, type: (line) => void proc.stdin!.write(`${line}\n`) };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the desk did not start within 180 s:\n${out}`)), 180_000);
    const check = () => {
      if (/crewdesk: journal /.test(out)) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolve(child);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the desk exited (${code}) before trading:\n${out}`));
    });
  });
}

/** Its exit code once it has exited (null when a signal ended it). */
export function exited(proc: ChildProcess): Promise<number | null> {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve(proc.exitCode)
    : new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

/**
 * Polls until `check` returns a value (no sleeps as synchronisation: a generous deadline, then the
 * reason). `what` may be a function: the message is then made at the timeout, with what was printed by then.
 */
export async function eventually<T>(what: string | (() => string), check: () => T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * BTCUSDT 1m candles for the emulator: the first `closed` already closed before now (served as history),
 * the rest to be played. A number is a flat candle at that price; `[open, close]` one that moves.
 */
export function minuteCandles(rows: readonly (number | readonly [number, number])[], closed: number): Candle[] {
  const minute = 60_000;
  const start = Math.floor(Date.now() / minute) * minute - closed * minute;
  return rows.map((row, i) => {
    const [open, close] = typeof row === 'number' ? [row, row] : row;
    return {
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: start + i * minute,
      closeTime: start + (i + 1) * minute - 1,
      open,
      high: Math.max(open, close),
      low: Math.min(open, close),
      close,
      volume: 10,
    };
  });
}
