// The research queue against a real redis-server (the test's own, on a free port) with real
// `crewdesk worker` processes: a sweep through the queue gives the same bytes as the local one;
// a worker SIGKILLed mid-sweep has its job finished by another, nothing lost or counted twice;
// Redis stopped and restarted mid-sweep (empty: it keeps nothing on disk) and the sweep completing,
// the owner told while it waits; a candle file with another sha256 fails naming the file; a
// worker with other crew code refuses the jobs instead of answering.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Job, Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OptimizationResult, type OptimizeOptions, runOptimization } from '../../src/backtest/optimize.ts';
import { OHLCV_HEADER } from '../../src/market/csv-candles.ts';
import { syntheticCandles } from '../../src/market/synthetic.ts';
import { QueueResearch } from '../../src/research/queue-backend.ts';
import { DEFAULT_PREFIX, DEFAULT_QUEUE } from '../../src/research/queue-names.ts';
import { EmbeddedResearch } from '../../src/research/warm-pool.ts';
import { NEEDS_REDIS, RedisServer, requireRedis } from './redis-server.ts';
import { BIN, REPO, WorkerProcess } from './worker-process.ts';

const run = promisify(execFile);
const binary = requireRedis();
const LONG = 240_000;
const CANDLES = 20 * 1440;
/** 5 × 4 = 20 combinations, then the top 5 out-of-sample: 25 runs. */
const GRID = 'fast=5..25:5,slow=40..100:20';

let dir: string;
let dataDir: string;
let crewDir: string;
let redis: RedisServer;
const workers: WorkerProcess[] = [];
const backends: QueueResearch[] = [];

function writeCandles(folder: string, seed: number): void {
  mkdirSync(folder, { recursive: true });
  let csv = `${OHLCV_HEADER}\n`;
  for (const c of syntheticCandles('BTCUSDT', '1m', { seed, count: CANDLES, start: Date.UTC(2023, 0, 1) })) {
    csv += `${c.openTime},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`;
  }
  writeFileSync(join(folder, 'BTCUSDT-1m-2023-01.csv'), csv);
}

/** A crew with no indicator library (its imports resolve from a temp folder; .mts: ESM wherever it lies): buys a rise of `rise` bps over `lookback` closes. */
function probeCrew(extra = ''): string {
  const zod = pathToFileURL(join(REPO, 'node_modules', 'zod', 'index.js')).href;
  const template = pathToFileURL(join(REPO, 'src', 'crew', 'template.ts')).href;
  return `import { z } from '${zod}';
import { defineCrew } from '${template}';
${extra}
export default defineCrew({
  name: 'probe-rise',
  description: 'Buys a rise over the lookback, sells a fall.',
  params: z.object({
    lookback: z.number().int().min(2).max(500).default(20).describe('Closes looked back.'),
    rise: z.number().min(1).max(1000).default(30).describe('Rise in bps that buys.'),
  }),
  indicators: () => ({ closes: [] as number[] }),
  warmup: (p) => p.lookback,
  onCandle({ candle, params, indicators, position }) {
    const closes = indicators.closes;
    closes.push(candle.close);
    if (closes.length > params.lookback) closes.shift();
    if (closes.length < params.lookback) return { action: 'hold' };
    const change = (candle.close / closes[0] - 1) * 10_000;
    if (!position.isLong && change > params.rise) return { action: 'buy', size: 1, reason: 'rise' };
    if (position.isLong && change < -params.rise) return { action: 'sell', size: 1, reason: 'fall' };
    return { action: 'hold' };
  },
});
`;
}

