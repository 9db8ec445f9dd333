// Alerts: what the desk does, posted to its Discord channels — fills to #trades; exits, notable
// risk denials, pauses, halts, exchange bans and errors to #alerts; the daily report to #reports.
// Those that must reach the owner's phone (halts, drawdown pauses, errors, bans) mention the
// owners, and only them; the rest are sent silently.
//
// Discord never holds trading up: the bus subscriber only classifies the event and appends a line
// to a bounded queue per channel, then returns. A worker per channel posts what has piled up as
// one message (several lines), retries with backoff when Discord fails or rate-limits, and when a
// queue overflows drops the oldest lines, saying how many ("… 12 more alerts were dropped").
import type { APIEmbed } from 'discord-api-types/v10';
import { MessageFlags } from 'discord.js';
import type { Reply } from '../chat/command.ts';
import { DISCORD_LIMITS, truncate } from '../chat/limits.ts';
import { describeTrouble } from '../chat/trouble-text.ts';
import { actedAlone, actorName, type EngineEvent, type EventBus, type ExitKind, type FactActor, scopeKey, scopeName } from '../core/events.ts';
import type { Logger } from '../log/logger.ts';
import type { ChannelKind, DiscordChannels } from '../config/discord.ts';
import { plainText } from '../core/plain-text.ts';
import { renderReply, type OutgoingFile, type OutgoingMessage } from './render.ts';

/** What the alerts hand to Discord: a channel message body, as discord.js's `channel.send` takes it. */
export interface AlertPost {
  content?: string;
  embeds?: APIEmbed[];
  files?: OutgoingFile[];
  components?: OutgoingMessage['components'];
  allowedMentions: { parse: []; users?: string[] };
  flags?: MessageFlags.SuppressNotifications;
  /** With enforceNonce, Discord drops a retried post it already has (a timeout after it arrived). */
  nonce: string;
  enforceNonce: true;
}

/** Posts one message to a channel; rejects when Discord did not take it (an error with `status` 4xx other than 429 is final). */
export type AlertPoster = (channelId: string, post: AlertPost) => Promise<void>;

export interface AlertsOptions {
  readonly channels: DiscordChannels;
  readonly ownerIds: readonly string[];
  readonly post: AlertPoster;
  readonly log?: Pick<Logger, 'warn' | 'error' | 'debug'>;
  /** Lines a channel may hold waiting; the oldest are dropped beyond it. Default 200. */
  readonly maxQueue?: number;
  /** How long a first line waits for others to join it in one message. Default 100 ms. */
  readonly coalesceMs?: number;
  /** First retry delay, doubled each time up to `retryMaxMs`. Defaults 1 s and 60 s. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** The same error again within this window is counted, not posted. Default 10 minutes. */
  readonly errorRepeatMs?: number;
  readonly now?: () => number;
}

/** One alert, classified: where it goes, its line, and whether it pings the owners. */
export interface Alert {
  readonly channel: ChannelKind;
  readonly text: string;
  readonly ping: boolean;
}

/** Denials worth a line: the limits, not the routine refusals (a paused crew, a cooldown, a halt). */
const SIGNIFICANT_DENIALS = new Set(['daily-loss', 'position-size', 'team-exposure', 'total-exposure', 'order-rate', 'filters', 'no-price']);
/** The exits worth a line, each with its icon; the crew's own sells are not alerts (their fills are). */
const EXIT_ICON: Readonly<Record<ExitKind, string | null>> = {
  'stop-loss': '🛑',
  'trailing-stop': '🛑',
  'take-profit': '🎯',
  'max-holding': '⏱️',
  flatten: '🧯',
  crew: null,
};
const BAN = /\b418\b|\bbanned\b|\bIP ban\b|way too many requests/i;
const SNOWFLAKE = /^\d{17,20}$/;
/** Room left in a message for the owners' mentions and the dropped-count line. */
const BATCH_CHARS = DISCORD_LIMITS.content - 200;
const LINE_CHARS = 1000;

/**
 * Turns engine events into alerts, saying each thing once: a denial is not repeated for the same
 * crew and rule until that crew trades again (or a halt), and the same error is counted, not
 * reposted, for a while.
 */
export class AlertClassifier {
  private readonly lastDenial = new Map<string, string>();
  private readonly lastErrors = new Map<string, { at: number; repeats: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly errorRepeatMs = 10 * 60_000,
  ) {}

