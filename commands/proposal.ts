// /proposal [list] | approve|reject <id>: lists the changes the manager proposed and still open,
// or answers one (advise mode). Discord also shows buttons for them; this command is the same path
// for the console, where `/proposal` alone lists them.
import { defineCommand } from '../src/chat/define-command.ts';
import { table, utc } from '../src/chat/render.ts';

export default defineCommand({
  data: {
    name: 'proposal',
    description: 'List the changes the manager proposed, or approve or reject one',
    subcommands: [
      // First: `/proposal` with no subcommand runs it in the console.
      { name: 'list', description: 'The proposals still waiting for an answer', mutating: false },
      {
        name: 'approve',
        description: 'Carry the proposal out',
        options: [{ name: 'id', description: 'The proposal id', type: 'string', required: true, maxLength: 64 }],
      },
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
    if (ctx.subcommand === 'list') {
      if (!manager?.pendingProposals) return ctx.reply({ title: 'Proposals', text: 'The manager is not configured, so there are no proposals.', tone: 'info' });
      const open = manager.pendingProposals();
      if (open.length === 0) return ctx.reply({ title: 'Proposals', text: 'No open proposals.', tone: 'info' });
      return ctx.reply({
        title: `Open proposals (${open.length})`,
        tone: 'info',
        code: table(
          ['id', 'proposal', 'expires'],
          open.map((p) => [p.id, p.summary, utc(p.expiresAt)]),
        ),
        text: 'Answer one with /proposal approve <id> or /proposal reject <id>.',
      });
    }
    if (!manager?.approve || !manager.reject) {
      await ctx.reply({ title: 'Proposals', text: 'The manager is not configured, so there are no proposals to answer.', tone: 'info' });
      return;
    }
    const result =
      ctx.subcommand === 'approve' ? await manager.approve(id, ctx.actor) : await manager.reject(id, ctx.actor, ctx.options.string('reason') ?? undefined);
    await ctx.reply(
      result.ok
        ? { title: `Proposal ${ctx.subcommand === 'approve' ? 'approved' : 'rejected'}`, text: result.value, tone: 'good' }
        : { title: 'Proposal', text: result.error, tone: 'bad', refused: true },
    );
  },
});
