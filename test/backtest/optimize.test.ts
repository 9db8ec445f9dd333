// The parameter sweep: the grid syntax, values refused against the crew's declared bounds before
// anything runs, a real sweep on two worker threads (under vitest and under bin/crewdesk.js),
// its runs agreeing with plain backtests, and the results journaled and read back.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expandGrid, latestOptimizationResults, type OptimizationResult, parseGrid, runOptimization, type SweepTimings } from '../../src/backtest/optimize.ts';
import { optimizationTable } from '../../src/backtest/report.ts';
import { runBacktest } from '../../src/backtest/run.ts';
import { main } from '../../src/app/main.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { candlePath, KNOWN_GAPS, REPO_ROOT } from '../data/candle-fixtures.ts';
import { tempDir } from '../support/desk-harness.ts';

const run = promisify(execFile);
const BTC_1H = candlePath('btc1h');

describe('the grid', () => {
  it('reads ranges with both ends included, lists, and lists continued after a comma', () => {
    expect(parseGrid('period=7..21:7,oversold=20..35:5')).toEqual([
      { name: 'period', values: [7, 14, 21] },
      { name: 'oversold', values: [20, 25, 30, 35] },
    ]);
    expect(parseGrid('fast=5,10,20,slow=30..32')).toEqual([
      { name: 'fast', values: [5, 10, 20] },
      { name: 'slow', values: [30, 31, 32] },
    ]);
    expect(parseGrid('size=0.1..0.3:0.1')).toEqual([{ name: 'size', values: [0.1, 0.2, 0.3] }]);
    expect(expandGrid(parseGrid('a=1,2,b=3,4'))).toEqual([
      { a: 1, b: 3 },
      { a: 1, b: 4 },
      { a: 2, b: 3 },
      { a: 2, b: 4 },
    ]);
  });

  it.each([
    ['7..21:7', /has no param name/],
    ['period=21..7', /period=21\.\.7: the range runs backwards/],
    ['period=7..21:0', /period=7\.\.21:0: the step must be above 0/],
    ['period=7,period=8', /param period is given twice/],
    ['period=', /period has an empty value/],
  ])('refuses %j', (grid, message) => {
    expect(() => parseGrid(grid)).toThrow(message);
  });
});

describe('runOptimization refuses before running anything', () => {
  // The data path does not exist: an error about the grid proves nothing was read or started.
  const options = { crew: 'rsi-reversion', symbol: 'BTCUSDT', interval: '1h' as const, data: ['/nonexistent'] };

  it('a value outside the crew’s declared bounds, naming the param, the value and the bounds', async () => {
    await expect(runOptimization({ ...options, grid: 'period=1..21:10' })).rejects.toThrow('--grid: period = 1 is outside its bounds 2..100');
    await expect(runOptimization({ ...options, grid: 'period=14,oversold=20..60:10' })).rejects.toThrow('--grid: oversold = 50 is outside its bounds 1..49');
    await expect(runOptimization({ ...options, grid: 'period=7.5' })).rejects.toThrow('--grid: period = 7.5 is not a whole number (bounds 2..100)');
  });

  it('a param the crew does not have, listing its params', async () => {
    await expect(runOptimization({ ...options, grid: 'length=7..21:7' })).rejects.toThrow(
      /--grid: crew rsi-reversion has no param "length" \(params: period, oversold, overbought, size, stopLossPct/,
    );
  });

  it('through the CLI: one line on stderr, exit code 2', async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await main([
        'optimize',
        '--crew',
        'rsi-reversion',
        '--symbol',
        'BTCUSDT',
        '--interval',
        '1h',
        '--data',
        '/nonexistent',
        '--grid',
        'overbought=40..80:10',
        '--no-journal',
      ]);
    } finally {
      vi.restoreAllMocks();
    }
    expect(code).toBe(2);
    expect(err).toEqual(['crewdesk optimize: --grid: overbought = 40 is outside its bounds 51..99\n']);
  });
});

