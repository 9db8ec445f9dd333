// The console: an interactive chat in the terminal, for a machine with no Discord account. Lines
// starting with "/" are the same commands Discord runs (same modules, same dispatcher, same
// checks); anything else goes to the manager. Replies print as text; files are saved under
// data/out/ and their path printed. Commands run concurrently, so /halt never waits behind a
// backtest. When the input ends (stdin closed, EOF), the console stops reading and nothing else:
// the desk keeps trading and printing until it is stopped.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { plainText } from '../core/plain-text.ts';
import type { Logger } from '../log/logger.ts';
import type { Actor } from '../services/result.ts';
import type { ConfirmationRequest, Reply, ReplySink } from './command.ts';
import { parseCommandLine } from './command-line.ts';
import { Dispatcher } from './dispatcher.ts';
import type { OwnerPolicy } from './preconditions.ts';
import { capitalize } from './render.ts';
import type { ChatServices, ManagerChat } from './services.ts';

/** The person at the process's own terminal: the local owner. */
export const CONSOLE_ACTOR: Actor = { id: 'console', via: 'console', isOwner: true };
export const CONSOLE_CHANNEL = 'console';
export const DEFAULT_OUT_DIR = 'data/out';

export interface ConsoleOptions {
  readonly services: ChatServices;
  readonly input: Readable;
  readonly output: Writable;
  /** Default: the local owner (CONSOLE_ACTOR). */
  readonly actor?: Actor;
  /** The manager for free text and /ask (overrides services.manager; ignored when `dispatcher` is given: it has its own services). */
  readonly manager?: ManagerChat;
  /** A dispatcher to share (else one is loaded from commandDirs, default commands/). */
  readonly dispatcher?: Dispatcher;
  readonly commandDirs?: readonly string[];
  readonly isOwner?: OwnerPolicy;
  /** Where reply files (charts) are saved; default data/out. */
  readonly outDir?: string;
  /** Ctrl-C at the prompt (a TTY gives it to the console, not to the process). Default: SIGINT to this process. */
  readonly onInterrupt?: () => void;
  readonly log?: Pick<Logger, 'error' | 'warn'>;
}

export interface ConsoleHandle {
  /** Resolves when the input has ended (or close() was called). Nothing else stops with it. */
  readonly closed: Promise<void>;
  readonly dispatcher: Dispatcher;
  /** Prints a line (a notifier's) without breaking the prompt. */
  print(line: string): void;
  /** Stops reading, cancels the confirmations asked here, then waits for the commands under way to reply. */
  close(): Promise<void>;
  /** Waits for the commands under way (tests, shutdown). */
  idle(): Promise<void>;
}

