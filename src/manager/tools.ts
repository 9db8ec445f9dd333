// The manager's tools: langchain tools with strict zod schemas. Arguments that fail a schema
// (an unknown key, a value of the wrong type or out of range) never reach the function: langchain
// sends the reason back to the model. Reading tools answer with aggregated figures in a data
// block; changing tools go through the host's `mutate`, which checks the change against the desk
// and the bounds, then proposes it, does it or refuses it, per the autonomy setting.
import { tool } from 'langchain';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { z } from 'zod';
import type { Kpis } from '../backtest/kpis.ts';
import { INTERVALS } from '../core/domain.ts';
import type { BacktestRequest } from '../services/backtest.ts';
import type { DeskService } from '../services/desk-service.ts';
import type { Result } from '../services/result.ts';
import { draftCrewTool, type ForgeDrafter } from '../forge/draft-tool.ts';
import type { ManagerAction } from './actions.ts';
import { type DeskMetrics, WINDOWS, type Window } from './metrics.ts';
import { toolData } from './prompts.ts';

/** What the manager asks of a backtester (the chat's BacktestService fits as it is). */
export interface ManagerBacktest {
  run(request: BacktestRequest, options?: { readonly signal?: AbortSignal }): Promise<Result<{ readonly title: string; readonly kpis: Kpis }>>;
}

/** One turn (a chat message, an evaluation): what its tools may still do, and what they did. */
export interface RunContext {
  readonly purpose: 'chat' | 'evaluation';
  readonly conversationKey: string | null;
  /** Proposal ids and action summaries made in this run, in order. */
  readonly outcomes: RunOutcome[];
  actionsLeft: number;
  backtestsLeft: number;
}

export type RunOutcome =
  | { readonly kind: 'proposed'; readonly proposalId: string; readonly summary: string }
  | { readonly kind: 'done'; readonly summary: string; readonly result: string }
  | { readonly kind: 'failed'; readonly summary: string; readonly error: string }
  | { readonly kind: 'refused'; readonly tool: string; readonly reason: string };

export interface ToolHost {
  readonly service: DeskService;
  readonly backtest: ManagerBacktest | undefined;
  metrics(window: Window): Promise<DeskMetrics>;
  overview(): Promise<unknown>;
  optimization(module: string | undefined): Promise<unknown>;
  /** A change asked by a tool: the answer (proposed, done, refused, failed) goes back to the model. */
  mutate(run: RunContext, action: ManagerAction, rationale: string): Promise<unknown>;
  /** The crew forge, when configured: the manager may draft crews, never approve them. */
  readonly forge?: ForgeDrafter | undefined;
}

const BACKTEST_TIMEOUT_MS = 120_000;

const crewId = z.string().min(1).max(40).describe('A crew instance id, as get_overview lists it.');
const rationale = z.string().min(1).max(500).describe('Why, with the figures it rests on: one or two sentences the owner reads.');
const decimal = z
  .string()
  .max(20)
  .regex(/^\d+(\.\d+)?$/, 'a positive decimal such as "1500" or "1500.50"')
  .describe('Quote amount (USDT) as a decimal string, e.g. "1500".');
const paramValue = z.union([z.number(), z.boolean(), z.string().max(40)]);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC date YYYY-MM-DD');

