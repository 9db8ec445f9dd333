// The dispatcher: loading command modules, the owner allowlist on every entry (audited), option
// checks, errors as private replies, audit of mutating commands, and /halt never waiting.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autocomplete } from '../../src/chat/autocomplete.ts';
import { COMMANDS_DIR } from '../../src/chat/command-loader.ts';
import { Dispatcher } from '../../src/chat/dispatcher.ts';
import { ownerAllowlist } from '../../src/chat/preconditions.ts';
import type { BacktestReport, BacktestService, ChatServices } from '../../src/chat/services.ts';
import { ownerActor } from '../../src/core/events.ts';
import type { DeskService } from '../../src/services/desk-service.ts';
import { ok } from '../../src/services/result.ts';
import { tempDir } from '../support/desk-harness.ts';
import { bidderCandles, type ChatDesk, deferred, MANAGER, openChatDesk, OWNER, STRANGER, TestSink } from './chat-harness.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  await chat?.dispose();
  chat = undefined;
});

const ALL_COMMANDS = [
  'ask',
  'backtest',
  'balance',
  'crew',
  'forge',
  'halt',
  'help',
  'llm',
  'logs',
  'mode',
  'positions',
  'proposal',
  'report',
  'research',
  'resume',
  'risk',
  'status',
  'team',
  'trades',
];

describe('loading commands', () => {
  it('loads every module in commands/ and checks each against Discord’s rules', async () => {
    chat = await openChatDesk();
    expect(
      chat.dispatcher
        .specs()
        .map((s) => s.name)
        .sort(),
    ).toEqual(ALL_COMMANDS);
    expect(chat.dispatcher.problems).toEqual([]);
  });

  it('reports a broken module with its path and a reason, and loads the others', async () => {
    chat = await openChatDesk();
    const dir = tempDir('crewdesk-commands-');
    writeFileSync(
      join(dir, 'fine.ts'),
      `export default { data: { name: 'fine', description: 'works' }, async execute(ctx) { await ctx.reply({ text: 'fine' }); } };`,
    );
    writeFileSync(join(dir, 'throws.ts'), `throw new Error('cannot even load');`);
    writeFileSync(join(dir, 'shapeless.ts'), `export default { data: { name: 'shapeless', description: 'no execute' } };`);
    writeFileSync(join(dir, 'misnamed.ts'), `export default { data: { name: 'other', description: 'x' }, async execute() {} };`);
    writeFileSync(
      join(dir, 'disorder.ts'),
      `export default { data: { name: 'disorder', description: 'x', options: [
        { name: 'a', description: 'optional', type: 'string' },
        { name: 'b', description: 'required after optional', type: 'string', required: true } ] }, async execute() {} };`,
    );
    writeFileSync(join(dir, 'status.ts'), `export default { data: { name: 'status', description: 'a second /status' }, async execute() {} };`);
    const dispatcher = await Dispatcher.load({ services: chat.services, dirs: [COMMANDS_DIR, dir] });
    const reasons = Object.fromEntries(dispatcher.problems.map((p) => [p.path.slice(dir.length + 1), p.reason]));
    expect(reasons).toEqual({
      'throws.ts': 'failed to load: cannot even load',
      'shapeless.ts': 'execute is not a function',
      'misnamed.ts': 'command name "other" does not match the file name "misnamed"',
      'disorder.ts': '/disorder option "b": required options must come before optional ones',
      'status.ts': expect.stringContaining('duplicate command /status, already loaded from'),
    });
    expect(dispatcher.get('fine')).toBeDefined();
    const sink = new TestSink();
    await dispatcher.dispatch({ actor: { id: 'console', via: 'console', isOwner: true }, command: 'fine' }, sink);
    expect(sink.last.text).toBe('fine');
  });
});