function sweepOptions(extra: Partial<OptimizeOptions> = {}): OptimizeOptions {
  return { crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', data: [dataDir], grid: GRID, workers: 2, split: 0.7, top: 5, ...extra };
}

async function startWorkers(ids: readonly string[], args: readonly string[] = []): Promise<WorkerProcess[]> {
  const started = await Promise.all(ids.map((id) => WorkerProcess.start(id, ['--redis', redis.url, '--data', dataDir, '--lock-ms', '2000', ...args])));
  workers.push(...started);
  return started;
}

async function queueBackend(statuses: string[] = []): Promise<QueueResearch> {
  const backend = await QueueResearch.connect({ url: redis.url, onStatus: (text) => statuses.push(text) });
  backends.push(backend);
  return backend;
}

let localResult: OptimizationResult;

describe(`research on a Redis queue with crewdesk worker processes (${NEEDS_REDIS})`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crewdesk-research-'));
    dataDir = join(dir, 'candles');
    writeCandles(dataDir, 7);
    crewDir = join(dir, 'crews');
    mkdirSync(crewDir);
    writeFileSync(join(crewDir, 'probe-rise.mts'), probeCrew());
    redis = await RedisServer.start(binary);
    localResult = await runOptimization(sweepOptions({ backend: new EmbeddedResearch() }));
  }, LONG);

  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await redis.up().catch(() => undefined);
    // Each test starts from an empty queue.
    const queue = new Queue(DEFAULT_QUEUE, { connection: { url: redis.url }, prefix: DEFAULT_PREFIX });
    await queue.obliterate({ force: true });
    await queue.close();
  }, LONG);

  afterAll(async () => {
    await redis?.down();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'crewdesk optimize through the queue prints the same bytes as crewdesk optimize on local threads',
    async () => {
      await startWorkers(['w1', 'w2']);
      const args = ['optimize', '--crew', 'sma-cross', '--symbol', 'BTCUSDT', '--interval', '1m', '--data', dataDir, '--grid', GRID, '--workers', '2'];
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
      const [local, queued] = await Promise.all([
        run(process.execPath, [BIN, ...args, '--no-journal', '--json'], { cwd: REPO, env, maxBuffer: 1 << 26 }),
        run(process.execPath, [BIN, ...args, '--no-journal', '--json'], { cwd: REPO, env: { ...env, REDIS_URL: redis.url }, maxBuffer: 1 << 26 }),
      ]);
      expect(JSON.parse(queued.stdout).combinations).toBe(20);
      expect(queued.stdout).toBe(local.stdout);
      // Both workers took part (the jobs were shared out, not run by the owner), and say so.
      const cards = await (await queueBackend()).workers();
      expect(cards.map((c) => [c.id, c.jobsDone > 0])).toEqual([
        ['w1', true],
        ['w2', true],
      ]);
      const listed = await run(process.execPath, [BIN, 'worker', '--list', '--redis', redis.url], { cwd: REPO, env });
      expect(listed.stdout).toMatch(/^w1 +idle +\d+ jobs done .* same code/m);
      expect(listed.stdout).toMatch(/^w2 +idle +\d+ jobs done .* same code/m);
    },
    LONG,
  );

  it(
    'a worker SIGKILLed mid-sweep: its job is finished by the other, nothing lost or counted twice',
    async () => {
      const [w1, w2] = await startWorkers(['w1', 'w2']);
      const backend = await queueBackend();
      let victimJob: string | null = null;
      let killing: Promise<void> | null = null;
      const sweep = runOptimization(
        sweepOptions({
          backend,
          onProgress: (done) => {
            if (done < 3 || killing !== null) return;
            // Kill whichever worker is in a job now (as its card says), holding that job.
            killing = (async () => {
              const busy = await vi.waitFor(
                async () => {
                  const card = (await backend.workers()).find((c) => c.state === 'busy' && c.job !== null);
                  if (!card) throw new Error('no busy worker yet');
                  return card;
                },
                { timeout: 60_000, interval: 20 },
              );
              victimJob = busy.job;
              (busy.id === 'w1' ? w1 : w2)!.kill('SIGKILL');
            })();
          },
        }),
      );
      const result = await sweep;
      await killing;
      expect(victimJob).not.toBeNull();
      expect(JSON.stringify(result)).toBe(JSON.stringify({ ...localResult }));
      // The killed worker's job stalled and was run by the survivor.
      const queue = new Queue(DEFAULT_QUEUE, { connection: { url: redis.url }, prefix: DEFAULT_PREFIX });
      try {
        const job = await Job.fromId(queue, victimJob!);
        const victim = workers.find((w) => w.child.signalCode === 'SIGKILL')!;
        expect(job?.returnvalue?.worker).toBeDefined();
        // The worker's card can lag its work by a moment: on a busy machine the victim may have handed the
        // job in just before it died (then it stands, answered once). Otherwise the job stalled and the survivor ran it.
        if (job!.returnvalue.worker !== victim.id) expect(job!.stalledCounter).toBeGreaterThanOrEqual(1);
        // Every job that stalled was finished by the survivor, and none was answered twice (the result above is the local one).
        const stalled = (await queue.getCompleted(0, 1000)).filter((j) => j.stalledCounter > 0);
        for (const j of stalled) expect(j.returnvalue.worker).not.toBe(victim.id);
        expect(stalled.length > 0 || job!.returnvalue.worker === victim.id).toBe(true);
      } finally {
        await queue.close();
      }
    },
    LONG,
  );

  it(
    'Redis stopped and restarted (empty) mid-sweep: the owner is told, and the sweep completes the same',
    async () => {
      await startWorkers(['w1', 'w2']);
      const statuses: string[] = [];
      const backend = await queueBackend(statuses);
      let restart: Promise<void> | null = null;
      const sweep = runOptimization(
        sweepOptions({
          backend,
          onProgress: (done) => {
            if (done < 3 || restart !== null) return;
            restart = (async () => {
              await redis.down();
              await vi.waitFor(() => expect(statuses.join('\n')).toContain('unreachable; the sweep waits'), { timeout: 60_000, interval: 50 });
              await redis.up();
            })();
          },
        }),
      );
      const result = await sweep;
      await restart;
      expect(JSON.stringify(result)).toBe(JSON.stringify({ ...localResult }));
      expect(statuses.join('\n')).toContain('is back; the sweep resumes');
    },
    LONG,
  );

  it(
    'a sweep cancelled while its jobs wait: it ends with the reason, and its jobs leave the queue',
    async () => {
      const backend = await queueBackend();
      const controller = new AbortController();
      const sweep = runOptimization(sweepOptions({ backend, signal: controller.signal })).then(
        () => null,
        (e: unknown) => e as Error,
      );
      const queue = new Queue(DEFAULT_QUEUE, { connection: { url: redis.url }, prefix: DEFAULT_PREFIX });
      try {
        // No worker: the 20 in-sample jobs wait in the queue until cancelled.
        await vi.waitFor(async () => expect(await queue.getWaitingCount()).toBe(20), { timeout: 60_000, interval: 50 });
        controller.abort();
        expect((await sweep)?.message).toBe('the sweep was cancelled');
        await vi.waitFor(async () => expect(await queue.getWaitingCount()).toBe(0), { timeout: 60_000, interval: 50 });
      } finally {
        await queue.close();
      }
    },
    LONG,
  );

  it(
    'a candle file whose sha256 differs on the worker fails the job, naming the file; the sweep says so',
    async () => {
      const otherData = join(dir, 'other-candles');
      writeCandles(otherData, 8); // same name, other candles
      workers.push(...(await Promise.all([WorkerProcess.start('w-other', ['--redis', redis.url, '--data', otherData, '--cache', join(dir, 'cache')])])));
      const backend = await queueBackend();
      const error = await runOptimization(sweepOptions({ backend, grid: 'fast=5,10,slow=40' })).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/every combination failed.*candle file BTCUSDT-1m-2023-01\.csv .* has sha256 [0-9a-f]{64}, the sweep's has [0-9a-f]{64}/);
    },
    LONG,
  );

  it(
    'a worker with other crew code refuses the jobs (the owner is told); a worker with the same code answers them',
    async () => {
      const otherCrews = join(dir, 'other-crews');
      mkdirSync(otherCrews, { recursive: true });
      writeFileSync(join(otherCrews, 'probe-rise.mts'), probeCrew('// edited: a different version of the same crew'));
      await startWorkers(['w-old'], ['--crew-dir', otherCrews]);
      const statuses: string[] = [];
      const backend = await queueBackend(statuses);
      const options = sweepOptions({ crew: 'probe-rise', crewDirs: [crewDir], grid: 'lookback=10,30,rise=20,40', top: 2 });
      const local = await runOptimization({ ...options, backend: new EmbeddedResearch(), workers: 1 });
      let done = 0;
      const sweep = runOptimization({ ...options, backend, onProgress: (n) => (done = n) });
      await vi.waitFor(() => expect(statuses.join('\n')).toMatch(/worker w-old refuses this sweep's jobs: crew probe-rise source [0-9a-f]{12} differs/), {
        timeout: 60_000,
        interval: 50,
      });
      expect(done).toBe(0);
      await startWorkers(['w-new'], ['--crew-dir', crewDir]);
      const result = await sweep;
      expect(JSON.stringify(result)).toBe(JSON.stringify({ ...local }));
      const cards = await backend.workers();
      expect(cards.find((c) => c.id === 'w-old')?.jobsDone).toBe(0);
    },
    LONG,
  );
});
