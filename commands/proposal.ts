// /proposal approve|reject <id>: answers a change the manager proposed (advise mode). Discord also
// shows buttons for it; this command is the same path for the console.
import { defineCommand } from '../src/chat/define-command.ts';

export default defineCommand({
  data: {
    name: 'proposal',
    description: "Approve or reject a change the manager proposed",
    subcommands: [
      { name: 'approve', description: 'Carry the proposal out', options: [{ name: 'id', description: 'The proposal id', type: 'string', required: true, maxLength: 64 }] },
      {
        name: 'reject',
        description: 'Turn the proposal down',
        options: [
          { name: 'id', description: 'The proposal id', type: 'string', required: true, maxLength: 64 },
          { name: 'reason', description: 'Why (the manager sees it)', type: 'string', maxLength: 300 },
        ],
      },
    ],
    mutating: true,
  },
  async execute(ctx) {
    const manager = ctx.services.manager;
    const id = ctx.options.string('id') ?? '';
    if (!manager?.approve || !manager.reject) {
      await ctx.reply({ title: 'Proposals', text: 'The manager is not configured, so there are no proposals to answer.', tone: 'info' });
      return;
    }
    const result = ctx.subcommand === 'approve' ? await manager.approve(id, ctx.actor) : await manager.reject(id, ctx.actor, ctx.options.string('reason') ?? undefined);
    await ctx.reply(result.ok ? { title: `Proposal ${ctx.subcommand === 'approve' ? 'approved' : 'rejected'}`, text: result.value, tone: 'good' } : { title: 'Proposal', text: result.error, tone: 'bad', refused: true });
  },
});
