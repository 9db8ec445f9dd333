// /backtest and the manager's run_backtest on the running desk's runner: the real backtester (the
// one `crewdesk backtest` runs) over real Binance candles, in a worker thread, with progress, the
// KPIs and the equity chart as a PNG — and the manager's tool on the same runner.
import { afterEach, describe, expect, it } from 'vitest';
import { DeskBacktester } from '../../src/desk/desk-backtester.ts';
import { candleDir } from '../data/candle-fixtures.ts';
import { type ChatDesk, deferred, openChatDesk, OWNER, TestSink } from '../chat/chat-harness.ts';
import { answer, callTools, fakeModel, type ManagerHarness, openManager, toolAnswers } from '../manager/manager-harness.ts';

const CANDLES = candleDir().dir;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let chat: ChatDesk | undefined;
let m: ManagerHarness | undefined;
afterEach(async () => {
  await chat?.dispose();
  await m?.dispose();
  chat = undefined;
  m = undefined;
});

describe('the desk’s backtester', () => {
  it('answers /backtest with the real KPIs and a PNG chart, from a worker, while the desk keeps answering', async () => {
    const backtester = new DeskBacktester({ data: [CANDLES] });
    chat = await openChatDesk({ backtest: backtester });
    const sink = new TestSink();
    const firstProgress = deferred();
    const progress = sink.progress.bind(sink);
    sink.progress = async (text) => {
      await progress(text);
      if (/\d+%/.test(text)) firstProgress.resolve();
    };
    const running = chat.dispatcher.dispatch(
      { actor: OWNER, command: 'backtest', options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', to: '2021-03-31' } },
      sink,
    );
    // The run is under way in its worker, and the desk's own thread still answers a command.
    await firstProgress.promise;
    const status = await chat.run({ command: 'status' });
    expect(status.outcome).toBe('done');
    expect(sink.replies).toEqual([]); // the backtest has not finished yet: /status did not wait for it
    expect(await running).toBe('done');

    const reply = sink.last;
    expect(reply.title).toBe('sma-cross BTCUSDT 1h, 2021-01-01 → 2021-03-31');
    const fields = Object.fromEntries(reply.fields!.map((f) => [f.name, f.value]));
    expect(fields['Round trips']).toMatch(/^\d+ \(\d+ won, \d+ lost\)$/);
    expect(fields.Equity).toMatch(/^10,000\.00 → [\d,]+\.\d\d$/);
    expect(reply.files).toHaveLength(1);
    expect(reply.files![0]!.name).toBe('equity.png');
    expect(reply.files![0]!.data.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(sink.progressed.at(-1)).toMatch(/100%/);
  });

  it('refuses what cannot run, with the reason: an unknown module, a symbol without candles', async () => {
    const backtester = new DeskBacktester({ data: [CANDLES] });
    const unknown = await backtester.run({ module: 'nope', symbol: 'BTCUSDT', interval: '1h' });
    expect(unknown).toMatchObject({ ok: false, error: expect.stringContaining('nope') });
    const noData = await backtester.run({ module: 'sma-cross', symbol: 'DOGEUSDT', interval: '1h' });
    expect(noData).toMatchObject({ ok: false, error: expect.stringContaining('no candle files for DOGEUSDT 1h') });
    expect(await backtester.run({ module: 'sma-cross', symbol: 'BTCUSDT', interval: '7m' })).toEqual({
      ok: false,
      error: 'interval "7m" is not one of Binance\'s',
    });
  });

  it('stops a run when its signal aborts (the manager’s time bound)', async () => {
    const backtester = new DeskBacktester({ data: [CANDLES] });
    const controller = new AbortController();
    const run = backtester.run(
      { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' },
      { signal: controller.signal, onProgress: () => controller.abort(new Error('enough')) },
    );
    expect(await run).toEqual({ ok: false, error: 'the backtest was stopped (enough)' });
  });

  it('runs one backtest at a time; one whose time runs out while waiting answers at once, and never starts', async () => {
    const backtester = new DeskBacktester({ data: [CANDLES] });
    const first = backtester.run({ module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' });
    const controller = new AbortController();
    const second = backtester.run(
      { module: 'rsi-reversion', symbol: 'BTCUSDT', interval: '1h' },
      { signal: controller.signal, onProgress: () => expect.fail('the second run started') },
    );
    controller.abort(new Error('time is up'));
    expect(await second).toEqual({ ok: false, error: 'the backtest was stopped while waiting for the one before it (time is up)' });
    expect((await first).ok).toBe(true);
  });

  it('is the manager’s run_backtest: the tool answers with the real KPIs', async () => {
    const model = fakeModel()
      .respond(
        callTools([
          {
            name: 'run_backtest',
            args: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', from: '2021-01-01', to: '2021-03-31', params: { fast: 12 } },
          },
        ]),
      )
      .respond(answer('Backtest done.'));
    m = await openManager({ model, backtest: new DeskBacktester({ data: [CANDLES] }) });
    await m.manager.converse('backtest sma fast 12 on BTC 1h', 'chan-1', OWNER);
    const [tool] = toolAnswers(model, 1);
    expect(tool).toContain('sma-cross BTCUSDT 1h, 2021-01-01 → 2021-03-31');
    expect(tool).toMatch(/"roundTrips":\d+/);
  });
});
