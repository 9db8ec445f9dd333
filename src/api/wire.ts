// The API as the desk runs it: the metrics fed from the desk (its bus, crews, halt, journal commits,
// the manager's usage), then the server listening. `crewdesk start` and the api-load benchmark both
// start it here, so the benchmark measures what runs.
import type { ChatServices } from '../chat/services.ts';
import type { ApiConfig, ApiTokens } from '../config/api.ts';
import type { Desk } from '../desk/desk.ts';
import { SqliteJournal } from '../journal/sqlite-journal.ts';
import type { Logger } from '../log/logger.ts';
import type { HealthMonitor } from '../services/health-monitor.ts';
import { Metrics, type MetricsSources } from './metrics.ts';
import { type RunningApi, startApi } from './server.ts';

export interface DeskApi {
  readonly server: RunningApi;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export async function startDeskApi(options: {
  readonly config: ApiConfig;
  readonly tokens: ApiTokens;
  readonly services: ChatServices;
  readonly desk: Desk;
  readonly health: HealthMonitor;
  readonly rateUsage?: MetricsSources['rateUsage'];
  readonly webDir?: string;
  /** Secrets never to appear in an answer or a fact (the exchange's key, the Discord and model keys). */
  readonly secrets?: readonly string[];
  /** Where a route's failure is logged. */
  readonly log?: Logger;
}): Promise<DeskApi> {
  const { desk, services } = options;
  const metrics = new Metrics({
    bus: desk.bus,
    health: options.health,
    crewCandles: () => [...desk.engine.crews.values()].map((c) => ({ crew: c.id, candles: c.candles })),
    ...(options.rateUsage ? { rateUsage: options.rateUsage } : {}),
    llmUsage: () => services.manager?.usage?.(),
    haltLevel: () => desk.engine.halt.level,
  });
  const journal = desk.journal instanceof SqliteJournal ? desk.journal : null;
  if (journal) journal.onCommitTimed = metrics.observeCommit;
  let server: RunningApi;
  try {
    server = await startApi({
      services,
      bus: desk.bus,
      metrics,
      tokens: options.tokens,
      config: options.config,
      ...(options.log ? { log: options.log } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.webDir ? { webDir: options.webDir } : {}),
    });
  } catch (error) {
    if (journal) journal.onCommitTimed = null;
    metrics.close();
    throw error;
  }
  return {
    server,
    metrics,
    close: async () => {
      if (journal) journal.onCommitTimed = null;
      await server.close();
      metrics.close();
    },
  };
}
