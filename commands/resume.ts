// /resume: lifts a halt. An owner only — never the manager.
import { defineCommand } from '../src/chat/define-command.ts';
import { refused } from '../src/chat/render.ts';

export default defineCommand({
  data: { name: 'resume', description: 'Lift the halt and trade again (owner only)', mutating: true, hard: true },
  async execute(ctx) {
    const r = await ctx.services.desk.resume(ctx.actor);
    await ctx.reply(r.ok ? { title: 'Resumed', text: r.value, tone: 'good' } : refused(r.error, 'Not resumed'));
  },
});
