// /team: teams and their capital; moving capital to or from a crew.
import { defineCommand } from '../src/chat/define-command.ts';
import { refused, table } from '../src/chat/render.ts';

export default defineCommand({
  data: {
    name: 'team',
    description: 'Teams, their capital, and allocating it to crews',
    subcommands: [
      { name: 'list', description: 'Every team with its capital, what is allocated, and its crews' },
      {
        name: 'allocate',
        description: 'Set a crew’s capital (within its team’s capital and the crew’s free cash)',
        mutating: true,
        options: [
          { name: 'crew', description: 'The crew instance', type: 'string', required: true, autocomplete: 'crew', maxLength: 40 },
          { name: 'amount', description: 'The crew’s new capital in quote, e.g. 2500', type: 'string', required: true, maxLength: 24 },
        ],
      },
    ],
  },
  async execute(ctx) {
    const desk = ctx.services.desk;
    if (ctx.subcommand === 'allocate') {
      const r = await desk.allocate(ctx.options.string('crew') ?? '', ctx.options.string('amount') ?? '', ctx.actor);
      return ctx.reply(r.ok ? { title: 'Capital allocated', text: r.value, tone: 'good' } : refused(r.error));
    }
    const teams = desk.teamList();
    await ctx.reply({
      title: 'Teams',
      tone: 'info',
      code: table(
        ['team', 'capital', 'allocated', 'crews'],
        teams.map((t) => [t.name, t.capital, t.allocated, t.crews.join(', ') || '—']),
      ),
    });
  },
});
