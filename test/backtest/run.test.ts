// runBacktest and runTeamBacktest through the desk on real candles: the equity curve, warm-up
// before --from, gaps, slippage, the in-memory journal against SQLite, and a team with its
// per-crew and team KPIs and its one chart.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backtestDocument, teamTable } from '../../src/backtest/report.ts';
import { runBacktest } from '../../src/backtest/run.ts';
import { MemoryJournal } from '../../src/journal/memory-journal.ts';
import { runTeamBacktest } from '../../src/backtest/team.ts';
import { main } from '../../src/app/main.ts';
import { parseConfig } from '../../src/config/load.ts';
import { dec } from '../../src/core/money.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { JournalConflictError } from '../../src/ports/journal.ts';
import { candleDir, candlePath, KNOWN_GAPS } from '../data/candle-fixtures.ts';
import { tempDir } from '../support/desk-harness.ts';

const HOUR = 3_600_000;
const BTC_1H = candlePath('btc1h');
const SPAN_START = Date.UTC(2021, 0, 1);
const SPAN_END = Date.UTC(2021, 3, 1);

describe('runBacktest', () => {
  let full: Awaited<ReturnType<typeof runBacktest>>;
  beforeAll(async () => {
    full = await runBacktest({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H] });
  });

  it('records the equity once per candle after a first point with the starting cash', () => {
    const points = full.equity.equityPoints();
    expect(points[0]).toEqual({ time: SPAN_START, equity: 10_000 });
    expect(full.equity.size).toBe(full.span.candles + 1);
    expect(full.span).toEqual({ start: SPAN_START, end: SPAN_END, candles: 2158, warmupCandles: 0 });
    expect(full.kpis.startTime).toBe(SPAN_START);
    expect(full.kpis.endTime).toBe(SPAN_END);
    expect(full.kpis.finalEquity).toBeCloseTo(full.finalEquity, 6);
    // The crew summary agrees with the exact final equity.
    expect(full.crewSummary.equity).toBe(dec(full.finalEquity).round(2).toFixed(2));
  });

  it('reports the gaps of the data, not filled in', () => {
    expect(full.gaps.map((g) => [g.from, g.to, g.missing])).toEqual(KNOWN_GAPS.map((g) => [g.after + HOUR, g.resume, 1]));
  });

  it('measures buy and hold from the first open to the last close, with the same fee', () => {
    const rows = readFileSync(BTC_1H, 'utf8').trim().split('\n');
    const firstOpen = Number(rows[0]!.split(',')[1]);
    const lastClose = Number(rows.at(-1)!.split(',')[4]);
    expect(full.kpis.buyAndHoldReturnPct).toBeCloseTo((((lastClose / firstOpen) * 0.999) / 1.001) * 100 - 100, 9);
  });

  it('warms the crew up on the candles before --from and trades from --from on', async () => {
    const from = Date.UTC(2021, 1, 1);
    const to = Date.UTC(2021, 2, 1);
    const part = await runBacktest({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H], from, to });
    expect(part.span).toMatchObject({ start: from, end: to, warmupCandles: 31 }); // slow + 1
    expect(part.span.candles).toBe((to - from) / HOUR - 1); // one hour of February is missing
    expect(part.fills[0]!.time).toBeGreaterThan(from);
    // Warmed up, the crew decides from --from exactly as in the full run (as long as it holds
    // nothing from before): its first buy is one the full run made too.
    const fullBuys = full.fills.filter((f) => f.side === 'BUY').map((f) => f.time);
    const firstBuy = part.fills.find((f) => f.side === 'BUY')!;
    expect(fullBuys).toContain(firstBuy.time);
  });

  it('moves market fills against the trader by the slippage, rounded to the tick', async () => {
    const slipped = await runBacktest({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H], slippageBps: 5, to: Date.UTC(2021, 0, 12) });
    const plain = full.fills.filter((f) => f.time < Date.UTC(2021, 0, 12));
    expect(slipped.fills.map((f) => f.time)).toEqual(plain.map((f) => f.time));
    for (const [i, f] of slipped.fills.entries()) {
      const open = plain[i]!.price;
      const expected = f.side === 'BUY' ? Math.ceil(open * 1.0005 * 100 - 1e-6) / 100 : Math.floor(open * 0.9995 * 100 + 1e-6) / 100;
      expect(f.price).toBeCloseTo(expected, 8);
    }
  });

  it('gives the same result with the in-memory journal as with a SQLite journal file, which holds the fills', async () => {
    const dir = tempDir('crewdesk-backtest-journal-');
    try {
      const file = join(dir, 'journal.sqlite');
      const onDisk = await runBacktest({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H], journal: file });
      expect(JSON.stringify(backtestDocument(onDisk))).toBe(JSON.stringify(backtestDocument(full)));
      const journal = await SqliteJournal.open(file);
      try {
        const fills = await journal.getFills();
        expect(fills.map((f) => [f.time, f.side, f.price.toNumber()])).toEqual(full.fills.map((f) => [f.time, f.side, f.price]));
      } finally {
        await journal.close();
      }
      await expect(runBacktest({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H], journal: file })).rejects.toThrow(/exists already/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MemoryJournal keeps the journal port’s contract', () => {
  const order = {
    clientOrderId: 'cd-a-1',
    crewId: 'a',
    symbol: 'BTCUSDT',
    side: 'BUY' as const,
    type: 'MARKET' as const,
    quoteQuantity: dec(100),
    status: 'new' as const,
    executedQty: dec(0),
    cumulativeQuote: dec(0),
    adviceKey: 'a@1',
    reason: 'test',
    createdAt: 1,
    updatedAt: 1,
  };

  it('refuses a second order for the same id or advice, and a replayed fill', async () => {
    const journal = new MemoryJournal();
    await journal.insertOrder(order, 2);
    expect(() => journal.insertOrder(order, 2)).toThrow(JournalConflictError);
    expect(() => journal.insertOrder({ ...order, clientOrderId: 'cd-a-2' }, 3)).toThrow(JournalConflictError);
    const fill = {
      tradeId: '1',
      clientOrderId: 'cd-a-1',
      exchangeOrderId: '1',
      symbol: 'BTCUSDT',
      side: 'BUY' as const,
      price: dec(10),
      quantity: dec(1),
      quoteQuantity: dec(10),
      fee: dec('0.01'),
      feeAsset: 'USDT',
      time: 5,
      crewId: 'a',
    };
    const position = {
      crewId: 'a',
      symbol: 'BTCUSDT',
      quantity: dec(1),
      costBasis: dec('10.01'),
      cash: dec(90),
      realizedPnl: dec(0),
      feesPaid: dec('0.01'),
      entryTime: 5,
      entryPrice: dec(10),
    };
    const filled = { ...order, status: 'filled' as const, executedQty: dec(1), cumulativeQuote: dec(10) };
    expect(await journal.recordFill(fill, position, filled, 'submitted')).toBe(true);
    expect(await journal.recordFill(fill, position, filled, 'submitted')).toBe(false);
    expect(await journal.getOpenOrders()).toEqual([]);
    expect((await journal.getOrder('cd-a-1'))?.status).toBe('filled');
    expect(await journal.getFills({ crewId: 'a' })).toHaveLength(1);
  });

  it('lists oldest first, newest first when limited, and copies what crews may change', async () => {
    const journal = new MemoryJournal();
    for (let i = 1; i <= 3; i++) await journal.recordAudit({ actor: 't', via: 't', action: `a${i}`, at: i });
    expect((await journal.getAudit()).map((a) => a.action)).toEqual(['a1', 'a2', 'a3']);
    expect((await journal.getAudit({ limit: 2 })).map((a) => a.action)).toEqual(['a3', 'a2']);
    const state = { n: 1 };
    await journal.setSetting('s', state, null);
    state.n = 2;
    expect(await journal.getSetting('s')).toEqual({ n: 1 });
    await journal.close();
    expect(() => journal.getSetting('s')).toThrow(/closed/);
  });
});

