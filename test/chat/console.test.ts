// The console driven through stdin: the same commands as Discord, confirmations as y/n, free
// text to the manager (or how to configure it), files saved, and EOF that stops only the console.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsoleHandle, startConsole } from '../../src/chat/console.ts';
import type { BacktestService, ManagerChat } from '../../src/chat/services.ts';
import { ok } from '../../src/services/result.ts';
import { tempDir } from '../support/desk-harness.ts';
import { bidderCandles, type ChatDesk, deferred, openChatDesk } from './chat-harness.ts';

/** What the console printed, and a wait for a pattern to appear (event-driven, no sleeps). */
class Screen {
  text = '';
  private waiters: { pattern: RegExp; from: number; resolve: (match: string) => void }[] = [];

  constructor(readonly stream: PassThrough) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.text += chunk;
      this.waiters = this.waiters.filter((w) => !this.settle(w));
    });
  }

  /** Resolves with the first match of `pattern` printed after `from` (default: anywhere). */
  waitFor(pattern: RegExp, from = 0): Promise<string> {
    return new Promise((resolve) => {
      const waiter = { pattern, from, resolve };
      if (!this.settle(waiter)) this.waiters.push(waiter);
    });
  }

  /** A mark: waitFor(pattern, mark) only looks at what is printed after it. */
  get mark(): number {
    return this.text.length;
  }

  private settle(w: { pattern: RegExp; from: number; resolve: (match: string) => void }): boolean {
    const m = this.text.slice(w.from).match(w.pattern);
    if (m) w.resolve(m[0]);
    return m !== null;
  }
}

let chat: ChatDesk | undefined;
let console_: ConsoleHandle | undefined;
afterEach(async () => {
  await console_?.close();
  console_ = undefined;
  await chat?.dispose();
  chat = undefined;
});

async function open(extra: Parameters<typeof openChatDesk>[0] = {}, tty = false) {
  chat = await openChatDesk(extra);
  const input = new PassThrough();
  const output = new PassThrough();
  if (tty) {
    Object.assign(input, { isTTY: true });
    Object.assign(output, { isTTY: true, columns: 120 });
  }
  const screen = new Screen(output);
  const outDir = join(chat.h.dir, 'out');
  console_ = await startConsole({ services: chat.services, input, output, dispatcher: chat.dispatcher, outDir });
  const type = (line: string) => input.write(`${line}\n`);
  return { input, output, screen, type, outDir, handle: console_ };
}

