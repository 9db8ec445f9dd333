// What every route group is given: the services (the same the chat and the manager call), the
// actor changes are audited as, the fact stream and the run-time figures.
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ChatServices } from '../chat/services.ts';
import type { Actor } from '../services/result.ts';
import type { BacktestJobs } from './backtest-jobs.ts';
import type { FactStream } from './fact-stream.ts';
import type { Metrics } from './metrics.ts';

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** The token holder: an owner, as the console is. Audited as `api` via `api`. */
export const API_ACTOR: Actor = Object.freeze({ id: 'api', via: 'api', isOwner: true });

export interface ApiContext {
  readonly services: ChatServices;
  readonly actor: Actor;
  readonly stream: FactStream;
  readonly backtests: BacktestJobs;
  readonly metrics: Metrics;
}
