// A config that names a crew module that is not there (a typo: `dcaa`) never drops an instance the
// journal knows: the desk refuses to start, naming the instance, the module and what it holds.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { openHarness, tempDir } from '../support/desk-harness.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a config naming a missing crew module', () => {
  it('refuses to start when the journal holds capital for the instance, and names both', async () => {
    const dir = tempDir('crewdesk-typo-');
    dirs.push(dir);
    const first = await openHarness({ dir, crews: [{ id: 'dca-eth', crew: 'dca', symbol: 'ETHUSDT', capital: '2000' }] });
    await first.close();

    await expect(openHarness({ dir, crews: [{ id: 'dca-eth', crew: 'dcaa', symbol: 'ETHUSDT', capital: '2000' }] })).rejects.toThrow(
      /^crew instance "dca-eth" \(team test\) names crew module "dcaa", which is not loaded \(loaded: .*dca.*\); the journal holds 2000 of capital for it/,
    );
    // Nothing was left open or changed: the journal opens again and still knows the instance.
    const journal = await SqliteJournal.open(`${dir}/journal.sqlite`);
    try {
      expect((await journal.getCrewInstances()).map((r) => [r.id, r.module, r.capital])).toEqual([['dca-eth', 'dca', '2000']]);
    } finally {
      await journal.close();
    }
  });

  it('still skips (with a logged error) an instance the journal has never seen', async () => {
    const dir = tempDir('crewdesk-typo-');
    dirs.push(dir);
    const h = await openHarness({
      dir,
      crews: [
        { id: 'sma', crew: 'sma-cross' },
        { id: 'new-one', crew: 'dcaa' },
      ],
    });
    try {
      expect([...h.desk.engine.crews.keys()]).toEqual(['sma']);
    } finally {
      await h.close();
    }
  });
});
