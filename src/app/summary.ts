import { formatPct, formatPnl, formatQuote } from '../core/format.ts';
import type { CrewSummary } from '../engine/engine.ts';

/**
 * A plain-text table of crew results, with team and overall totals. `dd %` is the drawdown now, from
 * the crew's peak (as `/crew list` shows it and the risk limit measures it), not the run's worst.
 */
export function formatSummary(crews: readonly CrewSummary[]): string {
  const header = ['crew', 'team', 'module', 'symbol', 'status', 'capital', 'equity', 'pnl', 'pnl %', 'fees', 'dd %'];
  const rows = crews.map((c) => [
    c.id,
    c.team,
    c.module,
    `${c.symbol} ${c.interval}`,
    c.status,
    formatQuote(c.capital),
    formatQuote(c.equity),
    formatPnl(c.pnl),
    formatPct(c.pnlPct, { signed: true }),
    formatQuote(c.feesPaid),
    c.drawdownPct.toFixed(2),
  ]);
  const byTeam = new Map<string, { capital: number; equity: number }>();
  for (const c of crews) {
    const t = byTeam.get(c.team) ?? { capital: 0, equity: 0 };
    t.capital += Number(c.capital);
    t.equity += Number(c.equity);
    byTeam.set(c.team, t);
  }
  let capital = 0;
  let equity = 0;
  for (const [team, t] of byTeam) {
    rows.push([
      `team ${team}`,
      '',
      '',
      '',
      '',
      formatQuote(t.capital),
      formatQuote(t.equity),
      formatPnl(t.equity - t.capital),
      pct(t.equity, t.capital),
      '',
      '',
    ]);
    capital += t.capital;
    equity += t.equity;
  }
  rows.push(['overall', '', '', '', '', formatQuote(capital), formatQuote(equity), formatPnl(equity - capital), pct(equity, capital), '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i >= 5 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return ['', 'summary', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function pct(equity: number, capital: number): string {
  return capital > 0 ? formatPct(((equity - capital) / capital) * 100, { signed: true }) : '0.00';
}
