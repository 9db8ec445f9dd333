// Proposals: a change the manager wants, waiting for the owner's yes or no. Bound to the owner
// who asked (any owner for the scheduled evaluation), single-use, expiring. Pending proposals
// are kept in the journal's settings, so a button still works after a restart; every step of a
// proposal's life is an audit entry.
import { randomBytes } from 'node:crypto';
import type { Journal } from '../ports/journal.ts';
import { type Actor, fail, ok, type Result } from '../services/result.ts';
import type { ManagerAction } from './actions.ts';
import type { Purpose } from './usage.ts';

export interface Proposal {
  /** Short and URL-safe: it goes into a Discord button's custom id. */
  readonly id: string;
  readonly action: ManagerAction;
  readonly summary: string;
  /** The manager's reason, in its words. */
  readonly rationale: string;
  /** The desk's figures when it was proposed. */
  readonly figures: Readonly<Record<string, unknown>>;
  readonly purpose: Purpose;
  /** Who asked (chat), or null (the scheduled evaluation). */
  readonly requestedBy: string | null;
  /** Only this user may answer; any owner when null. */
  readonly ownerId: string | null;
  /** The conversation it came from, where the outcome is noted. */
  readonly conversationKey: string | null;
  /** Why it needs a yes even in act mode, if it does ('owner'); else 'autonomy'. */
  readonly approval: 'autonomy' | 'owner';
  readonly createdAt: number;
  readonly expiresAt: number;
}

export type ProposalOutcome = 'approved' | 'rejected' | 'expired' | 'withdrawn';

const PENDING_SETTING = 'manager.proposals.pending';
/** Settled ids remembered, to say "already answered" rather than "unknown". */
const SETTLED_MEMORY = 500;

export class ProposalBook {
  private readonly pending = new Map<string, Proposal>();
  private readonly settled = new Map<string, ProposalOutcome>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private closed = false;

  private constructor(
    private readonly journal: Journal,
    private readonly now: () => number,
    /** Called when a proposal expires on its own (timer or sweep), after it is journaled. */
    private readonly onExpired: (proposal: Proposal) => void,
    /** The time audit entries carry: the desk's clock, like every other entry of the journal. */
    private readonly stamp: () => number,
  ) {}

  /** `now` is the wall clock people answer by (expiry); `stamp` the desk's clock for audit entries. */
  static async open(journal: Journal, now: () => number, onExpired: (proposal: Proposal) => void, stamp: () => number = now): Promise<ProposalBook> {
    const book = new ProposalBook(journal, now, onExpired, stamp);
    const stored = (await journal.getSetting<Proposal[]>(PENDING_SETTING)) ?? [];
    for (const p of Array.isArray(stored) ? stored : []) {
      if (p && typeof p.id === 'string' && typeof p.expiresAt === 'number') {
        book.pending.set(p.id, p);
        book.arm(p);
      }
    }
    await book.expireDue();
    return book;
  }

  async create(input: Omit<Proposal, 'id' | 'createdAt' | 'expiresAt'>, ttlMs: number): Promise<Proposal> {
    const createdAt = this.now();
    const proposal: Proposal = { ...input, id: `p-${randomBytes(4).toString('hex')}`, createdAt, expiresAt: createdAt + ttlMs };
    this.pending.set(proposal.id, proposal);
    await this.audit('manager.proposal.created', proposal, {
      action: proposal.action,
      rationale: proposal.rationale,
      figures: proposal.figures,
      purpose: proposal.purpose,
      requestedBy: proposal.requestedBy,
      ownerId: proposal.ownerId,
      expiresAt: new Date(proposal.expiresAt).toISOString(),
    });
    await this.persist();
    this.arm(proposal);
    return proposal;
  }

  /** Open proposals, oldest first; those `actorId` may answer when given. */
  list(actorId?: string): Proposal[] {
    return [...this.pending.values()].filter((p) => actorId === undefined || p.ownerId === null || p.ownerId === actorId);
  }

  get(id: string): Proposal | undefined {
    return this.pending.get(id);
  }

  /**
   * Takes a proposal out of the book for `actor`'s answer: refused when unknown, answered, expired
   * (journaled as such), not theirs, or when the actor is not an owner or is the manager itself.
   */
  async take(id: string, actor: Actor, outcome: 'approved' | 'rejected', detail: Record<string, unknown> = {}): Promise<Result<Proposal>> {
    if (actor.via === 'manager') return fail('the manager cannot answer its own proposals');
    if (!actor.isOwner) return fail('only an owner can answer a proposal');
    const proposal = this.pending.get(id);
    if (!proposal) {
      const was = this.settled.get(id);
      if (was) return fail(`proposal ${id} was ${was} already`);
      return fail(`no open proposal ${id}`);
    }
    if (proposal.ownerId !== null && proposal.ownerId !== actor.id) return fail(`proposal ${id} is for the owner who asked (${proposal.ownerId}) to answer`);
    if (this.now() >= proposal.expiresAt) {
      await this.settle(proposal, 'expired', {});
      this.onExpired(proposal);
      return fail(`proposal ${id} expired at ${new Date(proposal.expiresAt).toISOString().slice(11, 16)} UTC; ask the manager again`);
    }
    await this.settle(proposal, outcome, detail, actor);
    return ok(proposal);
  }

  /** Withdraws a proposal (the run that made it failed, or shutting down). */
  async withdraw(id: string, reason: string): Promise<void> {
    const proposal = this.pending.get(id);
    if (proposal) await this.settle(proposal, 'withdrawn', { reason });
  }

  /** Expires every proposal past its time; returns those. */
  async expireDue(): Promise<Proposal[]> {
    const now = this.now();
    const due = [...this.pending.values()].filter((p) => now >= p.expiresAt);
    for (const p of due) {
      await this.settle(p, 'expired', {});
      this.onExpired(p);
    }
    return due;
  }

  /** Stops the expiry timers; pending proposals stay in the journal for the next start. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async settle(proposal: Proposal, outcome: ProposalOutcome, detail: Record<string, unknown>, actor?: Actor): Promise<void> {
    if (!this.pending.delete(proposal.id)) return;
    const timer = this.timers.get(proposal.id);
    if (timer) clearTimeout(timer);
    this.timers.delete(proposal.id);
    this.settled.set(proposal.id, outcome);
    if (this.settled.size > SETTLED_MEMORY) this.settled.delete(this.settled.keys().next().value!);
    await this.audit(`manager.proposal.${outcome}`, proposal, detail, actor);
    await this.persist();
  }

  private arm(proposal: Proposal): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(proposal.id);
        this.expireDue().catch(() => undefined);
      },
      Math.max(0, proposal.expiresAt - this.now()) + 10,
    );
    timer.unref?.();
    this.timers.set(proposal.id, timer);
  }

  /** Answers are the answering owner's entries; the rest are the manager's. */
  private async audit(action: string, proposal: Proposal, detail: Record<string, unknown>, actor?: Actor): Promise<void> {
    await this.journal.recordAudit({
      actor: actor?.id ?? 'manager',
      via: actor?.via ?? 'manager',
      action,
      detail: { id: proposal.id, summary: proposal.summary, ...detail },
      at: this.stamp(),
    });
  }

  private async persist(): Promise<void> {
    await this.journal.setSetting(PENDING_SETTING, [...this.pending.values()], null);
  }
}
