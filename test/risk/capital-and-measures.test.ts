// Capital accounting and the risk measures on a real desk (temp SQLite journal, paper exchange,
// real crews): moving capital is a transfer, never PnL, drawdown or daily loss; a team is never
// over-allocated; resuming resets no measure; the measures survive a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import { DeskService } from '../../src/services/desk-service.ts';
import type { Actor } from '../../src/services/result.ts';
import { flatCandles, type Harness, openHarness, tempDir, type TestCrew } from '../support/desk-harness.ts';

const OWNER: Actor = { id: 'owner-1', via: 'discord', isOwner: true };
const MANAGER: Actor = { id: 'manager', via: 'manager', isOwner: false };

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** Team alpha (6000) with sma-btc and rsi-btc at 3000 each, on limits a transfer of 3000 would trip. */
async function openAlpha(options: { dir?: string; extra?: TestCrew[]; risk?: Record<string, unknown> } = {}): Promise<Harness> {
  return openHarness({
    ...(options.dir ? { dir: options.dir } : {}),
    crews: [],
    teams: [
      {
        name: 'alpha',
        capital: '6000',
        crews: [
          { id: 'sma-btc', crew: 'sma-cross', capital: '3000', params: { fast: 2, slow: 3 } },
          { id: 'rsi-btc', crew: 'rsi-reversion', capital: '3000' },
          ...(options.extra ?? []),
        ],
      },
    ],
    risk: { maxCrewDrawdownPct: 20, maxTotalDrawdownPct: 25, dailyLossLimitQuote: 1000, ...options.risk },
  });
}

/** sma-cross (2/3) buys at t4's open 12, peaks at t4's close 13, sells on the cross down at t6's open 10: flat, at a loss below its peak. */
const DRAWDOWN = flatCandles([10, 10, 10, 13, 13, 10, 10], [10, 10, 10, 10, 12, 13, 10]);

const run = (harness: Harness, candles: ReturnType<typeof flatCandles>) => harness.desk.engine.run(new ArrayMarketData(candles));
const summary = (harness: Harness, id: string) => harness.desk.engine.summaries().find((c) => c.id === id)!;

describe('moving capital is a transfer', () => {
  it('/team allocate sma-btc 0 right after start shows no loss today, and halts nothing', async () => {
    h = await openAlpha();
    const service = new DeskService(h.desk);
    const candles = flatCandles([100, 100, 100, 100, 100, 100]);
    await run(h, candles.slice(0, 3));

    expect(await service.allocate('sma-btc', '0', OWNER)).toMatchObject({ ok: true });
    // The manager's reallocation inside its bounds is a transfer too.
    expect(await service.allocate('rsi-btc', '1000', MANAGER)).toMatchObject({ ok: true });
    await run(h, candles.slice(3));

    expect(service.status().todayPnl).toBe(0);
    expect(summary(h, 'sma-btc')).toMatchObject({ capital: '0', pnl: '0.00', drawdownPct: 0 });
    expect(summary(h, 'rsi-btc')).toMatchObject({ capital: '1000', pnl: '0.00', drawdownPct: 0 });
    expect(h.desk.engine.halt.level).toBe('none');
    expect(h.events.filter((e) => e.type === 'risk.denied' || e.type === 'halt' || e.type === 'crew.paused')).toEqual([]);
    // The account keeps its capital: /status says 6000, none of it lost.
    expect(service.status()).toMatchObject({ capital: 6000, allocated: 1000, equity: 6000 });
  });
});

describe('no over-allocation', () => {
  it('stop, spawn with the freed capital, then resume: the resume is refused, saying by how much it is over', async () => {
    h = await openAlpha();
    const service = new DeskService(h.desk);
    expect(await service.stopCrew('rsi-btc', OWNER)).toMatchObject({ ok: true });
    expect(
      await service.spawnCrew({ team: 'alpha', id: 'phantom', crew: 'sma-cross', symbol: 'ETHUSDT', interval: '5m', capital: '3000' }, OWNER),
    ).toMatchObject({ ok: true });

    const resumed = await service.resumeCrew('rsi-btc', OWNER);

    expect(resumed).toEqual({ ok: false, error: 'team alpha has 0 unallocated: resuming rsi-btc (capital 3000) would allocate 9000 of its 6000, 3000 over' });
    expect(h.desk.engine.crews.get('rsi-btc')!.status).toBe('stopped');
    expect(service.teamList()).toEqual([{ name: 'alpha', capital: '6000', allocated: '6000', crews: ['sma-btc', 'rsi-btc', 'phantom'] }]);
  });

  it('a spawn and an allocation beyond the team are refused with the amount over', async () => {
    h = await openAlpha();
    const service = new DeskService(h.desk);
    const spawn = await service.spawnCrew({ team: 'alpha', id: 'extra', crew: 'sma-cross', symbol: 'ETHUSDT', interval: '5m', capital: '500' }, OWNER);
    expect(spawn).toMatchObject({ ok: false, error: expect.stringContaining('would allocate 6500 of its 6000, 500 over') });
    const raise = await service.allocate('sma-btc', '3250', OWNER);
    expect(raise).toMatchObject({ ok: false, error: expect.stringContaining('250 over') });
  });

  it('a config reload that allocates capital a spawned crew already holds refuses to start, naming the team and the excess', async () => {
    const dir = tempDir();
    h = await openHarness({ dir, crews: [], teams: [{ name: 'alpha', capital: '6000', crews: [{ id: 'sma-btc', crew: 'sma-cross', capital: '3000' }] }] });
    expect(
      await new DeskService(h.desk).spawnCrew({ team: 'alpha', id: 'phantom', crew: 'sma-cross', symbol: 'ETHUSDT', interval: '5m', capital: '3000' }, OWNER),
    ).toMatchObject({ ok: true });
    await h.close();
    h = undefined;

    await expect(openAlpha({ dir })).rejects.toThrow('team alpha has 9000 allocated of its capital 6000 (3000 over)');
  });
});

