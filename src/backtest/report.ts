// How backtest, team-backtest and sweep results are shown: a KPI table (box-drawn on a terminal,
// plain aligned text when piped), one JSON object, CSV files. Pure functions of the results:
// the same result gives the same bytes.
import type { CandleGap } from '../market/csv-candles.ts';
import type { Kpis } from './kpis.ts';
import type { BacktestFill, BacktestResult, Span } from './run.ts';
import type { EquityRecorder } from './equity-recorder.ts';
import type { TeamBacktestResult } from './team.ts';
import type { OptimizationResult } from './optimize.ts';
import { duration, isoMinute } from './time-text.ts';

// ── JSON ──

/** The JSON document of a single-crew backtest (docs/backtesting.md describes every field). */
export function backtestDocument(result: BacktestResult): Record<string, unknown> {
  return {
    kind: 'backtest',
    crew: result.crew,
    symbol: result.symbol,
    interval: result.interval,
    params: result.params,
    cash: result.cash,
    feeBps: result.feeBps,
    slippageBps: result.slippageBps,
    span: spanDocument(result.span),
    finalEquity: result.finalEquity,
    kpis: result.kpis,
    fills: result.fills.map(fillDocument),
    gaps: result.gaps.map(gapDocument),
    crewSummary: result.crewSummary,
    crewStatus: result.crewStatus,
  };
}

export function teamDocument(result: TeamBacktestResult): Record<string, unknown> {
  return {
    kind: 'team-backtest',
    team: result.team,
    capital: result.capital,
    feeBps: result.feeBps,
    slippageBps: result.slippageBps,
    span: spanDocument(result.span),
    finalEquity: result.finalEquity,
    kpis: result.kpis,
    crews: result.crews.map((c) => ({
      id: c.id,
      crew: c.module,
      symbol: c.symbol,
      interval: c.interval,
      params: c.params,
      capital: c.capital,
      finalEquity: c.finalEquity,
      kpis: c.kpis,
      fills: c.fills.map(fillDocument),
      summary: c.summary,
      status: c.status,
    })),
    fills: result.fills.map((f) => ({ ...fillDocument(f), crew: f.crew })),
    gaps: result.gaps.map(gapDocument),
  };
}