export const TOOL_SCHEMAS = {
  get_overview: z.object({}).strict(),
  get_crew_metrics: z
    .object({
      scope: z.enum(['crew', 'team', 'overall']),
      name: z.string().min(1).max(40).optional().describe('The crew id (scope crew) or team name (scope team); leave out for overall.'),
      window: z.enum(WINDOWS).default('24h').describe('Trading window for trades, win rate and fees.'),
    })
    .strict(),
  get_recent_trades: z
    .object({
      crew: crewId.optional(),
      limit: z.number().int().min(1).max(20).default(10),
    })
    .strict(),
  get_risk_events: z.object({ limit: z.number().int().min(1).max(20).default(10) }).strict(),
  run_backtest: z
    .object({
      module: z.string().min(1).max(40).describe('Crew module name, e.g. "sma-cross".'),
      symbol: z.string().regex(/^[A-Z0-9]{5,20}$/, 'a Binance spot symbol such as BTCUSDT'),
      interval: z.enum(INTERVALS),
      from: day.optional(),
      to: day.optional(),
      params: z.record(z.string().max(40), paramValue).optional(),
      capital: decimal.optional(),
    })
    .strict(),
  get_optimization_results: z
    .object({ module: z.string().min(1).max(40).optional().describe('Crew module name; leave out for the newest sweep of any.') })
    .strict(),
  adjust_params: z
    .object({
      crew: crewId,
      param: z.string().min(1).max(40),
      // A number as a JSON number or as text in plain decimal notation ("12", "0.5"): text such as "0x10", "1e3" or "Infinity" is refused (core/number-text.ts).
      value: paramValue.describe(
        'The new value, within the param\'s declared bounds. Numbers as JSON numbers or plain decimal text such as "12" or "0.5" (no hex, exponents, Infinity).',
      ),
      rationale,
    })
    .strict(),
  pause_crew: z.object({ crew: crewId, reason: rationale }).strict(),
  resume_crew: z.object({ crew: crewId, rationale }).strict(),
  reallocate_capital: z.object({ crew: crewId, capital: decimal.describe("The crew's new capital (not the change)."), rationale }).strict(),
  spawn_crew: z
    .object({
      team: z.string().min(1).max(32),
      module: z.string().min(1).max(40).describe('Crew module name from the catalogue.'),
      symbol: z.string().regex(/^[A-Z0-9]{5,20}$/, 'a Binance spot symbol such as SOLUSDT'),
      interval: z.enum(INTERVALS),
      capital: decimal,
      params: z.record(z.string().max(40), paramValue).default({}),
      id: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'letters, digits, "_", "." or "-", at most 40 characters')
        .optional()
        .describe('Instance id; default <module>-<symbol>-<interval>.'),
      rationale,
    })
    .strict(),
  halt: z
    .object({
      level: z
        .enum(['entries', 'cancel', 'flatten'])
        .describe(
          'entries: no new entries (at once); cancel: also cancel open orders, exits keep working (needs the owner); flatten: also sell every position (needs the owner).',
        ),
      reason: rationale,
    })
    .strict(),
  propose_promotion: z
    .object({
      crew: crewId,
      capital: decimal.describe('The quote it would trade with on the exchange.'),
      rationale,
    })
    .strict(),
} as const;

export type ToolName = keyof typeof TOOL_SCHEMAS;
export const TOOL_NAMES = Object.keys(TOOL_SCHEMAS) as ToolName[];
export const MUTATING_TOOLS: readonly ToolName[] = [
  'adjust_params',
  'pause_crew',
  'resume_crew',
  'reallocate_capital',
  'spawn_crew',
  'halt',
  'propose_promotion',
];

export function buildTools(host: ToolHost, run: RunContext): StructuredToolInterface[] {
  const s = TOOL_SCHEMAS;
  return [
    tool(async () => toolData(await host.overview()), {
      name: 'get_overview',
      description: 'The desk now: mode, halt, equity, today, exposure, every crew (status, capital, equity, PnL, drawdown) and team, open proposals.',
      schema: s.get_overview,
    }),
    tool(async (a) => toolData(await crewMetrics(host, a.scope, a.name, a.window)), {
      name: 'get_crew_metrics',
      description:
        'Aggregated figures for one crew, one team or the whole desk: PnL, drawdown, exposure, fees, and over the window trades, round trips, win rate. Crew scope adds its params with their bounds.',
      schema: s.get_crew_metrics,
    }),
    tool(
      async (a) => {
        const r = await host.service.trades(a.crew, a.limit);
        return toolData(r.ok ? { trades: r.value } : { error: r.error });
      },
      { name: 'get_recent_trades', description: 'The latest fills (newest first), for one crew or all; at most 20.', schema: s.get_recent_trades },
    ),
    tool(async (a) => toolData({ events: await host.service.riskEvents(a.limit) }), {
      name: 'get_risk_events',
      description: 'The latest risk-gate events (denied orders, pauses), newest first; at most 20.',
      schema: s.get_risk_events,
    }),
    tool(
      async (a) => {
        if (!host.backtest) return toolData({ error: 'backtesting is not available in this setup; suggest the owner runs /backtest' });
        if (run.backtestsLeft <= 0) return toolData({ error: 'no more backtests in this turn' });
        run.backtestsLeft--;
        const r = await host.backtest.run(
          {
            module: a.module,
            symbol: a.symbol,
            interval: a.interval,
            ...(a.from ? { from: a.from } : {}),
            ...(a.to ? { to: a.to } : {}),
            ...(a.params ? { params: a.params } : {}),
            ...(a.capital ? { capital: a.capital } : {}),
          },
          { signal: AbortSignal.timeout(BACKTEST_TIMEOUT_MS) },
        );
        return toolData(r.ok ? { title: r.value.title, kpis: kpiSummary(r.value.kpis) } : { error: r.error });
      },
      {
        name: 'run_backtest',
        description: 'Backtests a crew module on past candles with given params (nothing live changes). Answers with KPIs.',
        schema: s.run_backtest,
      },
    ),
    tool(async (a) => toolData(await host.optimization(a.module)), {
      name: 'get_optimization_results',
      description: 'The newest parameter sweep journaled by `crewdesk optimize`: best combinations in and out of sample.',
      schema: s.get_optimization_results,
    }),
    tool(async (a) => toolData(await host.mutate(run, { kind: 'adjust_params', crew: a.crew, param: a.param, value: a.value }, a.rationale)), {
      name: 'adjust_params',
      description: "Sets one param of a crew, within the module's declared bounds.",
      schema: s.adjust_params,
    }),
    tool(async (a) => toolData(await host.mutate(run, { kind: 'pause_crew', crew: a.crew, reason: a.reason }, a.reason)), {
      name: 'pause_crew',
      description: 'Pauses a crew: no new decisions; its exits (stop-loss etc.) still protect its position.',
      schema: s.pause_crew,
    }),
    tool(async (a) => toolData(await host.mutate(run, { kind: 'resume_crew', crew: a.crew }, a.rationale)), {
      name: 'resume_crew',
      description: 'Resumes a paused crew. A crew you did not pause yourself (risk gate, engine, owner) always needs the owner.',
      schema: s.resume_crew,
    }),
    tool(async (a) => toolData(await host.mutate(run, { kind: 'reallocate_capital', crew: a.crew, capital: a.capital }, a.rationale)), {
      name: 'reallocate_capital',
      description: "Sets a crew's capital, within its team's unallocated capital and your share limit. To move capital between crews, lower one first.",
      schema: s.reallocate_capital,
    }),
    tool(
      async (a) =>
        toolData(
          await host.mutate(
            run,
            {
              kind: 'spawn_crew',
              team: a.team,
              module: a.module,
              symbol: a.symbol,
              interval: a.interval,
              capital: a.capital,
              params: a.params,
              ...(a.id ? { id: a.id } : {}),
            },
            a.rationale,
          ),
        ),
      {
        name: 'spawn_crew',
        description: "Adds a crew instance (module + symbol + interval + params) to a team, with capital from the team's unallocated capital.",
        schema: s.spawn_crew,
      },
    ),
    tool(async (a) => toolData(await host.mutate(run, { kind: 'halt', level: a.level, reason: a.reason }, a.reason)), {
      name: 'halt',
      description:
        'Halts trading (the kill switch). entries takes effect at once; cancel and flatten need the owner. You can never lift a halt: only the owner can (/resume).',
      schema: s.halt,
    }),
    tool(async (a) => toolData(await host.mutate(run, { kind: 'promote_crew', crew: a.crew, capital: a.capital }, a.rationale)), {
      name: 'propose_promotion',
      description:
        'Proposes moving a crew from paper to the exchange (real orders) with a capital. Always a proposal the owner approves or rejects; when approved, the promotion gate (days, trades, drawdown, Sharpe or profit factor, drift) still decides. You can never promote a crew yourself.',
      schema: s.propose_promotion,
    }),
    ...(host.forge ? [draftCrewTool(host.forge)] : []),
  ];
}

