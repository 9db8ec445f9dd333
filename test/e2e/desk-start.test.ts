// The real `crewdesk start` process with Discord and the manager configured — the composition root
// every README promise depends on: the fake Discord, the OpenAI-compatible stub, paper trading on a
// local replay of real Binance candles. Driven as the owner would from the phone: /status, a crew
// spawned at run time on a market nobody traded yet (it gets candles and trades; one without data is
// refused with the reason), /backtest (KPIs and the PNG), /ask leading to the manager's
// run_backtest, /report with its chart, /halt cancel, /resume; then SIGTERM stops it cleanly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/fake-discord.ts';
import { type ChatRequest, OpenAIStub } from '../fakes/openai-stub/server.ts';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const LONG = { timeoutMs: 90_000 };

function seen(message: StoredMessage): string {
  const parts = [message.content];
  for (const e of message.embeds) parts.push(e.title ?? '', e.description ?? '', ...(e.fields ?? []).map((f) => `${f.name}: ${f.value}`));
  return parts.filter((p) => p !== '').join('\n');
}

/** The stub plays a model that backtests when asked in chat, and comments a report in one line. */
function modelStep(request: ChatRequest) {
  const tool = request.messages.find((m) => m.role === 'tool');
  if (tool) return { content: `Backtest says: ${String(tool.content).slice(0, 300)}` };
  if (request.tools?.length) {
    return {
      toolCalls: [{ name: 'run_backtest', arguments: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', from: '2021-01-01', to: '2021-01-31' } }],
    };
  }
  return { content: 'Commentary: the replay is calm.' };
}

let stub: OpenAIStub;
let desk: DeskProcess;

beforeAll(async () => {
  stub = await OpenAIStub.start();
  stub.script(...Array.from({ length: 20 }, () => modelStep));
  desk = await startDeskProcess({
    stub,
    config: {
      mode: 'paper',
      equitySnapshotMinutes: 60,
      // 2 hourly candles a second: the replay reaches the 1-minute BTCUSDT file of 2021-01-03 about 25 s in.
      replay: { speed: 7_200 },
      manager: { provider: { model: 'stub-model', maxRetries: 0 }, evaluation: { enabled: false } },
      teams: [
        {
          name: 'alpha',
          capital: '6000',
          crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', capital: '3000', params: { fast: 5, slow: 20 } }],
        },
      ],
    },
  });
  await desk.printed('Discord connected');
}, 120_000);

afterAll(async () => {
  await desk?.dispose();
  await stub?.close();
});

describe('crewdesk start, run from Discord with the manager', () => {
  it('answers /status with the mode and the crew', async () => {
    const reply = await desk.fake.sendSlashCommand({ name: 'status' }).awaitReply(() => true, LONG);
    expect(seen(reply)).toContain('paper');
    expect(seen(reply)).toContain('sma-btc');
  }, 120_000);

  it('spawns a crew on a market not traded yet, or refuses one the replay has no candles for', async () => {
    const spawned = await desk.fake
      .sendSlashCommand({
        name: 'crew',
        subcommand: 'spawn',
        options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1m', params: '{"fast": 2, "slow": 3}', capital: '1000', id: 'btc-fast' },
      })
      .awaitReply(() => true, LONG);
    expect(seen(spawned)).toContain('Crew spawned');
    const refused = await desk.fake
      .sendSlashCommand({ name: 'crew', subcommand: 'spawn', options: { module: 'sma-cross', symbol: 'DOGEUSDT', interval: '1m', capital: '500', id: 'doge' } })
      .awaitReply(() => true, LONG);
    expect(seen(refused)).toContain('no candles for DOGEUSDT 1m: the local replay has no candle files for DOGEUSDT 1m');
  }, 120_000);

  it('runs /backtest on the desk’s candle folder: progress edits, KPIs and the equity chart attached', async () => {
    const handle = desk.fake.sendSlashCommand({
      name: 'backtest',
      options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', from: '2021-01-01', to: '2021-03-31' },
    });
    const reply = await handle.awaitReply((m) => m.files.length > 0, LONG);
    const text = seen(reply);
    expect(text).toContain('sma-cross BTCUSDT 1h, 2021-01-01 → 2021-03-31');
    expect(text).toMatch(/Return: [+-]?\d+\.\d\d%/);
    expect(text).toMatch(/Round trips: \d+ \(\d+ won, \d+ lost\)/);
    expect(reply.files[0]!.name).toBe('equity.png');
    expect(reply.files[0]!.data.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(handle.edits.some((e) => JSON.stringify(e).includes('Backtesting sma-cross on BTCUSDT 1h'))).toBe(true);
  }, 120_000);

  it('lets /ask reach the manager, whose run_backtest tool runs the same backtester', async () => {
    const reply = await desk.fake
      .sendSlashCommand({ name: 'ask', options: { text: 'How would sma-cross have done on BTC 1h in January 2021?' } })
      .awaitReply((m) => seen(m).includes('Backtest says'), LONG);
    expect(seen(reply)).toContain('sma-cross BTCUSDT 1h, 2021-01-01 → 2021-01-31');
    expect(seen(reply)).toMatch(/roundTrips/);
    const toolAnswer = stub.chats.flatMap((c) => c.messages).find((m) => m.role === 'tool');
    expect(String(toolAnswer?.content)).toContain('"kpis"');
  }, 120_000);

  it('sends /report with its equity chart and the model’s commentary', async () => {
    // The chart needs two equity snapshots of the replay: ask until the desk has them.
    let reply: StoredMessage | undefined;
    for (let attempt = 0; attempt < 10 && !reply?.files.length; attempt++) {
      reply = await desk.fake.sendSlashCommand({ name: 'report' }).awaitReply(() => true, LONG);
    }
    expect(seen(reply!)).toContain('Daily report');
    expect(seen(reply!)).toContain('Commentary: the replay is calm.');
    expect(reply!.files[0]!.name).toBe('equity.png');
    expect(reply!.files[0]!.data.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  }, 300_000);

  it('lets the spawned crew trade on its own candles', async () => {
    await desk.printed(/fill +btc-fast: BUY/, 120_000);
  }, 150_000);

  it('halts at cancel and resumes, as /status then shows', async () => {
    const halted = await desk.fake.sendSlashCommand({ name: 'halt', options: { level: 'cancel' } }).awaitReply(() => true, LONG);
    expect(seen(halted)).toMatch(/cancel/i);
    expect(seen(await desk.fake.sendSlashCommand({ name: 'status' }).awaitReply(() => true, LONG))).toMatch(/halt[^\n]*cancel/i);
    const resumed = await desk.fake.sendSlashCommand({ name: 'resume' }).awaitReply(() => true, LONG);
    expect(seen(resumed)).toMatch(/resum|lifted/i);
    expect(seen(await desk.fake.sendSlashCommand({ name: 'status' }).awaitReply(() => true, LONG))).toContain('Halt: not halted');
  }, 120_000);

  it('stops cleanly on SIGTERM with a summary', async () => {
    expect(await desk.stop()).toBe(0);
    expect(desk.stdout()).toContain('summary');
    // Nothing went wrong behind the replies: no error logged (pino's JSON lines, level 50 and up).
    expect(
      desk
        .stdout()
        .split('\n')
        .filter((line) => /"level":(5|6)\d/.test(line)),
    ).toEqual([]);
    desk.fake.assertHealthy();
  }, 60_000);
});