describe('team backtest', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = tempDir('crewdesk-team-backtest-');
    config = join(dir, 'team.yaml');
    writeFileSync(
      config,
      [
        'paper: { feeBps: 10, slippageBps: 0 }',
        'risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 }',
        'teams:',
        '  - name: alpha',
        '    capital: "20000"',
        '    crews:',
        '      - { id: sma-btc, crew: sma-cross, symbol: BTCUSDT, interval: 1h, capital: "6000" }',
        '      - { id: rsi-btc, crew: rsi-reversion, symbol: BTCUSDT, interval: 1h, capital: "4000", params: { period: 14 } }',
        '  - name: beta',
        '    capital: "1000"',
        '    crews:',
        '      - { id: dca-btc, crew: dca, symbol: BTCUSDT, interval: 1h }',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the team’s crews on one desk: per-crew KPIs, team KPIs over their summed equity', async () => {
    const team = await runTeamBacktest({ config, team: 'alpha', data: [candleDir().dir] });
    expect(team.crews.map((c) => [c.id, c.module, c.capital])).toEqual([
      ['sma-btc', 'sma-cross', 6000],
      ['rsi-btc', 'rsi-reversion', 4000],
    ]);
    expect(team.capital).toBe(10_000);
    expect(team.kpis.startEquity).toBe(10_000);
    expect(team.finalEquity).toBeCloseTo(team.crews[0]!.finalEquity + team.crews[1]!.finalEquity, 6);
    expect(team.kpis.finalEquity).toBeCloseTo(team.finalEquity, 6);
    expect(team.kpis.roundTrips).toBe(team.crews[0]!.kpis.roundTrips + team.crews[1]!.kpis.roundTrips);
    expect(team.kpis.feesPaid).toBeCloseTo(team.crews[0]!.kpis.feesPaid + team.crews[1]!.kpis.feesPaid, 6);
    expect(team.fills).toHaveLength(team.crews[0]!.fills.length + team.crews[1]!.fills.length);
    for (let i = 1; i < team.fills.length; i++) expect(team.fills[i]!.time).toBeGreaterThanOrEqual(team.fills[i - 1]!.time);

    // Alone on its own desk with the same capital and the config's position limit (a position
    // is at most the crew's capital: profits are not reinvested), sma-cross trades exactly the same.
    const alone = await runBacktest({ crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', data: [BTC_1H], cash: 6000, risk: { maxPositionFraction: 1 } });
    expect(team.crews[0]!.fills).toEqual(alone.fills);
    expect(team.crews[0]!.kpis.totalReturnPct).toBeCloseTo(alone.kpis.totalReturnPct, 9);
  });

  it('crewdesk backtest --team writes one chart and a JSON with per-crew and team KPIs', async () => {
    const out = join(dir, 'out');
    const stdout: string[] = [];
    const stderr: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
    let code: number;
    try {
      code = await main(['backtest', '--team', config, '--team-name', 'alpha', '--data', candleDir().dir, '--json', '--out', out]);
    } finally {
      vi.restoreAllMocks();
    }
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);
    const document = JSON.parse(stdout.join('')) as {
      kind: string;
      team: string;
      finalEquity: number;
      kpis: object;
      crews: { id: string; kpis: object; fills: unknown[] }[];
      fills: { crew: string }[];
    };
    expect(document.kind).toBe('team-backtest');
    expect(document.crews.map((c) => c.id)).toEqual(['sma-btc', 'rsi-btc']);
    expect(new Set(document.fills.map((f) => f.crew))).toEqual(new Set(['sma-btc', 'rsi-btc']));
    expect(readdirSync(out).sort()).toEqual(['equity.csv', 'equity.png', 'fills.csv', 'result.json']);
    const png = readFileSync(join(out, 'equity.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(readFileSync(join(out, 'fills.csv'), 'utf8').split('\n')[0]).toBe('crew,time,time_iso,side,price,qty,fee');
  });

  it('refuses a symbol whose finest candles do not cover the span of its coarser crews', async () => {
    // Orders fill on a symbol's finest candles: a 1h crew beside a 1m crew needs 1m data throughout.
    const mixed = parseConfig(
      {
        teams: [
          {
            name: 'mixed',
            capital: '2000',
            crews: [
              { id: 'hourly', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' },
              { id: 'minutely', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m' },
            ],
          },
        ],
      },
      'test config',
    );
    await expect(runTeamBacktest({ config: mixed, data: [candleDir().dir] })).rejects.toThrow(
      'BTCUSDT is traded on 1h and 1m: its orders fill on the 1m candles, which cover only 2021-01-03 00:00 → 2021-01-04 00:00, ' +
        '2021-02-19 00:00 → 2021-02-26 00:00 of 2021-01-01 00:00 → 2021-04-01 00:00; give 1m candles for the whole span or narrow it with --from/--to',
    );
    const week = await runTeamBacktest({ config: mixed, data: [candleDir().dir], from: Date.UTC(2021, 1, 19), to: Date.UTC(2021, 1, 26) });
    expect(week.crews.map((c) => c.id)).toEqual(['hourly', 'minutely']);
    expect(week.span.candles).toBe(7 * 24 + 7 * 1440);
  });

  describe('on the two BTCUSDT 1m files, 46 days apart', () => {
    const DAY = 86_400_000;
    const MINUTE = 60_000;
    let gapped: Awaited<ReturnType<typeof runTeamBacktest>>;
    beforeAll(async () => {
      const minutely = parseConfig(
        {
          paper: { feeBps: 10, slippageBps: 0 },
          teams: [
            {
              name: 'minutely',
              capital: '10000',
              crews: [
                { id: 'sma-1m', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', capital: '6000' },
                { id: 'rsi-1m', crew: 'rsi-reversion', symbol: 'BTCUSDT', interval: '1m', capital: '4000' },
              ],
            },
          ],
        },
        'test config',
      );
      gapped = await runTeamBacktest({ config: minutely, data: [candlePath('btc1mDay'), candlePath('btc1mWeek')] });
    });

    it('says the gap in its table, as a single backtest does, for the team and each crew', () => {
      expect(gapped.gaps.map((g) => g.missing)).toEqual([46 * 1440]);
      const row = teamTable(gapped, gapped.quote, { tty: false })
        .split('\n')
        .find((line) => line.startsWith('Gaps in the data'));
      expect(row?.split(/\s{2,}/)).toEqual(['Gaps in the data', '1 (66,240 candles missing)', '1 (66,240 candles missing)', '1 (66,240 candles missing)']);
    });

    it('measures CAGR, exposure and daily returns over the 8 days the data covers, not the 54 of the span', () => {
      const covered = 8 * DAY;
      expect(gapped.span.end - gapped.span.start).toBe(54 * DAY);
      const k = gapped.kpis;
      expect(k.cagrPct).toBeCloseTo(((k.finalEquity / k.startEquity) ** ((365 * DAY) / covered) - 1) * 100, 6);
      // One daily return per covered day: 2021-01-03 and 2021-02-19 … 25.
      expect(k.days).toBe(8);
      expect(gapped.crews.map((c) => c.kpis.days)).toEqual([8, 8]);
      // Exposure: the minutes a crew held a position, out of the covered minutes, counted from its fills.
      for (const crew of gapped.crews) {
        const held = heldMinutes(crew.fills, gapped.span.start, gapped.span.end, gapped.holes);
        expect(crew.kpis.exposurePct).toBeCloseTo((held / (covered / MINUTE)) * 100, 1);
      }
      expect(k.notes.some((n) => n.includes('over the 8d 0h the data covers'))).toBe(true);
    });

    it('stops the chart’s lines at the gap: the team’s uncovered time is the 46 days', () => {
      expect(gapped.holes).toEqual([{ start: Date.UTC(2021, 0, 4), end: Date.UTC(2021, 1, 19) }]);
    });
  });

  it('with --journal and a malformed candle row: refused before the journal file exists', async () => {
    const bad = join(dir, 'bad-candles');
    mkdirSync(bad, { recursive: true });
    // Good for 200 hours, then a row whose high is below its low.
    const rows = ['open_time,open,high,low,close,volume'];
    for (let h = 0; h < 200; h++) rows.push(`${SPAN_START + h * HOUR},100,110,90,105,1`);
    rows.push(`${SPAN_START + 200 * HOUR},105,95,100,101,1`);
    writeFileSync(join(bad, 'BTCUSDT-1h-2021-01.csv'), `${rows.join('\n')}\n`);
    const journal = join(dir, 'team-journal.sqlite');
    await expect(runTeamBacktest({ config, team: 'alpha', data: [bad], journal })).rejects.toThrow(
      /malformed candle file: .*BTCUSDT-1h-2021-01\.csv:202: high 95 is below low 100/,
    );
    expect(existsSync(journal)).toBe(false);
  });

  it('asks which team when the config has several, and names the teams', async () => {
    await expect(runTeamBacktest({ config, data: [candleDir().dir] })).rejects.toThrow('the config has 2 teams (alpha, beta): pick one with --team-name');
    await expect(runTeamBacktest({ config, team: 'gamma', data: [candleDir().dir] })).rejects.toThrow('no team "gamma" in the config (teams: alpha, beta)');
  });
});

/**
 * Minutes a position was held within covered time, from the fills alone: a fill at a candle's open
 * holds from that minute on; minutes inside `holes` are not counted.
 */
function heldMinutes(
  fills: readonly { time: number; side: 'BUY' | 'SELL'; qty: number }[],
  start: number,
  end: number,
  holes: readonly { start: number; end: number }[],
): number {
  let held = 0;
  let qty = 0;
  let f = 0;
  for (let t = start; t < end; t += 60_000) {
    while (f < fills.length && fills[f]!.time <= t) {
      qty += fills[f]!.side === 'BUY' ? fills[f]!.qty : -fills[f]!.qty;
      f++;
    }
    if (qty > 1e-12 && !holes.some((h) => t >= h.start && t < h.end)) held++;
  }
  return held;
}
