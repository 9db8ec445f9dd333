// Capital totals agree everywhere: /status, /report (with and without the manager's metrics) and
// /team list name the same capital, before and after capital moves between a crew and its team.
import { afterEach, describe, expect, it } from 'vitest';
import { collectMetrics } from '../../src/manager/metrics.ts';
import { bidderCandles, type ChatDesk, openChatDesk, replyText } from '../chat/chat-harness.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  await chat?.dispose();
  chat = undefined;
});

/** The capital each view shows, as a reader finds it. */
async function capitals(c: ChatDesk): Promise<{ status: string; report: string; teamList: string; metrics: number }> {
  const status = (await c.run({ command: 'status' })).sink.last.fields!.find((f) => f.name === 'Equity / capital')!.value;
  const report = replyText((await c.run({ command: 'report' })).sink.last);
  const teamList = (await c.run({ command: 'team', subcommand: 'list' })).sink.last.code!;
  const metrics = (await collectMetrics(c.desk, '24h')).overall.capital;
  return {
    // Quote amounts carry thousands separators for the reader; the figure is the same without them.
    status: /\/ ([\d,.]+)/.exec(status)![1]!.replaceAll(',', ''),
    report: /on ([\d,.]+) capital/.exec(report)![1]!.replaceAll(',', ''),
    teamList: /test\s+([\d,]+)\s/.exec(teamList)![1]!.replaceAll(',', ''),
    metrics,
  };
}

describe('capital totals', () => {
  it('agree across /status, /report, /team list and the manager’s figures, before and after a reallocation', async () => {
    chat = await openChatDesk();
    await chat.trade(bidderCandles());
    expect(await capitals(chat)).toEqual({ status: '10000.00', report: '10000.00', teamList: '10000', metrics: 10000 });

    await chat.run({ command: 'team', subcommand: 'allocate', options: { crew: 'sma', amount: '0' } });

    expect(await capitals(chat)).toEqual({ status: '10000.00', report: '10000.00', teamList: '10000', metrics: 10000 });
    // Moving sma's 3000 back to the team changed no equity: the account still holds it.
    expect(chat.desk.status()).toMatchObject({ capital: 10000, allocated: 3000, equity: 9998.5, todayPnl: -1.5 });
  });
});
