// /research typed in the console of the real `crewdesk start`: a sweep on the replay's candles runs
// on the desk's embedded warm pool, its progress shown, its best result answered and journaled for
// the manager; /research list shows it done and the pool's threads; a bad grid is refused by name.
import { afterAll, describe, expect, it } from 'vitest';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

let desk: DeskProcess | undefined;
afterAll(async () => {
  await desk?.dispose();
});

describe('crewdesk start: /research in the console', () => {
  it('runs a sweep, lists it with its best result and the workers, refuses a bad grid', async () => {
    desk = await startDeskProcess({
      console: true,
      // The embedded default, whatever this machine's environment says.
      env: { REDIS_URL: '' },
      config: {
        replay: { speed: 3_600 },
        teams: [{ name: 'alpha', capital: '3000', crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' }] }],
      },
    });
    await desk.printed('crewdesk: console ready');
    desk.type('/research sweep sma-cross BTCUSDT 1h fast=3..5,slow=20..30:10 from:2021-01-01 to:2021-01-31');
    await desk.printed(/Sweep (s[0-9a-z]+-[0-9a-z]+) of sma-cross on BTCUSDT 1h started on the embedded/, 90_000);
    await desk.printed(/Sweep s[0-9a-z-]+ done: sma-cross on BTCUSDT 1h/, 120_000);
    const out = desk.stdout();
    const id = /Sweep (s[0-9a-z]+-[0-9a-z]+) done/.exec(out)![1]!;
    expect(out).toMatch(/Combinations: 6/);
    expect(out).toMatch(/Journaled as: optimize\.sma-cross\./);
    expect(out).toMatch(/Best params: \{"fast":\d,"slow":\d\d\}\n/);

    desk.type('/research list');
    await desk.printed(/Workers:/, 60_000);
    const list = desk.stdout().slice(desk.stdout().lastIndexOf('Sweeps:'));
    expect(list).toMatch(new RegExp(`${id}\\s+sma-cross\\s+BTCUSDT 1h\\s+done\\s+(\\d+)/\\1\\s+\\{"fast":\\d,"slow":\\d\\d\\} sharpe`));
    expect(list).toMatch(/thread-1\s+idle/);

    desk.type('/research sweep sma-cross BTCUSDT 1h fast=3..5,speed=1');
    await desk.printed(/crew sma-cross has no param "speed"/, 60_000);
    // Refused before it started: no id, not listed.
    expect(desk.stdout().match(/Sweep s[0-9a-z-]+ of sma-cross on BTCUSDT 1h started/g)).toHaveLength(1);
    desk.type('/research cancel s-nope');
    await desk.printed(/no sweep s-nope/, 60_000);

    // A long sweep, cancelled once runs are done: its queued runs are withdrawn, the list says so.
    const earlier = [...desk.stdout().matchAll(/Sweep (s[0-9a-z]+-[0-9a-z]+) of sma-cross on BTCUSDT 1h started/g)].map((m) => m[1]!);
    desk.type('/research sweep sma-cross BTCUSDT 1h fast=2..30,slow=31..90 from:2021-01-01 to:2021-03-31');
    const fresh = new RegExp(`Sweep (?!(?:${earlier.join('|')})\\b)(s[0-9a-z]+-[0-9a-z]+) of sma-cross on BTCUSDT 1h started`);
    await desk.printed(fresh, 60_000);
    const long = fresh.exec(desk.stdout())![1]!;
    await desk.printed(new RegExp(`Sweep ${long} of sma-cross on BTCUSDT 1h: \\[[#.]+\\] \\d+% [1-9]\\d*/\\d+ runs`), 120_000);
    desk.type(`/research cancel ${long}`);
    await desk.printed(`Sweep ${long} cancelled`, 120_000);
    desk.type('/research list');
    await desk.printed(new RegExp(`${long}\\s+sma-cross\\s+BTCUSDT 1h\\s+cancelled`), 60_000);
    expect(await desk.stop()).toBe(0);
  }, 240_000);
});
