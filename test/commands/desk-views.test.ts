// The read-only views through the dispatcher: /status, /balance, /positions, /trades, /logs,
// /report, /help — on a desk that has traded (a market buy filled, a limit bid resting).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManagerChat } from '../../src/chat/services.ts';
import { ok } from '../../src/services/result.ts';
import { parseCommandLine } from '../../src/chat/command-line.ts';
import { bidderCandles, type ChatDesk, openChatDesk, replyText } from '../chat/chat-harness.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  await chat?.dispose();
  chat = undefined;
});

describe('after some trading', () => {
  beforeEach(async () => {
    chat = await openChatDesk();
    await chat.trade(bidderCandles());
  });

  it('/status shows mode, halt, crews, today’s PnL (coloured) and exposure', async () => {
    const { outcome, sink } = await chat!.run({ command: 'status' });
    expect(outcome).toBe('done');
    const fields = Object.fromEntries(sink.last.fields!.map((f) => [f.name, f.value]));
    expect(fields).toEqual({
      Mode: 'paper',
      Halt: 'not halted',
      Crews: '2 active, 0 paused, 0 stopped',
      'Today’s PnL': '-1.50',
      Exposure: '2,248.50',
      // The account's capital (every team's: 10000, as /report and /team list say), 6000 of it allocated to the two crews.
      'Equity / capital': '9,998.50 / 10,000.00 (6,000.00 allocated)',
      'Open orders': '1',
    });
    // A loss today: red.
    expect(sink.last.tone).toBe('bad');
    expect(sink.last.code).toMatch(/bidder\s+active\s+BTCUSDT 1h\s+2,998\.50\s+-1\.50\s+-0\.05%/);
  });

  it('/status shows a halt in amber with who and why', async () => {
    await chat!.run({ command: 'halt', options: { level: 'entries', reason: 'lunch' } });
    const { sink } = await chat!.run({ command: 'status' });
    expect(sink.last.tone).toBe('warn');
    expect(sink.last.fields!.find((f) => f.name === 'Halt')!.value).toMatch(/^ENTRIES since 2024-01-01 03:59 UTC by owner-1: lunch$/);
  });

  it('/balance shows the exchange balances and each crew’s cash, privately', async () => {
    const { sink } = await chat!.run({ command: 'balance' });
    expect(sink.last).toMatchObject({ title: 'Balance', ephemeral: true });
    expect(sink.last.code).toMatch(/BTC\s+14\.98501\s+0/);
    expect(sink.last.code).toMatch(/bidder\s+1500\.00\s+750\.00/);
  });

  it('/positions shows what each crew holds and its unrealized PnL', async () => {
    const { sink } = await chat!.run({ command: 'positions' });
    expect(sink.last).toMatchObject({ title: 'Positions', text: 'Unrealized PnL: -1.50', tone: 'bad', ephemeral: true });
    expect(sink.last.code).toMatch(/bidder\s+BTCUSDT\s+14\.98501\s+100\.1\s+100\s+1498\.50\s+-1\.50/);
  });

  it('/trades lists the fills, for one crew and a count', async () => {
    const all = await chat!.run({ command: 'trades' });
    expect(all.sink.last.code).toMatch(/2024-01-01 01:00 UTC\s+bidder\s+BUY\s+14\.98501\s+BTCUSDT\s+100\s+1,498\.50\s+1\.498501 USDT/);
    const sma = await chat!.run({ command: 'trades', options: { crew: 'sma', n: 5 } });
    expect(sma.sink.last).toMatchObject({ title: 'Trades of sma', text: 'No trades yet.' });
    const ghost = await chat!.run({ command: 'trades', options: { crew: 'ghost' } });
    expect(ghost.sink.last.text).toBe('no crew "ghost" (crews: bidder, sma)');
  });

  it('/logs shows the latest activity lines', async () => {
    const { sink } = await chat!.run({ command: 'logs', options: { n: 2 } });
    expect(sink.last.code!.split('\n')).toEqual([
      '2024-01-01 02:59:59 advice  bidder: buy 50% — bid the dip',
      expect.stringMatching(/^2024-01-01 02:59:59 order {3}bidder: BUY LIMIT 8\.32501 BTCUSDT @ 90 /),
    ]);
  });

  it('/report without a manager summarises the desk: PnL per crew, trades, denials', async () => {
    const { sink } = await chat!.run({ command: 'report' });
    expect(sink.deferrals).toEqual([{ ephemeral: false }]);
    expect(sink.last.title).toBe('Report — 2024-01-01 03:59 UTC');
    expect(sink.last.text).toContain('Mode paper · halt none · equity 9,998.50 on 10,000.00 capital · today -1.50');
    expect(replyText(sink.last)).toContain('Latest trades: 2024-01-01 01:00 UTC bidder BUY 14.98501 BTCUSDT @ 100');
  });
});

