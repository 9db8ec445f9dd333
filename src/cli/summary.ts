import type { CrewSummary } from '../engine/engine.ts';

/** A plain-text table of crew results, with team and overall totals. */
export function formatSummary(crews: readonly CrewSummary[]): string {
  const header = ['crew', 'team', 'module', 'symbol', 'status', 'capital', 'equity', 'pnl', 'pnl %', 'fees', 'max dd %'];
  const rows = crews.map((c) => [c.id, c.team, c.module, `${c.symbol} ${c.interval}`, c.status, c.capital, c.equity, c.pnl, c.pnlPct.toFixed(2), c.feesPaid, c.drawdownPct.toFixed(2)]);
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
    rows.push([`team ${team}`, '', '', '', '', t.capital.toFixed(2), t.equity.toFixed(2), (t.equity - t.capital).toFixed(2), pct(t.equity, t.capital), '', '']);
    capital += t.capital;
    equity += t.equity;
  }
  rows.push(['overall', '', '', '', '', capital.toFixed(2), equity.toFixed(2), (equity - capital).toFixed(2), pct(equity, capital), '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i >= 5 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return ['', 'summary', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function pct(equity: number, capital: number): string {
  return capital > 0 ? (((equity - capital) / capital) * 100).toFixed(2) : '0.00';
}