describe('the owner allowlist', () => {
  it('refuses every command and subcommand to a non-owner, politely and privately, and audits each attempt', async () => {
    chat = await openChatDesk();
    const attempts: string[] = [];
    // One stranger per attempt: one stranger's repeated attempts are throttled (refusal-throttle.test.ts).
    const strangers: string[] = [];
    for (const spec of chat.dispatcher.specs()) {
      for (const sub of spec.subcommands?.map((s) => s.name) ?? [null]) {
        const sink = new TestSink();
        const actor = { ...STRANGER, id: `${STRANGER.id}-${strangers.length}` };
        strangers.push(actor.id);
        const outcome = await chat.dispatcher.dispatch({ actor, command: spec.name, subcommand: sub, options: {} }, sink);
        expect(outcome, `/${spec.name} ${sub ?? ''}`).toBe('refused');
        expect(sink.replies).toEqual([
          { title: 'Not allowed', text: expect.stringContaining('only takes commands from its owners'), tone: 'bad', ephemeral: true },
        ]);
        attempts.push(`/${spec.name}${sub ? ` ${sub}` : ''}`);
      }
    }
    expect(attempts).toContain('/crew set');
    const audit = await chat.audit();
    const refused = audit.filter((a) => a.action === 'refused');
    expect(refused.map((a) => a.detail?.['what'])).toEqual(attempts);
    expect(refused.map((a) => a.actor)).toEqual(strangers);
    expect(refused.every((a) => a.via === 'discord' && a.detail?.['kind'] === 'command')).toBe(true);
    // A stranger is not even told which commands exist.
    const probe = new TestSink();
    expect(await chat.dispatcher.dispatch({ actor: STRANGER, command: 'secret-admin' }, probe)).toBe('refused');
    expect(probe.last.title).toBe('Not allowed');
    // Nothing happened: the desk is not halted, no crew was touched.
    expect(chat.h.desk.engine.halt.level).toBe('none');
  });

  it('refuses a non-owner’s autocomplete, button and free text too, and audits them', async () => {
    chat = await openChatDesk();
    expect(await chat.dispatcher.autocomplete({ actor: STRANGER, command: 'trades', option: 'crew', partial: '' })).toEqual([]);
    expect(await chat.dispatcher.autocomplete({ actor: OWNER, command: 'trades', option: 'crew', partial: 'bid' })).toEqual([
      { name: 'bidder · active · BTCUSDT 1h · buy-then-bid', value: 'bidder' },
    ]);
    const button = await chat.dispatcher.answerConfirmation('some-token', STRANGER, 'confirm');
    expect(button).toMatchObject({ title: 'Not allowed', ephemeral: true });
    const sink = new TestSink();
    expect(await chat.dispatcher.converse({ actor: STRANGER, text: 'sell everything', channel: 'dm' }, sink)).toBe('refused');
    expect(sink.last.title).toBe('Not allowed');
    // One stranger's attempts are one episode: the first audited at once, the count when it ends (here: at close).
    await chat.dispatcher.close();
    const refused = (await chat.audit()).filter((a) => a.action.startsWith('refused'));
    expect(refused.map((a) => `${a.action} ${a.actor}`)).toEqual(['refused stranger-9', 'refused.repeated stranger-9']);
    expect(refused[0]!.detail).toMatchObject({ kind: 'autocomplete', what: '/trades' });
    expect(refused[1]!.detail).toMatchObject({ count: 3, what: ['/trades', 'confirmation', 'free text'] });
  });

  it('decides ownership itself: a listed Discord id is an owner even if the transport said otherwise', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({ actor: { id: OWNER.id, via: 'discord', isOwner: false }, command: 'status' });
    expect(outcome).toBe('done');
    expect(sink.last.title).toBe('Status');
  });

  it('never lets the manager run a hard action: /risk set, /resume, /mode', async () => {
    chat = await openChatDesk();
    await chat.h.desk.engine.setHalt('cancel', 'test', ownerActor('owner-1'), 'test');
    for (const [command, subcommand, options] of [
      ['risk', 'set', { limit: 'maxCrewDrawdownPct', value: 99 }],
      ['resume', null, {}],
      ['mode', null, { target: 'live' }],
    ] as const) {
      const { outcome, sink } = await chat.run({ actor: MANAGER, command, subcommand, options });
      expect(outcome).toBe('refused');
      expect(sink.last.text).toContain(`the manager may never run /${command}${subcommand ? ` ${subcommand}` : ''}`);
    }
    expect(chat.desk.riskLimits().maxCrewDrawdownPct).toBe(100);
    expect(chat.h.desk.engine.halt.level).toBe('cancel');
    const refused = (await chat.audit()).filter((a) => a.action === 'refused');
    expect(refused.map((a) => `${a.actor}/${a.via}: ${a.detail?.['what']}`)).toEqual([
      'manager/manager: /risk set',
      'manager/manager: /resume',
      'manager/manager: /mode',
    ]);
    // The manager may still read and halt.
    expect((await chat.run({ actor: MANAGER, command: 'risk', subcommand: 'show' })).outcome).toBe('done');
  });
});