describe('resuming resets no risk measure', () => {
  it('a pause and a resume leave the crew’s drawdown where it was', async () => {
    h = await openAlpha({ risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, dailyLossLimitQuote: 1_000_000 } });
    const service = new DeskService(h.desk);
    await run(h, DRAWDOWN);
    const before = summary(h, 'sma-btc').drawdownPct;
    expect(before).toBeGreaterThan(10);

    await service.pauseCrew('sma-btc', OWNER);
    await service.resumeCrew('sma-btc', OWNER);

    expect(summary(h, 'sma-btc').drawdownPct).toBe(before);
  });

  it('a crew the drawdown rule paused is resumed by an owner only, never by the manager, and not while still over its limit', async () => {
    h = await openAlpha({ risk: { maxCrewDrawdownPct: 10, maxTotalDrawdownPct: 100, dailyLossLimitQuote: 1_000_000 } });
    const service = new DeskService(h.desk);
    await run(h, DRAWDOWN);
    expect(h.desk.engine.crews.get('sma-btc')!.status).toBe('paused');

    const byManager = await service.resumeCrew('sma-btc', MANAGER);
    expect(byManager).toEqual({ ok: false, error: 'crew sma-btc was paused by the risk rule crew-drawdown: only an owner can resume it' });
    // Even with the owner's approval in hand, a manager's call finds the crew still over its limit.
    const stillOver = await service.resumeCrew('sma-btc', { ...MANAGER, isOwner: true, approvedBy: OWNER.id });
    expect(stillOver).toMatchObject({ ok: false, error: expect.stringMatching(/^crew sma-btc is still \d+\.\d\d% below its equity peak \(limit 10%\)/) });
    expect(h.desk.engine.crews.get('sma-btc')!.status).toBe('paused');

    // The owner setting its capital starts a new measure; then the owner may resume it.
    const capital = h.desk.engine.crews.get('sma-btc')!.book.cash.round(2).toString();
    expect(await service.allocate('sma-btc', capital, OWNER)).toMatchObject({ ok: true });
    expect(await service.resumeCrew('sma-btc', OWNER)).toEqual({ ok: true, value: 'crew sma-btc resumed' });
    expect(summary(h, 'sma-btc').drawdownPct).toBe(0);
  });
});

describe('the measures survive a restart', () => {
  it('a crew’s drawdown, the desk’s peak and today’s PnL come back from the journal', async () => {
    const dir = tempDir();
    const risk = { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, dailyLossLimitQuote: 1_000_000 };
    h = await openAlpha({ dir, risk });
    await run(h, DRAWDOWN);
    const drawdown = summary(h, 'sma-btc').drawdownPct;
    const today = h.desk.engine.todayPnl();
    expect(drawdown).toBeGreaterThan(10);
    expect(today).toBeLessThan(-100);
    await h.close();

    h = await openAlpha({ dir, risk });

    expect(summary(h, 'sma-btc').drawdownPct).toBe(drawdown);
    expect(h.desk.engine.todayPnl()).toBeCloseTo(today, 6);
    // What came back is what was stored: the journal's settings hold the measures as they were.
    expect(h.desk.engine.risk.toJSON()).toEqual(await h.desk.journal.getSetting('risk.measures'));
  });

  it('a capital the owner edits in the config starts that crew’s drawdown afresh; the others keep theirs', async () => {
    const dir = tempDir();
    const risk = { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, dailyLossLimitQuote: 1_000_000 };
    h = await openHarness({
      dir,
      crews: [],
      risk,
      teams: [
        {
          name: 'alpha',
          capital: '6000',
          crews: [
            { id: 'sma-btc', crew: 'sma-cross', capital: '3000', params: { fast: 2, slow: 3 } },
            { id: 'sma-b', crew: 'sma-cross', capital: '3000', params: { fast: 2, slow: 3 } },
          ],
        },
      ],
    });
    await run(h, DRAWDOWN);
    const other = summary(h, 'sma-b').drawdownPct;
    expect(summary(h, 'sma-btc').drawdownPct).toBeGreaterThan(10);
    await h.close();

    h = await openHarness({
      dir,
      crews: [],
      risk,
      teams: [
        {
          name: 'alpha',
          capital: '6000',
          crews: [
            { id: 'sma-btc', crew: 'sma-cross', capital: '2000', params: { fast: 2, slow: 3 } },
            { id: 'sma-b', crew: 'sma-cross', capital: '3000', params: { fast: 2, slow: 3 } },
          ],
        },
      ],
    });

    expect(summary(h, 'sma-btc')).toMatchObject({ capital: '2000', drawdownPct: 0 });
    expect(summary(h, 'sma-b').drawdownPct).toBe(other);
  });

  it('entries blocked by the daily loss limit stay blocked after a restart the same day', async () => {
    const dir = tempDir();
    const risk = { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100, dailyLossLimitQuote: 100 };
    h = await openAlpha({ dir, risk });
    await run(h, DRAWDOWN);
    const lastClose = DRAWDOWN[DRAWDOWN.length - 1]!.closeTime;
    expect(h.desk.engine.gate.entriesBlockedForDay(lastClose)).toBe(true);
    await h.close();

    h = await openAlpha({ dir, risk });

    expect(h.desk.engine.gate.entriesBlockedForDay(lastClose)).toBe(true);
  });
});
