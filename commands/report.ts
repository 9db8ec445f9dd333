// /report: the manager's report when there is a manager — the same report, equity chart included,
// as the scheduled daily post; otherwise the desk's own summary — PnL per crew, the latest trades
// and risk denials.
import { defineCommand } from '../src/chat/define-command.ts';
import { fixed, money, pnlTone, riskEventLine, signed, table, utc } from '../src/chat/render.ts';

export default defineCommand({
  data: { name: 'report', description: 'A report on the desk: PnL per crew, latest trades and risk denials', slow: true },
  async execute(ctx) {
    const { desk, manager } = ctx.services;
    if (manager?.buildReport) {
      const report = await manager.buildReport();
      return ctx.reply({
        title: report.title,
        text: report.text,
        tone: 'info',
        ...(report.chartPng ? { files: [{ name: 'equity.png', data: report.chartPng }] } : {}),
      });
    }
    if (manager) return ctx.reply({ title: 'Report', text: await manager.report(), tone: 'info' });
    const s = desk.status();
    const trades = await desk.trades(undefined, 5);
    const denials = await desk.riskEvents(5);
    const crews = table(
      ['crew', 'status', 'equity', 'pnl', 'pnl %', 'dd %'],
      s.crews.map((c) => [c.id, c.status, money(c.equity), signed(c.pnl), `${signed(c.pnlPct)}%`, fixed(c.drawdownPct)]),
    );
    const lastTrades =
      trades.ok && trades.value.length > 0
        ? trades.value.map((t) => `${utc(t.time)} ${t.crewId} ${t.side} ${t.quantity} ${t.symbol} @ ${t.price}`).join('\n')
        : 'none';
    await ctx.reply({
      title: `Report — ${utc(s.asOf)}`,
      tone: pnlTone(s.todayPnl),
      text: `Mode ${s.mode} · halt ${s.halt.level} · equity ${money(s.equity)} on ${money(s.capital)} capital · today ${signed(s.todayPnl)} · exposure ${money(s.exposure)} · ${s.openOrders} open orders`,
      code: crews,
      fields: [
        { name: 'Latest trades', value: lastTrades },
        { name: 'Latest risk denials', value: denials.length > 0 ? denials.map(riskEventLine).join('\n') : 'none' },
      ],
    });
  },
});
