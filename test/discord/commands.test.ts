// Every command through the real discord.js client and FakeDiscord, against a real desk: the
// owner's happy path (at least one per command module) and a stranger's refusal of each — the
// owner allowlist is checked in code, whatever Discord's permissions say.
import { MessageFlags } from 'discord-api-types/v10';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bidderCandles } from '../chat/chat-harness.ts';
import type { BacktestService } from '../../src/chat/services.ts';
import { ok } from '../../src/services/result.ts';
import { type DiscordDesk, expectCleanRun, openDiscordDesk, seen } from './discord-harness.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const backtest: BacktestService = {
  run: async (request, options) => {
    for (const fraction of [0.1, 0.5, 1]) options?.onProgress?.({ fraction });
    return ok({
      title: `${request.module} ${request.symbol} ${request.interval}, 2024-01-01 → 2024-03-31`,
      chartPng: PNG,
      kpis: {
        startTime: 0,
        endTime: 1,
        startEquity: 10000,
        finalEquity: 10500,
        totalReturnPct: 5,
        cagrPct: 21.6,
        sharpe: 1.2,
        sortino: 1.9,
        days: 90,
        maxDrawdownPct: 4.5,
        maxDrawdownDurationMs: 0,
        longestDrawdownMs: 0,
        roundTrips: 6,
        wins: 4,
        losses: 2,
        winRatePct: 66.67,
        grossProfit: 800,
        grossLoss: 300,
        profitFactor: 2.67,
        openAtEnd: false,
        exposurePct: 52.5,
        feesPaid: 24.1,
        buyAndHoldReturnPct: 3.2,
        notes: [],
      },
    });
  },
};

let d: DiscordDesk;
beforeAll(async () => {
  // Every attempt its own episode (quietMs 0): this file checks each refusal's reply and audit row;
  // the throttling of a stranger's repeats is proven in test/chat/refusal-throttle.test.ts.
  d = await openDiscordDesk({ services: { backtest }, refusals: { quietMs: 0 } });
  // The bidder buys at market and rests a bid at 90: a position, a fill and an open order to look at.
  await d.trade(bidderCandles());
});
afterEach(() => expectCleanRun(d));
afterAll(async () => {
  await d?.close();
});

/** Runs a slash command as the owner; resolves with the final answer (the reply, after any defer). */
async function owner(name: string, subcommand?: string, options?: Record<string, string | number | boolean>) {
  const handle = d.fake.sendSlashCommand({ name, user: d.owner, ...(subcommand ? { subcommand } : {}), ...(options ? { options } : {}) });
  const reply = await handle.awaitReply((m) => !m.content.startsWith('⏳'));
  return { handle, reply, text: seen(reply) };
}