/** One JSON object, two-space indented, newline-terminated. */
export function toJson(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

function spanDocument(span: Span): Record<string, unknown> {
  return {
    from: new Date(span.start).toISOString(),
    to: new Date(span.end).toISOString(),
    start: span.start,
    end: span.end,
    candles: span.candles,
    warmupCandles: span.warmupCandles,
  };
}

/** Exactly the documented fields, in a fixed order. */
function gapDocument(g: CandleGap): Record<string, unknown> {
  return { file: g.file, line: g.line, symbol: g.symbol, interval: g.interval, from: g.from, to: g.to, missing: g.missing };
}

/** Exactly the documented fields, in a fixed order. */
function fillDocument(fill: BacktestFill): BacktestFill {
  return { time: fill.time, side: fill.side, price: fill.price, qty: fill.qty, fee: fill.fee };
}

// ── CSV ──

export function fillsCsv(fills: readonly (BacktestFill & { readonly crew?: string })[]): string {
  const withCrew = fills.some((f) => f.crew !== undefined);
  const header = `${withCrew ? 'crew,' : ''}time,time_iso,side,price,qty,fee`;
  const rows = fills.map((f) => `${withCrew ? `${f.crew ?? ''},` : ''}${f.time},${new Date(f.time).toISOString()},${f.side},${f.price},${f.qty},${f.fee}`);
  return `${[header, ...rows].join('\n')}\n`;
}

/** The recorded equity curve (with its drawdown) as CSV. */
export function equityCsv(equity: EquityRecorder): string {
  const points = equity.equityPoints();
  const drawdowns = equity.drawdownPoints();
  const rows = points.map((p, i) => `${p.time},${new Date(p.time).toISOString()},${p.equity},${drawdowns[i]?.pct ?? 0}`);
  return `${['time,time_iso,equity,drawdown_pct', ...rows].join('\n')}\n`;
}

// ── Tables ──

export interface TableStyle {
  /** Box-drawing characters and colour (a terminal); plain aligned text otherwise. */
  readonly tty: boolean;
}

const ANSI = { bold: '\u001b[1m', dim: '\u001b[2m', green: '\u001b[32m', red: '\u001b[31m', reset: '\u001b[0m' } as const;

/** The KPI rows of one run: label and value, in the order a reader wants them. */
export function kpiRows(kpis: Kpis, quote: string, extra: { fills?: number; gaps?: number; missing?: number } = {}): [string, string][] {
  const rows: [string, string][] = [
    ['Final equity', `${money(kpis.finalEquity)} ${quote}`],
    ['Total return', pct(kpis.totalReturnPct)],
    ['Buy and hold', optionalPct(kpis.buyAndHoldReturnPct)],
    ['CAGR', optionalPct(kpis.cagrPct)],
    ['Sharpe (daily, √365)', ratio(kpis.sharpe)],
    ['Sortino (daily, √365)', ratio(kpis.sortino)],
    ['Max drawdown', `${kpis.maxDrawdownPct.toFixed(2)} % · ${duration(kpis.maxDrawdownDurationMs)}`],
    ['Longest drawdown', duration(kpis.longestDrawdownMs)],
    ['Round trips', `${kpis.roundTrips} (${kpis.wins} won, ${kpis.losses} lost)${kpis.openAtEnd ? ' + 1 open' : ''}`],
    ['Win rate', kpis.winRatePct === null ? '—' : `${kpis.winRatePct.toFixed(2)} %`],
    ['Profit factor', ratio(kpis.profitFactor)],
    ['Exposure', `${kpis.exposurePct.toFixed(2)} %`],
    ['Fees paid', `${money(kpis.feesPaid)} ${quote}`],
  ];
  if (extra.fills !== undefined) rows.push(['Fills', String(extra.fills)]);
  if (extra.gaps !== undefined) rows.push(['Gaps in the data', gapsText(extra.gaps, extra.missing ?? 0)]);
  return rows;
}

function gapsText(gaps: number, missing: number): string {
  return gaps === 0 ? 'none' : `${gaps} (${missing.toLocaleString('en-US')} candles missing)`;
}

/** The gaps of one symbol and interval (all of them when not given): their count and missing candles. */
function gapsOf(gaps: readonly CandleGap[], of?: { readonly symbol: string; readonly interval: string }): string {
  const mine = of === undefined ? gaps : gaps.filter((g) => g.symbol === of.symbol && g.interval === of.interval);
  return gapsText(
    mine.length,
    mine.reduce((n, g) => n + g.missing, 0),
  );
}

export function backtestTable(result: BacktestResult, quote: string, style: TableStyle): string {
  const head = [
    `${result.crew} on ${result.symbol} ${result.interval} · ${spanText(result.span)}`,
    `params ${paramsText(result.params)}`,
    `cash ${money(result.cash)} ${quote} · fee ${result.feeBps} bps · slippage ${result.slippageBps} bps`,
  ];
  const rows = kpiRows(result.kpis, quote, {
    fills: result.fills.length,
    gaps: result.gaps.length,
    missing: result.gaps.reduce((n, g) => n + g.missing, 0),
  });
  const notes = [...result.kpis.notes];
  if (result.crewStatus.status !== 'active') notes.unshift(`the crew ended ${result.crewStatus.status}: ${result.crewStatus.reason}`);
  return assemble(head, grid(['KPI', 'value'], rows, style), notes, style);
}

export function teamTable(result: TeamBacktestResult, quote: string, style: TableStyle): string {
  const head = [
    `team ${result.team} · ${spanText(result.span)}`,
    `capital ${money(result.capital)} ${quote} across ${result.crews.length} crew${result.crews.length === 1 ? '' : 's'} · fee ${result.feeBps} bps · slippage ${result.slippageBps} bps`,
    ...result.crews.map((c) => `  ${c.id}: ${c.module} on ${c.symbol} ${c.interval}, ${money(c.capital)} ${quote}, params ${paramsText(c.params)}`),
  ];
  const teamRows = kpiRows(result.kpis, quote);
  const crewRows = result.crews.map((c) => kpiRows(c.kpis, quote));
  const rows: string[][] = teamRows.map(([label, value], i) => [label, value, ...crewRows.map((r) => r[i]![1])]);
  rows.push(['Fills', String(result.fills.length), ...result.crews.map((c) => String(c.fills.length))]);
  // Said as a single backtest says them: a gap is time nobody traded, not hidden in the JSON.
  rows.push(['Gaps in the data', gapsOf(result.gaps), ...result.crews.map((c) => gapsOf(result.gaps, c))]);
  const table = grid(['KPI', 'team', ...result.crews.map((c) => c.id)], rows, style);
  const notes = [...result.kpis.notes];
  for (const c of result.crews) if (c.status.status !== 'active') notes.unshift(`crew ${c.id} ended ${c.status.status}: ${c.status.reason}`);
  return assemble(head, table, notes, style);
}

/** Heading lines (the first bold on a terminal), a blank line, the table, the notes. */
function assemble(head: readonly string[], table: string, notes: readonly string[], style: TableStyle): string {
  const parts = [...head.map((l, i) => (style.tty && i === 0 ? bold(l) : l)), '', table];
  const noted = notesText(notes, style);
  if (noted !== '') parts.push(noted);
  return `${parts.join('\n')}\n`;
}

export function optimizationTable(result: OptimizationResult, style: TableStyle): string {
  const head = [
    `${result.crew} on ${result.symbol} ${result.interval} · ${result.combinations} combinations on ${result.workers} worker${result.workers === 1 ? '' : 's'}${
      result.skipped.length > 0 ? ` (${result.skipped.length} skipped)` : ''
    }`,
    `in-sample ${isoMinute(result.inSample.start)} → ${isoMinute(result.inSample.end)} · out-of-sample ${isoMinute(result.outOfSample.start)} → ${isoMinute(result.outOfSample.end)} (split ${result.split})`,
    ...(result.span.gaps > 0 ? [`gaps in the data: ${gapsText(result.span.gaps, result.span.missingCandles)}, split by the time the candles cover`] : []),
    result.notes.some((n) => n.startsWith('no combination'))
      ? `not ranked: no ${result.metric} in-sample; out-of-sample KPIs of the first ${result.top.length} in grid order`
      : `ranked by ${result.metric} in-sample; out-of-sample KPIs of the top ${result.top.length}`,
  ];
  const rows = result.top.map((r) => [
    String(r.rank),
    paramsText(
      r.params,
      result.grid.map((g) => g.name),
    ),
    metricText(r.inSample.score),
    pct(r.inSample.kpis.totalReturnPct),
    `${r.inSample.kpis.roundTrips}`,
    pct(r.outOfSample.kpis.totalReturnPct),
    ratio(r.outOfSample.kpis.sharpe),
    `${r.outOfSample.kpis.maxDrawdownPct.toFixed(2)} %`,
    `${r.outOfSample.kpis.roundTrips}`,
    optionalPct(r.outOfSample.kpis.buyAndHoldReturnPct),
  ]);
  const table = grid(
    ['#', 'params', `IS ${result.metric}`, 'IS return', 'IS trips', 'OOS return', 'OOS Sharpe', 'OOS max DD', 'OOS trips', 'OOS B&H'],
    rows,
    style,
    [1],
  );
  const parts = [...head.map((l, i) => (style.tty && i === 0 ? bold(l) : l)), '', table];
  if (result.walkForward) {
    const wf = result.walkForward;
    parts.push('', `walk-forward, ${wf.windows.length} windows:`);
    parts.push(
      grid(
        ['window', 'in-sample', 'out-of-sample', 'best params', `IS ${result.metric}`, 'OOS return', 'OOS Sharpe', 'OOS B&H'],
        wf.windows.map((w) => [
          String(w.window),
          `${isoDay(w.inSample.start)} → ${isoDay(w.inSample.end)}`,
          `${isoDay(w.outOfSample.start)} → ${isoDay(w.outOfSample.end)}`,
          w.best
            ? paramsText(
                w.best.params,
                result.grid.map((g) => g.name),
              )
            : '—',
          w.best ? metricText(w.best.inSampleScore) : '—',
          w.best ? pct(w.best.outOfSample.totalReturnPct) : '—',
          w.best ? ratio(w.best.outOfSample.sharpe) : '—',
          optionalPct(w.best?.outOfSample.buyAndHoldReturnPct),
        ]),
        style,
        [0, 1, 2, 3],
      ),
    );
    parts.push(`compounded out-of-sample return ${pct(wf.compoundedReturnPct)}`);
  }
  if (result.notes.length > 0) parts.push('', notesText(result.notes, style));
  if (result.skipped.length > 0) {
    const first = result.skipped[0]!;
    parts.push('', `skipped ${result.skipped.length} combination(s) the crew refuses, e.g. ${paramsText(first.params)}: ${first.reason}`);
  }
  if (result.journalKey) parts.push('', `journaled as ${result.journalKey}`);
  return `${parts.join('\n')}\n`;
}

/** A table: box-drawn with a bold header on a terminal, columns padded with spaces otherwise. */
export function grid(header: readonly string[], rows: readonly (readonly string[])[], style: TableStyle, leftAligned: readonly number[] = [0]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  // Labels are left-aligned (the first column unless told otherwise); numbers right-aligned.
  const cell = (text: string, i: number): string =>
    leftAligned.includes(i) ? text.padEnd(widths[i]! + text.length - width(text)) : text.padStart(widths[i]! + text.length - width(text));
  if (!style.tty) {
    const line = (cells: readonly string[]): string =>
      cells
        .map((c, i) => cell(c, i))
        .join('  ')
        .trimEnd();
    return [line(header), ...rows.map(line)].join('\n');
  }
  const rule = (l: string, m: string, r: string): string => `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`;
  const line = (cells: readonly string[], emphasis: boolean): string =>
    `│${cells.map((c, i) => ` ${emphasis ? bold(cell(c, i)) : colour(cell(c, i))} `).join('│')}│`;
  return [rule('┌', '┬', '┐'), line(header, true), rule('├', '┼', '┤'), ...rows.map((r) => line(r, false)), rule('└', '┴', '┘')].join('\n');
}

function notesText(notes: readonly string[], style: TableStyle): string {
  if (notes.length === 0) return '';
  const text = notes.map((n) => `note: ${n}`).join('\n');
  return style.tty ? `${ANSI.dim}${text}${ANSI.reset}` : text;
}

function bold(text: string): string {
  return `${ANSI.bold}${text}${ANSI.reset}`;
}

/** Signed percentages green or red on a terminal. */
function colour(text: string): string {
  if (/^\s*\+\d.* %$/.test(text)) return `${ANSI.green}${text}${ANSI.reset}`;
  if (/^\s*-\d.* %$/.test(text)) return `${ANSI.red}${text}${ANSI.reset}`;
  return text;
}

/** Display width: box-drawing and other characters used here count one column each (none is wide). */
function width(text: string): number {
  return [...text].length;
}

export function pct(value: number): string {
  const text = Math.abs(value).toFixed(2);
  if (text === '0.00') return '0.00 %';
  return `${value < 0 ? '-' : '+'}${text} %`;
}

/** pct, or a dash for a KPI that is not defined. */
export function optionalPct(value: number | null | undefined): string {
  return value == null ? '—' : pct(value);
}

export function ratio(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

function metricText(value: number | null): string {
  return value === null ? '—' : value.toFixed(3);
}

export function money(value: number): string {
  const [whole, cents] = Math.abs(value).toFixed(2).split('.') as [string, string];
  return `${value < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** key=value pairs; `only` picks the swept names (the rest are the defaults). */
export function paramsText(params: Readonly<Record<string, unknown>>, only?: readonly string[]): string {
  const keys = only ?? Object.keys(params).filter((k) => !isOffExit(k, params[k]));
  return keys.map((k) => `${k}=${String(params[k])}`).join(' ') || '(defaults)';
}

/** The template's exits are 0 when off: not worth a column. */
function isOffExit(key: string, value: unknown): boolean {
  return ['stopLossPct', 'takeProfitPct', 'trailingStopPct', 'maxHoldingMinutes'].includes(key) && value === 0;
}

function spanText(span: Span): string {
  return `${isoMinute(span.start)} → ${isoMinute(span.end)} UTC · ${span.candles.toLocaleString('en-US')} candles${
    span.warmupCandles > 0 ? ` (+${span.warmupCandles} warm-up)` : ''
  }`;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
