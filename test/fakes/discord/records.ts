/**
 * What FakeDiscord records (requests, messages, interactions) and the "eventually" waiter behind every
 * `await…` helper: a probe re-run whenever the fake's state changes, resolved as soon as it returns a
 * value, rejected with a readable message on timeout. No polling, no sleeps.
 */
import { MessageFlags } from 'discord-api-types/v10';
import type {
  APIActionRowComponent,
  APIApplicationCommandOptionChoice,
  APIAttachment,
  APIComponentInMessageActionRow,
  APIEmbed,
  APIInteraction,
  APIInteractionResponse,
  APIMessage,
  APIMessageTopLevelComponent,
  APIUser,
  InteractionResponseType,
  InteractionType,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
} from 'discord-api-types/v10';
import type { UploadedFile } from './body.ts';

export interface WaitOptions {
  /** Default: the fake's `waitTimeoutMs` (30 s unless configured). */
  readonly timeoutMs?: number;
}

type Probe<T> = () => T | undefined | null | false;

interface PendingWait {
  check(): void;
  fail(error: Error): void;
}

export class Waiters {
  readonly #pending = new Set<PendingWait>();
  readonly #defaultTimeoutMs: number;
  readonly #context: () => string;

  constructor(defaultTimeoutMs: number, context: () => string) {
    this.#defaultTimeoutMs = defaultTimeoutMs;
    this.#context = context;
  }

