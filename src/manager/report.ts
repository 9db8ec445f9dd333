// The daily report: per crew, team and overall KPIs, notable trades, risk events, the equity
// chart — all computed here from the journal — and the manager's commentary on top when a
// model is there to write it. The prompt carries one line per crew and a bounded summary of the
// rest, so it grows with the number of crews, never with the number of trades.
import { renderTeamChart } from '../backtest/chart.ts';
import type { DeskService } from '../services/desk-service.ts';
import { collectMetrics, type DeskMetrics } from './metrics.ts';
import { crewLine, dataBlock, fill, overallLine, signed, teamLine } from './prompts.ts';

/** Chart span: a week of equity snapshots. */
const CHART_SPAN_MS = 7 * 86_400_000;
const NOTABLE_TRADES = 3;
const LATEST_RISK_EVENTS = 3;
/** Risk events read for the summary; more than this in a day is reported as "at least". */
const RISK_EVENT_SCAN = 1_000;

export interface RiskSummary {
  readonly total: number;
  /** True when there were more events than were read. */
  readonly atLeast: boolean;
  readonly byRule: readonly { readonly rule: string; readonly count: number }[];
  readonly latest: readonly { readonly at: number; readonly crewId: string | null; readonly rule: string; readonly reason: string }[];
}

export interface NotableTrade {
  readonly crewId: string;
  readonly kind: 'best' | 'worst';
  /** Round-trip PnL, quote, fees included. */
  readonly pnl: number;
}

export interface ReportData {
  /** The report's day in the configured time zone, YYYY-MM-DD. */
  readonly day: string;
  readonly timezone: string;
  readonly metrics: DeskMetrics;
  readonly notable: readonly NotableTrade[];
  readonly risk: RiskSummary;
  readonly pendingProposals: number;
  /** The crews on paper against the promotion gate, one line each with figures (absent: not measured). */
  readonly promotion?: readonly string[];
}

export interface DailyReport {
  readonly title: string;
  readonly day: string;
  /** The whole report as text (console; a Discord embed's description when short enough). */
  readonly text: string;
  readonly sections: {
    readonly overall: string;
    readonly teams: string;
    readonly crews: string;
    readonly notable: string;
    readonly risk: string;
  };
  /** The manager's commentary and recommendations; null without a model or when the call failed. */
  readonly commentary: string | null;
  /** Why there is no commentary, when there is none. */
  readonly commentaryMissing: string | null;
  /** Equity over the last week (total and teams), PNG; null with fewer than two snapshots or when drawing failed. */
  readonly chartPng: Buffer | null;
  readonly data: ReportData;
}

/** The report's figures, read through the desk service and the journal (24 hours of desk time). */
export async function collectReportData(service: DeskService, options: { readonly timezone: string; readonly pendingProposals: number }): Promise<ReportData> {
  const metrics = await collectMetrics(service, '24h');
  const events = await service.desk.journal.getRiskEvents({ since: metrics.asOf - 86_400_000, limit: RISK_EVENT_SCAN });
  const data = buildReportData({ metrics, riskEvents: events, timezone: options.timezone, pendingProposals: options.pendingProposals });
  return { ...data, promotion: await service.promotionGates() };
}

