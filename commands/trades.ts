// /trades [crew] [n]: the latest fills, newest first.
import { defineCommand } from '../src/chat/define-command.ts';
import { deskTimeZone, money, refused, table, utc } from '../src/chat/render.ts';

export default defineCommand({
  data: {
    name: 'trades',
    description: 'The latest fills, newest first',
    options: [
      { name: 'crew', description: 'Only this crew’s fills', type: 'string', autocomplete: 'crew', maxLength: 40 },
      { name: 'n', description: 'How many (default 10)', type: 'integer', min: 1, max: 50 },
    ],
  },
  async execute(ctx) {
    const crew = ctx.options.string('crew') ?? undefined;
    const result = await ctx.services.desk.trades(crew, ctx.options.integer('n') ?? 10);
    if (!result.ok) return ctx.reply(refused(result.error, 'Trades'));
    const title = crew ? `Trades of ${crew}` : 'Trades';
    if (result.value.length === 0) return ctx.reply({ title, text: 'No trades yet.', tone: 'info' });
    await ctx.reply({
      title,
      tone: 'info',
      code: table(
        ['time', 'crew', 'side', 'quantity', 'symbol', 'price', 'quote', 'fee'],
        result.value.map((t) => [
          utc(t.time, deskTimeZone(ctx.services)),
          t.crewId,
          t.side,
          t.quantity,
          t.symbol,
          t.price,
          money(t.quote),
          `${t.fee} ${t.feeAsset}`,
        ]),
      ),
    });
  },
});
