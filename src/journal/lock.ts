// One desk per journal. A process that opens a journal to write holds `<journal>-lock`, a small
// file created exclusively (O_EXCL) that names it: pid, host, start time. A second writer is
// refused with those names; a lock whose process is gone (same host, pid not running — a kill -9
// or a crash) is taken over, and the caller is told so. Readers take no lock: WAL lets them read
// while the desk writes.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
  /** What the holder was doing (its command line), for the message. */
  readonly command: string;
}

export function lockPath(journalFile: string): string {
  return `${journalFile}-lock`;
}

/** The journal is held by another live process. */
export class JournalLockedError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the journal ${file} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}: ${holder.command}); ` +
        `one desk per journal — stop that process first` +
        (holder.host === hostname() ? '' : `, or, if it is certainly gone, delete ${lockPath(file)}`),
    );
    this.name = 'JournalLockedError';
  }
}

export class JournalLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly token: string,
    /** Set when a stale lock was taken over: whose it was. */
    readonly tookOver: LockHolder | null,
  ) {}

  /** Takes the lock of `journalFile` or throws JournalLockedError. */
  static acquire(journalFile: string, now: Date = new Date()): JournalLock {
    const path = lockPath(journalFile);
    const token = randomUUID();
    const me: LockHolder & { token: string } = {
      pid: process.pid,
      host: hostname(),
      since: now.toISOString(),
      command: process.argv.slice(1).join(' ').slice(0, 200),
      token,
    };
    let tookOver: LockHolder | null = null;
    // Twice at most: once as it is, once more after taking over a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readHolder(path);
        if (holder !== null && (holder.host !== me.host || isRunning(holder.pid))) throw new JournalLockedError(journalFile, holder);
        // An unreadable file is a lock being written this instant, or one a killed process cut short.
        if (holder === null && ageMs(path, now) < FRESH_MS) {
          throw new JournalLockedError(journalFile, { pid: 0, host: 'unknown', since: 'just now', command: 'another process taking the lock' });
        }
        tookOver = holder ?? { pid: 0, host: me.host, since: 'unknown', command: 'unreadable lock file' };
        try {
          unlinkSync(path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
        continue;
      }
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      return new JournalLock(path, token, tookOver);
    }
    const holder = readHolder(path);
    throw holder ? new JournalLockedError(journalFile, holder) : new Error(`could not take the lock ${path}`);
  }

  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      const text = readFileSync(this.path, 'utf8');
      if ((JSON.parse(text) as { token?: unknown }).token === this.token) unlinkSync(this.path);
    } catch {
      // Gone already, or not ours: nothing to release.
    }
  }
}

/** An unreadable lock younger than this is one being written, not a leftover. */
const FRESH_MS = 5_000;

function ageMs(path: string, now: Date): number {
  try {
    return now.getTime() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string') return null;
    return { pid: raw.pid, host: raw.host, since: String(raw.since ?? 'unknown'), command: String(raw.command ?? '') };
  } catch {
    return null;
  }
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