/** Pure: the report's data from the metrics and the day's risk events (newest first). */
export function buildReportData(input: {
  readonly metrics: DeskMetrics;
  readonly riskEvents: readonly { readonly at: number; readonly crewId: string | null; readonly rule: string; readonly reason: string }[];
  readonly timezone: string;
  readonly pendingProposals: number;
}): ReportData {
  const { metrics } = input;
  const best = metrics.crews
    .filter((c) => c.recent.best !== null && c.recent.best > 0)
    .sort((a, b) => b.recent.best! - a.recent.best! || a.id.localeCompare(b.id))
    .slice(0, NOTABLE_TRADES)
    .map((c): NotableTrade => ({ crewId: c.id, kind: 'best', pnl: c.recent.best! }));
  const worst = metrics.crews
    .filter((c) => c.recent.worst !== null && c.recent.worst < 0)
    .sort((a, b) => a.recent.worst! - b.recent.worst! || a.id.localeCompare(b.id))
    .slice(0, NOTABLE_TRADES)
    .map((c): NotableTrade => ({ crewId: c.id, kind: 'worst', pnl: c.recent.worst! }));
  const counts = new Map<string, number>();
  for (const e of input.riskEvents) counts.set(e.rule, (counts.get(e.rule) ?? 0) + 1);
  return {
    day: dayIn(metrics.asOf, input.timezone),
    timezone: input.timezone,
    metrics,
    notable: [...best, ...worst],
    risk: {
      total: input.riskEvents.length,
      atLeast: input.riskEvents.length >= RISK_EVENT_SCAN,
      byRule: [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([rule, count]) => ({ rule, count })),
      latest: input.riskEvents.slice(0, LATEST_RISK_EVENTS),
    },
    pendingProposals: input.pendingProposals,
  };
}

/** The figures as the model reads them: one line per crew and team, bounded lists for the rest. */
export function reportDataText(data: ReportData): string {
  const m = data.metrics;
  const lines = [
    `report day ${data.day} (${data.timezone}), figures over the last 24 hours`,
    overallLine(m.overall),
    ...m.teams.map(teamLine),
    ...m.crews.map(crewLine),
    `notable round trips: ${data.notable.length ? data.notable.map((n) => `${n.kind} ${n.crewId} ${signed(n.pnl)}`).join(', ') : 'none'}`,
    `risk events: ${riskText(data.risk)}`,
    `open proposals: ${data.pendingProposals}`,
    ...(data.promotion?.length ? ['crews on paper against the promotion gate:', ...data.promotion] : []),
  ];
  return lines.join('\n');
}

/** The report prompt: the template with the figures in a data block. */
export function reportPrompt(template: string, data: ReportData): string {
  return fill(template, { day: data.day, report_data: dataBlock('desk_data', reportDataText(data)) });
}

function riskText(r: RiskSummary): string {
  if (r.total === 0) return 'none';
  const rules = r.byRule
    .slice(0, 8)
    .map((x) => `${x.rule} ×${x.count}`)
    .join(', ');
  const latest = r.latest.map((e) => `${utcTime(e.at)} ${e.crewId ?? 'all crews'} ${e.rule}: ${e.reason.slice(0, 100)}`).join('; ');
  return `${r.atLeast ? 'at least ' : ''}${r.total} (${rules}); latest: ${latest}`;
}

