// /risk: the hard limits every order passes. Changing one is for an owner only, never the manager.
import { defineCommand } from '../src/chat/define-command.ts';
import { refused, riskEventLine, table } from '../src/chat/render.ts';

export default defineCommand({
  data: {
    name: 'risk',
    description: 'Hard risk limits: show them, or (owner only) change one',
    ephemeral: true,
    subcommands: [
      { name: 'show', description: 'The hard limits, and the latest risk denials' },
      {
        name: 'set',
        description: 'Change one hard limit (owner only)',
        mutating: true,
        hard: true,
        options: [
          { name: 'limit', description: 'The limit', type: 'string', required: true, autocomplete: 'risk-limit', maxLength: 60 },
          { name: 'value', description: 'The new value', type: 'number', required: true, min: 0 },
        ],
      },
    ],
  },
  async execute(ctx) {
    const desk = ctx.services.desk;
    if (ctx.subcommand === 'set') {
      const r = await desk.setRiskLimit(ctx.options.string('limit') ?? '', ctx.options.number('value'), ctx.actor);
      return ctx.reply(r.ok ? { title: 'Risk limit changed', text: r.value, tone: 'warn' } : refused(r.error));
    }
    const limits = desk.riskLimits();
    const events = await desk.riskEvents(5);
    await ctx.reply({
      title: 'Risk limits',
      tone: 'info',
      code: table(
        ['limit', 'value'],
        Object.entries(limits).map(([name, value]) => [name, String(value)]),
      ),
      fields: events.length > 0 ? [{ name: 'Latest denials', value: events.map(riskEventLine).join('\n') }] : [],
    });
  },
});
