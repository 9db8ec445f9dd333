// The manager's run_backtest tool over the backtester: either the chat's BacktestService as it
// is (it already fits ManagerBacktest), or `runBacktest` from src/backtest/run.ts wrapped here.
// The backtester is injected, never imported: the manager works (without that tool) when there
// is none.
import type { BacktestOptions, BacktestResult } from '../backtest/run.ts';
import { isInterval } from '../core/domain.ts';
import { fail, ok } from '../services/result.ts';
import type { ManagerBacktest } from './tools.ts';

/** Default span when the model gives no dates: the last 90 days of the data. */
const DEFAULT_SPAN_MS = 90 * 86_400_000;

export function backtestFromRunner(
  runBacktest: (options: BacktestOptions) => Promise<BacktestResult>,
  settings: { readonly data: readonly string[]; readonly crewDirs?: readonly string[]; readonly feeBps?: number; readonly now?: () => number },
): ManagerBacktest {
  return {
    async run(request) {
      if (!isInterval(request.interval)) return fail(`interval "${request.interval}" is not one of Binance's`);
      const to = request.to ? Date.parse(`${request.to}T00:00:00Z`) : undefined;
      const from = request.from ? Date.parse(`${request.from}T00:00:00Z`) : to !== undefined ? to - DEFAULT_SPAN_MS : (settings.now ?? Date.now)() - DEFAULT_SPAN_MS;
      if (Number.isNaN(from) || (to !== undefined && Number.isNaN(to))) return fail('dates must be YYYY-MM-DD');
      try {
        const result = await runBacktest({
          crew: request.module,
          symbol: request.symbol,
          interval: request.interval,
          data: settings.data,
          from,
          ...(to !== undefined ? { to } : {}),
          ...(request.params ? { params: { ...request.params } } : {}),
          ...(request.capital ? { cash: Number(request.capital) } : {}),
          ...(settings.feeBps !== undefined ? { feeBps: settings.feeBps } : {}),
          ...(settings.crewDirs ? { crewDirs: settings.crewDirs } : {}),
        });
        const span = `${new Date(result.span.start).toISOString().slice(0, 10)} → ${new Date(result.span.end).toISOString().slice(0, 10)}`;
        return ok({ title: `${result.crew} ${result.symbol} ${result.interval}, ${span}`, kpis: result.kpis });
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
    },
  };
}
