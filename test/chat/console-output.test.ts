// `crewdesk start` with its output piped, as a user redirecting it to a file would: stdout holds
// the console's own lines only — no pino JSON, nothing said twice — and the log lines go to the
// log file beside the journal. Times are in the config's time zone.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/desk-harness.ts';

const run = promisify(execFile);

describe('crewdesk start, piped', () => {
  it('prints no JSON and no message twice; the log lines are in the log file', async () => {
    const dir = tempDir('crewdesk-console-output-');
    const crews = join(dir, 'crews');
    mkdirSync(crews);
    // A broken crew module: the desk logs it and the console says it (it used to be said twice, once as JSON).
    writeFileSync(join(crews, 'broken.ts'), 'export default 42;\n');
    writeFileSync(join(crews, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, 'crewdesk.yaml'),
      [
        `journal: ${JSON.stringify(join(dir, 'journal.sqlite'))}`,
        `crewDirs: [${JSON.stringify(crews)}]`,
        `replay: { data: ${JSON.stringify(join(dir, 'no-candles'))}, speed: 36000 }`,
        'console: { timezone: Asia/Tokyo }',
        'teams:',
        '  - name: a',
        '    capital: "1000"',
        '    crews:',
        '      - { id: dca-eth, crew: dca, symbol: ETHUSDT, interval: 1m, capital: "1000" }',
        '',
      ].join('\n'),
    );
    const env = { ...process.env };
    delete env.LOG_LEVEL;
    delete env.LOG_FILE;
    delete env.DISCORD_TOKEN;
    delete env.OPENAI_API_KEY;
    const { stdout } = await run(process.execPath, ['bin/crewdesk.js', 'start', '--config', join(dir, 'crewdesk.yaml'), '--offline', '--exit-after', '2'], {
      env,
      timeout: 120_000,
      maxBuffer: 64 << 20,
    });
    const lines = stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(lines.filter((l) => l.includes('crew module skipped'))).toHaveLength(1);
    const log = readFileSync(join(dir, 'crewdesk.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(log.some((l) => l.msg.includes('crew module skipped'))).toBe(true);
    // Times in the config's zone, not ISO.
    const advice = lines.find((l) => l.includes('advice'));
    expect(advice).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d GMT\+9 {2}advice/);
    // The summary's quote amounts to cents with a separator, PnL signed (or 0.00).
    expect(stdout).toMatch(/\noverall\s+1,000\.00\s+[\d,]+\.\d\d\s+([-+][\d,]+\.\d\d|0\.00)\s+([-+]\d+\.\d\d|0\.00)/);
  }, 150_000);
});
