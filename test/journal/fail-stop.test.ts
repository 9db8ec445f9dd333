// The journal stops rather than lies: one desk per journal (a second writer is refused, naming
// the holder; readers still read; a dead holder's lock is taken over and noted), a damaged file is
// refused at open with the commands to inspect or recover it, and a full file stops all writing
// at the first failed write, telling its listeners once.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalDamagedError, JournalFailedError, JournalLockedError, SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { lockPath } from '../../src/journal/lock.ts';
import type { AdviceRecord } from '../../src/ports/journal.ts';
import { tempDir } from '../support/desk-harness.ts';
import { crewRecord } from '../support/journal-records.ts';

const T0 = 1_700_000_000_000;
const CREW = 'alpha.fill';
const HOLDER = fileURLToPath(new URL('./fixtures/hold-journal.ts', import.meta.url));

let dir: string;
let file: string;
const opened: SqliteJournal[] = [];

beforeEach(() => {
  dir = tempDir('crewdesk-failstop-');
  file = path.join(dir, 'journal.sqlite');
});

afterEach(() => {
  for (const j of opened.splice(0)) j.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(options: Parameters<typeof SqliteJournal.open>[1] = {}): SqliteJournal {
  const journal = SqliteJournal.open(file, options);
  opened.push(journal);
  return journal;
}

function advice(i: number, reason = `r${i}`): AdviceRecord {
  return { crewId: CREW, adviceKey: `${CREW}@${i}`, candleTime: T0 + i, action: 'buy', size: 0.5, reason, at: T0 + i };
}

/** A child process holding the journal open to write, until it is told to stop. */
async function holdInAnotherProcess(): Promise<{ child: ChildProcessWithoutNullStreams; pid: number }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx/esm'), HOLDER, file]);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^holding (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before holding: ${err}`)));
  });
  return { child, pid };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end();
  await exited;
}

describe('one desk per journal', () => {
  it('a second writer is refused while another process holds the journal, naming the journal and that process', async () => {
    const { child, pid } = await holdInAnotherProcess();
    try {
      let error: unknown;
      try {
        open();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(JournalLockedError);
      expect((error as JournalLockedError).holder).toMatchObject({ pid, host: hostname() });
      const message = (error as Error).message;
      expect(message).toContain(`the journal ${file} is in use by process ${pid} on ${hostname()}`);
      expect(message).toMatch(/since \d{4}-\d\d-\d\dT/);
      expect(message).toContain('hold-journal.ts');

      // A read-only tool still reads.
      const reader = open({ readonly: true });
      expect(reader.getHalt().level).toBe('none');
    } finally {
      await stop(child);
    }
    // Released when the holder closed it: the next desk opens.
    expect(fs.existsSync(lockPath(file))).toBe(false);
    expect(() => open()).not.toThrow();
  });

  it('within one process too: a second writable open of a held journal is refused until the first closes', () => {
    const first = open();
    expect(() => SqliteJournal.open(file)).toThrow(JournalLockedError);
    first.close();
    expect(() => open()).not.toThrow();
  });

  it('a lock left by a process that is gone is taken over, and the takeover is noted in the audit log', () => {
    // A process that ran and exited: its pid is free (a kill -9 leaves the same).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    open().close();
    fs.writeFileSync(
      lockPath(file),
      JSON.stringify({ pid: deadPid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'crewdesk start', token: 'old' }),
    );

    const journal = open();
    expect(journal.tookOverLockOf).toMatchObject({ pid: deadPid, since: '2026-01-01T00:00:00.000Z' });
    expect(journal.getAudit({ limit: 1 })[0]).toMatchObject({ actor: 'journal', action: 'journal.stale-lock-taken-over', detail: { pid: deadPid } });
    expect(JSON.parse(fs.readFileSync(lockPath(file), 'utf8'))).toMatchObject({ pid: process.pid });
  });
});

describe('a damaged file', () => {
  it('is refused at open, naming the file and the commands to inspect and recover it', () => {
    const journal = open();
    journal.saveCrewInstance(crewRecord(CREW, T0));
    // Enough rows for a file of many pages, so the middle of it is table data.
    journal.transaction(() => {
      for (let i = 0; i < 4_000; i++) journal.recordAdvice(advice(i, `reason ${i} `.repeat(8)));
    });
    opened.pop()!.close();
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(200_000);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(8_192, 0x5a), 0, 8_192, Math.floor(size / 2 / 4096) * 4096);
    fs.closeSync(fd);

    let error: unknown;
    try {
      open();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JournalDamagedError);
    const message = (error as Error).message;
    expect(message).toContain(`journal.open(${file}): the journal is damaged (`);
    expect(message).toContain(`sqlite3 ${file} 'PRAGMA integrity_check'`);
    expect(message).toContain(`sqlite3 ${file} '.recover'`);
    expect(message).toContain('restore it from a backup');
    // Refusing released the lock: nothing holds the file after a refused open.
    expect(fs.existsSync(lockPath(file))).toBe(false);
  });

  it('whose header is gone (not a database) is refused the same way', () => {
    open().close();
    opened.pop();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
    fs.closeSync(fd);
    expect(() => open()).toThrow(JournalDamagedError);
  });
});

describe('a journal that cannot write', () => {
  it('stops all writing at the first failed write (SQLITE_FULL), tells its listeners once, still reads and closes', () => {
    const journal = open();
    journal.saveCrewInstance(crewRecord(CREW, T0));
    const failures: Error[] = [];
    journal.onFailure((error) => failures.push(error));
    // The file as it is now is all the room there is: as a full disk.
    journal.limitPages();

    let written = 0;
    let first: unknown;
    for (let i = 0; i < 10_000 && first === undefined; i++) {
      try {
        journal.recordAdvice(advice(i, 'x'.repeat(200)));
        journal.flush(); // committed now, not at the end of the turn
        written++;
      } catch (error) {
        first = error;
      }
    }
    expect(first).toMatchObject({ code: 'SQLITE_FULL' });
    expect((first as Error).message).toMatch(/^journal\.recordAdvice\(alpha\.fill@\d+\): SQLITE_FULL: /);
    expect(failures).toEqual([first]);
    expect(journal.failed).toBe(first);

    // Every write after it is refused before it reaches SQLite, even one that would fit.
    expect(() => journal.setHalt({ level: 'entries', reason: 'x', actor: 'y', since: T0 }, { actor: 'y', via: 'z', action: 'halt', at: T0 })).toThrow(
      JournalFailedError,
    );
    expect(() => journal.recordAudit({ actor: 'a', via: 'b', action: 'c', at: T0 })).toThrow(/stopped writing after a failed write: .*SQLITE_FULL/);
    expect(failures).toHaveLength(1);
    // What was written before the failure is there, and nothing of the failed write.
    expect(journal.getAdvice()).toHaveLength(written);
    journal.close();
    opened.pop();
    const again = open({ readonly: true });
    expect(again.getAdvice()).toHaveLength(written);
  });

  it("a refused value (a constraint) is the call's error, not the journal's: writing goes on", () => {
    const journal = open();
    const failures: Error[] = [];
    journal.onFailure((error) => failures.push(error));
    expect(() => journal.recordAdvice(advice(1))).toThrow(/FOREIGN KEY/);
    journal.saveCrewInstance(crewRecord(CREW, T0));
    journal.recordAdvice(advice(1));
    expect(failures).toEqual([]);
    expect(journal.failed).toBeNull();
  });
});