  classify(event: EngineEvent): Alert | null {
    switch (event.type) {
      case 'fill': {
        const f = event.fill;
        const p = event.position;
        return {
          channel: 'trades',
          ping: false,
          text: `${f.side === 'BUY' ? '🟢' : '🔴'} ${f.side} ${f.quantity} ${f.symbol} @ ${f.price} · ${event.crewId} · fee ${f.fee} ${f.feeAsset} · now holds ${p.quantity}, cash ${p.cash.round(2).toFixed(2)}`,
        };
      }
      case 'advice': {
        const a = event.advice;
        const icon = event.exit === null ? null : EXIT_ICON[event.exit];
        if (icon === null) return null;
        return { channel: 'alerts', ping: false, text: `${icon} exit · ${event.crewId}: selling ${Math.round(a.size * 100)}% — ${a.reason}` };
      }
      case 'risk.denied': {
        if (!SIGNIFICANT_DENIALS.has(event.rule)) return null;
        const key = scopeKey(event.scope);
        if (this.lastDenial.get(key) === event.rule) return null;
        this.lastDenial.set(key, event.rule);
        // A daily loss limit stops every entry until tomorrow: the owner hears of it.
        return {
          channel: 'alerts',
          ping: event.rule === 'daily-loss',
          text: `⚠️ risk · ${scopeName(event.scope)}: [${event.rule}] ${event.reason} (not repeated until the crew trades again)`,
        };
      }
      case 'order.created':
        this.lastDenial.delete(scopeKey({ kind: 'crew', crewId: event.order.crewId }));
        return null;
      case 'crew.paused':
        // The engine and the risk rules pause crews on their own (drawdown, a handler that threw): ping.
        return { channel: 'alerts', ping: actedAlone(event.actor), text: `⏸️ paused · ${event.crewId}: ${event.reason} (by ${who(event.actor)})` };
      case 'crew.resumed':
        return { channel: 'alerts', ping: false, text: `▶️ resumed · ${event.crewId} by ${who(event.actor)}` };
      case 'halt':
        this.lastDenial.clear();
        if (event.level === 'none') return { channel: 'alerts', ping: false, text: `▶️ Trading resumed by ${who(event.actor)}: ${event.reason}` };
        return { channel: 'alerts', ping: true, text: `🚨 HALT (${event.level}) by ${who(event.actor)}: ${event.reason}` };
      case 'error': {
        const key = `${event.source}|${event.message}`;
        const now = this.now();
        const last = this.lastErrors.get(key);
        if (last && now - last.at < this.errorRepeatMs) {
          last.repeats++;
          return null;
        }
        this.lastErrors.set(key, { at: now, repeats: 0 });
        if (this.lastErrors.size > 200) this.lastErrors.delete(this.lastErrors.keys().next().value!);
        const again = last && last.repeats > 0 ? ` (it also happened ${last.repeats} more times since the last alert)` : '';
        if (BAN.test(event.message)) return { channel: 'alerts', ping: true, text: `⛔ Exchange ban [${event.source}]: ${event.message}${again}` };
        return { channel: 'alerts', ping: true, text: `❗ error [${event.source}]: ${event.message}${again}` };
      }
      case 'exchange.trouble':
        // Once per episode (and once when it ends): the start pings, it stops trading.
        return { channel: 'alerts', ping: event.phase === 'began', text: describeTrouble(event) };
      case 'order.updated':
      case 'candle':
      case 'equity':
        return null;
    }
  }
}

/** An owner's Discord user id as a mention (shown as the name); anyone else by name. */
function who(actor: FactActor): string {
  const name = actorName(actor);
  return actor.kind === 'owner' && SNOWFLAKE.test(name) ? `<@${name}>` : name;
}

type Item =
  | { readonly kind: 'line'; readonly text: string; readonly ping: boolean }
  | { readonly kind: 'message'; readonly post: Omit<AlertPost, 'nonce' | 'enforceNonce'>; readonly settle: (delivered: boolean) => void };

interface Batch {
  readonly post: AlertPost;
  readonly lines: number;
  readonly settle?: (delivered: boolean) => void;
}

export interface AlertStats {
  /** Messages Discord took. */
  readonly posted: number;
  /** Failed posts retried. */
  readonly retries: number;
  /** Lines dropped because a queue was full. */
  readonly dropped: number;
  /** Lines Discord refused for good (unknown channel, missing access). */
  readonly lost: number;
  /** Lines and messages waiting. */
  readonly queued: number;
}

