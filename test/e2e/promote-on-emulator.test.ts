// /crew promote and /crew demote typed in the console of the real `crewdesk start` in testnet mode
// against the local Binance emulator (the real @binance/spot client): a crew on paper is refused with
// the failing criterion named, trades a round trip on paper, is promoted by its record (confirmed),
// and its next entry — with its protective stop — goes to the emulator; demoted with its position
// handed over, no stop of it stays on the exchange. Every move is in the audit log.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/core/domain.ts';
import { type Emulator, startEmulator } from '../../src/emulator/emulator.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { tempDir, writeCrewModule } from '../support/desk-harness.ts';
import { eventually, minuteCandles, startTestnetDesk, testnetEnv, writeTestnetConfig } from '../support/testnet-process.ts';

const KEY = 'PromoKey0'.repeat(8).slice(0, 64);
const SECRET = 'PromoSecret1'.repeat(6).slice(0, 64);

interface OrderView {
  readonly clientOrderId: string;
  readonly type: string;
  readonly side: string;
}

let emulator: Emulator | undefined;
let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill('SIGKILL');
  await emulator?.close();
});

/** 1m candles: 30 flat at 100 already closed, then blocks of three at 101 and three at 99, over and over. */
const market = () =>
  minuteCandles([...Array.from({ length: 30 }, () => 100), ...Array.from({ length: 30 }, (_, b) => (b % 2 === 0 ? [101, 101, 101] : [99, 99, 99])).flat()], 30);

describe('crewdesk start on the emulator: promote and demote in the console', () => {
  it('refuses by the gate, promotes by the record, trades on the emulator, demotes — audited', async () => {
    const dir = tempDir('crewdesk-promote-');
    const crewDir = join(dir, 'crews');
    writeCrewModule(
      crewDir,
      'swing',
      `export default defineCrew({
        name: 'swing',
        description: 'promotion test crew: long above 100, flat below',
        params: z.object({ level: z.number().min(0).max(1e9).default(100).describe('the level') }),
        indicators: () => ({}),
        warmup: () => 0,
        onCandle(ctx) {
          if (!ctx.position.isLong && ctx.candle.close > ctx.params.level) return { action: 'buy', size: 0.5, reason: 'above' };
          if (ctx.position.isLong && ctx.candle.close < ctx.params.level) return { action: 'sell', size: 1, reason: 'below' };
          return { action: 'hold' };
        },
      });`,
    );
    const journalFile = join(dir, 'journal.sqlite');
    const configFile = writeTestnetConfig(dir, journalFile, [
      `crewDirs: [${crewDir}]`,
      'risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 }',
      // Lenient but not empty: two round trips on paper are required.
      'promotion: { minDays: 0, minTrades: 2, maxDrawdownPct: 100, minSharpe: -1000, minProfitFactor: 0, maxDriftPct: 100, maxUnmatchedFills: 100 }',
      'teams:',
      '  - name: lab',
      '    capital: "2000"',
      '    crews:',
      '      - { id: cand, crew: swing, symbol: BTCUSDT, interval: 1m, capital: "1000", venue: paper, params: { stopLossPct: 5 } }',
    ]);
    emulator = await startEmulator({ apiKey: KEY, apiSecret: SECRET, candles: market(), history: 30, speed: 0, balances: { USDT: '5000' } });
    // The console, not Discord: no DISCORD_* variables at all.
    const desk = await startTestnetDesk(configFile, testnetEnv(emulator, KEY, SECRET), { cwd: dir, console: true });
    const proc = desk.proc;
    child = proc;
    const type = desk.type;
    const printed = (what: RegExp, from: number, timeoutMs = 90_000) =>
      eventually(
        () => `${what}:\n${desk.output()}`,
        () => what.test(desk.output().slice(from)),
        timeoutMs,
      );
    await printed(/crewdesk: console ready/, 0, 180_000);
    const state = () => emulator!.state() as unknown as { openOrders: OrderView[]; orders: OrderView[] };
    /** Plays candles one at a time until `check` holds (a slow stream subscription may miss one: the pattern repeats). */
    const stepUntil = async (what: string, check: () => boolean) => {
      for (let i = 0; i < 12; i++) {
        emulator!.step(1);
        if (await eventually(what, check, 10_000).catch(() => false)) return;
      }
      throw new Error(`never: ${what}\n${desk.output()}`);
    };

    const roundTrips = () => (desk.output().match(/fill\s+cand: SELL/g) ?? []).length;
    // 1. A round trip on paper (the buy at a close of 101, the sale at a close of 99): nothing on the emulator.
    await stepUntil('a round trip on paper', () => roundTrips() === 1);
    expect(state().orders).toEqual([]);

    // 2. One round trip of two: refused, the failing criterion named.
    let mark = desk.output().length;
    type('/crew promote cand capital:500');
    await printed(/Not promoted[\s\S]*does not pass the promotion gate:.*round trips/, mark);

    // A second round trip.
    await stepUntil('a second round trip on paper', () => roundTrips() === 2);
    expect(state().orders).toEqual([]);

    // 3. Promoted by its record, confirmed.
    mark = desk.output().length;
    type('/crew promote cand capital:500');
    await printed(/Type y to promote/, mark);
    type('y');
    await printed(/Crew promoted[\s\S]*crew cand promoted to exchange \(binance\) with 500/, mark);

    // 4. Its next entry goes to the emulator, and its protective stop rests there.
    await stepUntil('the entry on the emulator with its stop', () => state().openOrders.some((o) => o.type === 'STOP_LOSS_LIMIT'));
    expect(state().orders.filter((o) => o.side === 'BUY' && o.clientOrderId.startsWith('cd-cand')).length).toBe(1);

    // 5. Demoted with the position handed over: the stop is cancelled, nothing of the crew rests on the exchange.
    mark = desk.output().length;
    type('/crew demote cand position:handover');
    await printed(/Crew demoted[\s\S]*handed over to you[\s\S]*protective stop at [\d.]+ cancelled/, mark);
    expect(state().openOrders).toEqual([]);

    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    child = undefined;
    const journal = await SqliteJournal.open(journalFile, { readonly: true });
    try {
      const audit = journal.getAudit({ limit: 50 }).filter((a) => a.action.startsWith('crew.'));
      expect(audit.map((a) => a.action).reverse()).toEqual(['crew.promote.refused', 'crew.promote', 'crew.demote']);
      expect(audit.every((a) => a.actor === 'console' && a.via === 'console')).toBe(true);
    } finally {
      await journal.close();
    }
  }, 400_000);
});