  /** Resolve with the first truthy value of `probe`, re-checked after every state change. */
  until<T>(probe: Probe<T>, what: string, options: WaitOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    // Created here so that a timeout's stack points at the test line that waited.
    const timeoutError = new Error(`FakeDiscord: timed out after ${timeoutMs} ms waiting for ${what}`);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const settle = (): void => {
        done = true;
        this.#pending.delete(entry);
        if (timer) clearTimeout(timer);
      };
      const entry: PendingWait = {
        check: () => {
          if (done) return;
          let value: T | undefined | null | false;
          try {
            value = probe();
          } catch (error) {
            settle();
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (value !== undefined && value !== null && value !== false) {
            settle();
            resolve(value);
          }
        },
        fail: (error) => {
          if (done) return;
          settle();
          reject(error);
        },
      };
      entry.check();
      if (done) return;
      this.#pending.add(entry);
      timer = setTimeout(() => {
        if (done) return;
        settle();
        timeoutError.message += `\n${this.#context()}`;
        reject(timeoutError);
      }, timeoutMs);
    });
  }

  notify(): void {
    for (const entry of [...this.#pending]) entry.check();
  }

  failAll(error: Error): void {
    for (const entry of [...this.#pending]) entry.fail(error);
  }

  get pending(): number {
    return this.#pending.size;
  }
}

/** One HTTP request the fake answered (recorded before any fault or handler runs, completed after). */
export interface RecordedRequest {
  readonly seq: number;
  readonly at: number;
  readonly method: string;
  /** Path after `/api/v10`, e.g. `/channels/900000000000000201/messages`. */
  readonly path: string;
  /** The matched route template, e.g. `POST /channels/:channel/messages`; null when no route matched. */
  readonly route: string | null;
  readonly query: Readonly<Record<string, string>>;
  /** Whether the request carried `Authorization: Bot <the fake's token>`. */
  readonly authorized: boolean;
  readonly userAgent: string | undefined;
  /** Parsed JSON body, or the parsed `payload_json` of a multipart body. */
  readonly body: unknown;
  readonly files: readonly UploadedFile[];
  /** True when no route of the fake matched (answered 404): a test can assert there were none. */
  readonly unhandled: boolean;
  status: number;
  response: unknown;
  /** True when the answer came from an injected fault (`failNextRequest` / `failNextMessagePost`). */
  fault: boolean;
}

export type MessageOrigin =
  /** POST /channels/:id/messages by the bot. */
  | 'bot'
  /** Injected with `sendMessage` (a user typed it). */
  | 'user'
  /** An interaction's original response (callback type 4 or 5). */
  | 'interaction-response'
  /** POST /webhooks/:app/:token. */
  | 'follow-up';

/** A message in the fake's store; `message` always holds its latest state. */
export class StoredMessage {
  message: APIMessage;
  /** Every file uploaded with the message (create and edits), byte for byte. */
  readonly files: UploadedFile[];
  /** Earlier states, oldest first (each edit pushes the state it replaced). */
  readonly history: APIMessage[] = [];
  readonly origin: MessageOrigin;
  readonly ephemeral: boolean;
  /** The interaction this message answers, for interaction responses and follow-ups. */
  readonly interactionId: string | null;
  deleted = false;

  constructor(init: {
    message: APIMessage;
    files: UploadedFile[];
    origin: MessageOrigin;
    ephemeral: boolean;
    interactionId: string | null;
  }) {
    this.message = init.message;
    this.files = init.files;
    this.origin = init.origin;
    this.ephemeral = init.ephemeral;
    this.interactionId = init.interactionId;
  }

  get id(): string {
    return this.message.id;
  }
  get channelId(): string {
    return this.message.channel_id;
  }
  get content(): string {
    return this.message.content;
  }
  get author(): APIUser {
    return this.message.author;
  }
  get embeds(): APIEmbed[] {
    return this.message.embeds;
  }
  get components(): APIMessageTopLevelComponent[] {
    return this.message.components ?? [];
  }
  get attachments(): APIAttachment[] {
    return this.message.attachments;
  }
  get flags(): number {
    return this.message.flags ?? 0;
  }
  /** True while a deferred response (callback type 5) has not been edited yet ("Bot is thinking…"). */
  get loading(): boolean {
    return (this.flags & MessageFlags.Loading) !== 0;
  }
  /** Every custom_id on the message (buttons and selects, including inside v2 containers/sections). */
  get customIds(): string[] {
    return collectCustomIds(this.components);
  }
}

export function collectCustomIds(components: readonly unknown[]): string[] {
  const ids: string[] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record['custom_id'] === 'string') ids.push(record['custom_id']);
    for (const key of ['components', 'accessory']) {
      const child = record[key];
      if (Array.isArray(child)) child.forEach(visit);
      else visit(child);
    }
  };
  components.forEach(visit);
  return ids;
}

/** Find a component by custom_id anywhere in a message's components. */
export function findComponent(components: readonly APIMessageTopLevelComponent[], customId: string): APIComponentInMessageActionRow | null {
  let found: APIComponentInMessageActionRow | null = null;
  const visit = (node: unknown): void => {
    if (found || node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['custom_id'] === customId) {
      found = node as APIComponentInMessageActionRow;
      return;
    }
    for (const key of ['components', 'accessory']) {
      const child = record[key];
      if (Array.isArray(child)) child.forEach(visit);
      else visit(child);
    }
  };
  components.forEach(visit);
  return found;
}

export type ActionRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** A POST /interactions/:id/:token/callback the bot made. */
export interface InteractionCallback {
  readonly at: number;
  readonly type: InteractionResponseType;
  /** The whole callback body as sent (`{ type, data }`). */
  readonly body: APIInteractionResponse;
  readonly files: readonly UploadedFile[];
  /** Whether the bot asked for `with_response=true`. */
  readonly withResponse: boolean;
}

/** A PATCH of the original response or of a follow-up. */
export interface InteractionEdit {
  readonly at: number;
  /** `@original` or a follow-up's message id. */
  readonly target: string;
  readonly body: RESTPatchAPIWebhookWithTokenMessageJSONBody;
  readonly files: readonly UploadedFile[];
  /** The message after the edit. */
  readonly message: APIMessage;
}

export class InteractionRecord {
  readonly id: string;
  readonly token: string;
  readonly type: InteractionType;
  /** The INTERACTION_CREATE payload as dispatched. */
  readonly payload: APIInteraction;
  readonly sentAt: number;
  readonly callbacks: InteractionCallback[] = [];
  readonly edits: InteractionEdit[] = [];
  readonly followUps: StoredMessage[] = [];
  /** Callbacks refused because they came after the response deadline (Discord: 10062 Unknown interaction). */
  lateCallbacks = 0;
  /**
   * The message `@original` refers to: the response message for commands (after type 4/5), or the
   * message the component is on for component interactions.
   */
  original: StoredMessage | null;

  constructor(payload: APIInteraction, original: StoredMessage | null) {
    this.id = payload.id;
    this.token = payload.token;
    this.type = payload.type;
    this.payload = payload;
    this.sentAt = Date.now();
    this.original = original;
  }

  get acknowledged(): boolean {
    return this.callbacks.length > 0;
  }
}

/** What `sendSlashCommand` & co. return: the interaction plus "eventually" helpers on its responses. */
export class InteractionHandle {
  readonly #record: InteractionRecord;
  readonly #waiters: Waiters;

  constructor(record: InteractionRecord, waiters: Waiters) {
    this.#record = record;
    this.#waiters = waiters;
  }

  get id(): string {
    return this.#record.id;
  }
  get token(): string {
    return this.#record.token;
  }
  get payload(): APIInteraction {
    return this.#record.payload;
  }
  get callbacks(): readonly InteractionCallback[] {
    return this.#record.callbacks;
  }
  get edits(): readonly InteractionEdit[] {
    return this.#record.edits;
  }
  get followUps(): readonly StoredMessage[] {
    return this.#record.followUps;
  }
  /** The current `@original` message (see InteractionRecord.original). */
  get original(): StoredMessage | null {
    return this.#record.original;
  }
  get lateCallbacks(): number {
    return this.#record.lateCallbacks;
  }

  /** The bot's callback (reply, defer, update, autocomplete result, modal). */
  awaitResponse(options?: WaitOptions): Promise<InteractionCallback> {
    return this.#waiters.until(() => this.#record.callbacks[0], `a callback to interaction ${this.id}`, options);
  }

  /** The first edit of the original response (or of a follow-up) matching `predicate`. */
  awaitEdit(predicate: (edit: InteractionEdit) => boolean = () => true, options?: WaitOptions): Promise<InteractionEdit> {
    return this.#waiters.until(() => this.#record.edits.find(predicate), `an edit of interaction ${this.id}'s response`, options);
  }

  /**
   * The original response once it is a real message (not a deferred "thinking…" placeholder) and
   * matches `predicate`: works the same for reply(), deferReply()+editReply() and update().
   */
  awaitReply(predicate: (message: StoredMessage) => boolean = () => true, options?: WaitOptions): Promise<StoredMessage> {
    return this.#waiters.until(
      () => {
        const original = this.#record.original;
        if (!original || original.loading || !this.#record.acknowledged) return undefined;
        return predicate(original) ? original : undefined;
      },
      `interaction ${this.id}'s reply`,
      options,
    );
  }

  /** The first follow-up message matching `predicate`. */
  awaitFollowUp(predicate: (message: StoredMessage) => boolean = () => true, options?: WaitOptions): Promise<StoredMessage> {
    return this.#waiters.until(() => this.#record.followUps.find(predicate), `a follow-up to interaction ${this.id}`, options);
  }

  /** The choices of an autocomplete result (callback type 8). */
  async awaitChoices(options?: WaitOptions): Promise<APIApplicationCommandOptionChoice[]> {
    const callback = await this.awaitResponse(options);
    if (callback.body.type !== 8) {
      throw new Error(`FakeDiscord: interaction ${this.id} was answered with type ${callback.type}, not 8 (autocomplete)`);
    }
    return callback.body.data.choices ?? [];
  }
}
