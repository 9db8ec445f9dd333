// Confirmations for dangerous commands (/halt flatten, /mode): a single-use token bound to the
// user who asked, which expires. Transport-neutral: Discord renders two buttons carrying the
// token, the console asks y/n; both answer through `answer`, which refuses a second use, another
// user, or a token past its time.
import { randomBytes } from 'node:crypto';
import type { ConfirmationRequest, ConfirmOptions, ConfirmOutcome } from './command.ts';
import { fail, ok, type Result } from '../services/result.ts';

export const DEFAULT_CONFIRM_TIMEOUT_MS = 60_000;
/** Tokens remembered after they were used or expired, to say which (not just "unknown"). */
const SETTLED_MEMORY = 500;

export type ConfirmAnswer = 'confirm' | 'cancel';

export interface ConfirmationsOptions {
  readonly now?: () => number;
  readonly defaultTimeoutMs?: number;
}

interface Pending {
  readonly request: ConfirmationRequest;
  readonly settle: (outcome: ConfirmOutcome) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class Confirmations {
  private readonly pending = new Map<string, Pending>();
  private readonly settled = new Map<string, ConfirmOutcome>();
  private readonly now: () => number;
  private readonly defaultTimeoutMs: number;

  constructor(options: ConfirmationsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  }

  /** Opens a confirmation for `actorId`; `outcome` settles on the answer or at expiry. */
  open(actorId: string, prompt: string, options: ConfirmOptions = {}): { request: ConfirmationRequest; outcome: Promise<ConfirmOutcome> } {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const request: ConfirmationRequest = {
      token: randomBytes(12).toString('base64url'),
      actorId,
      prompt,
      confirmLabel: options.confirmLabel ?? 'Confirm',
      ...(options.cancelLabel !== undefined ? { cancelLabel: options.cancelLabel } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      expiresAt: this.now() + timeoutMs,
    };
    let settle!: (outcome: ConfirmOutcome) => void;
    const outcome = new Promise<ConfirmOutcome>((resolve) => (settle = resolve));
    const timer = setTimeout(() => this.finish(request.token, 'expired'), timeoutMs);
    timer.unref?.();
    this.pending.set(request.token, { request, settle, timer });
    return { request, outcome };
  }

  /**
   * The answer of `actorId` to a confirmation. Refused (and the confirmation left as it was) when
   * the token is unknown, used, expired, or belongs to someone else.
   */
  answer(token: string, actorId: string, answer: ConfirmAnswer): Result<ConfirmOutcome> {
    const entry = this.pending.get(token);
    if (!entry) {
      const was = this.settled.get(token);
      if (was === 'expired') return fail('this confirmation has expired; run the command again');
      if (was) return fail(`this confirmation was already answered (${was})`);
      return fail('unknown confirmation (crewdesk may have restarted since); run the command again');
    }
    if (entry.request.actorId !== actorId) return fail('only the person who ran the command can answer its confirmation');
    if (this.now() >= entry.request.expiresAt) {
      this.finish(token, 'expired');
      return fail('this confirmation has expired; run the command again');
    }
    const outcome: ConfirmOutcome = answer === 'confirm' ? 'confirmed' : 'cancelled';
    this.finish(token, outcome);
    return ok(outcome);
  }

  /** Confirmations still open, oldest first; for one user when given. */
  openRequests(actorId?: string): ConfirmationRequest[] {
    return [...this.pending.values()].map((p) => p.request).filter((r) => actorId === undefined || r.actorId === actorId);
  }

  /** Withdraws one open confirmation (its prompt could not be shown). `withdrawn` tells the command nobody pressed Cancel. */
  cancel(token: string, outcome: 'cancelled' | 'withdrawn' = 'cancelled'): void {
    this.finish(token, outcome);
  }

  /** Cancels every open confirmation (shutting down). */
  cancelAll(outcome: 'cancelled' | 'withdrawn' = 'cancelled'): void {
    for (const token of [...this.pending.keys()]) this.finish(token, outcome);
  }

  private finish(token: string, outcome: ConfirmOutcome): void {
    const entry = this.pending.get(token);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(token);
    this.settled.set(token, outcome);
    if (this.settled.size > SETTLED_MEMORY) this.settled.delete(this.settled.keys().next().value!);
    entry.settle(outcome);
  }
}
