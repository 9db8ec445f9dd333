// /positions: what each crew holds, marked at the last price.
import { defineCommand } from '../src/chat/define-command.ts';
import { pnlTone, signed, table } from '../src/chat/render.ts';

export default defineCommand({
  data: { name: 'positions', description: 'Open positions per crew, with unrealized PnL', ephemeral: true },
  async execute(ctx) {
    const positions = ctx.services.desk.positions();
    if (positions.length === 0) return ctx.reply({ title: 'Positions', text: 'No open positions: every crew is flat.', tone: 'info' });
    const total = positions.reduce((s, p) => s + Number(p.unrealizedPnl), 0);
    await ctx.reply({
      title: 'Positions',
      tone: pnlTone(total),
      text: `Unrealized PnL: ${signed(total)}`,
      code: table(
        ['crew', 'symbol', 'quantity', 'entry', 'last', 'value', 'pnl'],
        positions.map((p) => [p.crewId, p.symbol, p.quantity, p.entryPrice ?? '—', String(p.lastPrice), p.value, signed(p.unrealizedPnl)]),
      ),
    });
  },
});
