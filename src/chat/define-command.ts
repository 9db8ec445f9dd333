// Typed identity for command modules: `export default defineCommand({ data, execute })` checks
// the module against the contract where it is written, with the chat services typed.
import type { CommandModule } from './command.ts';
import type { ChatServices } from './services.ts';

export function defineCommand(module: CommandModule<ChatServices>): CommandModule<ChatServices> {
  return Object.freeze(module);
}
