// The manager's draft_crew tool: starts the same forge flow as /forge new, as the manager. It
// answers with the draft's id, state and out-of-sample figures; approving is not a tool — only
// the owner approves, by /forge approve or the report's button.
import type { StructuredToolInterface } from '@langchain/core/tools';
import { tool } from 'langchain';
import { z } from 'zod';
import { INTERVALS } from '../core/domain.ts';
import type { Actor } from '../services/result.ts';
import type { ForgeService } from './service.ts';

/** What the tool needs of the forge: drafting, nothing else. */
export type ForgeDrafter = Pick<ForgeService, 'draft'>;

const MANAGER: Actor = Object.freeze({ id: 'manager', via: 'manager', isOwner: false });

export const draftCrewSchema = z
  .object({
    idea: z.string().min(10).max(2000).describe('The strategy in plain words, as the owner described it: entries, exits, indicators, levels.'),
    base: z.string().min(1).max(40).optional().describe('An existing crew module to start from, e.g. "rsi-reversion".'),
    symbol: z
      .string()
      .regex(/^[A-Z0-9]{5,20}$/, 'a Binance spot symbol such as BTCUSDT')
      .optional(),
    interval: z.enum(INTERVALS).optional(),
  })
  .strict();

export function draftCrewTool(forge: ForgeDrafter): StructuredToolInterface {
  return tool(
    async (a) => {
      const result = await forge.draft({ idea: a.idea, base: a.base, symbol: a.symbol, interval: a.interval }, MANAGER);
      if (!result.ok) return JSON.stringify({ error: result.error });
      const d = result.value;
      const proof = d.proof?.ok ? d.proof : null;
      return JSON.stringify({
        draft: d.id,
        crew: d.name,
        state: d.state,
        failure: d.failure,
        attempts: d.attempts.length,
        ...(proof
          ? {
              inSampleReturnPct: round(proof.inSample.totalReturnPct),
              outOfSampleReturnPct: round(proof.outOfSample.totalReturnPct),
              outOfSampleBuyAndHoldPct: proof.outOfSample.buyAndHoldReturnPct === null ? null : round(proof.outOfSample.buyAndHoldReturnPct),
              roundTrips: proof.full.roundTrips,
              tradeVerdict: proof.tradeVerdict,
            }
          : {}),
        next: d.state === 'proven' ? `Only the owner can approve: tell them to read /forge show ${d.id} and decide.` : 'Nothing to approve.',
      });
    },
    {
      name: 'draft_crew',
      description:
        'Writes a new crew module from an idea (the forge): checked, backtested in a sandbox in- and out-of-sample. Takes a minute. It never trades: only the owner can approve a draft.',
      schema: draftCrewSchema,
    },
  );
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
