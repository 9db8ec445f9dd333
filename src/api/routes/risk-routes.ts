// The hard limits (owner only to change, never the manager) and the risk events.
import { z } from 'zod';
import { riskLimitsSchema } from '../../risk/limits.ts';
import type { ApiContext, ZodApp } from '../context.ts';
import { answer } from '../replies.ts';

const limitNames = Object.keys(riskLimitsSchema.shape) as [keyof typeof riskLimitsSchema.shape, ...(keyof typeof riskLimitsSchema.shape)[]];

export function riskRoutes(app: ZodApp, ctx: ApiContext): void {
  const desk = ctx.services.desk;

  app.get('/api/v1/risk', { schema: { summary: 'The hard risk limits', tags: ['risk'] } }, async () => desk.riskLimits());

  app.put(
    '/api/v1/risk/:name',
    {
      schema: {
        summary: 'Set one hard limit (checked against its bounds)',
        tags: ['risk'],
        params: z.strictObject({ name: z.enum(limitNames) }),
        body: z.strictObject({ value: z.number() }),
      },
    },
    async (req, reply) => answer(reply, await desk.setRiskLimit(req.params.name, req.body.value, ctx.actor)),
  );

  app.get(
    '/api/v1/risk/events',
    {
      schema: {
        summary: 'Recent risk events, newest first',
        tags: ['risk'],
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      },
    },
    async (req) => desk.riskEvents(req.query.limit),
  );
}
