// `crewdesk backtest` and `crewdesk optimize`: thin commands over runBacktest, runTeamBacktest and
// runOptimization. Bad input is one line on stderr and exit code 2, before anything is written.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadConfigFile, loadEnv } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { INTERVALS, type Interval, isInterval } from '../core/domain.ts';
import { numberFlag, parseFlags, UsageError } from './args.ts';
import { gapBreaks, renderEquityChart, renderTeamChart } from '../backtest/chart.ts';
import { METRICS, type Metric, defaultWorkers, runOptimization } from '../backtest/optimize.ts';
import { researchBackend } from '../research/backends.ts';
import type { EquityRecorder } from '../backtest/equity-recorder.ts';
import { createProgress, type Progress, type ProgressOptions } from '../backtest/progress.ts';
import {
  backtestDocument,
  backtestTable,
  equityCsv,
  fillsCsv,
  money,
  optimizationTable,
  optionalPct,
  pct,
  ratio,
  teamDocument,
  teamTable,
  toJson,
} from '../backtest/report.ts';
import { type BacktestFill, BacktestInputError, quoteAsset, runBacktest } from '../backtest/run.ts';
import { runTeamBacktest } from '../backtest/team.ts';

export const BACKTEST_USAGE = `usage: crewdesk backtest --crew NAME --symbol SYMBOL --interval INTERVAL --data FILE|DIR [options]
       crewdesk backtest --team CONFIG.yaml [--team-name NAME] --data DIR [options]

Runs a crew (or a whole team from a config file) over past candles through the desk's own
engine, risk gate and paper exchange: a market order decided at a candle's close fills at the
next candle's open. Prints a KPI table, or one JSON object with --json.

  --crew NAME           crew module (crews/NAME.ts or a config crewDirs folder)
  --symbol SYMBOL       e.g. BTCUSDT
  --interval INTERVAL   ${INTERVALS.join(', ')}
  --data FILE|DIR       candle CSV files or folders (repeatable); see crewdesk data download
  --from ISO            first candle traded, e.g. 2021-01-01 or 2021-01-01T12:00Z (UTC unless
                        a zone is given); earlier candles warm the crew up
  --to ISO              end of the span (exclusive)
  --params JSON         crew params, e.g. '{"fast":10,"slow":30}' (defaults fill in the rest)
  --cash N              starting quote cash (default 10000)
  --fee-bps N           fee per fill in basis points (default 10; a team: the config's)
  --slippage-bps N      adverse price move on market fills (default 0; a team: the config's)
  --json                one JSON object on stdout, nothing else
  --out DIR             also write equity.png, equity.csv, fills.csv and result.json into DIR
  --team CONFIG         backtest the team of a config file (its crews, capitals, risk limits)
  --team-name NAME      which team of the config (needed when it has several)
  --config FILE         a config whose crewDirs hold more crews (default crewdesk.yaml if present)
`;

export const OPTIMIZE_USAGE = `usage: crewdesk optimize --crew NAME --symbol SYMBOL --interval INTERVAL --data FILE|DIR --grid GRID [options]

Sweeps a grid of the crew's params over the span across worker threads, ranks the
combinations on the in-sample part and reports the out-of-sample KPIs of the best.
Values outside the crew's declared bounds are refused before anything runs. The result is
journaled (settings key optimize.<crew>.<time>) for the Management LLM.

  --grid GRID           e.g. 'period=7..21:7,oversold=20..35:5' (a..b:step, both ends included)
                        or lists 'fast=5,10,20'
  --split F             in-sample fraction of the span's time (default 0.7)
  --metric M            ${METRICS.join('|')} (default sharpe; maxDrawdown: lower is better)
  --top N               how many of the best to check out-of-sample (default 5)
  --workers N           worker threads (default: the number of cores)
  --walk-forward K      also K consecutive windows, each optimized in-sample, tested after
  --params JSON         params shared by every combination
  --from ISO, --to ISO, --cash N, --fee-bps N, --slippage-bps N   as for crewdesk backtest
  --journal FILE        where to journal the result (default: the config's journal)
  --no-journal          do not journal the result
  --config FILE         the config (journal, crewDirs); default crewdesk.yaml if present
  --json                one JSON object on stdout, nothing else
`;

