// /balance: what the exchange account holds, and each crew's cash.
import { defineCommand } from '../src/chat/define-command.ts';
import { refused, table } from '../src/chat/render.ts';

export default defineCommand({
  data: { name: 'balance', description: 'Exchange balances and each crew’s cash', ephemeral: true },
  async execute(ctx) {
    const result = await ctx.services.desk.balances();
    if (!result.ok) return ctx.reply(refused(result.error, 'Balance'));
    const { exchange, paper, crews } = result.value;
    const parts = [
      ...(paper
        ? [
            paper.length > 0
              ? `paper venue\n${table(
                  ['asset', 'free', 'locked'],
                  paper.map((b) => [b.asset, b.free, b.locked]),
                )}`
              : 'The paper venue holds nothing.',
          ]
        : []),
      exchange.length > 0
        ? table(
            ['asset', 'free', 'locked'],
            exchange.map((b) => [b.asset, b.free, b.locked]),
          )
        : 'The exchange account holds nothing.',
      crews.length > 0
        ? table(
            paper ? ['crew', 'venue', 'cash', 'reserved'] : ['crew', 'cash', 'reserved'],
            crews.map((c) => (paper ? [c.id, c.venue, c.cash, c.reserved] : [c.id, c.cash, c.reserved])),
          )
        : 'No crews.',
    ];
    await ctx.reply({ title: 'Balance', tone: 'info', code: parts.join('\n\n') });
  },
});
