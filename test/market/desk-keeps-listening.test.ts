// The real `crewdesk start` process, 200 crews, a local replay at 36000× — more than the desk can
// follow — with the console on stdin and its output piped (as a person running it under a pager or
// a service manager does). The desk keeps listening: /status and /halt answer while candles flow,
// it says that the replay lags, --exit-after stops it, and its memory stays bounded.
// Bounds are generous (a busy machine meets them); the desk that starved took forever, not 2×.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, writeCrewModule } from '../support/desk-harness.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** A crew that watches and never trades: the desk that starved was one where no order made it wait. */
const WATCHER = `export default defineCrew({
  name: 'watcher',
  description: 'test crew: weighs every close at length (about 20 µs a candle) and holds',
  params: z.object({ effort: z.number().int().min(1).max(1000000).default(20000).describe('steps of work per candle') }),
  indicators: () => ({ score: 0 }),
  warmup: () => 0,
  onCandle(ctx) {
    let score = 0;
    for (let i = 0; i < ctx.params.effort; i++) score += Math.sqrt(i + ctx.candle.close);
    ctx.indicators.score = score;
    return { action: 'hold' };
  },
});`;
const EXIT_AFTER_S = 25;
/** How long an answer may take on a loaded machine (the starving desk never answered at all). */
const ANSWER_MS = 10_000;
const RSS_BOUND_KB = 900 * 1024;

/** 200 crews: 180 watchers, and 20 DCA crews whose buys are all refused (below the minimum notional) and printed. */
function config(dir: string): string {
  writeCrewModule(join(dir, 'crews'), 'watcher', WATCHER);
  const crews = Array.from({ length: 200 }, (_, i) =>
    [
      `      - id: c${i}`,
      `        crew: ${i % 10 === 0 ? 'dca' : 'watcher'}`,
      '        symbol: BTCUSDT',
      '        interval: 1m',
      '        capital: "50"',
      '        params: {}',
    ].join('\n'),
  );
  const file = join(dir, 'crewdesk.yaml');
  writeFileSync(
    file,
    [
      'mode: paper',
      `journal: ${join(dir, 'journal.sqlite')}`,
      `crewDirs: [${join(dir, 'crews')}]`,
      'paper: { feeBps: 10, slippageBps: 2, balances: { USDT: "10000" } }',
      `replay: { data: ${join(dir, 'no-candles')}, speed: 36000, seed: 42 }`,
      'teams:',
      '  - name: alpha',
      '    capital: "10000"',
      '    crews:',
      ...crews,
      '',
    ].join('\n'),
  );
  return file;
}

/** Peak resident memory so far (kB) of a live process, from /proc (Linux). */
function peakRssKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system, s) a live process has used, from /proc (Linux; 100 ticks a second). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

let kill: (() => void) | undefined;
afterAll(() => kill?.());

describe('a desk behind its replay', () => {
  it('answers /status and /halt while candles flow, says the replay lags, exits on --exit-after, memory bounded', async () => {
    const dir = tempDir('crewdesk-lag-');
    const proc = spawn(process.execPath, [join(REPO, 'bin/crewdesk.js'), 'start', '--config', config(dir), '--offline', '--exit-after', String(EXIT_AFTER_S)], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    kill = () => proc.kill('SIGKILL');
    // Only counters and a short tail are kept: the desk prints tens of thousands of lines.
    let tail = '';
    let lagNotices = 0;
    let peakKb = 0;
    const seen: Record<string, number> = {};
    const marks: [string, RegExp][] = [
      ['ready', /console ready/],
      ['status', /^── (.+ )?Status ──$/],
      ['halted', /^── (.+ )?HALTED \(entries\) ──$/],
      ['stopping', /stopping \(--exit-after/],
      ['summary', /^summary$/m],
    ];
    let partial = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('the replay lags')) lagNotices++;
        for (const [name, re] of marks) if (seen[name] === undefined && re.test(line)) seen[name] = performance.now();
      }
      tail = (tail + text).slice(-4000);
    });
    proc.stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const rss = setInterval(() => (peakKb = Math.max(peakKb, peakRssKb(proc.pid!) ?? 0)), 100);
    const until = async (what: string, check: () => boolean, ms: number): Promise<void> => {
      const deadline = performance.now() + ms;
      while (!check()) {
        if (performance.now() > deadline || proc.exitCode !== null) throw new Error(`${what}: not within ${ms} ms. Output ends:\n${tail}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until('the console is ready', () => seen.ready !== undefined, 60_000);
      // The desk has been busy with candles for a while (3 s of CPU): the replay is far behind by now.
      const cpuAtReady = cpuSeconds(proc.pid!);
      await until('the desk busy with candles', () => cpuSeconds(proc.pid!) - cpuAtReady >= 3, 60_000);
      const sentStatus = performance.now();
      proc.stdin.write('/status\n');
      await until('/status answered', () => seen.status !== undefined, ANSWER_MS);
      const sentHalt = performance.now();
      proc.stdin.write('/halt entries\n');
      await until('/halt confirmed', () => seen.halted !== undefined, ANSWER_MS);
      expect(seen.status! - sentStatus).toBeLessThan(ANSWER_MS);
      expect(seen.halted! - sentHalt).toBeLessThan(ANSWER_MS);
      await until('the lag said', () => lagNotices > 0, ANSWER_MS);
      // --exit-after: it stops by itself, prints its summary and exits cleanly.
      expect(await exit).toBe(0);
      expect(seen.stopping).toBeDefined();
      expect(seen.summary).toBeDefined();
      expect(lagNotices).toBe(1);
      expect(peakKb).toBeGreaterThan(0);
      expect(peakKb).toBeLessThan(RSS_BOUND_KB);
    } finally {
      clearInterval(rss);
    }
  }, 180_000);
});