const COMMON_FLAGS = {
  crew: { type: 'string' },
  symbol: { type: 'string' },
  interval: { type: 'string' },
  data: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  params: { type: 'string' },
  cash: { type: 'string' },
  'fee-bps': { type: 'string' },
  'slippage-bps': { type: 'string' },
  json: { type: 'boolean' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const BACKTEST_FLAGS = {
  ...COMMON_FLAGS,
  out: { type: 'string' },
  team: { type: 'string' },
  'team-name': { type: 'string' },
  journal: { type: 'string' },
} as const;

type BacktestFlags = ReturnType<typeof parseFlags<typeof BACKTEST_FLAGS>>['values'];

export async function backtestCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, BACKTEST_FLAGS);
  if (values.help === true) {
    process.stdout.write(BACKTEST_USAGE);
    return 0;
  }
  try {
    return values.team !== undefined ? await teamBacktest(values) : await singleBacktest(values);
  } catch (error) {
    return inputFailure('backtest', error);
  }
}

async function singleBacktest(values: BacktestFlags): Promise<number> {
  if (values['team-name'] !== undefined) throw new UsageError('--team-name goes with --team');
  const { crew, symbol, interval, data } = subjectFlags(values);
  const { from, to, params, cash, feeBps, slippageBps } = runFlags(values);
  const json = values.json === true;
  const out = outFlag(values.out);
  const crewDirs = configFor(values.config)?.crewDirs ?? [];
  const quote = quoteAsset(symbol);

  const result = await withProgress({ enabled: !json, label: `${crew} ${symbol} ${interval}` }, (progress) =>
    runBacktest({
      crew,
      symbol,
      interval,
      data,
      params,
      cash,
      feeBps,
      slippageBps,
      crewDirs,
      from,
      to,
      journal: values.journal,
      onProgress: (p) => progress.update(p.fraction),
    }),
  );
  const k = result.kpis;
  await emit({
    out,
    json,
    document: backtestDocument(result),
    run: result,
    chart: () =>
      renderEquityChart({
        title: `${result.crew} on ${result.symbol} ${result.interval}`,
        subtitle: `return ${pct(k.totalReturnPct)} · buy and hold ${optionalPct(k.buyAndHoldReturnPct)} · max drawdown ${k.maxDrawdownPct.toFixed(2)} % · Sharpe ${ratio(k.sharpe)} · final ${money(result.finalEquity)} ${quote}`,
        series: [{ label: `Equity (${quote})`, points: result.equity.equityPoints() }],
        drawdown: result.equity.drawdownPoints(),
        valueLabel: `Equity (${quote})`,
        breaks: gapBreaks(result.gaps),
      }),
    table: () => backtestTable(result, quote, { tty: process.stdout.isTTY === true }),
  });
  return 0;
}

