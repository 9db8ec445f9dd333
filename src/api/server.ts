// The desk's HTTP API: Fastify with zod schemas (fastify-type-provider-zod), the OpenAPI document
// generated from them, bearer tokens, a rate limit, Server-Sent Events of the desk's facts,
// /metrics, and the dashboard's static files (web/). An adapter: it calls the services the chat
// and the manager's tools call, and nothing else.
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { ChatServices } from '../chat/services.ts';
import type { ApiConfig, ApiTokens } from '../config/api.ts';
import type { EventBus } from '../core/events.ts';
import type { Logger } from '../log/logger.ts';
import type { Actor } from '../services/result.ts';
import { type Access, bearerToken, digest, isLoopback, TokenCheck } from './auth.ts';
import { BacktestJobs } from './backtest-jobs.ts';
import { API_ACTOR, type ApiContext, type ZodApp } from './context.ts';
import { FactStream } from './fact-stream.ts';
import { SecretScrubber } from './secrets.ts';
import type { Metrics } from './metrics.ts';
import { crewRoutes } from './routes/crew-routes.ts';
import { deskRoutes } from './routes/desk-routes.ts';
import { managerRoutes } from './routes/manager-routes.ts';
import { researchRoutes } from './routes/research-routes.ts';
import { sweepRoutes } from './routes/sweep-routes.ts';
import { riskRoutes } from './routes/risk-routes.ts';

export interface ApiOptions {
  readonly services: ChatServices;
  readonly bus: EventBus;
  readonly metrics: Metrics;
  readonly tokens: ApiTokens;
  readonly config: ApiConfig;
  /** The dashboard's folder (served at /, no token needed); absent: no static files. */
  readonly webDir?: string;
  readonly actor?: Actor;
  /** Secrets besides the API tokens (the exchange's key, …) never to appear in an answer or a fact. */
  readonly secrets?: readonly string[];
  /** Where a route's failure (a 500) is logged; the client is told only "internal error". */
  readonly log?: Pick<Logger, 'error'>;
}

export const API_PREFIX = '/api/v1';
/** TradingView's lightweight-charts as one ES module, for the dashboard's charts. */
const LIGHTWEIGHT_CHARTS = join(
  dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json')),
  'dist/lightweight-charts.standalone.production.mjs',
);
/** The routes that need no token: the dashboard's files. Decided on the matched route, never on the raw
 * URL (which may spell a path in percent-escapes the router decodes). Anything else needs one, even a 404. */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/', '/*', `/vendor/${basename(LIGHTWEIGHT_CHARTS)}`]);

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

export interface ApiServer {
  readonly app: ZodApp;
  readonly stream: FactStream;
  readonly backtests: BacktestJobs;
  /** Every route registered (method and URL pattern), HEAD and the dashboard's files included. */
  readonly routes: readonly { readonly method: string; readonly url: string }[];
  close(): Promise<void>;
}