describe('the console', () => {
  it('runs /status and prints it as text, with no prompt when not on a terminal', async () => {
    const { screen, type } = await open();
    await screen.waitFor(/console ready/);
    type('/status');
    await screen.waitFor(/Open orders: 0/);
    expect(screen.text).toContain('── Status ──');
    expect(screen.text).toContain('Mode: paper');
    expect(screen.text).toMatch(/ {2}bidder\s+active\s+BTCUSDT 1h/);
    expect(screen.text).not.toContain('crewdesk>');
  });

  it('takes positional and name:value options, and explains a mistake', async () => {
    const { screen, type } = await open();
    type('/crew set sma fast 1');
    await screen.waitFor(/sma: fast 2 → 1/);
    type('/trades n:500');
    await screen.waitFor(/Option "n" must be from 1 to 50 \(got 500\)/);
    type('/status now');
    await screen.waitFor(/Too many values for \/status: "now"/);
  });

  it('/halt flatten asks y/n, and y flattens', async () => {
    const { screen, type } = await open();
    await chat!.trade(bidderCandles());
    type('/halt flatten');
    await screen.waitFor(/Type y to flatten everything, n to cancel \(expires in 60 s\)\./);
    expect(chat!.h.desk.engine.halt.level).toBe('none');
    type('y');
    await screen.waitFor(/HALTED \(flatten\)/);
    expect(screen.text).toContain('✔ Confirmed.');
    expect(screen.text).toContain('Sent 1 market sell to close the positions.');
    expect(chat!.h.desk.engine.halt.level).toBe('flatten');
  });

  it('/halt flatten then n does nothing', async () => {
    const { screen, type } = await open();
    type('/halt flatten');
    await screen.waitFor(/Type y to/);
    type('no');
    await screen.waitFor(/Cancelled: nothing was done/);
    expect(chat!.h.desk.engine.halt.level).toBe('none');
  });

  it('close() cancels a question still waiting for y/n instead of waiting for it to expire', async () => {
    const { screen, type, handle } = await open();
    type('/halt flatten');
    await screen.waitFor(/Type y to/);
    await handle.close();
    await screen.waitFor(/Cancelled: nothing was done/);
    expect(chat!.h.desk.engine.halt.level).toBe('none');
  });

  it('sends free text to the manager, or says how to configure one', async () => {
    const { screen, type } = await open();
    type('how is my desk doing?');
    await screen.waitFor(/The manager is not configured/);
    expect(screen.text).toContain('OPENAI_API_KEY');
  });

  it('keeps a conversation with the manager under the "console" key', async () => {
    const heard: string[] = [];
    const manager: ManagerChat = {
      ask: async (text, channel, actor) => {
        heard.push(`${channel}/${actor.id}: ${text}`);
        return 'Nothing to worry about.';
      },
      report: async () => 'fine',
    };
    const { screen, type } = await open({ manager });
    type('anything to worry about?');
    await screen.waitFor(/Nothing to worry about\./);
    expect(heard).toEqual(['console/console: anything to worry about?']);
  });

  it('saves a reply’s files under the output folder and prints their path', async () => {
    const backtest: BacktestService = {
      run: async () =>
        ok({
          title: 'bt',
          chartPng: Buffer.from('PNGDATA'),
          kpis: {
            startTime: 0,
            endTime: 1,
            startEquity: 1,
            finalEquity: 1,
            totalReturnPct: 0,
            cagrPct: null,
            sharpe: null,
            sortino: null,
            days: 0,
            maxDrawdownPct: 0,
            maxDrawdownDurationMs: 0,
            longestDrawdownMs: 0,
            roundTrips: 0,
            wins: 0,
            losses: 0,
            winRatePct: null,
            grossProfit: 0,
            grossLoss: 0,
            profitFactor: null,
            openAtEnd: false,
            exposurePct: 0,
            feesPaid: 0,
            buyAndHoldReturnPct: null,
            notes: [],
          },
        }),
    };
    const { screen, type, outDir } = await open({ backtest });
    type('/backtest sma-cross BTCUSDT 1h');
    const line = await screen.waitFor(/file saved: .*equity\.png/);
    const path = line.replace('file saved: ', '');
    expect(path.startsWith(outDir)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('PNGDATA');
  });

  it('at EOF stops reading only: the desk keeps trading and a command under way still prints', async () => {
    const started = deferred();
    const release = deferred();
    const backtest: BacktestService = {
      run: async () => {
        started.resolve();
        await release.promise;
        throw new Error('late failure, still reported');
      },
    };
    const { screen, type, input, handle } = await open({ backtest });
    type('/backtest sma-cross BTCUSDT 1h');
    await started.promise;
    input.end();
    await handle.closed;
    expect(screen.text).toContain('console input closed; the desk keeps running until it is stopped.');
    // The slow command finishes after EOF, and its reply is still printed.
    release.resolve();
    await screen.waitFor(/Something went wrong: late failure, still reported/);
    // The desk still trades: the journal is open and the engine fills orders.
    await chat!.trade(bidderCandles());
    expect(chat!.desk.positions().map((p) => p.crewId)).toEqual(['bidder']);
    expect(await chat!.h.desk.journal.getFills({ crewId: 'bidder' })).toHaveLength(1);
    // Lines from notifiers still print.
    handle.print('fill    bidder: …');
    await screen.waitFor(/fill {4}bidder: …/);
  });

  it('shows a prompt on a terminal', async () => {
    const { screen } = await open({}, true);
    await screen.waitFor(/crewdesk> /);
  });

  it('loads the commands itself, and refuses a console actor that is not an owner (audited)', async () => {
    chat = await openChatDesk();
    const input = new PassThrough();
    const output = new PassThrough();
    const screen = new Screen(output);
    console_ = await startConsole({ services: chat.services, input, output, actor: { id: 'guest', via: 'console', isOwner: false }, outDir: tempDir() });
    input.write('/status\n');
    await screen.waitFor(/Sorry — crewdesk only takes commands from its owners/);
    await console_.idle();
    expect((await chat.audit()).filter((a) => a.action === 'refused').map((a) => `${a.actor}/${a.via}`)).toEqual(['guest/console']);
  });
});