/** The alerts for one Discord connection: classify, queue per channel, post, retry. */
export class DiscordAlerts {
  private readonly classifier: AlertClassifier;
  private readonly queues = new Map<string, ChannelQueue>();
  private readonly counters = { posted: 0, retries: 0, dropped: 0, lost: 0 };
  private unsubscribe: (() => void) | null = null;
  /** The bus attached to: its deferred facts are delivered before a flush. */
  private bus: EventBus | null = null;
  private closed = false;
  private nonceSeq = 0;

  constructor(private readonly options: AlertsOptions) {
    this.classifier = new AlertClassifier(options.now ?? Date.now, options.errorRepeatMs);
  }

  /** Listens to the bus; returns at once on every event (the posting happens elsewhere). */
  attach(bus: EventBus): void {
    this.unsubscribe?.();
    this.bus = bus;
    // Deferred: an alert is queued after the step that made the fact, so never before an order it sends.
    this.unsubscribe = bus.subscribe(
      'discord-alerts',
      (event) => this.notify(event),
      ['fill', 'advice', 'risk.denied', 'order.created', 'crew.paused', 'crew.resumed', 'halt', 'error', 'exchange.trouble'],
      { deferred: true },
    );
  }

  /** Classifies and queues one event. Synchronous and cheap; never throws. */
  notify(event: EngineEvent): void {
    if (this.closed) return;
    try {
      const alert = this.classifier.classify(event);
      if (alert) this.queueLine(alert.channel, alert.text, alert.ping);
    } catch (error) {
      this.options.log?.error({ event: event.type, err: error instanceof Error ? error.message : String(error) }, 'discord: alert not queued');
    }
  }

  /** Queues a line for a channel kind (what the classifier does, for anything else worth saying). */
  queueLine(kind: ChannelKind, text: string, ping = false): boolean {
    const channelId = this.channelFor(kind);
    if (!channelId || this.closed) return false;
    this.queue(channelId).push({ kind: 'line', text: truncate(text.replace(/\s+$/, ''), LINE_CHARS), ping });
    return true;
  }

  /**
   * Posts a report (the daily report) to the reports channel — or the alerts channel when there is
   * none — silently. Resolves true once Discord has every message, false when it was dropped or
   * there is no channel; never rejects.
   */
  postReport(reply: Reply): Promise<boolean> {
    const channelId = this.channelFor('reports');
    return channelId ? this.postMessages(channelId, renderReply(reply)) : Promise.resolve(false);
  }

  /**
   * Posts whole messages (embeds, files, buttons) to a channel through its queue: retried like the
   * alert lines, silent, mentioning nobody. Resolves true once Discord has all of them; never rejects.
   */
  postMessages(channelId: string, messages: readonly OutgoingMessage[]): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const queue = this.queue(channelId);
    const parts = messages.map(
      (message) =>
        new Promise<boolean>((settle) =>
          queue.push({ kind: 'message', post: { ...message, allowedMentions: { parse: [] }, flags: MessageFlags.SuppressNotifications }, settle }),
        ),
    );
    return Promise.all(parts).then((delivered) => delivered.every(Boolean));
  }

  /** The channel id alerts of a kind go to (its own, else #alerts), if any. */
  channelFor(kind: ChannelKind): string | undefined {
    const { channels } = this.options;
    if (kind === 'manager') return channels.manager;
    return channels[kind] ?? channels.alerts;
  }

  get stats(): AlertStats {
    let queued = 0;
    for (const q of this.queues.values()) queued += q.length;
    return { ...this.counters, queued };
  }

  /** Resolves when every queue is empty (or after `timeoutMs`, returning false). */
  async flush(timeoutMs = 5_000): Promise<boolean> {
    this.bus?.flush(); // facts published but not yet delivered to the (deferred) alerts
    const idle = Promise.all([...this.queues.values()].map((q) => q.idle())).then(() => true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops listening; waits up to `timeoutMs` for what is queued, then gives up on the rest. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    for (const q of this.queues.values()) q.abandon();
    if (!flushed) this.options.log?.warn({ stats: this.stats }, 'discord: alerts still queued at shutdown were not posted');
  }

  private queue(channelId: string): ChannelQueue {
    let q = this.queues.get(channelId);
    if (!q) {
      q = new ChannelQueue(channelId, this);
      this.queues.set(channelId, q);
    }
    return q;
  }

  /** @internal the queue's view of the options and counters. */
  get settings() {
    const o = this.options;
    return {
      maxQueue: o.maxQueue ?? 200,
      coalesceMs: o.coalesceMs ?? 100,
      retryBaseMs: o.retryBaseMs ?? 1_000,
      retryMaxMs: o.retryMaxMs ?? 60_000,
      ownerIds: o.ownerIds,
      post: o.post,
      log: o.log,
      counters: this.counters,
      nonce: () => `cd${Date.now().toString(36)}${(this.nonceSeq++).toString(36)}`.slice(0, 25),
      closed: () => this.closed,
    };
  }
}

