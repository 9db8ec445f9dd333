// The health figures /status, the API and /metrics show, and the owner's alert: once when a line is
// crossed, not again while the figure stays above it.
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthAlert, HealthMonitor, healthLine } from '../../src/services/health-monitor.ts';

let monitor: HealthMonitor | undefined;
afterEach(() => monitor?.close());

describe('HealthMonitor', () => {
  it('samples the event loop, memory and CPU', () => {
    monitor = new HealthMonitor({ eventLoopLagMs: 10_000, rssMb: 1_000_000 });
    const f = monitor.sample();
    expect(f.rssMb).toBeGreaterThan(10);
    expect(f.rssBytes).toBe(Math.round(f.rssBytes));
    expect(f.heapUsedMb).toBeGreaterThan(1);
    expect(f.cpuPct).toBeGreaterThanOrEqual(0);
    expect(healthLine(f)).toMatch(/^event loop p50 [\d.]+ ms, p99 [\d.]+ ms · RSS [\d.]+ MB · heap [\d.]+\/[\d.]+ MB · CPU [\d.]+%$/);
  });

  it('alerts once when memory is over its line, not at every sample', () => {
    monitor = new HealthMonitor({ eventLoopLagMs: 10_000, rssMb: 1 });
    const alerts: HealthAlert[] = [];
    monitor.onAlert((a) => alerts.push(a));
    monitor.sample();
    monitor.sample();
    monitor.sample();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'rss', line: 1 });
    expect(alerts[0]!.message).toMatch(/^the process holds [\d.]+ MB, over the line of 1 MB$/);
  });

  it('alerts when the event loop was held past its line', async () => {
    monitor = new HealthMonitor({ eventLoopLagMs: 100, rssMb: 1_000_000 });
    const alerts: HealthAlert[] = [];
    monitor.onAlert((a) => alerts.push(a));
    monitor.sample();
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // Holding the loop, as a long synchronous task would.
    }
    // Let the histogram's timer record the delay it suffered.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const f = monitor.sample();
    expect(f.eventLoopLagMaxMs).toBeGreaterThanOrEqual(200);
    expect(alerts.map((a) => a.kind)).toEqual(['event-loop-lag']);
  });
});
