// The configuration file's shape. zod, strict everywhere: an unknown key is an error that
// names it, so a typo never silently falls back to a default.
import { z } from 'zod';
import { INTERVALS, VENUE_NAMES } from '../core/domain.ts';
import { riskLimitsSchema } from '../risk/limits.ts';
import { managerConfigSchema } from './manager.ts';
import { forgeConfigSchema } from './forge.ts';
import { promotionConfigSchema } from './promotion.ts';
import { discordConfigSchema } from './discord.ts';
import { researchConfigSchema } from './research.ts';
import { consoleConfigSchema } from '../console/console-settings.ts';
import { apiConfigSchema } from './api.ts';

const decimalString = z
  .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal such as "2500" or "2500.50"')])
  .transform((v) => String(v));

export const crewInstanceSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'letters, digits, "_", "." or "-", at most 40 characters')
      .describe('Unique name of this crew instance.'),
    crew: z.string().min(1).describe('The crew module (a file in crews/ without its extension).'),
    symbol: z.string().regex(/^[A-Z0-9]{5,20}$/, 'a Binance spot symbol such as BTCUSDT'),
    interval: z.enum(INTERVALS),
    params: z.record(z.string(), z.unknown()).default({}),
    capital: decimalString.optional().describe("Quote allocated to this crew; default: an equal share of the team's capital."),
    enabled: z.boolean().default(true),
    venue: z
      .enum(VENUE_NAMES)
      .optional()
      .describe("Where it trades: 'paper' (the in-process paper exchange) or 'exchange' (the desk's mode's venue; the default)."),
  })
  .strict();

export const teamSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, "_" or "-", at most 32 characters'),
    capital: decimalString.describe('Quote allocated to the team.'),
    crews: z.array(crewInstanceSchema).min(1),
  })
  .strict();

/** Protective stops (docs/stops.md): where they live, the stop-limit's limit, how a trailing stop moves. */
export const stopsConfigSchema = z
  .object({
    /** Rest each stop on the exchange (paper, testnet, live, backtests alike); false: the engine checks it on each closed candle. */
    onExchange: z.boolean().default(true),
    /** The stop-limit's limit price sits this % under its stop price: room to fill in a fast market. */
    limitSlippagePct: z.number().min(0.05).max(20).default(1),
    /** A trailing stop moves up only by at least this % of its price … */
    trailStepPct: z.number().min(0).max(20).default(0.5),
    /** … and no sooner than this many seconds after its last move (each move is a cancel and a new order). */
    trailMinSeconds: z.number().int().min(0).max(86_400).default(60),
    /** Per crew instance id: false keeps that crew's stops in the engine (e.g. a symbol without stop orders). */
    byCrew: z.record(z.string(), z.boolean()).default({}),
  })
  .strict();

export const configSchema = z
  .object({
    mode: z.enum(['paper', 'testnet', 'live']).default('paper'),
    journal: z.string().default('data/crewdesk.sqlite'),
    /** Extra folders with crew modules, besides crews/. */
    crewDirs: z.array(z.string()).default([]),
    paper: z
      .object({
        feeBps: z.number().min(0).max(100).default(10),
        slippageBps: z.number().min(0).max(500).default(2),
        balances: z.record(z.string().regex(/^[A-Z0-9]{2,10}$/), decimalString).default({ USDT: '10000' }),
      })
      .strict()
      .default({ feeBps: 10, slippageBps: 2, balances: { USDT: '10000' } }),
    replay: z
      .object({
        /** Candle files or folders replayed when no exchange is reachable. */
        data: z.string().default('data/candles'),
        /** Simulated seconds per real second. */
        speed: z.number().positive().default(3600),
        /** Seed of the synthetic market used when there are no candle files. */
        seed: z.number().int().default(42),
      })
      .strict()
      .default({ data: 'data/candles', speed: 3600, seed: 42 }),
    risk: riskLimitsSchema.default(riskLimitsSchema.parse({})),
    /** Protective stops on the exchange for crews with stopLossPct / trailingStopPct (docs/stops.md). */
    stops: stopsConfigSchema.prefault({}),
    /** The promotion gate (paper → exchange) and the drift tolerance of a crew's track record. */
    promotion: promotionConfigSchema.prefault({}),
    /** Binance endpoints, when not Binance's own for the mode (e.g. `crewdesk emulator`); env BINANCE_*_URL also works. */
    binance: z
      .object({
        restUrl: z.string().optional(),
        wsStreamUrl: z.string().optional(),
        wsApiUrl: z.string().optional(),
      })
      .strict()
      .default({}),
    equitySnapshotMinutes: z.number().int().min(0).default(60),
    // zod 4: prefault({}) runs the inner defaults (default({}) would skip them).
    manager: managerConfigSchema.prefault({}),
    /** What the console prints (quiet, normal, verbose) and the time zone it shows times in. */
    console: consoleConfigSchema.prefault({}),
    /** The crew forge (new crews from an idea); absent: off. */
    forge: forgeConfigSchema.optional(),
    /** Where sweeps run: this process's warm threads (absent), or a Redis queue of `crewdesk worker` processes. */
    research: researchConfigSchema.optional(),
    /** Discord channel ids (env DISCORD_*_CHANNEL_ID override them); the token and owners come from the environment. */
    discord: discordConfigSchema.optional(),
    /** The HTTP API, the dashboard and /metrics; absent: off. Tokens come from the environment. */
    api: apiConfigSchema.optional(),
    teams: z.array(teamSchema).min(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    const teams = new Set<string>();
    config.teams.forEach((team, t) => {
      if (teams.has(team.name)) ctx.addIssue({ code: 'custom', path: ['teams', t, 'name'], message: `duplicate team name "${team.name}"` });
      teams.add(team.name);
      let allocated = 0;
      team.crews.forEach((crew, c) => {
        if (ids.has(crew.id)) ctx.addIssue({ code: 'custom', path: ['teams', t, 'crews', c, 'id'], message: `duplicate crew id "${crew.id}"` });
        ids.add(crew.id);
        if (crew.capital) allocated += Number(crew.capital);
      });
      if (allocated > Number(team.capital) + 1e-9) {
        ctx.addIssue({
          code: 'custom',
          path: ['teams', t, 'crews'],
          message: `crews of team "${team.name}" are allocated ${allocated}, more than the team's capital ${team.capital}`,
        });
      }
    });
  });

export type Config = z.infer<typeof configSchema>;
export type TeamConfig = z.infer<typeof teamSchema>;
export type CrewInstanceConfig = z.infer<typeof crewInstanceSchema>;

/** Secrets and deployment settings: environment only, never in the config file. */
export const envSchema = z.object({
  BINANCE_API_KEY: z.string().optional(),
  BINANCE_API_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
  /** Where `crewdesk start` appends its JSON log lines (default: crewdesk.log beside the journal; "-": stderr). */
  LOG_FILE: z.string().min(1).optional(),
  CREWDESK_CONFIG: z.string().optional(),
});
export type Env = z.infer<typeof envSchema>;
