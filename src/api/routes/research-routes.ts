// Backtests (an asynchronous job: progress, then KPIs and the chart) and the forge's drafts.
import { z } from 'zod';
import { jobView } from '../backtest-jobs.ts';
import type { ApiContext, ZodApp } from '../context.ts';
import { notFound } from '../replies.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC date, YYYY-MM-DD');
const backtestBody = z.strictObject({
  module: z.string().min(1).max(64).describe('the crew module'),
  symbol: z.string().regex(/^[A-Za-z0-9]{5,20}$/, 'a Binance spot symbol such as BTCUSDT'),
  interval: z.string().min(2).max(3),
  from: day.optional(),
  to: day.optional(),
  params: z.record(z.string(), z.union([z.number(), z.string().max(200), z.boolean()])).optional(),
  capital: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'a positive decimal such as "10000"')
    .optional(),
});
const jobParams = z.strictObject({ id: z.string().regex(/^bt-[a-z0-9-]{1,40}$/, 'a backtest id') });
const draftParams = z.strictObject({ id: z.string().min(1).max(64) });

export function researchRoutes(app: ZodApp, ctx: ApiContext): void {
  app.post('/api/v1/backtests', { schema: { summary: 'Start a backtest (a job: poll it)', tags: ['research'], body: backtestBody } }, async (req, reply) => {
    const job = ctx.backtests.start({ ...req.body, symbol: req.body.symbol.toUpperCase() });
    if (typeof job === 'string') {
      reply.code(400);
      return { error: job };
    }
    reply.code(202);
    return jobView(job);
  });

  app.get('/api/v1/backtests', { schema: { summary: 'Backtests started through the API, newest first', tags: ['research'] } }, async () =>
    ctx.backtests.list().map(jobView),
  );

  app.get(
    '/api/v1/backtests/:id',
    { schema: { summary: "A backtest's progress, then its KPIs", tags: ['research'], params: jobParams } },
    async (req, reply) => {
      const job = ctx.backtests.get(req.params.id);
      return job ? jobView(job) : notFound(reply, `no backtest ${req.params.id}`);
    },
  );

  app.get(
    '/api/v1/backtests/:id/chart.png',
    { schema: { summary: "A finished backtest's equity chart (PNG)", tags: ['research'], params: jobParams } },
    async (req, reply) => {
      const job = ctx.backtests.get(req.params.id);
      if (!job?.chartPng) return notFound(reply, job ? `backtest ${job.id} is ${job.state}: no chart` : `no backtest ${req.params.id}`);
      reply.type('image/png');
      return job.chartPng;
    },
  );

  app.get('/api/v1/forge/drafts', { schema: { summary: "The forge's drafts", tags: ['research'] } }, async () => ctx.services.forge?.list() ?? []);

  app.get('/api/v1/forge/drafts/:id', { schema: { summary: 'One draft, with its proof', tags: ['research'], params: draftParams } }, async (req, reply) => {
    const forge = ctx.services.forge;
    if (!forge) return notFound(reply, 'the forge is off on this desk');
    const draft = forge.show(req.params.id);
    return draft.ok ? draft.value : notFound(reply, draft.error);
  });
}
