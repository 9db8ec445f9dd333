// The manager's proposals (an owner answers; the manager never) and the LLM's usage.
import { z } from 'zod';
import type { ApiContext, ZodApp } from '../context.ts';
import { answer, notFound } from '../replies.ts';

const proposalParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a proposal id') });

export function managerRoutes(app: ZodApp, ctx: ApiContext): void {
  const manager = ctx.services.manager;
  const pending = () => manager?.pendingProposals?.() ?? [];

  app.get(
    '/api/v1/proposals',
    { schema: { summary: "The manager's open proposals; `answerable` is false for one made for another owner (who alone may answer it)", tags: ['manager'] } },
    async () =>
      pending().map((p) => ({
        id: p.id,
        summary: p.summary,
        rationale: p.rationale ?? null,
        createdAt: p.createdAt ?? null,
        expiresAt: p.expiresAt,
        ownerId: p.ownerId ?? null,
        answerable: p.ownerId === undefined || p.ownerId === null || p.ownerId === ctx.actor.id,
      })),
  );

  app.post(
    '/api/v1/proposals/:id/approve',
    {
      schema: {
        summary: 'Approve a proposal: the change is checked again and made',
        tags: ['manager'],
        params: proposalParams,
        body: z.strictObject({}).nullish(),
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (!manager?.approve || !pending().some((p) => p.id === id)) return notFound(reply, `no open proposal ${id}`);
      return answer(reply, await manager.approve(id, ctx.actor));
    },
  );

  app.post(
    '/api/v1/proposals/:id/reject',
    {
      schema: {
        summary: 'Reject a proposal',
        tags: ['manager'],
        params: proposalParams,
        body: z.strictObject({ reason: z.string().max(500).optional() }).nullish(),
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (!manager?.reject || !pending().some((p) => p.id === id)) return notFound(reply, `no open proposal ${id}`);
      return answer(reply, await manager.reject(id, ctx.actor, req.body?.reason));
    },
  );

  app.get(
    '/api/v1/llm/usage',
    { schema: { summary: "The manager's tokens and cost today and this month, by purpose", tags: ['manager'] } },
    async (_req, reply) => {
      const usage = manager?.usage?.();
      if (!usage) return notFound(reply, 'there is no manager on this desk');
      return usage;
    },
  );
}
