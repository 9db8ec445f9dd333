// /research: parameter sweeps from the running desk, on its research back end (warm threads, or
// `crewdesk worker` processes through Redis). A sweep answers with one message edited as it runs;
// /research list shows the sweeps and the workers; /research cancel withdraws a sweep's jobs.
import type { Reply } from '../src/chat/command.ts';
import { defineCommand } from '../src/chat/define-command.ts';
import { dayRangeOption, paramsOption, throttledProgress } from '../src/chat/options.ts';
import { fixed, refused, table } from '../src/chat/render.ts';
import type { SweepSummary } from '../src/chat/services.ts';
import { METRICS } from '../src/backtest/optimize.ts';
import { INTERVALS } from '../src/core/domain.ts';

/** Progress edits at most every this much of the sweep, or when the back end has news (Discord rate-limits edits). */
const PROGRESS_STEP = 0.1;

export default defineCommand({
  data: {
    name: 'research',
    description: 'Parameter sweeps on the research workers: start, list, cancel',
    slow: true,
    subcommands: [
      {
        name: 'sweep',
        description: 'Sweep a crew’s params over past candles (ranked in-sample, checked out-of-sample)',
        mutating: true,
        options: [
          { name: 'module', description: 'The crew module', type: 'string', required: true, autocomplete: 'module', maxLength: 60 },
          { name: 'symbol', description: 'Binance spot symbol, e.g. BTCUSDT', type: 'string', required: true, autocomplete: 'symbol', maxLength: 20 },
          { name: 'interval', description: 'Candle interval', type: 'string', required: true, choices: INTERVALS.map((i) => ({ name: i, value: i })) },
          { name: 'grid', description: 'Params to sweep, e.g. fast=5..50:5,slow=60..240:20', type: 'string', required: true, maxLength: 1000 },
          { name: 'from', description: 'First day, YYYY-MM-DD (UTC)', type: 'string', maxLength: 10 },
          { name: 'to', description: 'Last day, YYYY-MM-DD (UTC)', type: 'string', maxLength: 10 },
          { name: 'metric', description: 'Ranking metric (default sharpe)', type: 'string', choices: METRICS.map((m) => ({ name: m, value: m })) },
          { name: 'params', description: 'Params every combination shares, as JSON', type: 'string', maxLength: 1000 },
        ],
      },
      { name: 'list', description: 'Sweeps (running, done, failed, cancelled) and workers (busy, idle, lost)' },
      {
        name: 'cancel',
        description: 'Cancel a running sweep',
        mutating: true,
        options: [{ name: 'id', description: 'The sweep id (from /research list)', type: 'string', required: true, maxLength: 40 }],
      },
    ],
  },
  async execute(ctx) {
    const research = ctx.services.research;
    if (!research) return ctx.reply({ title: 'Research', text: 'Research is off on this desk (the start-up log says why).', tone: 'info' });
    switch (ctx.subcommand) {
      case 'sweep': {
        const days = dayRangeOption(ctx.options);
        if (!days.ok) return ctx.reply(refused(days.error));
        const parsed = paramsOption(ctx.options.string('params'));
        if (!parsed.ok) return ctx.reply(refused(parsed.error));
        const metric = ctx.options.string('metric');
        const request = {
          module: ctx.options.string('module') ?? '',
          symbol: (ctx.options.string('symbol') ?? '').toUpperCase(),
          interval: ctx.options.string('interval') ?? '',
          grid: ctx.options.string('grid') ?? '',
          ...days.value,
          ...(metric ? { metric } : {}),
          ...(parsed.value ? { params: parsed.value } : {}),
        };
        const what = `${request.module} on ${request.symbol} ${request.interval}`;
        const show = throttledProgress((text) => ctx.progress(text), { step: PROGRESS_STEP });
        const result = await research.sweep(request, ctx.actor, {
          onStart: (id) => void ctx.progress(`Sweep ${id} of ${what} started on the ${research.backend} (/research cancel ${id})`),
          onProgress: (s) => {
            const fraction = s.total > 0 ? s.done / s.total : 0;
            show(fraction, `Sweep ${s.id} of ${what}: ${bar(fraction)} ${s.done}/${s.total} runs${s.status ? ` — ${s.status}` : ''}`, s.status);
          },
        });
        return ctx.reply(result.ok ? sweepReply(result.value) : refused(result.error, `Sweep of ${what} failed`));
      }
      case 'list': {
        const sweeps = research.sweeps();
        const workers = await research.workers();
        const sweepTable =
          sweeps.length === 0
            ? 'No sweeps yet: /research sweep <module> <symbol> <interval> <grid>.'
            : table(
                ['sweep', 'crew', 'market', 'state', 'runs', 'best'],
                sweeps.map((s) => [s.id, s.module, `${s.symbol} ${s.interval}`, s.state, `${s.done}/${s.total}`, bestText(s)]),
              );
        const workerTable =
          workers.length === 0
            ? 'No workers yet (embedded threads start with the first sweep; queue workers: crewdesk worker).'
            : table(
                ['worker', 'state', 'job', 'jobs done', 'version'],
                workers.map((w) => [w.id, w.state, w.job ?? '–', w.jobsDone ?? '–', w.sameCode ? w.version : `${w.version} (other code: refuses)`]),
              );
        return ctx.reply({ title: `Research (${research.backend})`, text: `Sweeps:\n${sweepTable}\nWorkers:\n${workerTable}`, tone: 'info' });
      }
      case 'cancel': {
        const result = await research.cancel(ctx.options.string('id') ?? '', ctx.actor);
        return ctx.reply(
          result.ok
            ? { title: 'Research', text: `Sweep ${result.value.id} is being cancelled: its queued runs are withdrawn.`, tone: 'warn' }
            : refused(result.error, 'Research'),
        );
      }
      default:
        return ctx.reply(refused(`unknown subcommand ${ctx.subcommand ?? ''}`, 'Research'));
    }
  },
});

function bar(fraction: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * 10);
  return `[${'#'.repeat(filled)}${'.'.repeat(10 - filled)}] ${Math.round(fraction * 100)}%`;
}

function bestText(s: SweepSummary): string {
  if (s.state === 'failed') return s.error ? (s.error.length > 60 ? `${s.error.slice(0, 59)}…` : s.error) : 'failed';
  if (!s.best) return '–';
  return `${JSON.stringify(s.best.params)} ${s.best.metric} ${s.best.score === null ? '—' : fixed(s.best.score)}`;
}

function sweepReply(s: SweepSummary): Reply {
  if (s.state === 'cancelled') return { title: `Sweep ${s.id} cancelled`, text: `${s.done}/${s.total} runs were done.`, tone: 'warn' };
  const best = s.best;
  return {
    title: `Sweep ${s.id} done: ${s.module} on ${s.symbol} ${s.interval}`,
    tone: best ? 'good' : 'warn',
    fields: [
      { name: 'Combinations', value: `${s.combinations}${s.skipped > 0 ? ` (${s.skipped} skipped)` : ''}`, inline: true },
      { name: 'Best params', value: best ? JSON.stringify(best.params) : '—', inline: true },
      { name: `Best ${best?.metric ?? 'score'} in-sample`, value: best?.score == null ? '—' : fixed(best.score), inline: true },
      {
        name: 'Its return out-of-sample',
        value: best?.outOfSampleReturnPct == null ? '—' : `${fixed(best.outOfSampleReturnPct)}%`,
        inline: true,
      },
      { name: 'Journaled as', value: s.journalKey ?? '—', inline: true },
    ],
  };
}
