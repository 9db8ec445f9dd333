// /mode (with and without the Binance adapter's mode service) and /backtest (with a fake
// backtester: deferred, progress edits, KPIs and the chart as a file).
import { afterEach, describe, expect, it } from 'vitest';
import type { TradingMode } from '../../src/core/domain.ts';
import type { BacktestRequest, BacktestService, ModeService } from '../../src/chat/services.ts';
import { fail, ok } from '../../src/services/result.ts';
import { type ChatDesk, openChatDesk, OWNER, TestSink } from '../chat/chat-harness.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  await chat?.dispose();
  chat = undefined;
});

/** A mode service whose checks pass or fail as told; records the switches. */
function fakeMode(checksPass: boolean): ModeService & { switched: string[] } {
  let mode: TradingMode = 'paper';
  const switched: string[] = [];
  return {
    switched,
    current: () => mode,
    request: async (target, actor) => {
      if (actor.via === 'manager') return fail('the manager may not change the mode');
      return ok({
        from: mode,
        to: target,
        checks: [
          { name: 'API key', ok: true, detail: 'present' },
          { name: 'account can trade', ok: checksPass, detail: checksPass ? 'yes' : 'canTrade is false' },
        ],
        ready: checksPass,
        apply: async (by) => {
          switched.push(`${mode}→${target} by ${by.id}`);
          mode = target;
          return ok(`now trading on ${target}`);
        },
      });
    },
  };
}

describe('/mode', () => {
  it('without a mode service: the mode is chosen at start, and the reply says how', async () => {
    chat = await openChatDesk();
    expect((await chat.run({ command: 'mode' })).sink.last.text).toBe('Trading mode: paper.');
    const { sink } = await chat.run({ command: 'mode', options: { target: 'testnet' } });
    expect(sink.last.text).toContain('The mode is chosen at start');
  });

  it('describes only what the running desk does: it shows the mode and says how to switch, it does not switch', async () => {
    chat = await openChatDesk();
    const spec = chat.dispatcher.specs().find((s) => s.name === 'mode')!;
    expect(spec.description).toBe('Show the trading mode; with a target, how to switch to it (set in the config, at start)');
    const { sink } = await chat.run({ command: 'mode', options: { target: 'live' } });
    expect(sink.last.text).toContain('set `mode: live` in crewdesk.yaml');
    expect(chat.services.desk.status().mode).toBe('paper');
  });

  it('shows the checks, asks for a confirmation, then switches', async () => {
    const mode = fakeMode(true);
    chat = await openChatDesk({ mode });
    const sink = new TestSink();
    const running = chat.dispatcher.dispatch({ actor: OWNER, command: 'mode', options: { target: 'testnet' } }, sink);
    const request = await sink.nextConfirmation();
    expect(request.prompt).toBe('Switch from paper to testnet?\n✔ API key: present\n✔ account can trade: yes');
    expect(mode.switched).toEqual([]);
    await chat.dispatcher.answerConfirmation(request.token, OWNER, 'confirm');
    expect(await running).toBe('done');
    expect(sink.last).toMatchObject({ title: 'Mode: testnet', text: 'now trading on testnet' });
    expect(mode.switched).toEqual(['paper→testnet by owner-1']);
  });

  it('refuses when a check fails, without asking', async () => {
    const mode = fakeMode(false);
    chat = await openChatDesk({ mode });
    const { outcome, sink } = await chat.run({ command: 'mode', options: { target: 'live' } });
    expect(outcome).toBe('refused');
    expect(sink.last).toMatchObject({ title: 'Cannot switch to live', code: expect.stringContaining('✖ account can trade: canTrade is false') });
    expect(sink.confirmations).toEqual([]);
  });
});

describe('/backtest', () => {
  it('defers, edits its progress, and replies with the KPIs and the equity chart', async () => {
    const requests: BacktestRequest[] = [];
    const backtest: BacktestService = {
      run: async (request, options) => {
        requests.push(request);
        for (const fraction of [0.05, 0.1, 0.15, 0.5, 1]) options?.onProgress?.({ fraction });
        return ok({
          title: 'sma-cross BTCUSDT 1h, 2024-01-01 → 2024-03-31',
          chartPng: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
          kpis: {
            startTime: 0,
            endTime: 1,
            startEquity: 10000,
            finalEquity: 9500,
            totalReturnPct: -5,
            cagrPct: -18.3,
            sharpe: -0.4,
            sortino: null,
            days: 90,
            maxDrawdownPct: 8.25,
            maxDrawdownDurationMs: 0,
            longestDrawdownMs: 0,
            roundTrips: 6,
            wins: 2,
            losses: 4,
            winRatePct: 33.33,
            grossProfit: 300,
            grossLoss: 800,
            profitFactor: 0.375,
            openAtEnd: false,
            exposurePct: 52.5,
            feesPaid: 24.1,
            buyAndHoldReturnPct: 3.2,
            notes: ['CAGR over a short span'],
          },
        });
      },
    };
    chat = await openChatDesk({ backtest });
    const { outcome, sink } = await chat.run({
      command: 'backtest',
      options: { module: 'sma-cross', symbol: 'btcusdt', interval: '1h', from: '2024-01-01', to: '2024-03-31', params: '{"fast": 8}' },
    });
    expect(outcome).toBe('done');
    expect(requests).toEqual([{ module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', from: '2024-01-01', to: '2024-03-31', params: { fast: 8 } }]);
    expect(sink.deferrals).toEqual([{ ephemeral: false }]);
    // Progress at most every 10 % (Discord rate-limits edits), and at the end.
    expect(sink.progressed.map((p) => p.replace('Backtesting sma-cross on BTCUSDT 1h…', '').trim())).toEqual(['', '10%', '50%', '100%']);
    const fields = Object.fromEntries(sink.last.fields!.map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({
      Return: '-5.00%',
      'Buy & hold': '+3.20%',
      Sharpe: '-0.40',
      Sortino: '—',
      'Max drawdown': '8.25%',
      'Round trips': '6 (2 won, 4 lost)',
      'Win rate': '33.33%',
    });
    expect(sink.last.tone).toBe('bad');
    expect(sink.last.text).toBe('• CAGR over a short span');
    expect(sink.last.files).toEqual([{ name: 'equity.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }]);
  });

  it('says when the backtester refuses, and checks dates and params first', async () => {
    let calls = 0;
    const backtest: BacktestService = {
      run: async () => {
        calls++;
        return fail('no candles for DOGEUSDT 1h in data/candles');
      },
    };
    chat = await openChatDesk({ backtest });
    const refused = await chat.run({ command: 'backtest', options: { module: 'sma-cross', symbol: 'DOGEUSDT', interval: '1h' } });
    expect(refused.outcome).toBe('refused');
    expect(refused.sink.last).toMatchObject({ title: 'Backtest of sma-cross on DOGEUSDT 1h failed', text: 'no candles for DOGEUSDT 1h in data/candles' });
    const date = await chat.run({ command: 'backtest', options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', from: '1/2/2024' } });
    expect(date.sink.last.text).toBe('option "from" must be a date like 2024-01-31 (got 1/2/2024)');
    const params = await chat.run({ command: 'backtest', options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', params: '[1]' } });
    expect(params.sink.last.text).toContain('params must be a JSON object');
    expect(calls).toBe(1);
  });

  it('without a backtester says it is not available here', async () => {
    chat = await openChatDesk();
    const { sink } = await chat.run({ command: 'backtest', options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' } });
    expect(sink.last.text).toContain('started without the backtester');
  });
});