export async function startConsole(options: ConsoleOptions): Promise<ConsoleHandle> {
  const services: ChatServices = options.manager ? { ...options.services, manager: options.manager } : options.services;
  const dispatcher =
    options.dispatcher ??
    (await Dispatcher.load({
      services,
      ...(options.isOwner ? { isOwner: options.isOwner } : {}),
      ...(options.commandDirs ? { dirs: options.commandDirs } : {}),
      ...(options.log ? { log: options.log } : {}),
    }));
  const actor = options.actor ?? CONSOLE_ACTOR;
  const output = options.output;
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const tty = (options.input as { isTTY?: boolean }).isTTY === true && (output as { isTTY?: boolean }).isTTY === true;
  const rl: Interface = createInterface({ input: options.input, ...(tty ? { output, terminal: true } : { terminal: false }), crlfDelay: Infinity });
  let open = true;
  /** Confirmations asked here, the latest last: "y"/"n" answers the latest. */
  const asked: ConfirmationRequest[] = [];

  // Replies and notifier lines carry outside text (reasons, the model's answer): printed plain, never as terminal commands.
  const write = (raw: string) => {
    const text = plainText(raw);
    if (tty && open) {
      output.write('\r\u001b[2K');
      output.write(`${text}\n`);
      rl.prompt(true);
    } else {
      output.write(`${text}\n`);
    }
  };

  const sink: ReplySink = {
    reply: async (reply) => write(renderReply(reply, saveFiles(reply, outDir))),
    defer: async () => {},
    progress: async (text) => write(`… ${text}`),
    confirm: async (request) => {
      asked.push(request);
      const seconds = Math.max(1, Math.round((request.expiresAt - Date.now()) / 1000));
      write(`${request.prompt}\n? Type y to ${request.confirmLabel.toLowerCase()}, n to cancel (expires in ${seconds} s).`);
    },
  };

  const handle = (raw: string) => {
    const line = raw.trim();
    if (line === '') return;
    if (asked.length > 0 && /^(y|yes|n|no)$/i.test(line)) {
      const request = asked.pop()!;
      void dispatcher.answerConfirmation(request.token, actor, /^y/i.test(line) ? 'confirm' : 'cancel').then((reply) => reply && write(renderReply(reply, [])));
      return;
    }
    if (line.startsWith('/')) {
      const parsed = parseCommandLine(line, (name) => dispatcher.get(name)?.data);
      if (!parsed.ok) {
        write(renderReply({ text: `${capitalize(parsed.error)}. /help lists the commands.`, tone: 'bad' }, []));
        return;
      }
      void dispatcher.dispatch({ actor, ...parsed.value, channel: CONSOLE_CHANNEL }, sink);
      return;
    }
    void dispatcher.converse({ actor, text: line, channel: CONSOLE_CHANNEL }, sink);
  };

  const closed = new Promise<void>((resolveClosed) => {
    rl.on('close', () => {
      open = false;
      if (tty) output.write('\n');
      output.write('crewdesk: console input closed; the desk keeps running until it is stopped.\n');
      resolveClosed();
    });
  });
  rl.on('line', handle);
  rl.on('SIGINT', options.onInterrupt ?? (() => process.kill(process.pid, 'SIGINT')));

  for (const p of dispatcher.problems) output.write(`crewdesk: command module skipped: ${p.path}: ${p.reason}\n`);
  output.write(`crewdesk: console ready: /help lists the commands${services.manager ? ', anything else goes to the manager' : ''}.\n`);
  if (tty) {
    rl.setPrompt('crewdesk> ');
    rl.prompt();
  }

  return {
    closed,
    dispatcher,
    print: (line) => write(line),
    close: async () => {
      if (open) rl.close();
      await closed;
      // Nobody is left to answer the questions asked here: cancel them rather than wait for them to expire.
      for (const request of asked.splice(0)) dispatcher.confirmations.cancel(request.token);
      await dispatcher.idle();
    },
    idle: () => dispatcher.idle(),
  };
}

/** Saves a reply's files; returns their paths, relative to the working directory when under it. */
function saveFiles(reply: Reply, outDir: string): string[] {
  if (!reply.files?.length) return [];
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return reply.files.map((file) => {
    const path = join(outDir, `${stamp}-${file.name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    writeFileSync(path, file.data);
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  });
}

const TONE_MARK: Record<NonNullable<Reply['tone']>, string> = { good: '✔ ', bad: '✖ ', warn: '⚠ ', info: '' };

/**
 * The mark before a reply. A red reply of text alone is a refusal or an error: ✖. A red reply
 * with fields or a table is data whose colour says "loss" on Discord (a negative PnL): the
 * command worked, and the console marks it as it marks any other answer.
 */
function markOf(reply: Reply): string {
  if (!reply.tone) return '';
  if (reply.tone === 'bad' && !reply.refused && (reply.code || reply.fields?.length)) return '';
  return TONE_MARK[reply.tone];
}

/** A reply as terminal text: title, text, fields, the code block indented, saved files. */
export function renderReply(reply: Reply, savedFiles: readonly string[] = []): string {
  const lines: string[] = [];
  const mark = markOf(reply);
  if (reply.title) lines.push(`── ${mark}${reply.title} ──`);
  if (reply.text) lines.push(reply.title ? reply.text : `${mark}${reply.text}`);
  for (const field of reply.fields ?? []) {
    const [first = '', ...rest] = field.value.split('\n');
    lines.push(`${field.name}: ${first}`, ...rest.map((l) => `  ${l}`));
  }
  if (reply.code) lines.push(...reply.code.split('\n').map((l) => `  ${l}`));
  for (const path of savedFiles) lines.push(`file saved: ${path}`);
  return lines.join('\n');
}
