// /crew record and /crew promote typed in the console of the real `crewdesk start` (paper trading
// on a local replay of candle files): the crew's track record from the journal beside the real
// backtest over the same candles and costs, its drift, the promotion gate and the chart of both;
// a paper desk has no exchange to promote to, and says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

let desk: DeskProcess | undefined;
afterAll(async () => {
  await desk?.dispose();
});

describe('crewdesk start in the console: a crew’s record', () => {
  it('shows /crew record with the drift, the gate and the chart, and refuses /crew promote on a paper desk', async () => {
    desk = await startDeskProcess({
      console: true,
      config: {
        replay: { speed: 7_200 },
        teams: [
          {
            name: 'alpha',
            capital: '3000',
            crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', capital: '3000', params: { fast: 5, slow: 20 } }],
          },
        ],
      },
    });
    await desk.printed('crewdesk: journal');
    // A record worth reading: wait until the crew has traded.
    await desk.printed(/fill\s+sma-btc: SELL/, 120_000);
    desk.type('/crew record sma-btc');
    await desk.printed(/file saved: \S+record-sma-btc\.png/, 90_000);
    const out = desk.stdout();
    expect(out).toMatch(/Track record of sma-btc on paper: [\d.]+ days, \d+ candles/);
    expect(out).toMatch(/^\s*record\s+[+-]?[\d.,]+%/m);
    expect(out).toMatch(/^\s*backtest\s+[+-]?[\d.,]+%/m);
    expect(out).toMatch(/drift [\d.]+% of the starting equity .*: \d+ fills matched, \d+ missing, \d+ extra/);
    expect(out).toMatch(/promotion gate: (PASSES|fails)/);
    expect(out).toMatch(/(pass|FAIL)\s+days on paper/);
    const path = /file saved: (\S+record-sma-btc\.png)/.exec(out)![1]!;
    expect(readFileSync(join(desk.dir, path)).subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));

    desk.type('/crew promote sma-btc capital:1000');
    await desk.printed(/no exchange beside paper/, 90_000);
    expect(await desk.stop()).toBe(0);
  }, 300_000);
});