/** The report for people. */
export function renderReport(data: ReportData, commentary: string | null, commentaryMissing: string | null, chartPng: Buffer | null): DailyReport {
  const m = data.metrics;
  const o = m.overall;
  const overall = [
    `Equity ${money(o.equity)} on ${money(o.capital)} capital: ${signed(o.pnl)} (${signed(o.pnlPct)}%), today ${signed(o.todayPnl)}.`,
    `Exposure ${money(o.exposure)} (${o.exposurePct}%) · drawdown ${o.drawdownPct ?? 'n/a'}% · ${o.openOrders} open orders · ${o.activeCrews}/${o.crews} crews active · mode ${o.mode}.`,
    o.halt.level === 'none' ? 'Trading is not halted.' : `Trading is HALTED at level ${o.halt.level}: ${o.halt.reason}.`,
    `Last 24 h: ${o.recent.fills} fill${o.recent.fills === 1 ? '' : 's'}, ${o.recent.roundTrips} round trip${o.recent.roundTrips === 1 ? '' : 's'}${o.recent.winRatePct === null ? '' : `, win rate ${o.recent.winRatePct}%`}, round-trip PnL ${signed(o.recent.roundTripPnl)}, fees ${o.recent.fees}.`,
  ].join('\n');
  const teams = table(
    ['team', 'capital', 'equity', 'pnl', 'pnl %', 'exp %', 'trips', 'win %'],
    m.teams.map((t) => [
      t.name,
      money(t.capital),
      money(t.equity),
      signed(t.pnl),
      signed(t.pnlPct),
      String(t.exposurePct),
      String(t.recent.roundTrips),
      pct(t.recent.winRatePct),
    ]),
  );
  const crews = table(
    ['crew', 'status', 'equity', 'pnl', 'pnl %', 'dd %', 'fills', 'trips', 'win %', 'fees'],
    m.crews.map((c) => [
      c.id,
      c.status,
      money(c.equity),
      signed(c.pnl),
      signed(c.pnlPct),
      String(c.drawdownPct),
      String(c.recent.fills),
      String(c.recent.roundTrips),
      pct(c.recent.winRatePct),
      String(c.recent.fees),
    ]),
  );
  const notable = data.notable.length
    ? data.notable.map((n) => `${n.kind === 'best' ? 'Best' : 'Worst'} round trip: ${n.crewId} ${signed(n.pnl)}`).join('\n')
    : 'No closed round trips in the last 24 hours.';
  const risk =
    data.risk.total === 0
      ? 'No risk events in the last 24 hours.'
      : [
          `${data.risk.atLeast ? 'At least ' : ''}${data.risk.total} risk event${data.risk.total === 1 ? '' : 's'}: ${data.risk.byRule.map((r) => `${r.rule} ×${r.count}`).join(', ')}.`,
          ...data.risk.latest.map((e) => `${utcTime(e.at)} ${e.crewId ?? 'all crews'} [${e.rule}] ${e.reason}`),
        ].join('\n');
  const title = `Daily report — ${data.day}`;
  const parts = [
    title,
    '',
    overall,
    '',
    'Teams',
    teams,
    '',
    'Crews',
    crews,
    '',
    ...(data.promotion?.length ? ['Promotion gate (crews on paper)', data.promotion.join('\n'), ''] : []),
    'Notable trades',
    notable,
    '',
    'Risk events',
    risk,
    '',
    'Manager',
    commentary ?? `(no commentary: ${commentaryMissing ?? 'no model'})`,
  ];
  if (data.pendingProposals > 0) parts.push('', `${data.pendingProposals} proposal${data.pendingProposals === 1 ? '' : 's'} waiting for an answer.`);
  return {
    title,
    day: data.day,
    text: parts.join('\n'),
    sections: { overall, teams, crews, notable, risk },
    commentary,
    commentaryMissing: commentary ? null : commentaryMissing,
    chartPng,
    data,
  };
}

/** Total and team equity over the last week, from the journal's snapshots; null with too little to draw. */
export async function equityChart(service: DeskService, asOf: number): Promise<Buffer | null> {
  const journal = service.desk.journal;
  const since = asOf - CHART_SPAN_MS;
  const total = (await journal.getEquity('total', since)).map((p) => ({ time: p.at, equity: Number(p.equity) }));
  if (total.length < 2) return null;
  const teams = [];
  // One team's line would only repeat the total.
  const teamList = service.teamList();
  for (const t of teamList.length > 1 ? teamList : []) {
    const points = (await journal.getEquity(`team:${t.name}`, since)).map((p) => ({ time: p.at, equity: Number(p.equity) }));
    if (points.length >= 2) teams.push({ label: `team ${t.name}`, points });
  }
  let peak = -Infinity;
  const drawdown = total.map((p) => {
    peak = Math.max(peak, p.equity);
    return { time: p.time, pct: peak > 0 ? ((p.equity - peak) / peak) * 100 : 0 };
  });
  const last = total[total.length - 1]!;
  return renderTeamChart({
    title: 'Equity, last 7 days',
    subtitle: `total ${money(last.equity)} · ${new Date(last.time).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    total: { label: 'total', points: total },
    crews: teams,
    drawdown,
    scale: 'return',
    width: 1000,
    height: 560,
  });
}

export function dayIn(ms: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

function utcTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function money(x: number): string {
  return x.toFixed(2);
}

function pct(x: number | null): string {
  return x === null ? '–' : String(x);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '(none)';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
