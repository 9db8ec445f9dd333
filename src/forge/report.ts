// A draft as the owner reads it: the idea, every attempt's checks, the in-sample and
// out-of-sample KPIs beside buy-and-hold and the best existing crew, the windows, robustness,
// determinism, the trade count's verdict, what it cost, and the code.
import { describeProblems } from './checks.ts';
import { lineDiff } from './diff.ts';
import type { Draft } from './drafts.ts';
import type { KpiLine, ProofReport } from './proof.ts';

export function forgeReportText(draft: Draft, options: { readonly withCode?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`Forge draft ${draft.id}${draft.name ? ` — ${draft.name}` : ''} (${draft.state})`);
  lines.push(`Idea: ${draft.idea}`);
  if (draft.base) lines.push(`Started from: ${draft.base}`);
  if (draft.feedback) lines.push(`Revises ${draft.revises}: ${draft.feedback}`);
  const tokens = draft.attempts.reduce((t, a) => ({ input: t.input + a.tokens.input, output: t.output + a.tokens.output }), { input: 0, output: 0 });
  lines.push(`Cost: ${draft.attempts.length} model call${draft.attempts.length === 1 ? '' : 's'}, ${tokens.input} input + ${tokens.output} output tokens`);
  lines.push('Checks:');
  for (const a of draft.attempts) {
    const verdict = a.problems === '' ? 'passed every check' : `refused — ${a.problems.split('\n').join(' | ')}`;
    lines.push(`  attempt ${a.n}${a.fileName ? ` (${a.fileName})` : ''}: ${verdict}`);
  }
  const last = draft.attempts.at(-1);
  if (last?.checks?.ok) lines.push(`  ${last.checks.checks.map((c) => `${c.rule} ✓`).join(', ')}`);
  if (draft.failure) lines.push(`Failed: ${draft.failure}`);
  if (draft.proof?.ok) lines.push(...proofLines(draft.proof));
  if (options.withCode && last?.source) {
    if (draft.baseSource) lines.push(`Code (a diff against ${draft.base}):`, '```diff', lineDiff(draft.baseSource, last.source).trimEnd(), '```');
    else lines.push('Code:', '```ts', last.source.trimEnd(), '```');
  }
  return lines.join('\n');
}

function proofLines(p: ProofReport): string[] {
  const lines = [`Backtest on ${p.symbol} ${p.interval}, ${p.full.candles} candles, defaults ${JSON.stringify(ownParams(p.params))}`];
  const best = [...p.existing].sort((a, b) => b.outOfSample.totalReturnPct - a.outOfSample.totalReturnPct)[0];
  lines.push(`               ${pad('in-sample')}${pad('out-of-sample')}`);
  lines.push(`draft return   ${pad(pct(p.inSample.totalReturnPct))}${pad(pct(p.outOfSample.totalReturnPct))}`);
  lines.push(`buy and hold   ${pad(pct(p.inSample.buyAndHoldReturnPct))}${pad(pct(p.outOfSample.buyAndHoldReturnPct))}`);
  if (best)
    lines.push(`best crew      ${pad(pct(best.inSample.totalReturnPct))}${pad(pct(best.outOfSample.totalReturnPct))}(${best.crew}, best out-of-sample)`);
  lines.push(`max drawdown   ${pad(pct(-p.inSample.maxDrawdownPct))}${pad(pct(-p.outOfSample.maxDrawdownPct))}`);
  lines.push(`sharpe         ${pad(num(p.inSample.sharpe))}${pad(num(p.outOfSample.sharpe))}`);
  lines.push(`round trips    ${pad(String(p.inSample.roundTrips))}${pad(String(p.outOfSample.roundTrips))}`);
  const rate = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)} %`);
  lines.push(`win rate       ${pad(rate(p.inSample.winRatePct))}${pad(rate(p.outOfSample.winRatePct))}`);
  if (p.walkForward.length > 0)
    lines.push(`Windows: ${p.walkForward.map((w: KpiLine) => `${pct(w.totalReturnPct)} (hold ${pct(w.buyAndHoldReturnPct)})`).join(', ')}`);
  if (p.robustness.length > 0) {
    const collapsed = p.robustness.filter((r) => r.collapsed);
    lines.push(
      `Robustness (each param ±20 %): ${p.robustness.map((r) => `${r.param}=${r.value}: ${r.totalReturnPct === null ? `refused (${r.reason})` : pct(r.totalReturnPct)}`).join(', ')}`,
    );
    lines.push(
      collapsed.length > 0
        ? `  collapses: the gain at the defaults turns into a loss or nothing at ${collapsed.map((r) => `${r.param}=${r.value}`).join(', ')}`
        : '  no gain turns into a loss',
    );
  }
  lines.push(`Determinism: ${p.deterministic ? 'two runs byte-identical' : 'two runs DIFFER — the module is not deterministic'}`);
  if (p.tradeVerdict) lines.push(`Trades: ${p.tradeVerdict}`);
  return lines;
}

/** Problems of the last attempt, for a chat reply. */
export function lastProblems(draft: Draft): string {
  const last = draft.attempts.at(-1);
  return last?.checks ? describeProblems(last.checks) : (last?.problems ?? '');
}

function ownParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const exits = new Set(['stopLossPct', 'takeProfitPct', 'trailingStopPct', 'maxHoldingMinutes']);
  return Object.fromEntries(Object.entries(params).filter(([k]) => !exits.has(k)));
}

function pct(value: number | null): string {
  return value === null ? '–' : `${value >= 0 ? '+' : ''}${value.toFixed(2)} %`;
}

function num(value: number | null): string {
  return value === null ? '–' : value.toFixed(2);
}

function pad(text: string): string {
  return text.padEnd(16);
}
