// /research from (fake) Discord through the real `crewdesk start`: the sweep's answer is one message
// (the deferred reply) edited with the progress, then replaced by the result.
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../fakes/discord/fake-discord.ts';
import { type DeskProcess, startDeskProcess } from './desk-process.ts';

let desk: DeskProcess | undefined;
afterAll(async () => {
  await desk?.dispose();
});

function seen(message: StoredMessage): string {
  const parts = [message.content];
  for (const e of message.embeds) parts.push(e.title ?? '', e.description ?? '', ...(e.fields ?? []).map((f) => `${f.name}: ${f.value}`));
  return parts.filter((p) => p !== '').join('\n');
}

describe('crewdesk start: /research on Discord', () => {
  it('edits one message with the sweep’s progress, then answers with its best result', async () => {
    desk = await startDeskProcess({
      env: { REDIS_URL: '' },
      config: {
        replay: { speed: 3_600 },
        teams: [{ name: 'alpha', capital: '3000', crews: [{ id: 'sma-btc', crew: 'sma-cross', symbol: 'BTCUSDT', interval: '1h' }] }],
      },
    });
    await desk.printed('Discord connected');
    const handle = desk.fake.sendSlashCommand({
      name: 'research',
      subcommand: 'sweep',
      options: { module: 'sma-cross', symbol: 'BTCUSDT', interval: '1h', grid: 'fast=3..5,slow=20..30:10', from: '2021-01-01', to: '2021-01-31' },
    });
    const reply = await handle.awaitReply((m) => seen(m).includes(' done: '), { timeoutMs: 150_000 });
    expect(seen(reply)).toMatch(/Sweep s[0-9a-z-]+ done: sma-cross on BTCUSDT 1h/);
    expect(seen(reply)).toMatch(/Best params: \{"fast":\d,"slow":\d\d\}/);
    const progress = handle.edits.map((e) => e.body.content ?? '').filter((c) => /\d+\/\d+ runs/.test(c));
    expect(progress.length).toBeGreaterThan(0);
    // Every progress edit and the answer went to the one message.
    expect(new Set(handle.edits.map((e) => e.message.id)).size).toBe(1);

    const list = await desk.fake.sendSlashCommand({ name: 'research', subcommand: 'list' }).awaitReply(() => true, { timeoutMs: 60_000 });
    expect(seen(list)).toMatch(/sma-cross\s+BTCUSDT 1h\s+done/);
  }, 240_000);
});
