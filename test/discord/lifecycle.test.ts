// Start-up and shutdown: a login that cannot succeed fails start with a clear message, and a
// closed transport leaves nothing behind (a process that closes it exits by itself).
import { describe, expect, it } from 'vitest';
import { startDiscord } from '../../src/discord/bot.ts';
import { EventBus } from '../../src/core/events.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { ChatServices } from '../../src/chat/services.ts';
import { FAKE_DISCORD_IDS, FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { runExitCheck } from '../fakes/exit-check.ts';

describe('the transport’s life', () => {
  it('refuses to start without an owner, and fails start with a hint when the token is wrong', async () => {
    const fake = await FakeDiscord.start();
    try {
      const base = {
        services: { desk: {} } as unknown as ChatServices,
        bus: new EventBus(),
        log: silentLogger(),
        clientOptions: fake.clientOptions(),
        commandDirs: [],
      };
      const config = { token: 'not-the-token', applicationId: null, guildId: null, ownerIds: [FAKE_DISCORD_IDS.owner], apiUrl: fake.apiUrl, channels: {} };
      await expect(startDiscord({ ...base, config: { ...config, ownerIds: [] } })).rejects.toThrow(/without an owner/);
      await expect(startDiscord({ ...base, config })).rejects.toThrow(/Discord login failed: .*Check DISCORD_TOKEN/);
    } finally {
      await fake.close();
    }
  });

  it('close() leaves nothing open: a process that started and closed the transport exits by itself', async () => {
    const { code, signal, stdout, stderr, lingerMs } = await runExitCheck(new URL('./exit-check.fixture.ts', import.meta.url), 40_000);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout).toContain('FIXTURE_DONE');
    // A handle left open keeps the process until the 40 s kill: 10 s is room for a busy machine, not for a leak.
    expect(lingerMs).toBeLessThan(10_000);
  }, 60_000);
});
