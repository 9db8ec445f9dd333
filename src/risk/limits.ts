// Hard risk limits: config, zod-validated. Only the owner changes them (never the manager).
import { z } from 'zod';

export const riskLimitsSchema = z
  .object({
    maxPositionFraction: z.number().gt(0).max(1).default(1).describe("Largest position a crew may hold, as a fraction of the crew's capital."),
    maxPositionQuote: z.number().positive().default(100_000).describe('Largest position a crew may hold, in quote (USDT).'),
    maxTeamExposureFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe("Largest exposure of a team (positions + pending buys), as a fraction of the team's capital."),
    maxTotalExposureQuote: z.number().positive().default(1_000_000).describe('Largest exposure across all crews, in quote.'),
    maxCrewDrawdownPct: z.number().gt(0).max(100).default(25).describe('A crew whose equity falls this % below its peak pauses.'),
    maxTotalDrawdownPct: z.number().gt(0).max(100).default(30).describe('When total equity falls this % below its peak, trading halts (cancel level).'),
    dailyLossLimitQuote: z
      .number()
      .positive()
      .default(1_000_000)
      .describe('When today’s (UTC) loss across all crews reaches this, no new entries until tomorrow.'),
    maxOrdersPerMinutePerCrew: z.number().int().positive().default(10),
    maxOrdersPerMinute: z.number().int().positive().default(60),
    stopLossCooldownMinutes: z.number().min(0).default(0).describe('After a stop-loss exit, the crew makes no new entry for this long.'),
  })
  .strict();

export type RiskLimits = z.infer<typeof riskLimitsSchema>;

export const DEFAULT_RISK_LIMITS: RiskLimits = riskLimitsSchema.parse({});
