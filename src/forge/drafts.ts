// Drafts and every attempt, kept as one JSON file per draft in a folder beside the journal
// (the journal port has no table for them). Each write goes to a temporary file renamed over
// the old one, so a draft file is always whole. Rejected and failed drafts stay.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from './checks.ts';
import type { ProofOutcome } from './proof.ts';
import type { TokenCount } from '../manager/usage.ts';

export type DraftState = 'writing' | 'proving' | 'proven' | 'failed' | 'approved' | 'rejected';

export interface Attempt {
  readonly n: number;
  /** null when the model's answer held no module. */
  readonly fileName: string | null;
  readonly source: string | null;
  readonly checks: CheckReport | null;
  /** Why the attempt was refused, as sent back to the model ('' when it passed). */
  readonly problems: string;
  readonly tokens: TokenCount;
}

export interface Draft {
  readonly id: string;
  readonly idea: string;
  /** The crew it started from, if any, and that crew's source (the report shows a diff against it). */
  readonly base: string | null;
  readonly baseSource: string | null;
  /** The draft it revises, if any. */
  readonly revises: string | null;
  readonly feedback: string | null;
  readonly requestedBy: string;
  readonly symbol: string;
  readonly interval: string;
  readonly state: DraftState;
  /** The crew name of the last attempt with a module. */
  readonly name: string | null;
  readonly attempts: readonly Attempt[];
  readonly proof: ProofOutcome | null;
  /** Why it failed, when it did. */
  readonly failure: string | null;
  /** The equity chart, beside the draft's JSON. */
  readonly chartFile: string | null;
  readonly approvedFile: string | null;
  readonly decidedBy: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export class DraftStore {
  constructor(readonly dir: string) {}

  save(draft: Draft): void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${draft.id}.json`);
    const temp = `${file}.tmp`;
    writeFileSync(temp, `${JSON.stringify(draft, null, 2)}\n`);
    renameSync(temp, file);
  }

  get(id: string): Draft | null {
    if (!/^f\d+$/.test(id)) return null;
    try {
      return JSON.parse(readFileSync(join(this.dir, `${id}.json`), 'utf8')) as Draft;
    } catch {
      return null;
    }
  }

  /** Oldest first. */
  list(): Draft[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => /^f\d+\.json$/.test(n))
      .map((n) => this.get(n.slice(0, -5)))
      .filter((d): d is Draft => d !== null)
      .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  }

  /** A draft by id, or the newest one proposing that crew name. */
  find(idOrName: string): Draft | null {
    return (
      this.get(idOrName) ??
      this.list()
        .filter((d) => d.name === idOrName)
        .at(-1) ??
      null
    );
  }

  nextId(): string {
    const last = this.list().at(-1);
    return `f${last ? Number(last.id.slice(1)) + 1 : 1}`;
  }
}