describe('a sweep on real candles, two worker threads', () => {
  let dir: string;
  let journalFile: string;
  let result: OptimizationResult;
  const progress: [number, number][] = [];
  const timings: SweepTimings[] = [];

  beforeAll(async () => {
    dir = tempDir('crewdesk-optimize-');
    journalFile = join(dir, 'journal.sqlite');
    result = await runOptimization({
      crew: 'rsi-reversion',
      symbol: 'BTCUSDT',
      interval: '1h',
      data: [BTC_1H],
      grid: 'period=7..21:7,oversold=25,30',
      split: 0.7,
      metric: 'return',
      top: 3,
      workers: 2,
      walkForward: 2,
      journal: journalFile,
      onProgress: (done, total) => progress.push([done, total]),
      onTimings: (t) => timings.push(t),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every combination on both workers and ranks them in-sample, best first', () => {
    expect(result.workers).toBe(2);
    expect(result.combinations).toBe(6);
    expect(result.top).toHaveLength(3);
    const scores = result.top.map((r) => r.inSample.score!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const r of result.top) expect(r.inSample.score).toBe(r.inSample.kpis.totalReturnPct);
    // 6 in-sample runs, 3 out-of-sample checks, 2 windows × (6 + 1).
    expect(progress.at(-1)).toEqual([6 + 3 + 2 * 7, 6 + 3 + 2 * 7]);
  });

  it('tells once, at the end, how long the workers took to start and every run took, on which worker', () => {
    expect(timings).toHaveLength(1);
    const [{ workersReadySeconds, runs }] = timings as [SweepTimings];
    expect(workersReadySeconds).toBeGreaterThan(0);
    expect(runs).toHaveLength(6 + 3 + 2 * 7);
    for (const run of runs) {
      expect([0, 1]).toContain(run.worker);
      expect(run.ms).toBeGreaterThan(0);
    }
    expect(JSON.stringify(result)).not.toMatch(/workersReady|"ms"/);
  });

  it('splits the span by the time its candles cover: the first 70 % in-sample, the rest out-of-sample', () => {
    const start = Date.UTC(2021, 0, 1);
    const end = Date.UTC(2021, 3, 1);
    // 2,158 hourly candles: 1,510 of them in-sample; the maintenance hour of 2021-02-11 is no time.
    const split = start + (1_510 + 1) * 3_600_000;
    expect(KNOWN_GAPS[0].after).toBeLessThan(split);
    expect(KNOWN_GAPS[1].after).toBeGreaterThan(split);
    expect(result.inSample).toEqual({ start, end: split });
    expect(result.outOfSample).toEqual({ start: split, end });
    for (const r of result.top) {
      expect(r.inSample.kpis.startTime).toBe(start);
      expect(r.outOfSample.kpis.startTime).toBe(split);
      expect(r.outOfSample.kpis.endTime).toBe(end);
    }
  });

  it('measures each combination exactly as crewdesk backtest does over the same span', async () => {
    const best = result.top[0]!;
    const params = { period: best.params.period, oversold: best.params.oversold };
    const inSample = await runBacktest({ crew: 'rsi-reversion', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H], params, to: result.inSample.end });
    const outOfSample = await runBacktest({ crew: 'rsi-reversion', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H], params, from: result.outOfSample.start });
    expect(best.inSample.kpis).toEqual(inSample.kpis);
    expect(best.outOfSample.kpis).toEqual(outOfSample.kpis); // warmed up on the in-sample candles
  });

  it('warms every run up on the candles before --from, as crewdesk backtest --from does', async () => {
    const from = Date.UTC(2021, 1, 1);
    const late = await runOptimization({
      crew: 'rsi-reversion',
      symbol: 'BTCUSDT',
      interval: '1h',
      data: [BTC_1H],
      grid: 'period=21',
      from,
      split: 0.5,
      top: 1,
      workers: 1,
    });
    expect(late.inSample.start).toBe(from);
    const plain = await runBacktest({
      crew: 'rsi-reversion',
      symbol: 'BTCUSDT',
      interval: '1h',
      data: [BTC_1H],
      params: { period: 21 },
      from,
      to: late.inSample.end,
    });
    expect(plain.span.warmupCandles).toBe(23);
    expect(late.top[0]!.inSample.kpis).toEqual(plain.kpis);
  });

  it('walks forward through consecutive windows, each optimized on its own in-sample part', () => {
    const wf = result.walkForward!;
    expect(wf.windows).toHaveLength(2);
    expect(wf.windows[0]!.outOfSample.end).toBe(wf.windows[1]!.inSample.start);
    const compounded = wf.windows.reduce((g, w) => g * (1 + w.best!.outOfSample.totalReturnPct / 100), 1);
    expect(wf.compoundedReturnPct).toBeCloseTo((compounded - 1) * 100, 9);
  });

  it('journals the result where the Management LLM reads it back', async () => {
    expect(result.journalKey).toMatch(/^optimize\.rsi-reversion\.\d{8}T\d{6}Z$/);
    const journal = await SqliteJournal.open(journalFile);
    try {
      const latest = await latestOptimizationResults(journal, 'rsi-reversion');
      expect(latest?.key).toBe(result.journalKey);
      expect(latest?.result.top.map((r) => r.params)).toEqual(result.top.map((r) => r.params));
      expect(await latestOptimizationResults(journal, 'sma-cross')).toBeNull();
      expect((await journal.getAudit({ limit: 1 }))[0]).toMatchObject({ action: 'optimize', detail: { key: result.journalKey, crew: 'rsi-reversion' } });
    } finally {
      await journal.close();
    }
  });

  it('runs the same under bin/crewdesk.js: one JSON object, the same ranking, journaled', async () => {
    const file = join(dir, 'cli.sqlite');
    const { stdout, stderr } = await run(
      process.execPath,
      [
        'bin/crewdesk.js',
        'optimize',
        '--crew',
        'rsi-reversion',
        '--symbol',
        'BTCUSDT',
        '--interval',
        '1h',
        '--data',
        BTC_1H,
        '--grid',
        'period=7..21:7,oversold=25,30',
        '--metric',
        'return',
        '--top',
        '3',
        '--workers',
        '2',
        '--journal',
        file,
        '--json',
      ],
      { cwd: REPO_ROOT, maxBuffer: 16 << 20 },
    );
    expect(stderr).toBe('');
    const document = JSON.parse(stdout) as OptimizationResult;
    expect(document.workers).toBe(2);
    expect(document.top.map((r) => [r.params, r.inSample.kpis, r.outOfSample.kpis])).toEqual(
      result.top.map((r) => [r.params, r.inSample.kpis, r.outOfSample.kpis]),
    );
    const journal = await SqliteJournal.open(file);
    try {
      expect((await latestOptimizationResults(journal))?.key).toBe(document.journalKey);
    } finally {
      await journal.close();
    }
  });
});

