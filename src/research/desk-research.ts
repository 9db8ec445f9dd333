// Sweeps from the running desk (/research): the optimize CLI's runOptimization on the desk's one
// research back end (warm threads, or the Redis queue), on the desk's candle folder, results journaled
// for the manager as `crewdesk optimize` journals them. Sweeps are remembered for this run of the desk;
// their results stay in the journal.
import { checkGrid, type Metric, METRICS, type OptimizationResult, parseGrid, runOptimization } from '../backtest/optimize.ts';
import { BacktestInputError, findCrew } from '../backtest/run.ts';
import type { ResearchService, ResearchWorkerInfo, SweepRequest, SweepSummary } from '../chat/services.ts';
import { isInterval } from '../core/domain.ts';
import type { Journal } from '../ports/journal.ts';
import { type Actor, fail, ok, type Result } from '../services/result.ts';
import type { ChosenBackend } from './backends.ts';
import { newSweepId } from './sweep-jobs.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Sweeps kept in the list (the journal keeps every result). */
const KEEP = 20;

export interface DeskResearchSettings {
  readonly research: ChosenBackend;
  /** Candle files or folders: the config's `replay.data`. */
  readonly data: readonly string[];
  readonly crewDirs: readonly string[];
  readonly feeBps: number;
  readonly slippageBps: number;
  /** Threads a sweep uses on the embedded pool (the queue takes what its workers give). */
  readonly workers: number;
  readonly journal: Journal;
  readonly audit: (actor: Actor, action: string, detail: Record<string, unknown>) => Promise<void>;
  readonly now?: () => number;
}

interface Running {
  summary: SweepSummary;
  readonly controller: AbortController | null;
  /** Tells the asker (the edited message) of a change. */
  readonly onProgress: ((summary: SweepSummary) => void) | undefined;
}

export class DeskResearch implements ResearchService {
  private readonly list: Running[] = [];
  private readonly now: () => number;

  constructor(private readonly settings: DeskResearchSettings) {
    this.now = settings.now ?? Date.now;
  }

  get backend(): string {
    return this.settings.research.description;
  }

  async sweep(
    request: SweepRequest,
    actor: Actor,
    options: { readonly onStart?: (id: string) => void; readonly onProgress?: (summary: SweepSummary) => void } = {},
  ): Promise<Result<SweepSummary>> {
    if (!actor.isOwner) return fail('only an owner can start a sweep');
    const checked = checkRequest(request);
    if (!checked.ok) return checked;
    // The crew and the grid's params against its bounds, before the sweep gets an id: a refusal starts nothing.
    try {
      checkGrid(await findCrew(request.module, this.settings.crewDirs), parseGrid(request.grid));
    } catch (error) {
      return fail(error instanceof Error ? error.message.replace(/^--grid: /, 'grid: ') : String(error));
    }
    const id = newSweepId(this.now());
    const controller = new AbortController();
    const entry: Running = {
      controller,
      onProgress: options.onProgress,
      summary: {
        id,
        module: request.module,
        symbol: request.symbol,
        interval: request.interval,
        grid: request.grid,
        state: 'running',
        done: 0,
        total: 0,
        status: null,
        startedAt: this.now(),
        endedAt: null,
        by: actor.id,
        best: null,
        combinations: 0,
        skipped: 0,
        error: null,
        journalKey: null,
      },
    };
    this.list.unshift(entry);
    this.list.splice(KEEP);
    await this.settings.audit(actor, 'research.sweep', {
      sweep: id,
      module: request.module,
      symbol: request.symbol,
      interval: request.interval,
      grid: request.grid,
    });
    options.onStart?.(id);
    const update = (change: Partial<SweepSummary>) => {
      entry.summary = { ...entry.summary, ...change };
      options.onProgress?.(entry.summary);
    };
    try {
      const result = await runOptimization({
        backend: this.settings.research.backend,
        crew: request.module,
        symbol: request.symbol,
        interval: checked.value.interval,
        data: [...this.settings.data],
        grid: request.grid,
        metric: checked.value.metric,
        workers: this.settings.workers,
        ...(request.params ? { params: { ...request.params } } : {}),
        ...(checked.value.from !== undefined ? { from: checked.value.from } : {}),
        ...(checked.value.to !== undefined ? { to: checked.value.to } : {}),
        feeBps: this.settings.feeBps,
        slippageBps: this.settings.slippageBps,
        crewDirs: this.settings.crewDirs,
        journal: this.settings.journal,
        signal: controller.signal,
        onProgress: (done, total) => update({ done, total }),
      });
      entry.summary = { ...entry.summary, ...finished(result), endedAt: this.now() };
      return ok(entry.summary);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const cancelled = controller.signal.aborted;
      entry.summary = { ...entry.summary, state: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : message, endedAt: this.now() };
      // Bad input (unknown crew, no candles, a grid outside the bounds) is the asker's to fix; anything else is reported too.
      return cancelled ? ok(entry.summary) : fail(error instanceof BacktestInputError ? message : `the sweep failed: ${message}`);
    }
  }

