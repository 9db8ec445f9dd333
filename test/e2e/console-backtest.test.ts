// /backtest typed in the console of the real `crewdesk start` (no Discord token): the real
// backtester on the desk's candle folder, its KPIs printed and the equity chart saved, its path shown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

let desk: DeskProcess | undefined;
afterAll(async () => {
  await desk?.dispose();
});

describe('crewdesk start in the console', () => {
  it('answers /backtest with the KPIs and the path of the saved equity chart', async () => {
    desk = await startDeskProcess({
      console: true,
      config: {
        replay: { speed: 3_600 },
        teams: [{ name: 'alpha', capital: '3000', crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' }] }],
      },
    });
    await desk.printed('crewdesk: journal');
    desk.type('/backtest sma-cross BTCUSDT 1h from:2021-01-01 to:2021-01-31');
    await desk.printed(/file saved: \S+equity\.png/, 90_000);
    expect(desk.stdout()).toMatch(/── [✔✖] sma-cross BTCUSDT 1h, 2021-01-01 → 2021-01-31 ──/);
    expect(desk.stdout()).toMatch(/Round trips: \d+ \(\d+ won, \d+ lost\)/);
    const path = /file saved: (\S+equity\.png)/.exec(desk.stdout())![1]!;
    const png = readFileSync(join(desk.dir, path));
    expect(png.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(await desk.stop()).toBe(0);
  }, 150_000);
});