describe('/report and /ask with a manager', () => {
  it('show the manager’s words, with the conversation keyed by channel', async () => {
    const asked: string[] = [];
    const manager: ManagerChat = {
      ask: async (text, channel, actor) => {
        asked.push(`${channel}|${actor.id}|${text}`);
        return 'BTC looks calm; nothing to do.';
      },
      report: async () => 'All crews within limits.',
    };
    chat = await openChatDesk({ manager });
    const report = await chat.run({ command: 'report' });
    expect(report.sink.last).toMatchObject({ title: 'Report', text: 'All crews within limits.' });
    const ask = await chat.run({ command: 'ask', options: { text: 'how is btc?' }, channel: 'chan-1' });
    expect(ask.sink.last.text).toBe('BTC looks calm; nothing to do.');
    expect(ask.sink.deferrals).toEqual([{ ephemeral: false }]);
    expect(asked).toEqual(['chan-1|owner-1|how is btc?']);
  });
});

describe('/report and /proposal with the manager’s report and proposals', () => {
  it('/report carries the equity chart, like the scheduled post', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]);
    const manager: ManagerChat = {
      ask: async () => '',
      report: async () => 'text only',
      buildReport: async () => ({ title: 'Daily report — 2024-01-01', text: 'Overall +1.50', chartPng: png }),
    };
    chat = await openChatDesk({ manager });
    const { sink } = await chat.run({ command: 'report' });
    expect(sink.last).toMatchObject({ title: 'Daily report — 2024-01-01', text: 'Overall +1.50', files: [{ name: 'equity.png', data: png }] });
  });

  it('/proposal alone lists the open proposals (the console runs its first subcommand, list)', async () => {
    let open = [{ id: 'p7k2', summary: 'pause sma-btc', expiresAt: Date.UTC(2024, 0, 1, 5, 0) }];
    const manager: ManagerChat = {
      ask: async () => '',
      report: async () => '',
      pendingProposals: () => open,
      approve: async () => ok('done'),
      reject: async () => ok('rejected'),
    };
    chat = await openChatDesk({ manager });
    const line = parseCommandLine('/proposal', (name) => chat!.dispatcher.specs().find((s) => s.name === name));
    expect(line).toEqual({ ok: true, value: { command: 'proposal', subcommand: 'list', options: {} } });
    const { outcome, sink } = await chat.run({ command: 'proposal', subcommand: 'list' });
    expect(outcome).toBe('done');
    expect(sink.last.title).toBe('Open proposals (1)');
    expect(sink.last.code).toMatch(/p7k2 +pause sma-btc +2024-01-01 05:00 UTC/);
    open = [];
    expect((await chat.run({ command: 'proposal', subcommand: 'list' })).sink.last.text).toBe('No open proposals.');
  });
});

describe('/ask and free text without a manager', () => {
  it('say how to configure it', async () => {
    chat = await openChatDesk();
    const ask = await chat.run({ command: 'ask', options: { text: 'hello' } });
    expect(ask.sink.last.title).toBe('The manager is not configured');
    expect(ask.sink.last.text).toContain('OPENAI_API_KEY');
    expect(ask.sink.last.text).toContain('OPENAI_BASE_URL');
  });
});

describe('/help', () => {
  it('lists every command with its usage, and one in detail', async () => {
    chat = await openChatDesk();
    const { sink } = await chat.run({ command: 'help' });
    expect(sink.last.code).toContain('/crew list | spawn | pause | resume | stop | params | set | record | promote | demote');
    expect(sink.last.code).toContain('/trades [crew] [n]');
    expect(sink.last.code).toContain('/halt [level] [reason]');
    const crew = await chat.run({ command: 'help', options: { command: '/crew' } });
    expect(crew.sink.last.code).toContain('/crew set <crew> <param> <value>');
    const none = await chat.run({ command: 'help', options: { command: 'nope' } });
    expect(none.sink.last.text).toMatch(/^No command \/nope\. Commands: \/ask /);
  });
});