describe('option checks', () => {
  it('name the option and what it must be', async () => {
    chat = await openChatDesk();
    const cases: [Parameters<ChatDesk['run']>[0], string][] = [
      [{ command: 'trades', options: { n: 'abc' } }, 'Option "n" must be a whole number from 1 to 50 (got "abc").'],
      [{ command: 'trades', options: { n: 2.5 } }, 'Option "n" must be a whole number from 1 to 50 (got 2.5).'],
      [{ command: 'trades', options: { n: 0 } }, 'Option "n" must be from 1 to 50 (got 0).'],
      [{ command: 'logs', options: { n: '101' } }, 'Option "n" must be from 1 to 100 (got 101).'],
      [{ command: 'halt', options: { level: 'explode' } }, 'Option "level" must be one of entries, cancel, flatten (got "explode").'],
      [{ command: 'crew', subcommand: 'set', options: { crew: 'sma', value: '3' } }, 'Option "param" is required (The param).'],
      [{ command: 'status', options: { verbose: true } }, '/status has no option "verbose" (it takes no options).'],
      [{ command: 'ask', options: { text: 'x'.repeat(2001) } }, 'Option "text" is 2001 characters long; at most 2000 allowed.'],
      [
        { command: 'crew', subcommand: 'explode' },
        '/crew has no subcommand "explode" (subcommands: list, spawn, pause, resume, stop, params, set, record, promote, demote).',
      ],
      [{ command: 'crew' }, '/crew needs a subcommand: list, spawn, pause, resume, stop, params, set, record, promote, demote.'],
    ];
    for (const [invocation, message] of cases) {
      const { outcome, sink } = await chat.run(invocation);
      expect(outcome, message).toBe('invalid');
      expect(sink.last.text).toContain(message);
      expect(sink.last).toMatchObject({ tone: 'bad', ephemeral: true });
    }
  });

  it('convert the console’s text to the spec’s types', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({ command: 'risk', subcommand: 'set', options: { limit: 'maxOrdersPerMinute', value: '45' } });
    expect(outcome).toBe('done');
    expect(sink.last.text).toBe('maxOrdersPerMinute: 60 → 45');
  });

  it('answers an unknown command with /help', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({ command: 'frobnicate' });
    expect(outcome).toBe('unknown-command');
    expect(sink.last.text).toBe('Unknown command /frobnicate. /help lists the commands.');
  });
});