async function teamBacktest(values: BacktestFlags): Promise<number> {
  for (const flag of ['crew', 'symbol', 'interval', 'params', 'cash', 'config'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not go with --team: the team's config says it`);
  }
  const configFile = values.team!;
  const config = loadConfigFile(configFile);
  const data = dataFlag(values.data);
  // Fees and slippage left unset take the team config's paper settings.
  const { from, to, feeBps, slippageBps } = spanAndCostFlags(values);
  const json = values.json === true;
  const out = outFlag(values.out);
  const result = await withProgress({ enabled: !json, label: `team ${values['team-name'] ?? ''}`.trim() }, (progress) =>
    runTeamBacktest({
      config,
      data,
      team: values['team-name'],
      from,
      to,
      feeBps,
      slippageBps,
      journal: values.journal,
      onProgress: (p) => progress.update(p.fraction),
    }),
  );
  const k = result.kpis;
  await emit({
    out,
    json,
    document: teamDocument(result),
    run: result,
    chart: () =>
      renderTeamChart({
        title: `team ${result.team} (${basename(configFile)})`,
        subtitle: `team return ${pct(k.totalReturnPct)} · max drawdown ${k.maxDrawdownPct.toFixed(2)} % · Sharpe ${ratio(k.sharpe)} · ${result.crews
          .map((c) => `${c.id} ${pct(c.kpis.totalReturnPct)}`)
          .join(' · ')}`,
        crews: result.crews.map((c) => ({
          label: `${c.id} (${c.module} ${c.symbol} ${c.interval})`,
          points: c.equity.equityPoints(),
          breaks: gapBreaks(result.gaps.filter((g) => g.symbol === c.symbol && g.interval === c.interval)),
        })),
        total: { label: `team ${result.team}`, points: result.equity.equityPoints() },
        drawdown: result.equity.drawdownPoints(),
        valueLabel: 'Return (%)',
        breaks: result.holes,
      }),
    table: () => teamTable(result, result.quote, { tty: process.stdout.isTTY === true }),
  });
  return 0;
}

/** Writes --out (the chart rendered only then), then prints the JSON document or the table. */
async function emit(o: {
  readonly out: OutFolder | null;
  readonly json: boolean;
  readonly document: Record<string, unknown>;
  readonly run: { readonly equity: EquityRecorder; readonly fills: readonly (BacktestFill & { readonly crew?: string })[] };
  readonly chart: () => Promise<Buffer>;
  readonly table: () => string;
}): Promise<void> {
  if (o.out !== null) {
    writeOut(o.out.dir, {
      'equity.png': await o.chart(),
      'equity.csv': equityCsv(o.run.equity),
      'fills.csv': fillsCsv(o.run.fills),
      'result.json': toJson(o.document),
    });
  }
  if (o.json) process.stdout.write(toJson(o.document));
  else {
    process.stdout.write(o.table());
    if (o.out !== null) process.stdout.write(`wrote equity.png, equity.csv, fills.csv, result.json to ${o.out.given}\n`);
  }
}

/** Runs `work` with a progress bar (when enabled), removed however the work ends. */
async function withProgress<T>(options: ProgressOptions, work: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = createProgress(options);
  try {
    return await work(progress);
  } finally {
    progress.stop();
  }
}

export async function optimizeCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    ...COMMON_FLAGS,
    grid: { type: 'string' },
    split: { type: 'string' },
    metric: { type: 'string' },
    top: { type: 'string' },
    workers: { type: 'string' },
    'walk-forward': { type: 'string' },
    journal: { type: 'string' },
    'no-journal': { type: 'boolean' },
  });
  if (values.help === true) {
    process.stdout.write(OPTIMIZE_USAGE);
    return 0;
  }
  try {
    const { crew, symbol, interval, data } = subjectFlags(values);
    const grid = required(values.grid, 'grid');
    const split = numberFlag(values.split, 'split', (n) => n > 0 && n < 1) ?? 0.7;
    const metric = (values.metric ?? 'sharpe') as Metric;
    if (!(METRICS as readonly string[]).includes(metric)) throw new UsageError(`--metric: "${values.metric}" is not one of ${METRICS.join(', ')}`);
    const top = numberFlag(values.top, 'top', (n) => Number.isInteger(n) && n >= 1) ?? 5;
    const workers = numberFlag(values.workers, 'workers', (n) => Number.isInteger(n) && n >= 1 && n <= 64) ?? defaultWorkers();
    const walkForward = numberFlag(values['walk-forward'], 'walk-forward', (n) => Number.isInteger(n) && n >= 1 && n <= 100);
    const { from, to, params, cash, feeBps, slippageBps } = runFlags(values);
    const json = values.json === true;
    if (values['no-journal'] === true && values.journal !== undefined) throw new UsageError('--journal and --no-journal contradict each other');
    const config = configFor(values.config);
    const journal = values['no-journal'] === true ? undefined : (values.journal ?? config?.journal ?? 'data/crewdesk.sqlite');

    // Where the runs go: the queue when Redis is configured (REDIS_URL, research.redis), else warm threads.
    const research = await researchBackend(config?.research, { onStatus: (text) => process.stderr.write(`crewdesk optimize: ${text}\n`) });
    if (!json && research.description.startsWith('queue')) process.stderr.write(`crewdesk optimize: runs go to the research ${research.description}\n`);
    const result = await withProgress({ enabled: !json, label: `optimize ${crew}` }, (progress) =>
      runOptimization({
        backend: research.backend,
        crew,
        symbol,
        interval,
        data,
        grid,
        split,
        metric,
        top,
        workers,
        params,
        cash,
        feeBps,
        slippageBps,
        crewDirs: config?.crewDirs ?? [],
        walkForward,
        from,
        to,
        journal,
        onProgress: (done, total) => progress.update(done / total, `${done}/${total} runs`),
      }),
    ).finally(() => research.close());
    if (json) process.stdout.write(toJson(result));
    else process.stdout.write(optimizationTable(result, { tty: process.stdout.isTTY === true }));
    return 0;
  } catch (error) {
    return inputFailure('optimize', error);
  }
}

/** Bad input: one line, exit 2. Anything else is a bug: rethrown (exit 1 with its stack). */
function inputFailure(command: string, error: unknown): number {
  if (error instanceof BacktestInputError || error instanceof UsageError) {
    process.stderr.write(`crewdesk ${command}: ${error.message}\n`);
    return 2;
  }
  throw error;
}

// ── Flags ──

type CommonFlags = ReturnType<typeof parseFlags<typeof COMMON_FLAGS>>['values'];

/** What a single-crew run is of, in the order the flags are checked. */
function subjectFlags(values: CommonFlags): { crew: string; symbol: string; interval: Interval; data: string[] } {
  const crew = required(values.crew, 'crew');
  const symbol = symbolFlag(required(values.symbol, 'symbol'));
  const interval = intervalFlag(required(values.interval, 'interval'));
  return { crew, symbol, interval, data: dataFlag(values.data) };
}

