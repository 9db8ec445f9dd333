// The README's commands from a fresh clone, where there is no data/candles and no crewdesk.yaml yet:
// the errors say how to get them. And what runs write (runs/) stays out of git.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'crewdesk-fresh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function crewdesk(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/crewdesk.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('the README from a fresh clone', () => {
  it('a backtest on data/candles that is not there says to download candles first', () => {
    const r = crewdesk('backtest', '--crew', 'sma-cross', '--symbol', 'BTCUSDT', '--interval', '1h', '--data', 'data/candles');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('candle path data/candles: no such file or directory (fetch candles first: crewdesk data download SYMBOL INTERVAL FROM TO');
  }, 60_000);

  it('a team backtest on crewdesk.yaml that is not there says to copy the example config', () => {
    const r = crewdesk('backtest', '--team', 'crewdesk.yaml', '--data', 'data/candles');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('config file not found: crewdesk.yaml (start from the commented example: cp crewdesk.example.yaml crewdesk.yaml)');
  }, 60_000);

  it('keeps runs/ out of git', () => {
    expect(execFileSync('git', ['check-ignore', 'runs/sma/result.json'], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe('runs/sma/result.json');
  });
});
