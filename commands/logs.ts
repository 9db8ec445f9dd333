// /logs [n]: the desk's latest activity lines.
import { defineCommand } from '../src/chat/define-command.ts';

export default defineCommand({
  data: {
    name: 'logs',
    description: 'The latest activity: advice, orders, fills, denials, halts',
    ephemeral: true,
    options: [{ name: 'n', description: 'How many lines (default 20)', type: 'integer', min: 1, max: 100 }],
  },
  async execute(ctx) {
    const lines = ctx.services.desk.logs(ctx.options.integer('n') ?? 20);
    await ctx.reply(
      lines.length > 0 ? { title: 'Logs', code: lines.join('\n'), tone: 'info' } : { title: 'Logs', text: 'Nothing has happened yet.', tone: 'info' },
    );
  },
});
