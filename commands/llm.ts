// /llm usage: the manager's token use today and this month, the estimated cost and the budget.
import { defineCommand } from '../src/chat/define-command.ts';

export default defineCommand({
  data: {
    name: 'llm',
    description: "The manager's model: token usage and cost",
    ephemeral: true,
    subcommands: [{ name: 'usage', description: 'Tokens used today and this month, estimated cost, the daily budget' }],
  },
  async execute(ctx) {
    const manager = ctx.services.manager;
    if (!manager?.usageText) {
      await ctx.reply({
        title: 'LLM usage',
        text: 'The manager is not configured: no model is called, no tokens are used. Set OPENAI_API_KEY (or OPENAI_BASE_URL for a local model) to enable it.',
        tone: 'info',
      });
      return;
    }
    await ctx.reply({ title: 'LLM usage', code: manager.usageText(), tone: 'info' });
  },
});