describe('failures', () => {
  it('turn a thrown error into a private reply, and the dispatcher carries on', async () => {
    const backtest: BacktestService = {
      run: async () => {
        throw new Error('candle files are corrupt');
      },
    };
    chat = await openChatDesk({ backtest });
    const { outcome, sink } = await chat.run({ command: 'backtest', options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' } });
    expect(outcome).toBe('failed');
    expect(sink.last).toEqual({ text: 'Something went wrong: candle files are corrupt', tone: 'bad', ephemeral: true });
    expect((await chat.run({ command: 'status' })).outcome).toBe('done');
  });

  it('survive a transport whose replies fail', async () => {
    chat = await openChatDesk();
    const broken = new TestSink();
    broken.reply = async () => {
      throw new Error('Discord is down');
    };
    expect(await chat.dispatcher.dispatch({ actor: OWNER, command: 'status' }, broken)).toBe('failed');
  });
});

describe('audit', () => {
  it('records every mutating command with the actor id, the interface, the options and the outcome', async () => {
    chat = await openChatDesk();
    await chat.run({ command: 'crew', subcommand: 'pause', options: { crew: 'bidder', reason: 'too eager' } });
    await chat.run({ command: 'crew', subcommand: 'pause', options: { crew: 'nobody' } });
    await chat.run({ command: 'status' });
    const commands = (await chat.audit()).filter((a) => a.action === 'command');
    expect(commands.map((a) => ({ actor: a.actor, via: a.via, ...a.detail }))).toEqual([
      { actor: 'owner-1', via: 'discord', command: '/crew pause', options: { crew: 'bidder', reason: 'too eager' }, outcome: 'done' },
      { actor: 'owner-1', via: 'discord', command: '/crew pause', options: { crew: 'nobody' }, outcome: 'refused' },
    ]);
  });
});

describe('/halt never waits', () => {
  it('runs to the end while a slow backtest is still running', async () => {
    const started = deferred();
    const release = deferred();
    const report: BacktestReport = {
      title: 'sma-cross BTCUSDT 1h',
      chartPng: Buffer.from('png'),
      kpis: {
        startTime: 0,
        endTime: 1,
        startEquity: 10000,
        finalEquity: 10500,
        totalReturnPct: 5,
        cagrPct: null,
        sharpe: 1.2,
        sortino: null,
        days: 30,
        maxDrawdownPct: 3,
        maxDrawdownDurationMs: 0,
        longestDrawdownMs: 0,
        roundTrips: 4,
        wins: 3,
        losses: 1,
        winRatePct: 75,
        grossProfit: 600,
        grossLoss: 100,
        profitFactor: 6,
        openAtEnd: false,
        exposurePct: 40,
        feesPaid: 12,
        buyAndHoldReturnPct: 2,
        notes: [],
      },
    };
    const backtest: BacktestService = {
      run: async (_request, options) => {
        started.resolve();
        options?.onProgress?.({ fraction: 0.5 });
        await release.promise;
        return ok(report);
      },
    };
    chat = await openChatDesk({ backtest });
    await chat.trade(bidderCandles());
    expect(chat.h.desk.engine.orders.openOrderCount()).toBe(1);

    const slowSink = new TestSink();
    const slow = chat.dispatcher.dispatch({ actor: OWNER, command: 'backtest', options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' } }, slowSink);
    await started.promise;
    expect(slowSink.deferrals).toEqual([{ ephemeral: false }]);

    const haltSink = new TestSink();
    const halting = chat.dispatcher.dispatch({ actor: OWNER, command: 'halt' }, haltSink);
    // Entries stop synchronously, before the dispatcher awaits anything.
    expect(chat.h.desk.engine.halt.level).toBe('cancel');
    expect(await halting).toBe('done');
    expect(haltSink.last.title).toBe('HALTED (cancel)');
    expect(chat.h.desk.engine.orders.openOrderCount()).toBe(0);
    // The backtest is still waiting: /halt did not queue behind it.
    expect(slowSink.replies).toEqual([]);
    expect(slowSink.progressed).toEqual(['Backtesting sma-cross on BTCUSDT 1h…', 'Backtesting sma-cross on BTCUSDT 1h… 50%']);

    release.resolve();
    expect(await slow).toBe('done');
    expect(slowSink.last.files?.[0]?.name).toBe('equity.png');
  });
});

describe('autocomplete', () => {
  it('offers at most 25 choices, those starting with what was typed first', () => {
    const crews = Array.from({ length: 40 }, (_, i) => ({ id: `crew-${i}`, status: 'active', symbol: 'BTCUSDT', interval: '1h', module: 'sma-cross' }));
    const desk = { crewList: () => crews } as unknown as DeskService;
    const services: ChatServices = { desk };
    expect(autocomplete('crew', '', services)).toHaveLength(25);
    expect(autocomplete('crew', 'crew-3', services).map((c) => c.value)).toEqual([
      'crew-3',
      'crew-30',
      'crew-31',
      'crew-32',
      'crew-33',
      'crew-34',
      'crew-35',
      'crew-36',
      'crew-37',
      'crew-38',
      'crew-39',
    ]);
  });

  it('offers the chosen crew’s params with their bounds, the risk limits, modules and symbols', async () => {
    chat = await openChatDesk();
    const params = await chat.dispatcher.autocomplete({
      actor: OWNER,
      command: 'crew',
      subcommand: 'set',
      option: 'param',
      partial: 'fa',
      options: { crew: 'sma' },
    });
    expect(params).toEqual([{ name: 'fast = 2; 1 … 200', value: 'fast' }]);
    const limits = await chat.dispatcher.autocomplete({ actor: OWNER, command: 'risk', subcommand: 'set', option: 'limit', partial: 'drawdown' });
    expect(limits.map((c) => c.name)).toEqual(['maxCrewDrawdownPct (now 100)', 'maxTotalDrawdownPct (now 100)']);
    const modules = await chat.dispatcher.autocomplete({ actor: OWNER, command: 'crew', subcommand: 'spawn', option: 'module', partial: 'sma' });
    expect(modules.map((c) => c.value)).toEqual(['sma-cross']);
    const symbols = await chat.dispatcher.autocomplete({ actor: OWNER, command: 'crew', subcommand: 'spawn', option: 'symbol', partial: 'pepeusdt' });
    expect(symbols[0]).toEqual({ name: 'PEPEUSDT', value: 'PEPEUSDT' });
  });
});

describe('ownerAllowlist', () => {
  it('trusts only listed Discord ids, and local interfaces’ own flag', () => {
    const isOwner = ownerAllowlist([' 111 ', '222', '']);
    expect(isOwner({ id: '111', via: 'discord', isOwner: false })).toBe(true);
    expect(isOwner({ id: '333', via: 'discord', isOwner: true })).toBe(false);
    expect(isOwner({ id: 'console', via: 'console', isOwner: true })).toBe(true);
    expect(isOwner({ id: 'someone', via: 'console', isOwner: false })).toBe(false);
  });
});
