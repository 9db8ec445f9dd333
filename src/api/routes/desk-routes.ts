// The desk as a whole: status, the kill switch, teams, positions, balances, equity, the audit log.
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../context.ts';
import { answer } from '../replies.ts';

const haltBody = z.strictObject({
  level: z.enum(['entries', 'cancel', 'flatten']).describe('entries: no new entries; cancel: also cancel open orders; flatten: also sell every position.'),
  reason: z.string().max(500).optional(),
});

const equityQuery = z.strictObject({
  scope: z
    .string()
    .regex(/^(total|team:[A-Za-z0-9_-]{1,32}|crew:[A-Za-z0-9][A-Za-z0-9_.-]{0,39})$/, 'total, team:<name> or crew:<id>')
    .default('total'),
  from: z.coerce.number().int().min(0).optional().describe('ms since the epoch'),
  to: z.coerce.number().int().min(0).optional().describe('ms since the epoch'),
  maxPoints: z.coerce.number().int().min(2).max(100_000).default(2000).describe('a longer series is thinned to about this many points'),
});

const auditQuery = z.strictObject({
  before: z.coerce.number().int().min(1).optional().describe('the seq of the last entry of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function deskRoutes(app: ZodApp, ctx: ApiContext): void {
  const desk = ctx.services.desk;

  app.get('/api/v1/status', { schema: { summary: 'Mode, halt, crews, PnL today, exposure, health', tags: ['desk'] } }, async () => ({
    ...desk.status(),
    health: ctx.metrics.health?.figures() ?? null,
  }));

  app.post('/api/v1/halt', { schema: { summary: 'Halt trading at a level', tags: ['desk'], body: haltBody } }, async (req, reply) =>
    answer(reply, await desk.halt(req.body.level, req.body.reason ?? '', ctx.actor)),
  );

  app.post('/api/v1/resume', { schema: { summary: 'Lift the halt', tags: ['desk'], body: z.strictObject({}).nullish() } }, async (_req, reply) =>
    answer(reply, await desk.resume(ctx.actor)),
  );

  app.get(
    '/api/v1/trades',
    {
      schema: {
        summary: 'The latest fills, newest first, of one crew or all',
        tags: ['desk'],
        querystring: z.strictObject({ crew: z.string().max(40).optional(), limit: z.coerce.number().int().min(1).max(50).default(10) }),
      },
    },
    async (req, reply) => answer(reply, await desk.trades(req.query.crew, req.query.limit)),
  );

  app.get('/api/v1/teams', { schema: { summary: 'Teams, their capital and crews', tags: ['desk'] } }, async () => desk.teamList());

  app.get('/api/v1/positions', { schema: { summary: 'Open positions per crew', tags: ['desk'] } }, async () => desk.positions());

  app.get('/api/v1/balances', { schema: { summary: "The exchange's balances and each crew's cash", tags: ['desk'] } }, async (_req, reply) =>
    answer(reply, await desk.balances()),
  );

  app.get(
    '/api/v1/equity',
    { schema: { summary: 'An equity series (total, a team or a crew) over a time range', tags: ['desk'], querystring: equityQuery } },
    async (req, reply) => answer(reply, await desk.equity(req.query.scope, req.query.from, req.query.to, req.query.maxPoints)),
  );

  app.get('/api/v1/audit', { schema: { summary: 'The audit log, newest first, paged', tags: ['desk'], querystring: auditQuery } }, async (req) =>
    desk.auditLog(req.query),
  );
}
