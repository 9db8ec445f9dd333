// deploy-commands against FakeDiscord: every command registered to the guild only, hidden by
// default_member_permissions "0", option types and bounds mapped; nothing sent when Discord
// already has the same commands; a broken module stops the registration.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/chat/command.ts';
import { COMMANDS_DIR, loadCommands, specsOf } from '../../src/chat/command-loader.ts';
import { deployCommandsCommand } from '../../src/app/deploy-commands-cli.ts';
import { commandsFingerprint, deployCommands, toDiscordCommand } from '../../src/discord/deploy.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { tempDir } from '../support/desk-harness.ts';

let fake: FakeDiscord;
let specs: CommandSpec[];
beforeAll(async () => {
  fake = await FakeDiscord.start();
  specs = specsOf((await loadCommands([COMMANDS_DIR])).commands);
});
afterAll(async () => {
  fake.assertHealthy();
  await fake.close();
});

const target = () => ({ token: fake.token, applicationId: fake.application.id, guildId: fake.guild.id, apiUrl: fake.apiUrl });
const puts = () => fake.requests.filter((r) => r.method === 'PUT');

describe('deploy-commands', () => {
  it('maps a spec to Discord’s JSON: types, bounds, choices, autocomplete, subcommands, hidden by default', () => {
    const spec: CommandSpec = {
      name: 'demo',
      description: 'Every option type',
      options: [
        { name: 'text', description: 'A string', type: 'string', required: true, maxLength: 20, autocomplete: 'crew' },
        { name: 'count', description: 'An integer', type: 'integer', min: 1, max: 50 },
        { name: 'ratio', description: 'A number', type: 'number', min: 0 },
        { name: 'flag', description: 'A boolean', type: 'boolean' },
        { name: 'level', description: 'Choices', type: 'string', choices: [{ name: 'low', value: 'low' }] },
      ],
    };
    expect(toDiscordCommand(spec)).toEqual({
      type: 1,
      name: 'demo',
      description: 'Every option type',
      default_member_permissions: '0',
      options: [
        { type: 3, name: 'text', description: 'A string', required: true, max_length: 20, autocomplete: true },
        { type: 4, name: 'count', description: 'An integer', required: false, min_value: 1, max_value: 50 },
        { type: 10, name: 'ratio', description: 'A number', required: false, min_value: 0 },
        { type: 5, name: 'flag', description: 'A boolean', required: false },
        { type: 3, name: 'level', description: 'Choices', required: false, choices: [{ name: 'low', value: 'low' }] },
      ],
    });
    const crew = toDiscordCommand(specs.find((s) => s.name === 'crew')!);
    expect(crew.options?.every((o) => o.type === ApplicationCommandOptionType.Subcommand)).toBe(true);
    expect(crew.options?.map((o) => o.name)).toEqual(['list', 'spawn', 'pause', 'resume', 'stop', 'params', 'set', 'record', 'promote', 'demote']);
  });

  it('registers every command to the guild (not globally) with default_member_permissions "0"', async () => {
    const result = await deployCommands({ ...target(), specs });
    expect(result).toMatchObject({ status: 'registered', count: specs.length, removed: [] });
    const registered = fake.commands(fake.guild.id);
    expect(registered.map((c) => c.name).sort()).toEqual(specs.map((s) => s.name).sort());
    expect(registered.every((c) => c.default_member_permissions === '0')).toBe(true);
    expect(fake.commands()).toEqual([]); // nothing global
    const trades = registered.find((c) => c.name === 'trades')!;
    expect(trades.options).toEqual([
      { type: 3, name: 'crew', description: 'Only this crew’s fills', required: false, max_length: 40, autocomplete: true },
      { type: 4, name: 'n', description: 'How many (default 10)', required: false, min_value: 1, max_value: 50 },
    ]);
    expect(puts()).toHaveLength(1);
  });

  it('sends nothing when Discord already has the same commands, and sends again when one changed', async () => {
    expect(commandsFingerprint(fake.commands(fake.guild.id))).toBe(commandsFingerprint(specs.map(toDiscordCommand)));
    const again = await deployCommands({ ...target(), specs });
    expect(again.status).toBe('unchanged');
    expect(puts()).toHaveLength(1);

    const changed = specs.map((s) => (s.name === 'logs' ? { ...s, description: 'The latest activity (changed)' } : s)).filter((s) => s.name !== 'mode');
    const result = await deployCommands({ ...target(), specs: changed });
    expect(result).toMatchObject({ status: 'registered', removed: ['mode'], added: [] });
    expect(puts()).toHaveLength(2);
    expect(fake.commands(fake.guild.id).find((c) => c.name === 'logs')?.description).toBe('The latest activity (changed)');
    expect(fake.commands(fake.guild.id).some((c) => c.name === 'mode')).toBe(false);
  });

  it('runs as `crewdesk deploy-commands` from the environment (DISCORD_API_URL pointed at the fake)', async () => {
    const lines: string[] = [];
    const env = { DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.application.id, DISCORD_GUILD_ID: fake.guild.id, DISCORD_API_URL: fake.apiUrl };
    expect(await deployCommandsCommand([], env, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toMatch(/registered \d+ commands in guild \d+ \(added \/mode\)/);
    expect(await deployCommandsCommand([], env, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toMatch(/already registered.*nothing sent/);
    expect(await deployCommandsCommand(['--force'], env, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toMatch(/registered \d+ commands/);
  });

  it('refuses to register while a command module is broken (it would delete that command)', async () => {
    const dir = tempDir('crewdesk-deploy-');
    writeFileSync(join(dir, 'broken.ts'), `export default { data: { name: 'broken', description: '' }, async execute() {} };`);
    const lines: string[] = [];
    const before = puts().length;
    expect(await deployCommandsCommand(['--dir', dir], { DISCORD_TOKEN: fake.token }, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toContain('description is missing');
    expect(lines.at(-1)).toContain('not registering');
    expect(puts()).toHaveLength(before);
  });
});
