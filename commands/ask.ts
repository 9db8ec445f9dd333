// /ask <text>: a question or an instruction for the manager (the LLM).
import { askManager } from '../src/chat/conversation.ts';
import { defineCommand } from '../src/chat/define-command.ts';

export default defineCommand({
  data: {
    name: 'ask',
    description: 'Ask the manager (the LLM) about the desk, or tell it what to do',
    slow: true,
    options: [{ name: 'text', description: 'Your question or instruction', type: 'string', required: true, maxLength: 2000 }],
  },
  async execute(ctx) {
    await ctx.reply(await askManager(ctx.services, ctx.options.string('text') ?? '', ctx.channel ?? `${ctx.actor.via}:${ctx.actor.id}`, ctx.actor));
  },
});
