// /research on the queue back end through the real `crewdesk start`: the desk connects to a
// redis-server the test starts on its own free port (REDIS_URL), one real `crewdesk worker` process
// takes the sweep's jobs, the sweep completes and /research list shows it and the worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_REDIS, RedisServer, requireRedis } from '../research/redis-server.ts';
import { WorkerProcess } from '../research/worker-process.ts';
import { CANDLES, type DeskProcess, startDeskProcess } from './desk-process.ts';

const binary = requireRedis();
let redis: RedisServer | undefined;
let worker: WorkerProcess | undefined;
let desk: DeskProcess | undefined;

describe(`crewdesk start: /research on a Redis queue (${NEEDS_REDIS})`, () => {
  beforeAll(async () => {
    redis = await RedisServer.start(binary);
    worker = await WorkerProcess.start('e2e-worker', ['--redis', redis.url, '--data', CANDLES]);
  }, 120_000);

  afterAll(async () => {
    await desk?.dispose();
    await worker?.stop();
    await redis?.down();
  });

  it('sends the sweep to the crewdesk worker and lists it done, with the worker', async () => {
    desk = await startDeskProcess({
      console: true,
      env: { REDIS_URL: redis!.url },
      config: {
        replay: { speed: 3_600 },
        teams: [{ name: 'alpha', capital: '3000', crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' }] }],
      },
    });
    await desk.printed('crewdesk: console ready');
    expect(desk.stdout()).toContain(`research sweeps go to the queue at ${redis!.url}`);
    desk.type('/research sweep sma-cross BTCUSDT 1h fast=3..4,slow=20..30:10 from:2021-01-01 to:2021-01-31');
    await desk.printed(/Sweep (s[0-9a-z]+-[0-9a-z]+) of sma-cross on BTCUSDT 1h started on the queue at/, 90_000);
    await desk.printed(/Sweep s[0-9a-z-]+ done: sma-cross on BTCUSDT 1h/, 180_000);
    const id = /Sweep (s[0-9a-z]+-[0-9a-z]+) done/.exec(desk.stdout())![1]!;
    expect(desk.stdout()).toMatch(/Combinations: 4/);
    expect(desk.stdout()).toMatch(/Journaled as: optimize\.sma-cross\./);

    desk.type('/research list');
    await desk.printed(/Workers:/, 60_000);
    const list = desk.stdout().slice(desk.stdout().lastIndexOf('Sweeps:'));
    expect(list).toMatch(new RegExp(`${id}\\s+sma-cross\\s+BTCUSDT 1h\\s+done`));
    // The worker did the runs: its count is the sweep's.
    expect(list).toMatch(/e2e-worker\s+idle\s+–\s+[1-9]\d*\s+[0-9a-f]{12}\n/);
    expect(await desk.stop()).toBe(0);
  }, 300_000);
});