/** Builds the server with every route (not listening): tests inject, startApi listens. */
export async function buildApi(options: ApiOptions): Promise<ApiServer> {
  const tokens = new TokenCheck(options.tokens);
  const scrubber = new SecretScrubber([options.tokens.change, options.tokens.read, ...(options.secrets ?? [])]);
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  await app.register(fastifyRateLimit, {
    global: false,
    max: options.config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per valid token (its digest, never the token) or else per address: a wrong token counts against
    // the address, or a guesser would get a fresh allowance with every new guess.
    keyGenerator: (req: FastifyRequest) => {
      const token = bearerToken(req.headers.authorization);
      return token && tokens.grant(token) !== null ? `t:${digest(token).toString('hex').slice(0, 32)}` : `a:${req.ip}`;
    },
    errorResponseBuilder: (_req, context) =>
      Object.assign(new Error(`rate limit: at most ${context.max} requests a minute; try again in ${context.after}`), { statusCode: 429 }),
  });

  // The rate limit first (a wrong token counts too: no guessing at speed), then the token.
  app.addHook('onRequest', app.rateLimit());
  // Every protected route needs a token; GET and HEAD read, anything else changes.
  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url;
    if (route !== undefined && PUBLIC_ROUTES.has(route)) return;
    const grant = tokens.grant(bearerToken(req.headers.authorization));
    if (grant === null) {
      reply.code(401).header('www-authenticate', 'Bearer realm="crewdesk"');
      return reply.send({
        error: tokens.configured
          ? 'a valid bearer token is needed (Authorization: Bearer …)'
          : 'the API has no token configured: set CREWDESK_API_TOKEN and restart',
      });
    }
    const needed: Access = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'change';
    if (needed === 'change' && grant !== 'change') return reply.code(403).send({ error: 'the read token may only read; changes need CREWDESK_API_TOKEN' });
  });

  // Every answer: no sniffing, no framing (a page elsewhere cannot overlay the halt button), no
  // referrer; the dashboard runs only its own scripts; API answers are never cached.
  // Text answers pass the secret scrubber (files and images are not the desk's words).
  app.addHook('onSend', async (req, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    const route = req.routeOptions.url;
    if (route === undefined || !PUBLIC_ROUTES.has(route)) reply.header('cache-control', 'no-store');
    return typeof payload === 'string' ? scrubber.scrub(payload) : payload;
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'crewdesk API',
        description: "The desk's HTTP API: every change goes through the same services as the chat, audited via api.",
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'request';
      const issues = error.validation.map((v) => {
        const params = v.params as { keys?: string[] };
        const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        if (v.keyword === 'unrecognized_keys' && params.keys)
          return `unknown key${params.keys.length > 1 ? 's' : ''} ${params.keys.map((k) => `"${path ? `${path}.` : ''}${k}"`).join(', ')} in ${where}`;
        return `${where}${path ? `.${path}` : ''}: ${v.message}`;
      });
      return reply.code(400).send({ error: issues.join('; ') });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      // Fastify's own logger is off (it would log every request): the desk's log gets the failure.
      options.log?.error({ err: error, route: `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}` }, 'api: a route failed');
      return reply.code(500).send({ error: 'internal error' });
    }
    return reply.code(status).send({ error: error.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  const stream = new FactStream(options.bus, options.config.eventBuffer, (frame) => scrubber.scrub(frame));
  const backtests = new BacktestJobs(options.services.backtest);
  const ctx: ApiContext = { services: options.services, actor: options.actor ?? API_ACTOR, stream, backtests, metrics: options.metrics };

  deskRoutes(app, ctx);
  crewRoutes(app, ctx);
  riskRoutes(app, ctx);
  managerRoutes(app, ctx);
  researchRoutes(app, ctx);
  sweepRoutes(app, ctx);

  app.get(
    `${API_PREFIX}/events`,
    {
      // A HEAD of a stream would be held open as a client that never reads a fact.
      exposeHeadRoute: false,
      schema: {
        summary:
          "The desk's facts as Server-Sent Events (id, event = the fact's type, data = the fact as JSON; Decimals as strings). Resumable with Last-Event-ID.",
        tags: ['live'],
        headers: z.object({
          'last-event-id': z
            .string()
            .regex(/^\d{1,15}$/, 'the id of the last event received')
            .optional(),
        }),
      },
    },
    (req, reply) => {
      const last = req.headers['last-event-id'];
      reply.hijack();
      stream.attach(reply.raw, last === undefined ? null : Number(last));
    },
  );

  app.get(`${API_PREFIX}/openapi.json`, { schema: { summary: 'This document', tags: ['meta'] } }, async () => app.swagger());

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['meta'] } }, async (_req, reply) => {
    reply.type(options.metrics.contentType);
    return options.metrics.text();
  });

  if (options.webDir && existsSync(join(options.webDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: options.webDir, prefix: '/', index: ['index.html'], schemaHide: true });
    // The dashboard's one library, served from node_modules as it was installed (no build step).
    const chartsModule = readFileSync(LIGHTWEIGHT_CHARTS);
    app.get(`/vendor/${basename(LIGHTWEIGHT_CHARTS)}`, { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(chartsModule),
    );
  } else {
    // No dashboard built into this copy: say so at / rather than a bare 404.
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(NO_DASHBOARD));
  }

  app.addHook('preClose', async () => {
    stream.close();
    backtests.close();
  });
  await app.ready();
  return { app, stream, backtests, routes, close: () => app.close() };
}

const NO_DASHBOARD =
  '<!doctype html><meta charset="utf-8"><title>crewdesk</title><p>crewdesk: the API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (with a bearer token); this copy has no dashboard (web/index.html).</p>';

export interface RunningApi extends ApiServer {
  /** http://host:port/ */
  readonly url: string;
  readonly port: number;
}

/** Listens where the config says; refuses a host other than loopback without a token. */
export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const { host, port } = options.config;
  if (!isLoopback(host) && !options.tokens.change && !options.tokens.read) {
    throw new Error(
      `api.host is ${host}, which is reachable from other machines: set CREWDESK_API_TOKEN (and CREWDESK_API_READ_TOKEN for read-only use) before listening there, or use host 127.0.0.1`,
    );
  }
  const server = await buildApi(options);
  await server.app.listen({ host, port });
  const address = server.app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { ...server, url: `http://${shown}:${bound}/`, port: bound };
}
