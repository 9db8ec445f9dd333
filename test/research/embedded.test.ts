// The embedded back end (no Redis): a warm pool kept between sweeps, giving the same result as the
// sweep's own threads; and the research config, whose Redis password only comes from the environment.
import { afterAll, describe, expect, it } from 'vitest';
import { runOptimization } from '../../src/backtest/optimize.ts';
import { researchConfigSchema, researchRedisUrl } from '../../src/config/research.ts';
import { EmbeddedResearch, WarmThreadPool } from '../../src/research/warm-pool.ts';
import { candlePath } from '../data/candle-fixtures.ts';

const pool = new WarmThreadPool();
afterAll(() => pool.close());

describe('the warm thread pool', () => {
  it('keeps its threads from one sweep to the next, and gives what per-sweep threads give', async () => {
    const options = { crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' as const, data: [candlePath('btc1h')], grid: 'fast=5,10,slow=20,30', workers: 2 };
    const first = await runOptimization({ ...options, backend: new EmbeddedResearch(pool) });
    expect(pool.started).toBe(2);
    const second = await runOptimization({ ...options, backend: new EmbeddedResearch(pool) });
    // The second sweep started no thread: it ran on the first one's, warm.
    expect(pool.started).toBe(2);
    const fresh = await runOptimization(options);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(JSON.stringify(first)).toBe(JSON.stringify(fresh));
  }, 240_000);
});

describe('the research config', () => {
  it('refuses a password in research.redis, naming where it goes instead', () => {
    const parsed = researchConfigSchema.safeParse({ redis: 'redis://:hunter2@10.0.0.5:6379' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('REDIS_PASSWORD');
  });

  it('takes REDIS_URL first, else research.redis with REDIS_PASSWORD, else none (embedded)', () => {
    const config = researchConfigSchema.parse({ redis: 'rediss://10.0.0.5:6380/2' });
    expect(researchRedisUrl(config, { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PASSWORD: 'x' })).toBe('redis://127.0.0.1:6379');
    expect(researchRedisUrl(config, { REDIS_PASSWORD: 's3cret' })).toBe('rediss://:s3cret@10.0.0.5:6380/2');
    expect(researchRedisUrl(undefined, {})).toBeNull();
    expect(researchConfigSchema.safeParse({ redis: 'redis://h:1', extra: 1 }).success).toBe(false);
  });
});
