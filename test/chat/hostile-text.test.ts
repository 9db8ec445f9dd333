// Text from outside (a crew's reason, the model's answer, an exchange message) cannot drive the
// terminal or Discord: escape sequences and control characters are removed at both output
// boundaries, the console's write and the Discord renderer.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../src/console/console-notifier.ts';
import { type ConsoleHandle, startConsole } from '../../src/chat/console.ts';
import type { ManagerChat } from '../../src/chat/services.ts';
import type { EngineEvent } from '../../src/core/events.ts';
import { plainText } from '../../src/core/plain-text.ts';
import { type AlertPost, DiscordAlerts } from '../../src/discord/alerts.ts';
import { renderConfirmation, renderProposal, renderReply } from '../../src/discord/render.ts';
import { type ChatDesk, openChatDesk } from './chat-harness.ts';

/** Anything a terminal would act on: ESC, other C0 controls but \n and \t, DEL, C1, bidi overrides. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const HOSTILE = [
  'red \u001b[31mALERT\u001b[0m',
  'clear\u001b[2J\u001b[H screen',
  'title\u001b]0;pwned\u0007 set',
  'link \u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\ here',
  'c1 \u009b31mcsi\u009b0m and \u009d0;t\u009c osc',
  'overwrite\rBUY NOW',
  'bidi \u202eevil\u202c text',
  'bell\u0007 backspace\b nul\u0000',
  'unterminated osc \u001b]0;never ends',
].join('\n');

describe('plainText', () => {
  it('removes CSI, OSC (with BEL or ST), C1, lone CR, bidi overrides and other controls, keeping the words', () => {
    const out = plainText(HOSTILE);
    expect(out).not.toMatch(CONTROL);
    expect(out.split('\n')).toEqual([
      'red ALERT',
      'clear screen',
      'title set',
      'link click here',
      'c1 csi and  osc',
      'overwrite BUY NOW',
      'bidi evil text',
      'bell backspace nul',
      'unterminated osc ',
    ]);
  });

  it('leaves plain text, newlines, tabs and non-ASCII as they are', () => {
    const text = 'BTCUSDT\t+1,234.56 → 2.5 % — ✔ done\nnext line ü 日本';
    expect(plainText(text)).toBe(text);
  });
});

describe('the console', () => {
  let chat: ChatDesk | undefined;
  let handle: ConsoleHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    await chat?.dispose();
    handle = undefined;
    chat = undefined;
  });

  it('prints the model’s answer with its escape sequences removed', async () => {
    const manager: ManagerChat = { ask: async () => `All fine.\n${HOSTILE}`, report: async () => 'fine' };
    chat = await openChatDesk({ manager });
    const input = new PassThrough();
    const output = new PassThrough();
    output.setEncoding('utf8');
    let text = '';
    output.on('data', (chunk: string) => (text += chunk));
    handle = await startConsole({ services: chat.services, input, output, dispatcher: chat.dispatcher });
    input.write('how is it going?\n');
    await expect.poll(() => text).toContain('unterminated osc');
    expect(text).toContain('red ALERT');
    expect(text).not.toMatch(CONTROL);
  });

  it('prints a crew’s reason and an exchange error without their escape sequences', () => {
    const lines: string[] = [];
    const notifier = new ConsoleNotifier(
      (line) => lines.push(line),
      () => undefined,
    );
    notifier.notify({
      type: 'advice',
      crewId: 'evil',
      at: 0,
      exit: null,
      advice: { action: 'buy', size: 1, reason: `close broke out\u001b]0;owned\u0007\u001b[2K` },
    } as unknown as EngineEvent);
    notifier.notify({ type: 'error', source: 'exchange', message: 'boom \u001b[31mred\u001b[0m', at: 0 } as unknown as EngineEvent);
    expect(lines).toEqual(['advice  evil: buy 100% — close broke out', 'error   [exchange] boom red']);
  });
});

describe('Discord', () => {
  it('posts replies, fields, code, confirmations and proposals with no control characters', () => {
    const messages = renderReply({ title: `Title ${HOSTILE}`, text: HOSTILE, fields: [{ name: `f\u001b[1m`, value: HOSTILE }], code: HOSTILE, tone: 'info' });
    const plainOnly = renderReply({ text: HOSTILE });
    const confirm = renderConfirmation({ token: 't', prompt: HOSTILE, confirmLabel: 'Go\u001b[5m', expiresAt: 0 } as never);
    const proposal = renderProposal({ id: 'p1', summary: HOSTILE, rationale: HOSTILE });
    const json = JSON.stringify([messages, plainOnly, confirm, proposal]);
    // JSON escapes every control character as \uXXXX (or \n, \t, \b, …): look at the strings themselves.
    const strings: string[] = [];
    JSON.parse(json, (_k, v) => (typeof v === 'string' && strings.push(v), v));
    expect(strings.some((s) => s.includes('red ALERT'))).toBe(true);
    for (const s of strings) expect(s).not.toMatch(CONTROL);
  });
});

describe('Discord alerts', () => {
  it('post an exchange error’s and a pause reason’s text without control characters', async () => {
    const posted: AlertPost[] = [];
    const alerts = new DiscordAlerts({
      channels: { trades: '100000000000000001', alerts: '100000000000000002', reports: '100000000000000003' },
      ownerIds: ['900000000000000002'],
      post: async (_channel, post) => void posted.push(post),
      coalesceMs: 5,
      retryBaseMs: 5,
      retryMaxMs: 20,
    });
    try {
      alerts.notify({ type: 'error', source: 'exchange', message: `boom ${HOSTILE}`, at: 0 } as unknown as EngineEvent);
      alerts.notify({ type: 'crew.paused', crewId: 'sma', reason: `drawdown \u001b]0;x\u0007 20%`, at: 0 } as unknown as EngineEvent);
      await alerts.flush();
      const text = posted.map((p) => p.content ?? '').join('\n');
      expect(text).toContain('red ALERT');
      expect(text).not.toMatch(CONTROL);
    } finally {
      await alerts.close(0);
    }
  });
});
