// The evaluation a draft gets inside the sandbox: the real backtester on local candles, in-sample
// and out-of-sample, in consecutive windows, beside buy-and-hold and the existing crews; each
// numeric param moved ±20 % within its bounds; the full run twice to see that it repeats.
// Runs only in the sandboxed process (sandbox-child.ts): this is where the draft's code runs.
import { type BacktestResult, runBacktest } from '../backtest/run.ts';
import { intervalMs } from '../core/domain.ts';
import { exitParamsSchema } from '../crew/template.ts';
import { CREWS_DIR, loadCrews } from '../crew/loader.ts';
import { describeParams } from '../crew/template.ts';
import type { KpiLine, ProofJob, ProofOutcome, RobustnessLine } from './proof.ts';

const WINDOWS = 3;
/** Candles a window needs before it is worth running on its own. */
const MIN_WINDOW_CANDLES = 500;
const MIN_ROUND_TRIPS = 10;
const MAX_EQUITY_POINTS = 600;
const NUDGE = 0.2;

export async function evaluateDraft(job: ProofJob): Promise<ProofOutcome> {
  const loaded = await loadCrews([job.draftDir]);
  if (loaded.problems.length > 0) return { ok: false, stage: 'load', reason: loaded.problems.map((p) => p.reason).join('; ') };
  const draft = loaded.crews.get(job.name);
  if (!draft) return { ok: false, stage: 'load', reason: `the module does not define crew "${job.name}"` };

  const base = { symbol: job.symbol, interval: job.interval, data: job.data, cash: job.cash, feeBps: job.feeBps };
  const own = { ...base, crew: job.name, crewDirs: [job.draftDir] };
  try {
    const full = await runBacktest(own);
    const again = await runBacktest(own);
    const deterministic = fingerprint(full) === fingerprint(again);

    const step = intervalMs(job.interval);
    const split = full.span.start + Math.floor(((full.span.end - full.span.start) * job.inSampleShare) / step) * step;
    const inSample = await runBacktest({ ...own, to: split });
    const outOfSample = await runBacktest({ ...own, from: split });

    const walkForward: KpiLine[] = [];
    if (full.span.candles >= WINDOWS * MIN_WINDOW_CANDLES) {
      const width = Math.floor((full.span.end - full.span.start) / WINDOWS / step) * step;
      for (let i = 0; i < WINDOWS; i++) {
        const from = full.span.start + i * width;
        const to = i === WINDOWS - 1 ? full.span.end : from + width;
        walkForward.push(line(await runBacktest({ ...own, from, to })));
      }
    }

    const existing = [];
    if (job.compare) {
      const { crews } = await loadCrews([CREWS_DIR]);
      for (const crew of crews.keys()) {
        existing.push({
          crew,
          inSample: line(await runBacktest({ ...base, crew, to: split })),
          outOfSample: line(await runBacktest({ ...base, crew, from: split })),
        });
      }
    }

    const robustness: RobustnessLine[] = [];
    const exits = new Set(Object.keys(exitParamsSchema.shape));
    const baseline = full.kpis.totalReturnPct;
    for (const bound of describeParams(draft)) {
      if (exits.has(bound.name) || (bound.type !== 'number' && bound.type !== 'integer')) continue;
      const value = full.params[bound.name];
      if (typeof value !== 'number') continue;
      for (const factor of [1 - NUDGE, 1 + NUDGE]) {
        let moved = Math.min(bound.max ?? Infinity, Math.max(bound.min ?? -Infinity, value * factor));
        if (bound.type === 'integer') moved = Math.round(moved);
        if (moved === value) continue;
        try {
          const run = await runBacktest({ ...own, params: { ...full.params, [bound.name]: moved } });
          const pct = run.kpis.totalReturnPct;
          robustness.push({ param: bound.name, value: moved, totalReturnPct: pct, collapsed: baseline > 0 && pct <= 0 });
        } catch (error) {
          robustness.push({ param: bound.name, value: moved, totalReturnPct: null, collapsed: false, reason: messageOf(error) });
        }
      }
    }

    const trips = inSample.kpis.roundTrips + outOfSample.kpis.roundTrips;
    const tradeVerdict =
      trips < MIN_ROUND_TRIPS
        ? `too few trades to judge: ${trips} round trip${trips === 1 ? '' : 's'} in-sample and out-of-sample together (at least ${MIN_ROUND_TRIPS} wanted)`
        : outOfSample.kpis.roundTrips === 0
          ? 'no round trip out-of-sample: the out-of-sample figures say nothing about the rule'
          : null;

    const points = full.equity.equityPoints();
    const every = Math.max(1, Math.ceil(points.length / MAX_EQUITY_POINTS));
    return {
      ok: true,
      name: job.name,
      symbol: job.symbol,
      interval: job.interval,
      params: full.params,
      full: line(full),
      inSample: line(inSample),
      outOfSample: line(outOfSample),
      walkForward,
      existing,
      robustness,
      deterministic,
      tradeVerdict,
      equity: points.filter((_, i) => i % every === 0 || i === points.length - 1),
    };
  } catch (error) {
    return { ok: false, stage: 'run', reason: messageOf(error) };
  }
}

function line(run: BacktestResult): KpiLine {
  const k = run.kpis;
  return {
    start: run.span.start,
    end: run.span.end,
    candles: run.span.candles,
    totalReturnPct: k.totalReturnPct,
    buyAndHoldReturnPct: k.buyAndHoldReturnPct,
    sharpe: k.sharpe,
    maxDrawdownPct: k.maxDrawdownPct,
    roundTrips: k.roundTrips,
    winRatePct: k.winRatePct,
    profitFactor: k.profitFactor,
    feesPaid: k.feesPaid,
    finalEquity: run.finalEquity,
  };
}

function fingerprint(run: BacktestResult): string {
  return JSON.stringify({ kpis: run.kpis, fills: run.fills, finalEquity: run.finalEquity, equity: run.equity.equityPoints() });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