/** --from, --to, --fee-bps, --slippage-bps as given (undefined when not). */
function spanAndCostFlags(values: CommonFlags) {
  return {
    from: timeFlag(values.from, 'from'),
    to: timeFlag(values.to, 'to'),
    feeBps: numberFlag(values['fee-bps'], 'fee-bps', (n) => n >= 0),
    slippageBps: numberFlag(values['slippage-bps'], 'slippage-bps', (n) => n >= 0),
  };
}

/** A single crew's run: the span and costs with their defaults, its params and cash. */
function runFlags(values: CommonFlags) {
  const { from, to, feeBps, slippageBps } = spanAndCostFlags(values);
  return {
    from,
    to,
    params: paramsFlag(values.params),
    cash: numberFlag(values.cash, 'cash', (n) => n > 0) ?? 10_000,
    feeBps: feeBps ?? 10,
    slippageBps: slippageBps ?? 0,
  };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${flag} is required (crewdesk ${flag === 'grid' ? 'optimize' : 'backtest'} --help)`);
  return value;
}

function symbolFlag(value: string): string {
  const symbol = value.toUpperCase();
  if (!/^[A-Z0-9]{5,20}$/.test(symbol)) throw new UsageError(`--symbol: "${value}" is not a Binance spot symbol such as BTCUSDT`);
  return symbol;
}

function intervalFlag(value: string): Interval {
  if (!isInterval(value)) throw new UsageError(`--interval: "${value}" is not one of ${INTERVALS.join(', ')}`);
  return value;
}

function dataFlag(values: string[] | undefined): string[] {
  if (values === undefined || values.length === 0)
    throw new UsageError('--data is required: candle CSV files or folders (crewdesk data download fetches them)');
  return values;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** An ISO 8601 date or date-time; UTC unless it names a zone. */
export function parseIsoTime(text: string, flag: string): number {
  const m = ISO.exec(text.trim());
  const bad = () => new UsageError(`--${flag}: "${text}" is not a date; use ISO 8601 such as 2021-01-01 or 2021-01-01T12:00Z (UTC unless a zone is given)`);
  if (!m) throw bad();
  const [, y, mo, d, h = '00', mi = '00', s = '00', ms = '0', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const utc = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0')));
  const check = new Date(Date.UTC(year, month - 1, day));
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    throw bad();
  }
  if (zone === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
  return utc - sign * (zh * 60 + zm) * 60_000;
}

function timeFlag(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : parseIsoTime(value, flag);
}

function paramsFlag(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`--params: not JSON: ${value} (expected an object such as '{"fast":10,"slow":30}')`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--params: expected a JSON object such as '{"fast":10,"slow":30}', got ${value}`);
  }
  return parsed as Record<string, unknown>;
}

/** The config named by --config, CREWDESK_CONFIG or ./crewdesk.yaml; none when there is none. */
function configFor(flag: string | undefined): Config | null {
  if (flag !== undefined) return loadConfigFile(flag);
  const fromEnv = loadEnv().CREWDESK_CONFIG;
  if (fromEnv) return loadConfigFile(fromEnv);
  return existsSync('crewdesk.yaml') ? loadConfigFile('crewdesk.yaml') : null;
}

// ── --out: everything or nothing ──

const OUT_FILES = new Set(['equity.png', 'equity.csv', 'fills.csv', 'result.json']);

/** --out: the folder (absolute) and the path as the user typed it, which is what the run says back. */
interface OutFolder {
  readonly dir: string;
  readonly given: string;
}

/** Checks --out before the run: a folder holding only what a backtest writes, or nothing yet. */
function outFlag(value: string | undefined): OutFolder | null {
  if (value === undefined) return null;
  const out = resolve(value);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new UsageError(`--out: ${value} is a file, not a folder`);
    const foreign = readdirSync(out).filter((name) => !OUT_FILES.has(name));
    if (foreign.length > 0) throw new UsageError(`--out: ${value} holds other files (${foreign.slice(0, 3).join(', ')}); give an empty or new folder`);
  }
  return { dir: out, given: value };
}

/** Writes the files into a sibling temp folder, then swaps it in: a failure leaves no half-written --out. */
function writeOut(out: string, files: Record<string, string | Buffer>): void {
  mkdirSync(dirname(out), { recursive: true });
  // Beside --out (same file system, so the renames are atomic), with the umask's permissions.
  const staging = join(dirname(out), `.${basename(out)}.tmp-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging);
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(staging, name), content);
    if (existsSync(out)) {
      const old = `${staging}.old`;
      renameSync(out, old);
      renameSync(staging, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(staging, out);
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
