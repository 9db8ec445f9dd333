// /metrics in Prometheus' text format (prom-client): the process's health (the same figures
// /status shows), what the desk did (orders, fills, denials per crew, counted from the bus's
// facts), the exchange's rate budget, the manager's tokens and the journal's commit latency.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineEvent, EventBus } from '../core/events.ts';
import type { UsageReport } from '../manager/usage.ts';
import type { HealthMonitor } from '../services/health-monitor.ts';

export interface MetricsSources {
  readonly bus: EventBus;
  readonly health?: HealthMonitor;
  /** Candles each crew has seen. */
  readonly crewCandles?: () => Iterable<{ readonly crew: string; readonly candles: number }>;
  /** Binance's reported request weight in the current minute and orders in 10 s; null where the venue has none (paper). */
  readonly rateUsage?: () => { readonly usedWeight1m: number | null; readonly orderCount10s: number | null } | null;
  readonly llmUsage?: () => UsageReport | undefined;
  readonly haltLevel?: () => string;
}

export class Metrics {
  readonly registry = new Registry();
  readonly health: HealthMonitor | undefined;
  private readonly journalWrites: Histogram;
  private readonly unsubscribe: () => void;

  constructor(sources: MetricsSources) {
    this.health = sources.health;
    const registers = [this.registry];
    const health = sources.health;
    const gauge = (name: string, help: string, read: (f: NonNullable<ReturnType<HealthMonitor['figures']>>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          if (health) this.set(read(health.figures()));
        },
      });
    gauge('crewdesk_event_loop_lag_p50_seconds', 'Event-loop delay, median over the last sample (seconds).', (f) => f.eventLoopLagP50Ms / 1000);
    gauge('crewdesk_event_loop_lag_p99_seconds', 'Event-loop delay, 99th percentile over the last sample (seconds).', (f) => f.eventLoopLagP99Ms / 1000);
    gauge('crewdesk_resident_memory_bytes', 'Resident set size of the desk process.', (f) => f.rssBytes);
    gauge('crewdesk_heap_used_bytes', 'V8 heap in use.', (f) => f.heapUsedBytes);
    gauge('crewdesk_heap_total_bytes', 'V8 heap reserved.', (f) => f.heapTotalBytes);
    gauge('crewdesk_cpu_percent', 'CPU used over the last sample, percent of one core.', (f) => f.cpuPct);

    const crewCandles = sources.crewCandles;
    new Gauge({
      name: 'crewdesk_candles_processed',
      help: 'Closed candles each crew has processed (since it started or its params last changed).',
      labelNames: ['crew'],
      registers,
      collect() {
        this.reset();
        if (crewCandles) for (const c of crewCandles()) this.set({ crew: c.crew }, c.candles);
      },
    });

    const orders = new Counter({ name: 'crewdesk_orders_total', help: 'Orders created, by crew and side.', labelNames: ['crew', 'side'], registers });
    const fills = new Counter({ name: 'crewdesk_fills_total', help: 'Fills, by crew and side.', labelNames: ['crew', 'side'], registers });
    const denials = new Counter({
      name: 'crewdesk_denials_total',
      help: 'Advice or limits the risk gate denied, by crew (or scope) and rule.',
      labelNames: ['crew', 'rule'],
      registers,
    });
    const haltLevel = sources.haltLevel;
    new Gauge({
      name: 'crewdesk_halt_level',
      help: 'The halt level: 0 none, 1 entries, 2 cancel, 3 flatten.',
      registers,
      collect() {
        if (haltLevel) this.set(HALT_LEVELS.indexOf(haltLevel()));
      },
    });
    const count = (fact: EngineEvent) => {
      if (fact.type === 'order.created') orders.inc({ crew: fact.order.crewId, side: fact.order.side });
      else if (fact.type === 'fill') fills.inc({ crew: fact.crewId, side: fact.fill.side });
      else if (fact.type === 'risk.denied') {
        const crew = fact.scope.kind === 'crew' ? fact.scope.crewId : fact.scope.kind === 'team' ? `team:${fact.scope.team}` : 'desk';
        denials.inc({ crew, rule: fact.rule });
      }
    };
    this.unsubscribe = sources.bus.subscribe('api.metrics', count, ['order.created', 'fill', 'risk.denied'], { deferred: true });

    const rateUsage = sources.rateUsage;
    new Gauge({
      name: 'crewdesk_exchange_rate_budget_used',
      help: "The exchange's rate budget used as it last reported it: request weight this minute, orders in 10 s (absent for paper trading).",
      labelNames: ['limit'],
      registers,
      collect() {
        this.reset();
        const u = rateUsage?.();
        if (u?.usedWeight1m != null) this.set({ limit: 'weight_1m' }, u.usedWeight1m);
        if (u?.orderCount10s != null) this.set({ limit: 'orders_10s' }, u.orderCount10s);
      },
    });

    const llmUsage = sources.llmUsage;
    new Gauge({
      name: 'crewdesk_llm_tokens_today',
      help: "The manager's model tokens today (UTC), by purpose and direction.",
      labelNames: ['purpose', 'direction'],
      registers,
      collect() {
        this.reset();
        const u = llmUsage?.();
        if (!u) return;
        for (const [purpose, t] of Object.entries(u.today.byPurpose)) {
          this.set({ purpose, direction: 'input' }, t.input);
          this.set({ purpose, direction: 'output' }, t.output);
        }
      },
    });

    this.journalWrites = new Histogram({
      name: 'crewdesk_journal_commit_seconds',
      help: "The journal's commits (each a transaction of one event-loop turn's writes, or an order row), seconds.",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
  }

  /** The journal's commit timing hook. */
  readonly observeCommit = (seconds: number): void => {
    this.journalWrites.observe(seconds);
  };

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.unsubscribe();
  }
}

const HALT_LEVELS = ['none', 'entries', 'cancel', 'flatten'];
