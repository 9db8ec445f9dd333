// Parameter sweeps on the desk's research back end (warm threads, or `crewdesk worker` processes
// through Redis): the same service as /research and the same checks. A sweep runs for minutes: the
// start answers 202 with its id as soon as it has one, and its progress is read with GET.
import { z } from 'zod';
import { METRICS } from '../../backtest/optimize.ts';
import { INTERVALS } from '../../core/domain.ts';
import type { ApiContext, ZodApp } from '../context.ts';
import { answer, notFound } from '../replies.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC date, YYYY-MM-DD');
const sweepBody = z.strictObject({
  module: z.string().min(1).max(60).describe('the crew module'),
  symbol: z.string().regex(/^[A-Za-z0-9]{5,20}$/, 'a Binance spot symbol such as BTCUSDT'),
  interval: z.enum(INTERVALS),
  grid: z.string().min(3).max(1000).describe('params to sweep, e.g. fast=5..50:5,slow=60..240:20'),
  from: day.optional(),
  to: day.optional(),
  metric: z.enum(METRICS).optional(),
  params: z.record(z.string(), z.union([z.number(), z.string().max(200), z.boolean()])).optional(),
});
const sweepParams = z.strictObject({ id: z.string().regex(/^s[a-z0-9]{1,20}-[a-z0-9]{1,8}$/, 'a sweep id') });

export function sweepRoutes(app: ZodApp, ctx: ApiContext): void {
  const off = 'research is off on this desk (the start-up log says why)';

  app.get(
    '/api/v1/research',
    { schema: { summary: 'The research back end, its sweeps (newest first) and its workers', tags: ['research'] } },
    async (_req, reply) => {
      const research = ctx.services.research;
      if (!research) return notFound(reply, off);
      return { backend: research.backend, sweeps: research.sweeps(), workers: await research.workers() };
    },
  );

  app.post(
    '/api/v1/research/sweeps',
    { schema: { summary: 'Start a parameter sweep (runs on: read its progress with GET)', tags: ['research'], body: sweepBody } },
    async (req, reply) => {
      const research = ctx.services.research;
      if (!research) return notFound(reply, off);
      let started: (id: string) => void = () => {};
      const gotId = new Promise<string>((resolve) => (started = resolve));
      const running = research.sweep({ ...req.body, symbol: req.body.symbol.toUpperCase() }, ctx.actor, { onStart: (id) => started(id) });
      running.catch(() => {}); // a sweep that throws ends failed in its summary; the answer below is the start's
      // Either it starts (an id: 202), or it is refused before it has one (400, naming why).
      const first = await Promise.race([gotId, running]);
      if (typeof first === 'string') {
        reply.code(202);
        return research.sweeps().find((s) => s.id === first) ?? { id: first };
      }
      return answer(reply, first);
    },
  );

  app.get(
    '/api/v1/research/sweeps/:id',
    { schema: { summary: "A sweep's progress, then its best combinations", tags: ['research'], params: sweepParams } },
    async (req, reply) => {
      const research = ctx.services.research;
      if (!research) return notFound(reply, off);
      const sweep = research.sweeps().find((s) => s.id === req.params.id);
      return sweep ?? notFound(reply, `no sweep ${req.params.id} in this run of the desk`);
    },
  );

  app.post(
    '/api/v1/research/sweeps/:id/cancel',
    {
      schema: {
        summary: 'Cancel a running sweep (its queued jobs are withdrawn)',
        tags: ['research'],
        params: sweepParams,
        body: z.strictObject({}).nullish(),
      },
    },
    async (req, reply) => {
      const research = ctx.services.research;
      if (!research) return notFound(reply, off);
      return answer(reply, await research.cancel(req.params.id, ctx.actor));
    },
  );
}
