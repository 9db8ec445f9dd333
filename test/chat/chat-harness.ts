// A real desk (temp SQLite journal, paper exchange, real crews) behind the real dispatcher and
// the real command modules, with a test transport that records what a user would see.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfirmationRequest, Reply, ReplySink } from '../../src/chat/command.ts';
import { Dispatcher, type DispatchOutcome, type Invocation } from '../../src/chat/dispatcher.ts';
import { ownerAllowlist } from '../../src/chat/preconditions.ts';
import type { ChatServices } from '../../src/chat/services.ts';
import type { Candle } from '../../src/core/domain.ts';
import { ArrayMarketData } from '../../src/market/synthetic.ts';
import type { AuditRecord } from '../../src/ports/journal.ts';
import { DeskService } from '../../src/services/desk-service.ts';
import type { Actor } from '../../src/services/result.ts';
import { BIDDER_CREW, flatCandles, type Harness, openHarness, tempDir, writeCrewModule } from '../support/desk-harness.ts';

export const OWNER: Actor = { id: 'owner-1', via: 'discord', isOwner: true };
/** Claims to be an owner, but is not on the allowlist: the claim must not matter. */
export const STRANGER: Actor = { id: 'stranger-9', via: 'discord', isOwner: true };
export const MANAGER: Actor = { id: 'manager', via: 'manager', isOwner: true };

/** A promise the test resolves when it chooses (no sleeps). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** What a transport would have shown: replies, progress edits, deferrals, confirmation prompts. */
export class TestSink implements ReplySink {
  readonly replies: Reply[] = [];
  readonly progressed: string[] = [];
  readonly deferrals: { ephemeral: boolean }[] = [];
  readonly confirmations: ConfirmationRequest[] = [];
  private waiting: Deferred<ConfirmationRequest>[] = [];

  async reply(reply: Reply): Promise<void> {
    this.replies.push(reply);
  }

  async defer(options: { ephemeral: boolean }): Promise<void> {
    this.deferrals.push(options);
  }

  async progress(text: string): Promise<void> {
    this.progressed.push(text);
  }

  async confirm(request: ConfirmationRequest): Promise<void> {
    this.confirmations.push(request);
    for (const w of this.waiting.splice(0)) w.resolve(request);
  }

  /** Resolves with the next confirmation prompt (or the one already shown). */
  nextConfirmation(): Promise<ConfirmationRequest> {
    const shown = this.confirmations[this.confirmations.length - 1];
    if (shown) return Promise.resolve(shown);
    const d = deferred<ConfirmationRequest>();
    this.waiting.push(d);
    return d.promise;
  }

  get last(): Reply {
    const reply = this.replies[this.replies.length - 1];
    if (!reply) throw new Error('no reply yet');
    return reply;
  }

  /** Everything a reader sees in the last reply, as one string. */
  get lastText(): string {
    return replyText(this.last);
  }
}

export function replyText(reply: Reply): string {
  return [reply.title, reply.text, ...(reply.fields ?? []).map((f) => `${f.name}: ${f.value}`), reply.code].filter(Boolean).join('\n');
}

export interface ChatDesk {
  readonly h: Harness;
  readonly desk: DeskService;
  readonly services: ChatServices;
  readonly dispatcher: Dispatcher;
  /** Dispatches and waits; returns the outcome and the sink. */
  run(invocation: Partial<Invocation> & { command: string }, sink?: TestSink): Promise<{ outcome: DispatchOutcome; sink: TestSink }>;
  /** Feeds candles through the engine (the paper exchange fills on them). */
  trade(candles: Candle[]): Promise<void>;
  audit(): Promise<AuditRecord[]>;
  dispose(): Promise<void>;
}

/**
 * A desk in a fresh temp dir with two crews in team "test": "bidder" (buy-then-bid, written to
 * the dir's crews/) and "sma" (sma-cross), each with capital 3000 on BTCUSDT 1h.
 * The Discord harness opens the same desk.
 */
export async function openTwoCrewHarness(prefix: string): Promise<Harness> {
  const dir = tempDir(prefix);
  const crewDir = join(dir, 'crews');
  writeCrewModule(crewDir, 'buy-then-bid', BIDDER_CREW);
  // Outside the repository a .ts file is CommonJS to tsx unless its folder says otherwise (the Discord exit-check fixture runs under tsx).
  writeFileSync(join(crewDir, 'package.json'), '{ "type": "module" }\n');
  return openHarness({
    dir,
    crewDirs: [crewDir],
    crews: [
      { id: 'bidder', crew: 'buy-then-bid', capital: '3000' },
      { id: 'sma', crew: 'sma-cross', capital: '3000', params: { fast: 2, slow: 3 } },
    ],
    risk: { maxCrewDrawdownPct: 100, maxTotalDrawdownPct: 100 },
  });
}

/** The two-crew desk behind the real dispatcher; team "test" has 10000, so 4000 is unallocated. */
export async function openChatDesk(extra: Partial<ChatServices> = {}): Promise<ChatDesk> {
  const h = await openTwoCrewHarness('crewdesk-chat-');
  const desk = new DeskService(h.desk);
  const services: ChatServices = { desk, ...extra };
  const dispatcher = await Dispatcher.load({ services, isOwner: ownerAllowlist([OWNER.id]) });
  if (dispatcher.problems.length > 0) throw new Error(`command modules failed to load: ${JSON.stringify(dispatcher.problems)}`);
  return {
    h,
    desk,
    services,
    dispatcher,
    async run(invocation, sink = new TestSink()) {
      const outcome = await dispatcher.dispatch({ actor: OWNER, ...invocation }, sink);
      return { outcome, sink };
    },
    async trade(candles) {
      await h.desk.engine.run(new ArrayMarketData(candles));
    },
    async audit() {
      return h.desk.journal.getAudit();
    },
    async dispose() {
      await dispatcher.close();
      await h.dispose();
    },
  };
}

/** Four flat candles at 100: the bidder buys at market (fills at the 2nd open) and rests a bid at 90. */
export function bidderCandles(): Candle[] {
  return flatCandles([100, 100, 100, 100]);
}
