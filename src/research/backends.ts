// Which research back end a command uses: the queue when a Redis URL is configured (REDIS_URL, or
// the config's `research.redis`), else this process's warm thread pool. The queue's module (and so
// BullMQ and ioredis) loads only when it is used: the embedded default needs no Redis.
import type { SweepBackend } from '../backtest/optimize.ts';
import { type ResearchConfig, researchRedisUrl } from '../config/research.ts';
import { EmbeddedResearch } from './warm-pool.ts';

export interface ChosenBackend {
  readonly backend: SweepBackend;
  /** "embedded (warm threads)" or "queue at redis://…". */
  readonly description: string;
  close(): Promise<void>;
}

export async function researchBackend(
  config: ResearchConfig | undefined,
  options: { readonly env?: NodeJS.ProcessEnv; readonly onStatus?: (text: string) => void } = {},
): Promise<ChosenBackend> {
  const url = researchRedisUrl(config, options.env ?? process.env);
  if (url === null) return { backend: new EmbeddedResearch(), description: 'embedded (warm worker threads)', close: async () => undefined };
  const { QueueResearch } = await import('./queue-backend.ts');
  const research = await QueueResearch.connect({ url, prefix: config?.prefix ?? 'crewdesk', ...(options.onStatus ? { onStatus: options.onStatus } : {}) });
  return { backend: research, description: `queue at ${research.url}`, close: () => research.close() };
}
