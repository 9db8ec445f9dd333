// Refusals are cheap. Anyone who can DM or mention the bot can be refused, and each refusal used
// to cost a journal row and a reply: a loop of messages grew the journal and the bot's rate
// budget without bound. Refused attempts by one user are an episode (it ends after a quiet
// spell): the first few are answered and the first is audited at once; the rest are only
// counted, and the count is audited when the episode ends (one more row, however many there were).
import type { Actor } from '../services/result.ts';

export interface RefusalThrottleOptions {
  /** Attempts answered per episode; later ones get no reply. Default 3. */
  readonly repliesPerEpisode?: number;
  /** An episode ends after this long without an attempt. Default 15 minutes. */
  readonly quietMs?: number;
  /** Users followed at once; beyond it the longest-quiet episode is ended early. Default 1000. */
  readonly maxTracked?: number;
  /** Wall clock (ms); tests pass their own. */
  readonly now?: () => number;
}

/** An ended episode with more than one attempt: what the audit's second row says. */
export interface RefusalEpisode {
  readonly actor: Actor;
  readonly count: number;
  readonly from: number;
  readonly to: number;
  /** What was attempted (the first 10 distinct: "/halt", "free text", …). */
  readonly what: readonly string[];
}

export interface RefusalDecision {
  /** Answer this attempt (the user is told when it is the last answer of the episode). */
  readonly reply: boolean;
  readonly lastReply: boolean;
  /** The first attempt of an episode: audit it now. */
  readonly auditNow: boolean;
  /** The attempt's number in its episode, from 1. */
  readonly count: number;
  /** Episodes (of anyone) that ended since the last call: audit their counts. */
  readonly ended: readonly RefusalEpisode[];
}

interface Open {
  readonly actor: Actor;
  readonly from: number;
  to: number;
  count: number;
  readonly what: Set<string>;
}

const MAX_WHAT = 10;

export class RefusalThrottle {
  private readonly replies: number;
  private readonly quietMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  /** Open episodes, the longest quiet first (an attempt moves its episode to the end). */
  private readonly open = new Map<string, Open>();

  constructor(options: RefusalThrottleOptions = {}) {
    this.replies = Math.max(1, options.repliesPerEpisode ?? 3);
    this.quietMs = options.quietMs ?? 15 * 60_000;
    this.maxTracked = Math.max(1, options.maxTracked ?? 1000);
    this.now = options.now ?? Date.now;
  }

  /** Records a refused attempt and says what to do about it. */
  note(actor: Actor, what: string): RefusalDecision {
    const now = this.now();
    const ended = this.endQuiet(now);
    const key = `${actor.via}:${actor.id}`;
    let episode = this.open.get(key);
    if (episode) {
      this.open.delete(key);
    } else {
      episode = { actor, from: now, to: now, count: 0, what: new Set() };
      while (this.open.size >= this.maxTracked) {
        const [oldest] = this.open.keys();
        ended.push(...this.close(oldest!));
      }
    }
    episode.count++;
    episode.to = now;
    if (episode.what.size < MAX_WHAT) episode.what.add(what);
    this.open.set(key, episode);
    return { reply: episode.count <= this.replies, lastReply: episode.count === this.replies, auditNow: episode.count === 1, count: episode.count, ended };
  }

  /** Ends every episode (shutdown): the ones with repeats to audit. */
  drain(): RefusalEpisode[] {
    return [...this.open.keys()].flatMap((key) => this.close(key));
  }

  private endQuiet(now: number): RefusalEpisode[] {
    const ended: RefusalEpisode[] = [];
    for (const [key, episode] of this.open) {
      if (now - episode.to < this.quietMs) break; // the rest are more recent
      ended.push(...this.close(key));
    }
    return ended;
  }

  private close(key: string): RefusalEpisode[] {
    const episode = this.open.get(key);
    this.open.delete(key);
    if (!episode || episode.count < 2) return [];
    return [{ actor: episode.actor, count: episode.count, from: episode.from, to: episode.to, what: [...episode.what] }];
  }
}
