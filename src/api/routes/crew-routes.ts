// Crews: the list, one crew in full, and what an owner changes on one (each through DeskService).
import { z } from 'zod';
import { metricFill, WINDOW_MS, WINDOWS, windowStats } from '../../manager/metrics.ts';
import type { ApiContext, ZodApp } from '../context.ts';
import { answer, notFound } from '../replies.ts';

const crewId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'a crew id: letters, digits, "_", "." or "-", at most 40 characters');
const crewParams = z.strictObject({ id: crewId });
const paramValue = z.union([z.number(), z.string().max(200), z.boolean()]);

const spawnBody = z.strictObject({
  team: z.string().min(1).max(32),
  id: crewId.optional(),
  crew: z.string().min(1).max(64).describe('the crew module'),
  symbol: z.string().regex(/^[A-Za-z0-9]{5,20}$/, 'a Binance spot symbol such as BTCUSDT'),
  interval: z.string().min(2).max(3),
  params: z.record(z.string(), paramValue).optional(),
  capital: z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal such as "1000"'),
});

export function crewRoutes(app: ZodApp, ctx: ApiContext): void {
  const desk = ctx.services.desk;
  const known = (id: string) => desk.crewNames().includes(id);

  app.get('/api/v1/crews', { schema: { summary: 'Every crew: status, capital, equity, PnL', tags: ['crews'] } }, async () => desk.crewList());

  app.get(
    '/api/v1/crews/:id',
    {
      schema: {
        summary: 'One crew: params with bounds, book, recent trades, KPIs over a window',
        tags: ['crews'],
        params: crewParams,
        querystring: z.strictObject({ window: z.enum(WINDOWS).default('24h') }),
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (!known(id)) return notFound(reply, desk.unknownCrew(id));
      const params = desk.crewParams(id);
      const trades = await desk.trades(id, 20);
      const window = req.query.window;
      // The crew's own fills only: the manager's figures for the whole desk would cost every crew's.
      const fills = await desk.crewFills(id, desk.desk.clock.now() - WINDOW_MS[window]);
      return {
        summary: desk.crewList().find((c) => c.id === id) ?? null,
        params: params.ok ? params.value : null,
        position: desk.positions().find((p) => p.crewId === id) ?? null,
        trades: trades.ok ? trades.value : [],
        kpis: fills.ok
          ? windowStats(
              window,
              fills.value.fills.map((f) => metricFill(f, fills.value.base, fills.value.quote)),
            )
          : null,
      };
    },
  );

  app.get(
    '/api/v1/crews/:id/candles',
    {
      schema: {
        summary: "A crew's last closed candles (its market's history up to the desk's time), oldest first",
        tags: ['crews'],
        params: crewParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(300) }),
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (!known(id)) return notFound(reply, desk.unknownCrew(id));
      return answer(reply, await desk.candles(id, req.query.limit));
    },
  );

  for (const act of ['pause', 'resume', 'stop'] as const) {
    app.post(
      `/api/v1/crews/:id/${act}`,
      {
        schema: {
          summary: `${act[0]!.toUpperCase()}${act.slice(1)} a crew`,
          tags: ['crews'],
          params: crewParams,
          body: act === 'pause' ? z.strictObject({ reason: z.string().max(500).optional() }).nullish() : z.strictObject({}).nullish(),
        },
      },
      async (req, reply) => {
        const { id } = req.params;
        if (!known(id)) return notFound(reply, desk.unknownCrew(id));
        if (act === 'pause') {
          const reason = (req.body as { reason?: string } | undefined)?.reason;
          return answer(reply, await desk.pauseCrew(id, ctx.actor, reason ? reason : undefined));
        }
        return answer(reply, act === 'resume' ? await desk.resumeCrew(id, ctx.actor) : await desk.stopCrew(id, ctx.actor));
      },
    );
  }

  app.post('/api/v1/crews', { schema: { summary: 'Spawn a crew in a team', tags: ['crews'], body: spawnBody } }, async (req, reply) =>
    answer(reply, await desk.spawnCrew({ ...req.body }, ctx.actor)),
  );

  app.put(
    '/api/v1/crews/:id/params/:name',
    {
      schema: {
        summary: 'Set one param, within its bounds (refused outside them, naming them)',
        tags: ['crews'],
        params: z.strictObject({ id: crewId, name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a param name') }),
        body: z.strictObject({ value: paramValue }),
      },
    },
    async (req, reply) => {
      const { id, name } = req.params;
      if (!known(id)) return notFound(reply, desk.unknownCrew(id));
      return answer(reply, await desk.setParam(id, name, req.body.value, ctx.actor));
    },
  );

  app.post(
    '/api/v1/crews/:id/allocate',
    {
      schema: {
        summary: "Set a crew's capital (within its team's and its free cash)",
        tags: ['crews'],
        params: crewParams,
        body: z.strictObject({ capital: z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal such as "2500"') }),
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (!known(id)) return notFound(reply, desk.unknownCrew(id));
      return answer(reply, await desk.allocate(id, req.body.capital, ctx.actor));
    },
  );
}
