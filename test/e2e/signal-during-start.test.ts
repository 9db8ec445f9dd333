// A SIGTERM (or Ctrl-C) that reaches `crewdesk start` while it is still starting — the journal
// opening, the crews building, the market data connecting — stops it cleanly: the stop is said,
// the exit code is 0, and the journal's lock is released. Before, the handler came only once
// trading began, and a signal in that gap killed the process outright, leaving the lock behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

let desk: DeskProcess | undefined;
afterAll(async () => {
  await desk?.dispose();
});

describe('crewdesk start stopped while it starts', () => {
  it('a SIGTERM right after the config is read stops the desk cleanly, lock released', async () => {
    desk = await startDeskProcess({
      console: true,
      config: {
        replay: { speed: 60 },
        teams: [{ name: 'alpha', capital: '1000', crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' }] }],
      },
    });
    // The first line start-up prints, before the journal is even open.
    await desk.printed('crewdesk: config ');
    const code = await desk.stop(60_000);
    expect(code, `stdout:\n${desk.stdout()}\nstderr:\n${desk.stderr()}`).toBe(0);
    expect(desk.stdout()).toContain('crewdesk: stopping (SIGTERM)');
    expect(existsSync(join(desk.dir, 'journal.sqlite-lock'))).toBe(false);
  }, 120_000);
});
