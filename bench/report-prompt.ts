// The daily report's prompt size, in tokens, for 10 and for 100 crews with 10,000 trades each in
// the day: the prompt must grow with the number of crews, never with the number of trades
// (target ≤ 150 tokens per crew). The same code builds it as in production — the aggregation over
// the fills, the report data, the template from prompts/report.md — over synthetic crews.
//
// Tokens are counted with js-tiktoken's o200k_base encoding (the GPT-4o family's) when its
// bundled rank file loads — offline, nothing is downloaded — and estimated as characters / 4
// otherwise; both are printed.
import type { CrewSummary } from '../src/engine/engine.ts';
import { aggregate, type CrewInput, type MetricFill } from '../src/manager/metrics.ts';
import { loadPrompts } from '../src/manager/prompts.ts';
import { buildReportData, reportPrompt } from '../src/manager/report.ts';

const DAY_START = Date.UTC(2025, 0, 15);
const DAY_MS = 86_400_000;
const REPORT_REQUEST = 'Write the commentary and recommendations for this report.';
const MODULES = [
  { module: 'sma-cross', params: { fast: 12, slow: 40 } },
  { module: 'rsi-reversion', params: { period: 10, oversold: 25 } },
  { module: 'donchian-breakout', params: { entryPeriod: 30, stopLossPct: 4 } },
  { module: 'dca', params: { size: 0.05 } },
] as const;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT', 'DOGEUSDT', 'ADAUSDT', 'AVAXUSDT'] as const;

interface Counter {
  readonly name: string;
  count(text: string): number;
}

export async function reportPromptSize({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const trades = quick ? 1_000 : 10_000;
  const template = loadPrompts().report;
  const counter = await tokenCounter();
  const measure = (crews: number, tradesPerCrew: number) => {
    const text = promptFor(template, crews, tradesPerCrew);
    return { crews, tradesPerCrew, chars: text.length, tokens: counter.count(text), charsOver4: Math.ceil(text.length / 4) };
  };
  const ten = measure(10, trades);
  const hundred = measure(100, trades);
  const tenthOfTrades = measure(100, trades / 10);
  const perCrew = (hundred.tokens - ten.tokens) / 90;
  return {
    estimator: counter.name,
    tradesPerCrew: trades,
    crews10: { ...ten, tokensPerCrew: round(ten.tokens / 10) },
    crews100: { ...hundred, tokensPerCrew: round(hundred.tokens / 100) },
    /** The cost of one more crew, the fixed part (instructions, overall, lists) taken out. */
    marginalTokensPerCrew: round(perCrew),
    targetTokensPerCrew: 150,
    withinTarget: hundred.tokens / 100 <= 150,
    /** The same 100 crews with a tenth of the trades: ten times the trades adds only the digits of the counts. */
    crews100WithTenthOfTrades: tenthOfTrades,
    tokensFromTenTimesTheTrades: hundred.tokens - tenthOfTrades.tokens,
  };
}

/** The report prompt (system + request) for `crews` synthetic crews with `tradesPerCrew` fills each over one day. */
export function promptFor(template: string, crews: number, tradesPerCrew: number): string {
  const inputs: CrewInput[] = [];
  const fills: MetricFill[] = [];
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < crews; i++) {
    const kind = MODULES[i % MODULES.length]!;
    const symbol = SYMBOLS[i % SYMBOLS.length]!;
    const id = `${kind.module}-${symbol.toLowerCase()}-15m-${String(i).padStart(3, '0')}`;
    const capital = 1_000 + (i % 7) * 250;
    const pnl = (random() - 0.45) * capital * 0.08;
    const paused = i % 10 === 9;
    const summary: CrewSummary = {
      id,
      team: `team-${i % 5}`,
      module: kind.module,
      symbol,
      interval: '15m',
      venue: 'paper',
      status: paused ? 'paused' : 'active',
      capital: String(capital),
      equity: (capital + pnl).toFixed(2),
      cash: (capital * 0.6).toFixed(2),
      quantity: '0.5',
      realizedPnl: (pnl * 0.7).toFixed(2),
      feesPaid: (tradesPerCrew * 0.02).toFixed(2),
      pnl: pnl.toFixed(2),
      pnlPct: round((pnl / capital) * 100),
      drawdownPct: round(random() * 12),
    };
    inputs.push({
      summary,
      statusReason: paused ? `drawdown ${(20 + random() * 5).toFixed(2)}% reached the limit of 20%` : '',
      positionValue: capital * 0.4 * random(),
      changedParams: kind.params,
    });
    // Alternating buys and sells through the day: tradesPerCrew / 2 round trips.
    let price = 100 + i;
    for (let t = 0; t < tradesPerCrew; t++) {
      price *= 1 + (random() - 0.48) * 0.02;
      const qty = 1;
      fills.push({
        crewId: id,
        time: DAY_START + Math.floor((t / tradesPerCrew) * DAY_MS),
        side: t % 2 === 0 ? 'BUY' : 'SELL',
        price,
        qty,
        fee: price * qty * 0.001,
        quote: price * qty,
      });
    }
  }
  fills.sort((a, b) => a.time - b.time);
  const teams = [...new Set(inputs.map((c) => c.summary.team))].map((name) => {
    const allocated = inputs.filter((c) => c.summary.team === name).reduce((s, c) => s + Number(c.summary.capital), 0);
    return { name, capital: allocated * 1.2, allocated };
  });
  const totalEquity = inputs.reduce((s, c) => s + Number(c.summary.equity), 0);
  const metrics = aggregate({
    window: '24h',
    asOf: DAY_START + DAY_MS,
    mode: 'paper',
    halt: { level: 'none', reason: '' },
    todayPnl: 123.45,
    openOrders: crews,
    crews: inputs,
    teams,
    fills,
    totalEquity: Array.from({ length: 24 }, (_, h) => totalEquity * (1 + 0.01 * Math.sin(h / 4))),
  });
  const riskEvents = Array.from({ length: Math.min(crews * 5, 900) }, (_, k) => ({
    at: DAY_START + DAY_MS - k * 60_000,
    crewId: inputs[k % crews]!.summary.id,
    rule: ['position-size', 'rate-limit', 'drawdown', 'daily-loss'][k % 4]!,
    reason: 'order would exceed the limit (synthetic)',
  }));
  const data = buildReportData({ metrics, riskEvents, timezone: 'UTC', pendingProposals: 2 });
  return `${reportPrompt(template, data)}\n${REPORT_REQUEST}`;
}

async function tokenCounter(): Promise<Counter> {
  try {
    // A transitive dependency (of @langchain/core), loaded by name so its absence only changes the estimator.
    const lite = 'js-tiktoken/lite';
    const ranks = 'js-tiktoken/ranks/o200k_base';
    const { Tiktoken } = (await import(lite)) as { Tiktoken: new (ranks: unknown) => { encode(text: string): number[] } };
    const o200k = ((await import(ranks)) as { default: unknown }).default;
    const encoder = new Tiktoken(o200k);
    return { name: 'js-tiktoken o200k_base (bundled ranks, offline)', count: (text) => encoder.encode(text).length };
  } catch {
    return { name: 'characters / 4', count: (text) => Math.ceil(text.length / 4) };
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
