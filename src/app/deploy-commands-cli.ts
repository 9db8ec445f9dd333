// `crewdesk deploy-commands` (npm run deploy-commands): registers the slash commands of commands/
// to the Discord server named by DISCORD_GUILD_ID, when they changed. Refuses when a command
// module is broken: registering without it would delete its command from Discord.
import { loadCommands, specsOf } from '../chat/command-loader.ts';
import { parseFlags } from './args.ts';
import { loadRegistrationSettings } from '../config/discord.ts';
import { deployCommands, toDiscordCommands } from '../discord/deploy.ts';

export async function deployCommandsCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const { values } = parseFlags(argv, { force: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, dir: { type: 'string' } });
  const { commands, problems } = await loadCommands(values.dir ? [values.dir] : undefined);
  if (problems.length > 0) {
    for (const p of problems) write(`deploy-commands: ${p.path}: ${p.reason}`);
    write('deploy-commands: not registering: fix the module(s) above first (registering without them would remove their commands from Discord).');
    return 1;
  }
  const specs = specsOf(commands);
  if (values['dry-run']) {
    write(JSON.stringify(toDiscordCommands(specs), null, 2));
    return 0;
  }
  const settings = loadRegistrationSettings(env);
  const result = await deployCommands({ ...settings, specs, force: values.force === true });
  if (result.status === 'unchanged') {
    write(`deploy-commands: the ${result.count} commands are already registered in guild ${settings.guildId}; nothing sent (--force sends them anyway).`);
  } else {
    const changes = [
      result.added.length ? `added ${result.added.map((n) => `/${n}`).join(' ')}` : '',
      result.removed.length ? `removed ${result.removed.map((n) => `/${n}`).join(' ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    write(`deploy-commands: registered ${result.count} commands in guild ${settings.guildId}${changes ? ` (${changes})` : ''}.`);
  }
  return 0;
}