  sweeps(): readonly SweepSummary[] {
    return this.list.map((r) => r.summary);
  }

  /** The back end's word (Redis gone, back): shown on the running sweeps. */
  status(text: string): void {
    for (const r of this.list) {
      if (r.summary.state !== 'running') continue;
      r.summary = { ...r.summary, status: text };
      r.onProgress?.(r.summary);
    }
  }

  async workers(): Promise<readonly ResearchWorkerInfo[]> {
    return (await this.settings.research.workers()).map((w) => ({
      id: w.id,
      state: w.state,
      job: w.job,
      jobsDone: w.jobsDone,
      version: w.code.slice(0, 12),
      sameCode: w.sameCode,
    }));
  }

  async cancel(id: string, actor: Actor): Promise<Result<SweepSummary>> {
    if (!actor.isOwner) return fail('only an owner can cancel a sweep');
    const entry = this.list.find((r) => r.summary.id === id);
    if (!entry) return fail(`no sweep ${id}${this.list.length > 0 ? ` (sweeps: ${this.list.map((r) => r.summary.id).join(', ')})` : ''}`);
    if (entry.summary.state !== 'running') return fail(`sweep ${id} is already ${entry.summary.state}`);
    await this.settings.audit(actor, 'research.cancel', { sweep: id });
    entry.controller?.abort();
    return ok(entry.summary);
  }

  /** Cancels the sweeps under way (the desk is stopping). */
  close(): void {
    for (const r of this.list) if (r.summary.state === 'running') r.controller?.abort();
  }
}

function checkRequest(
  request: SweepRequest,
): Result<{ interval: Parameters<typeof runOptimization>[0]['interval']; metric: Metric; from?: number; to?: number }> {
  if (!isInterval(request.interval)) return fail(`interval "${request.interval}" is not one of Binance's`);
  const metric = (request.metric ?? 'sharpe') as Metric;
  if (!(METRICS as readonly string[]).includes(metric)) return fail(`metric "${request.metric}" is not one of ${METRICS.join(', ')}`);
  try {
    parseGrid(request.grid);
  } catch (error) {
    return fail(error instanceof Error ? error.message.replace(/^--grid: /, 'grid: ') : String(error));
  }
  const day = (text: string | undefined, name: string): Result<number | undefined> => {
    if (text === undefined) return ok(undefined);
    const ms = DATE.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
    return Number.isNaN(ms) ? fail(`${name} must be a date like 2024-01-31 (got ${text})`) : ok(ms);
  };
  const from = day(request.from, 'from');
  if (!from.ok) return from;
  const to = day(request.to, 'to');
  if (!to.ok) return to;
  return ok({
    interval: request.interval,
    metric,
    ...(from.value !== undefined ? { from: from.value } : {}),
    // "to" names the last day: the span ends at the end of it.
    ...(to.value !== undefined ? { to: to.value + 86_400_000 } : {}),
  });
}

function finished(result: OptimizationResult): Partial<SweepSummary> {
  const best = result.top[0];
  return {
    state: 'done',
    combinations: result.combinations,
    skipped: result.skipped.length,
    journalKey: result.journalKey,
    status: null,
    best: best
      ? {
          params: Object.fromEntries(result.grid.map((axis) => [axis.name, best.params[axis.name]])),
          metric: result.metric,
          score: best.inSample.score,
          outOfSampleReturnPct: best.outOfSample.kpis.totalReturnPct,
        }
      : null,
  };
}
