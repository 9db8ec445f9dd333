// A real desk (SQLite journal in a temp dir, paper exchange, real crews) with the HTTP API built
// on it, as `crewdesk start` builds it: the same DeskService, Metrics and HealthMonitor.
import { buildApi, type ApiServer } from '../../src/api/server.ts';
import { Metrics } from '../../src/api/metrics.ts';
import type { ChatServices } from '../../src/chat/services.ts';
import { apiConfigSchema, type ApiConfig } from '../../src/config/api.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { DeskService } from '../../src/services/desk-service.ts';
import { HealthMonitor } from '../../src/services/health-monitor.ts';
import { type Harness, openHarness } from '../support/desk-harness.ts';

export const CHANGE_TOKEN = 'change-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';

export interface ApiHarness {
  readonly harness: Harness;
  readonly service: DeskService;
  readonly api: ApiServer;
  readonly metrics: Metrics;
  readonly health: HealthMonitor;
  dispose(): Promise<void>;
}

export async function openApiHarness(options: { config?: Partial<ApiConfig>; services?: Partial<ChatServices> } = {}): Promise<ApiHarness> {
  const harness = await openHarness({
    teams: [
      {
        name: 'alpha',
        capital: '6000',
        crews: [
          { id: 'sma-btc', crew: 'sma-cross', capital: '3000', params: { fast: 2, slow: 3 } },
          { id: 'rsi-btc', crew: 'rsi-reversion', capital: '2000' },
        ],
      },
    ],
    crews: [],
  });
  const service = new DeskService(harness.desk, { mode: 'paper' });
  const health = new HealthMonitor({ eventLoopLagMs: 10_000, rssMb: 100_000 });
  const services: ChatServices = { desk: service, health, ...options.services };
  const metrics = new Metrics({
    bus: harness.desk.bus,
    health,
    crewCandles: () => [...harness.desk.engine.crews.values()].map((c) => ({ crew: c.id, candles: c.candles })),
    rateUsage: () => null,
    llmUsage: () => services.manager?.usage?.(),
    haltLevel: () => harness.desk.engine.halt.level,
  });
  const journal = harness.desk.journal;
  if (journal instanceof SqliteJournal) journal.onCommitTimed = metrics.observeCommit;
  const config = apiConfigSchema.parse({ port: 0, ...options.config });
  const api = await buildApi({ services, bus: harness.desk.bus, metrics, tokens: { change: CHANGE_TOKEN, read: READ_TOKEN }, config });
  return {
    harness,
    service,
    api,
    metrics,
    health,
    dispose: async () => {
      await api.close();
      metrics.close();
      health.close();
      await harness.dispose();
    },
  };
}

export const asChange = { authorization: `Bearer ${CHANGE_TOKEN}` };
export const asReader = { authorization: `Bearer ${READ_TOKEN}` };
