// Free text for the manager: a Discord message in the manager channel, a DM, a mention, a
// console line without "/", and /ask all come here. Without a manager the answer says how to
// configure one.
import type { Actor } from '../services/result.ts';
import type { Reply } from './command.ts';
import { MANAGER_HOWTO, type ChatServices } from './services.ts';

export async function askManager(services: ChatServices, text: string, channel: string, actor: Actor): Promise<Reply> {
  if (!services.manager) return { title: 'The manager is not configured', text: MANAGER_HOWTO, tone: 'info' };
  const answer = await services.manager.ask(text, channel, actor);
  // The model's words are shown as they are; transports send them without mentions.
  return { text: answer.trim() === '' ? '(the manager had nothing to say)' : answer };
}
