// GET /metrics: Prometheus' text format with the named series — the process's health (the same
// figures /status shows), orders, fills and denials by crew (counted from the bus's facts), candles,
// the halt level, the rate budget and LLM tokens, the journal's commit latency.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { flatCandles } from '../support/desk-harness.ts';
import { type ApiHarness, asChange, asReader, openApiHarness } from './api-harness.ts';

let h: ApiHarness;

beforeAll(async () => {
  h = await openApiHarness();
}, 60_000);

afterAll(async () => {
  await h?.dispose();
});

async function metrics(): Promise<string> {
  const res = await h.api.app.inject({ method: 'GET', url: '/metrics', headers: asReader });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.body;
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('has the process’s health figures', async () => {
    h.health.sample();
    const text = await metrics();
    for (const series of [
      'crewdesk_event_loop_lag_p50_seconds',
      'crewdesk_event_loop_lag_p99_seconds',
      'crewdesk_resident_memory_bytes',
      'crewdesk_heap_used_bytes',
      'crewdesk_heap_total_bytes',
      'crewdesk_cpu_percent',
    ]) {
      expect(value(text, series), series).toBeGreaterThanOrEqual(0);
    }
    expect(value(text, 'crewdesk_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    for (const declared of ['crewdesk_exchange_rate_budget_used', 'crewdesk_llm_tokens_today', 'crewdesk_journal_commit_seconds']) {
      expect(text).toContain(`# TYPE ${declared} `);
    }
  });

  it('counts orders, fills and denials by crew, and candles, as the desk trades', async () => {
    await h.harness.desk.engine.run(new ArrayMarketData(flatCandles([100, 99, 98, 97, 99, 102, 105, 108])));
    // A denial: halted at entries, the next buy advice is refused by the gate.
    await h.api.app.inject({ method: 'POST', url: '/api/v1/halt', headers: asChange, payload: { level: 'entries' } });
    await h.harness.desk.engine.run(
      new ArrayMarketData(
        flatCandles([108, 104, 100, 96, 92, 96, 100, 104, 108], undefined).map((c, i) => ({
          ...c,
          openTime: c.openTime + (8 + i) * 3_600_000,
          closeTime: c.closeTime + (8 + i) * 3_600_000,
        })),
      ),
    );
    h.harness.desk.bus.flush();
    const text = await metrics();
    expect(value(text, 'crewdesk_orders_total{crew="sma-btc",side="BUY"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'crewdesk_fills_total{crew="sma-btc",side="BUY"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/crewdesk_denials_total\{crew="sma-btc",rule="halt"\} [1-9]/);
    expect(value(text, 'crewdesk_candles_processed{crew="sma-btc"}')).toBeGreaterThan(5);
    expect(value(text, 'crewdesk_halt_level')).toBe(1);
    expect(value(text, 'crewdesk_journal_commit_seconds_count')).toBeGreaterThan(0);
  });
});