/** One channel's queue and its worker: batch, post, retry with backoff; drop the oldest when full. */
class ChannelQueue {
  private items: Item[] = [];
  private running = false;
  private dropped = 0;
  private droppedPing = false;
  private idleWaiters: (() => void)[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly channelId: string,
    private readonly alerts: DiscordAlerts,
  ) {}

  get length(): number {
    return this.items.length;
  }

  push(item: Item): void {
    const { maxQueue, counters } = this.alerts.settings;
    this.items.push(item);
    while (this.items.length > maxQueue) {
      const old = this.items.shift()!;
      counters.dropped++;
      this.dropped++;
      if (old.kind === 'line' && old.ping) this.droppedPing = true;
      if (old.kind === 'message') old.settle(false);
    }
    if (!this.running) {
      this.running = true;
      void this.run();
    }
  }

  idle(): Promise<void> {
    if (!this.running && this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Shutting down: what is left is not posted; a backoff sleep ends now. */
  abandon(): void {
    for (const item of this.items.splice(0)) if (item.kind === 'message') item.settle(false);
    this.wake?.();
  }

  private async run(): Promise<void> {
    const s = this.alerts.settings;
    try {
      // A moment for a burst (the fills of a flatten) to gather into one message.
      await this.sleep(s.coalesceMs);
      while (this.items.length > 0 && !s.closed()) {
        const batch = this.take();
        let attempt = 0;
        for (;;) {
          try {
            await s.post(this.channelId, batch.post);
            s.counters.posted++;
            batch.settle?.(true);
            break;
          } catch (error) {
            const status = (error as { status?: unknown }).status;
            const final =
              (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) || (error as { permanent?: unknown }).permanent === true;
            if (final || s.closed()) {
              s.counters.lost += batch.lines;
              batch.settle?.(false);
              s.log?.error(
                { channel: this.channelId, err: error instanceof Error ? error.message : String(error) },
                'discord: alert could not be posted, and will not be retried',
              );
              break;
            }
            attempt++;
            s.counters.retries++;
            const delay = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** (attempt - 1));
            s.log?.warn(
              { channel: this.channelId, attempt, retryInMs: delay, err: error instanceof Error ? error.message : String(error) },
              'discord: alert post failed; retrying',
            );
            await this.sleep(delay);
          }
        }
      }
    } finally {
      this.running = false;
      if (this.items.length > 0 && !s.closed()) {
        this.running = true;
        void this.run();
      } else {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }

  /** The next message: one rich message, or as many lines as fit (with the dropped count first). */
  private take(): Batch {
    const s = this.alerts.settings;
    const head = this.items[0]!;
    if (head.kind === 'message') {
      this.items.shift();
      return { post: { ...head.post, nonce: s.nonce(), enforceNonce: true }, lines: 1, settle: head.settle };
    }
    const lines: string[] = [];
    let ping = this.droppedPing;
    let size = 0;
    if (this.dropped > 0) {
      const note = `… ${this.dropped} more alert${this.dropped === 1 ? ' was' : 's were'} dropped: Discord was not taking messages fast enough.`;
      lines.push(note);
      size += note.length + 1;
    }
    this.dropped = 0;
    this.droppedPing = false;
    while (this.items.length > 0) {
      const next = this.items[0]!;
      if (next.kind !== 'line' || (lines.length > 0 && size + next.text.length + 1 > BATCH_CHARS)) break;
      this.items.shift();
      lines.push(next.text);
      size += next.text.length + 1;
      ping ||= next.ping;
    }
    const owners = [...s.ownerIds];
    const text = plainText(lines.join('\n'));
    const content = ping && owners.length > 0 ? `${owners.map((id) => `<@${id}>`).join(' ')}\n${text}` : text;
    const post: AlertPost = ping
      ? { content: truncate(content, DISCORD_LIMITS.content), allowedMentions: { parse: [], users: owners }, nonce: s.nonce(), enforceNonce: true }
      : {
          content: truncate(content, DISCORD_LIMITS.content),
          allowedMentions: { parse: [] },
          flags: MessageFlags.SuppressNotifications,
          nonce: s.nonce(),
          enforceNonce: true,
        };
    return { post, lines: lines.length };
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