async function crewMetrics(host: ToolHost, scope: 'crew' | 'team' | 'overall', name: string | undefined, window: Window): Promise<unknown> {
  const m = await host.metrics(window);
  if (scope === 'overall') return { window, overall: m.overall, teams: m.teams.map((t) => ({ name: t.name, pnl: t.pnl, pnlPct: t.pnlPct, equity: t.equity })) };
  if (!name) return { error: `scope ${scope} needs a name` };
  if (scope === 'team') {
    const team = m.teams.find((t) => t.name === name);
    if (!team) return { error: `no team "${name}" (teams: ${m.teams.map((t) => t.name).join(', ')})` };
    return {
      window,
      team,
      crews: m.crews
        .filter((c) => c.team === name)
        .map((c) => ({
          id: c.id,
          status: c.status,
          equity: c.equity,
          pnl: c.pnl,
          pnlPct: c.pnlPct,
          drawdownPct: c.drawdownPct,
          winRatePct: c.recent.winRatePct,
        })),
    };
  }
  const crew = m.crews.find((c) => c.id === name);
  if (!crew) return { error: `no crew "${name}" (crews: ${m.crews.map((c) => c.id).join(', ')})` };
  const params = host.service.crewParams(name);
  return {
    window,
    crew,
    params: params.ok
      ? { values: params.value.values, bounds: params.value.bounds.map((b) => ({ name: b.name, type: b.type, min: b.min, max: b.max, default: b.default })) }
      : null,
  };
}

function kpiSummary(k: Kpis): Record<string, unknown> {
  const r = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  return {
    totalReturnPct: r(k.totalReturnPct),
    buyAndHoldReturnPct: r(k.buyAndHoldReturnPct),
    maxDrawdownPct: r(k.maxDrawdownPct),
    sharpe: r(k.sharpe),
    sortino: r(k.sortino),
    roundTrips: k.roundTrips,
    winRatePct: r(k.winRatePct),
    profitFactor: r(k.profitFactor),
    exposurePct: r(k.exposurePct),
    feesPaid: r(k.feesPaid),
    days: k.days,
  };
}
