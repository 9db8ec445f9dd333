// /backtest: runs a crew over past candles through the same engine, then replies with the KPIs
// and the equity chart. Slow: deferred first, progress edits while it runs.
import type { Reply } from '../src/chat/command.ts';
import { defineCommand } from '../src/chat/define-command.ts';
import { dayRangeOption, paramsOption, throttledProgress } from '../src/chat/options.ts';
import { fixed, money, pnlTone, refused, signed } from '../src/chat/render.ts';
import type { BacktestReport, BacktestRequest } from '../src/chat/services.ts';
import { INTERVALS } from '../src/core/domain.ts';

export default defineCommand({
  data: {
    name: 'backtest',
    description: 'Backtest a crew on past candles: KPIs and the equity chart',
    slow: true,
    options: [
      { name: 'module', description: 'The crew module', type: 'string', required: true, autocomplete: 'module', maxLength: 60 },
      { name: 'symbol', description: 'Binance spot symbol, e.g. BTCUSDT', type: 'string', required: true, autocomplete: 'symbol', maxLength: 20 },
      { name: 'interval', description: 'Candle interval', type: 'string', required: true, choices: INTERVALS.map((i) => ({ name: i, value: i })) },
      { name: 'from', description: 'First day, YYYY-MM-DD (UTC)', type: 'string', maxLength: 10 },
      { name: 'to', description: 'Last day, YYYY-MM-DD (UTC)', type: 'string', maxLength: 10 },
      { name: 'params', description: 'Params as JSON, e.g. {"fast": 12}', type: 'string', maxLength: 1000 },
      { name: 'capital', description: 'Starting quote cash (default 10000)', type: 'string', maxLength: 24 },
    ],
  },
  async execute(ctx) {
    const service = ctx.services.backtest;
    if (!service)
      return ctx.reply({ title: 'Backtest', text: 'This desk was started without the backtester, so /backtest is not available here.', tone: 'info' });
    const days = dayRangeOption(ctx.options);
    if (!days.ok) return ctx.reply(refused(days.error));
    const parsed = paramsOption(ctx.options.string('params'));
    if (!parsed.ok) return ctx.reply(refused(parsed.error));
    const params = parsed.value;
    const capital = ctx.options.string('capital');
    const request: BacktestRequest = {
      module: ctx.options.string('module') ?? '',
      symbol: (ctx.options.string('symbol') ?? '').toUpperCase(),
      interval: ctx.options.string('interval') ?? '',
      ...days.value,
      ...(params ? { params } : {}),
      ...(capital ? { capital } : {}),
    };
    const what = `${request.module} on ${request.symbol} ${request.interval}`;
    await ctx.progress(`Backtesting ${what}…`);
    const show = throttledProgress((text) => ctx.progress(text), { shown: 0 });
    const result = await service.run(request, {
      onProgress: (p) => show(p.fraction, `Backtesting ${what}… ${Math.round(p.fraction * 100)}%${p.text ? ` (${p.text})` : ''}`),
    });
    await ctx.reply(result.ok ? kpiReply(result.value) : refused(result.error, `Backtest of ${what} failed`));
  },
});

function kpiReply(report: BacktestReport): Reply {
  const k = report.kpis;
  const pct = (v: number | null) => (v === null ? '—' : `${signed(v)}%`);
  const num = (v: number | null) => (v === null ? '—' : fixed(v));
  return {
    title: report.title,
    tone: pnlTone(k.totalReturnPct),
    fields: [
      { name: 'Return', value: pct(k.totalReturnPct), inline: true },
      { name: 'CAGR', value: pct(k.cagrPct), inline: true },
      { name: 'Buy & hold', value: pct(k.buyAndHoldReturnPct), inline: true },
      { name: 'Sharpe', value: num(k.sharpe), inline: true },
      { name: 'Sortino', value: num(k.sortino), inline: true },
      { name: 'Max drawdown', value: `${fixed(k.maxDrawdownPct)}%`, inline: true },
      { name: 'Round trips', value: `${k.roundTrips} (${k.wins} won, ${k.losses} lost)`, inline: true },
      { name: 'Win rate', value: k.winRatePct === null ? '—' : `${fixed(k.winRatePct)}%`, inline: true },
      { name: 'Profit factor', value: num(k.profitFactor), inline: true },
      { name: 'Exposure', value: `${fixed(k.exposurePct)}%`, inline: true },
      { name: 'Fees', value: money(k.feesPaid), inline: true },
      { name: 'Equity', value: `${money(k.startEquity)} → ${money(k.finalEquity)}`, inline: true },
    ],
    ...(k.notes.length > 0 ? { text: k.notes.map((n) => `• ${n}`).join('\n') } : {}),
    files: [{ name: 'equity.png', data: report.chartPng }],
  };
}
