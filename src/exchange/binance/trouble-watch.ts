// Exchange trouble, told once per episode. Binance refusing the desk — an IP ban (418), a rate-limit
// closure (429), a clock outside recvWindow (-1021), or orders rejected one after another — used to
// show as one "new → rejected" line per order and JSON on stderr. Here every outcome of a request
// is counted: the first refusal of a kind opens an episode (one fact: began), what is refused while
// it lasts is tallied, and the first success after it closes it (one fact: ended, with the tally).
import type { ExchangeTrouble, ExchangeTroubleKind } from '../../core/events.ts';
import type { ExchangeError } from '../../ports/exchange.ts';

/** How a call may be repeated: reads and cancels on no answer or a 5xx; new orders never. */
export type CallKind = 'read' | 'cancel' | 'order';

/** Orders rejected in a row (with no order accepted between) that make an episode. */
export const REJECTION_RUN = 3;

/** A ban outranks a rate limit, which outranks a clock fault, which outranks a run of rejections. */
const SEVERITY: Readonly<Record<ExchangeTroubleKind, number>> = { ban: 4, 'rate-limit': 3, clock: 2, rejections: 1 };

interface Episode {
  kind: ExchangeTroubleKind;
  code: number;
  httpStatus: number;
  message: string;
  until: number | null;
  readonly since: number;
  readonly refused: { orders: number; cancels: number; reads: number };
}

export class TroubleWatch {
  private episode: Episode | null = null;
  /** Orders rejected in a row outside an episode, with the first one's refusal. */
  private run: { count: number; first: ExchangeError; refused: Episode['refused'] } | null = null;
  private readonly listeners = new Set<(fact: ExchangeTrouble) => void>();

  constructor(
    private readonly venue: string,
    private readonly now: () => number,
  ) {}

  on(listener: (fact: ExchangeTrouble) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A request refused (by Binance, or here while the gate or the clock forbids sending). `until`: when the gate opens. */
  refused(kind: CallKind, error: ExchangeError, until: number | null): void {
    const troubleKind = kindOf(error);
    const episode = this.episode;
    if (troubleKind === null) {
      if (episode !== null) count(episode.refused, kind);
      if (kind !== 'order') return;
      this.run ??= { count: 0, first: error, refused: { orders: 0, cancels: 0, reads: 0 } };
      this.run.count++;
      count(this.run.refused, kind);
      if (episode === null && this.run.count >= REJECTION_RUN) this.begin('rejections', this.run.first, null, this.run.refused);
      return;
    }
    if (episode === null) {
      const refused = { orders: 0, cancels: 0, reads: 0 };
      count(refused, kind);
      this.begin(troubleKind, error, until, refused);
      return;
    }
    count(episode.refused, kind);
    if (until !== null && (episode.until === null || until > episode.until)) episode.until = until;
    if (SEVERITY[troubleKind] > SEVERITY[episode.kind]) {
      // Worse than what the owner was told (a ban after a rate limit): said, once.
      episode.kind = troubleKind;
      episode.code = error.code;
      episode.httpStatus = error.httpStatus;
      episode.message = error.message;
      this.emit('began', episode);
    }
  }

  /** A request answered: an episode ends with the first success that shows it is over. */
  accepted(kind: CallKind): void {
    if (kind === 'order') this.run = null;
    const episode = this.episode;
    if (episode === null) return;
    // A run of rejections ends with an accepted order; the others with any request answered.
    if (episode.kind === 'rejections' && kind !== 'order') return;
    this.episode = null;
    this.emit('ended', episode);
  }

  private begin(kind: ExchangeTroubleKind, error: ExchangeError, until: number | null, refused: Episode['refused']): void {
    this.run = null;
    this.episode = { kind, code: error.code, httpStatus: error.httpStatus, message: error.message, until, since: this.now(), refused };
    this.emit('began', this.episode);
  }

  private emit(phase: 'began' | 'ended', e: Episode): void {
    const fact: ExchangeTrouble = {
      type: 'exchange.trouble',
      phase,
      kind: e.kind,
      venue: this.venue,
      code: e.code,
      httpStatus: e.httpStatus,
      message: e.message,
      until: e.until,
      since: e.since,
      refused: { ...e.refused },
      at: this.now(),
    };
    for (const listener of this.listeners) {
      try {
        listener(fact);
      } catch {
        // A listener's failure is its own (the bus isolates its subscribers the same way).
      }
    }
  }
}

function kindOf(error: ExchangeError): ExchangeTroubleKind | null {
  if (error.httpStatus === 418) return 'ban';
  if (error.httpStatus === 429) return 'rate-limit';
  if (error.code === -1021) return 'clock';
  return null;
}

function count(refused: Episode['refused'], kind: CallKind): void {
  if (kind === 'order') refused.orders++;
  else if (kind === 'cancel') refused.cancels++;
  else refused.reads++;
}