describe('each command, as the owner', () => {
  it('/status: mode, halt, crews, PnL and exposure in an embed, public', async () => {
    const { reply, text } = await owner('status');
    expect(reply.ephemeral).toBe(false);
    expect(reply.embeds[0]).toMatchObject({ title: 'Status' });
    expect(text).toContain('Mode: paper');
    expect(text).toContain('Halt: not halted');
    expect(text).toContain('Open orders: 1');
    expect(reply.message.interaction_metadata?.user.id).toBe(d.owner.id);
  });

  it('/balance and /positions answer privately (ephemeral)', async () => {
    const balance = await owner('balance');
    expect(balance.reply.ephemeral).toBe(true);
    expect(balance.text).toMatch(/USDT/);
    expect(balance.text).toMatch(/bidder/);
    const positions = await owner('positions');
    expect(positions.reply.ephemeral).toBe(true);
    expect(positions.text).toMatch(/bidder\s+BTCUSDT/);
    // Never in the channel, never on the gateway.
    expect(d.fake.messages(d.channels.manager).some((m) => m.id === balance.reply.id || m.id === positions.reply.id)).toBe(false);
  });

  it('/trades lists the bidder’s fill', async () => {
    const { text } = await owner('trades', undefined, { crew: 'bidder', n: 5 });
    expect(text).toContain('Trades of bidder');
    expect(text).toMatch(/bidder\s+BUY/);
  });

  it('/crew list, params, set (within bounds), pause, resume, spawn and stop', async () => {
    expect((await owner('crew', 'list')).text).toMatch(/bidder\s+test\s+buy-then-bid/);
    expect((await owner('crew', 'params', { crew: 'sma' })).text).toContain('Params of sma (sma-cross)');
    expect((await owner('crew', 'set', { crew: 'sma', param: 'slow', value: '5' })).text).toContain('sma: slow 3 → 5');
    const outOfBounds = await owner('crew', 'set', { crew: 'sma', param: 'slow', value: '100000' });
    expect(outOfBounds.reply.ephemeral).toBe(true);
    expect(outOfBounds.text).toContain('refused');
    expect((await owner('crew', 'pause', { crew: 'sma', reason: 'lunch' })).text).toContain('crew sma paused');
    expect((await owner('crew', 'resume', { crew: 'sma' })).text).toContain('crew sma resumed');
    const spawned = await owner('crew', 'spawn', { module: 'sma-cross', symbol: 'ETHUSDT', interval: '1h', capital: '1000', id: 'sma-eth' });
    expect(spawned.text).toContain('crew sma-eth (sma-cross on ETHUSDT 1h) spawned in team test with 1000 quote');
    expect((await owner('crew', 'stop', { crew: 'sma-eth' })).text).toContain('crew sma-eth stopped');
    const audit = await d.h.desk.journal.getAudit();
    expect(audit.filter((a) => a.actor === d.owner.id && a.via === 'discord').map((a) => a.action)).toEqual(
      expect.arrayContaining(['crew.set', 'crew.pause', 'crew.resume', 'crew.stop']),
    );
  });

  it('/team list and allocate', async () => {
    expect((await owner('team', 'list')).text).toMatch(/test\s+10000/);
    expect((await owner('team', 'allocate', { crew: 'sma', amount: '2500' })).text).toContain('crew sma capital 3000 → 2500');
  });

  it('/risk show and set (a hard limit, owner only)', async () => {
    const show = await owner('risk', 'show');
    expect(show.reply.ephemeral).toBe(true);
    expect(show.text).toContain('maxOrdersPerMinute');
    expect((await owner('risk', 'set', { limit: 'maxOrdersPerMinute', value: 90 })).text).toContain('maxOrdersPerMinute: 60 → 90');
  });

  it('/backtest defers, shows progress, and replies with the KPI embed and the chart as an attachment', async () => {
    const { handle, reply, text } = await owner('backtest', undefined, { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' });
    expect(handle.callbacks[0]?.type).toBe(5); // deferred first
    expect(handle.edits.some((e) => (e.body.content ?? '').includes('Backtesting sma-cross on BTCUSDT 1h'))).toBe(true);
    expect(text).toContain('Return: +5.00%');
    expect(reply.content).toBe('');
    expect(reply.attachments.map((a) => a.filename)).toEqual(['equity.png']);
    expect(reply.files.at(-1)?.data).toEqual(PNG);
    expect(reply.embeds[0]?.image?.url).toBe('attachment://equity.png');
  });

  it('/report defers and replies with the desk’s summary', async () => {
    const { handle, text } = await owner('report');
    expect(handle.callbacks[0]?.type).toBe(5);
    expect(text).toContain('Report —');
    expect(text).toContain('Latest trades');
  });

  it('/mode shows the mode; /logs the activity; /help the commands', async () => {
    expect((await owner('mode')).text).toContain('Trading mode: paper.');
    const logs = await owner('logs', undefined, { n: 10 });
    expect(logs.reply.ephemeral).toBe(true);
    expect(logs.text).toMatch(/fill\s+bidder: BUY/);
    const help = await owner('help');
    expect(help.reply.ephemeral).toBe(true);
    expect(help.text).toContain('/halt [level] [reason]');
  });

  it('/ask without a manager says how to configure one', async () => {
    const { text } = await owner('ask', undefined, { text: 'how are we doing?' });
    expect(text).toContain('The manager is not configured');
    expect(text).toContain('OPENAI_API_KEY');
  });

  it('/llm usage and /proposal without a manager say it is not configured', async () => {
    const usage = await owner('llm', 'usage');
    expect(usage.reply.ephemeral).toBe(true);
    expect(usage.text).toContain('The manager is not configured');
    expect((await owner('proposal', 'approve', { id: 'p-1234' })).text).toContain('no proposals to answer');
  });

  it('/resume when nothing is halted says so, privately', async () => {
    const { reply, text } = await owner('resume');
    expect(reply.ephemeral).toBe(true);
    expect(text).toContain('trading is not halted');
  });

  it('autocompletes crew names for the owner', async () => {
    const auto = d.fake.sendAutocomplete({ name: 'crew', subcommand: 'pause', options: { crew: 'bi' }, focused: 'crew', user: d.owner });
    expect((await auto.awaitChoices()).map((c) => c.value)).toEqual(['bidder']);
    const params = d.fake.sendAutocomplete({ name: 'crew', subcommand: 'set', options: { crew: 'sma', param: '' }, focused: 'param', user: d.owner });
    expect((await params.awaitChoices()).map((c) => c.value)).toEqual(expect.arrayContaining(['fast', 'slow']));
  });
});

describe('a stranger (not in DISCORD_OWNER_IDS)', () => {
  const CORE = ['ask', 'backtest', 'balance', 'crew', 'halt', 'help', 'logs', 'mode', 'positions', 'report', 'resume', 'risk', 'status', 'team', 'trades'];

  it('is refused every command, privately, and each attempt is audited', async () => {
    const ALL = d.dispatcher.specs().map((s) => s.name);
    expect(ALL).toEqual(expect.arrayContaining(CORE));
    const auditBefore = (await d.h.desk.journal.getAudit()).length;
    for (const name of ALL) {
      const cmd = d.fake.sendSlashCommand({ name, user: d.stranger });
      const reply = await cmd.awaitReply();
      expect(reply.ephemeral, `/${name}`).toBe(true);
      expect(seen(reply), `/${name}`).toContain('crewdesk only takes commands from its owners');
      expect(reply.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    }
    await d.dispatcher.idle();
    const refusals = (await d.h.desk.journal.getAudit()).slice(auditBefore).filter((a) => a.action === 'refused');
    expect(refusals).toHaveLength(ALL.length);
    expect(refusals.every((a) => a.actor === d.stranger.id && a.via === 'discord')).toBe(true);
    // Nothing happened: no halt, crews as they were.
    expect(d.h.desk.engine.halt.level).toBe('none');
  });

  it('gets no autocomplete suggestions', async () => {
    const auto = d.fake.sendAutocomplete({ name: 'crew', subcommand: 'pause', options: { crew: '' }, focused: 'crew', user: d.stranger });
    expect(await auto.awaitChoices()).toEqual([]);
  });
});