describe('a sweep over data with a gap: the two BTCUSDT 1m files, 46 days apart', () => {
  const MINUTE = 60_000;
  const TWO_FILES = [candlePath('btc1mDay'), candlePath('btc1mWeek')];
  const FEB_19 = Date.UTC(2021, 1, 19);

  it('splits by the time the candles cover, and walks forward without failing', async () => {
    const result = await runOptimization({
      crew: 'sma-cross',
      symbol: 'BTCUSDT',
      interval: '1m',
      data: TWO_FILES,
      grid: 'fast=5,10',
      top: 2,
      workers: 1,
      walkForward: 3,
    });
    expect(result.span).toMatchObject({ candles: 11_520, gaps: 1, missingCandles: 66_240 });
    // 70 % of the 11,520 covered minutes: the day of 2021-01-03 and 6,624 minutes from 2021-02-19 on.
    expect(result.inSample).toEqual({ start: Date.UTC(2021, 0, 3), end: FEB_19 + 6_624 * MINUTE });
    // Enough days in-sample for a Sharpe: a ranking, not the grid's order.
    for (const r of result.top) expect(r.inSample.score).not.toBeNull();
    expect(result.notes).toEqual([]);
    // Three windows of 3,840 covered minutes; the first holds the January day and 2,400 minutes of February.
    const windows = result.walkForward!.windows;
    expect(windows.map((w) => w.outOfSample.end)).toEqual([FEB_19 + 2_400 * MINUTE, FEB_19 + 6_240 * MINUTE, Date.UTC(2021, 1, 26)]);
    for (const w of windows) expect(w.best).not.toBeNull();
  });

  it('through the CLI: the table names the gap and no stack trace is printed', async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
    let code: number;
    try {
      code = await main([
        'optimize',
        '--crew',
        'sma-cross',
        '--symbol',
        'BTCUSDT',
        '--interval',
        '1m',
        ...TWO_FILES.flatMap((f) => ['--data', f]),
        '--grid',
        'fast=5,10',
        '--walk-forward',
        '3',
        '--workers',
        '1',
        '--no-journal',
      ]);
    } finally {
      vi.restoreAllMocks();
    }
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    expect(stdout.join('')).toContain('gaps in the data: 1 (66,240 candles missing), split by the time the candles cover');
  });

  it('says a ranking on nothing is none: one day in-sample gives no Sharpe, and the table is in grid order', async () => {
    const result = await runOptimization({
      crew: 'sma-cross',
      symbol: 'BTCUSDT',
      interval: '1m',
      data: [candlePath('btc1mDay')],
      grid: 'fast=5,10',
      top: 2,
      workers: 1,
    });
    expect(result.top.map((r) => r.inSample.score)).toEqual([null, null]);
    expect(result.top.map((r) => r.params.fast)).toEqual([5, 10]);
    expect(result.notes).toEqual(['no combination has an in-sample sharpe (fewer than 2 daily returns): the table is in grid order, not a ranking']);
    const table = optimizationTable(result, { tty: false });
    expect(table).toContain('not ranked: no sharpe in-sample; out-of-sample KPIs of the first 2 in grid order');
    expect(table).not.toContain('ranked by sharpe');
  });
});
