// Start-up and shutdown: a login that cannot succeed fails start with a clear message, and a
// closed transport leaves nothing behind (a process that closes it exits by itself).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startDiscord } from '../../src/discord/bot.ts';
import { EventBus } from '../../src/core/events.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { ChatServices } from '../../src/chat/services.ts';
import { FAKE_DISCORD_IDS, FakeDiscord } from '../fakes/discord/fake-discord.ts';

describe('the transport’s life', () => {
  it('refuses to start without an owner, and fails start with a hint when the token is wrong', async () => {
    const fake = await FakeDiscord.start();
    try {
      const base = { services: { desk: {} } as unknown as ChatServices, bus: new EventBus(), log: silentLogger(), clientOptions: fake.clientOptions(), commandDirs: [] };
      const config = { token: 'not-the-token', applicationId: null, guildId: null, ownerIds: [FAKE_DISCORD_IDS.owner], apiUrl: fake.apiUrl, channels: {} };
      await expect(startDiscord({ ...base, config: { ...config, ownerIds: [] } })).rejects.toThrow(/without an owner/);
      await expect(startDiscord({ ...base, config })).rejects.toThrow(/Discord login failed: .*Check DISCORD_TOKEN/);
    } finally {
      await fake.close();
    }
  });

  it('close() leaves nothing open: a process that started and closed the transport exits by itself', async () => {
    const fixture = fileURLToPath(new URL('./exit-check.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let doneAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (doneAt === 0 && stdout.includes('FIXTURE_DONE')) doneAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(killer);
    const exitedAt = Date.now();
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout).toContain('FIXTURE_DONE');
    expect(exitedAt - doneAt).toBeLessThan(2_000);
  }, 60_000);
});
