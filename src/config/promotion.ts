// The promotion gate's config: what a crew instance must show on paper before it may trade on
// the exchange (`/crew promote`), and the tolerance past which its record's drift from its
// backtest is flagged. Strict: an unknown key is an error naming it.
import { z } from 'zod';

export const promotionConfigSchema = z
  .object({
    /** Days on paper, at least. */
    minDays: z.number().min(0).default(7),
    /** Round trips (flat → long → flat) on paper, at least. */
    minTrades: z.number().int().min(0).default(10),
    /** The record's deepest drawdown, in % of its peak, at most. */
    maxDrawdownPct: z.number().positive().max(100).default(20),
    /** Sharpe (daily, annualized) at least this — or the profit factor at least `minProfitFactor`: either passes. */
    minSharpe: z.number().default(1),
    minProfitFactor: z.number().min(0).default(1.2),
    /** Drift: the record's final equity against its backtest's, in % of the starting equity, at most (flagged beyond). */
    maxDriftPct: z.number().min(0).default(2),
    /** Drift: fills the backtest made that the record lacks, plus the record's extra ones, at most (flagged beyond). */
    maxUnmatchedFills: z.number().int().min(0).default(0),
  })
  .strict();

export type PromotionConfig = z.infer<typeof promotionConfigSchema>;
