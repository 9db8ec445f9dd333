// /status: the desk at a glance — mode, halt, crews, today's PnL, exposure.
import { defineCommand } from '../src/chat/define-command.ts';
import { deskTimeZone, money, pnlTone, signed, table, utc } from '../src/chat/render.ts';
import { healthLine } from '../src/services/health-monitor.ts';

export default defineCommand({
  data: { name: 'status', description: 'Mode, halt state, crews, today’s PnL and exposure' },
  async execute(ctx) {
    const s = ctx.services.desk.status();
    const counts = { active: 0, paused: 0, stopped: 0 };
    for (const c of s.crews) counts[c.status]++;
    const halted = s.halt.level !== 'none';
    const halt = halted
      ? `${s.halt.level.toUpperCase()} since ${s.halt.since ? utc(s.halt.since, deskTimeZone(ctx.services)) : '?'} by ${s.halt.actor}: ${s.halt.reason}`
      : 'not halted';
    const rows = s.crews.map((c) => [c.id, c.status, `${c.symbol} ${c.interval}`, money(c.equity), signed(c.pnl), `${signed(c.pnlPct)}%`]);
    await ctx.reply({
      title: 'Status',
      tone: halted ? 'warn' : pnlTone(s.todayPnl),
      fields: [
        { name: 'Mode', value: s.mode, inline: true },
        { name: 'Halt', value: halt, inline: !halted },
        { name: 'Crews', value: `${counts.active} active, ${counts.paused} paused, ${counts.stopped} stopped`, inline: true },
        { name: 'Today’s PnL', value: signed(s.todayPnl), inline: true },
        { name: 'Exposure', value: money(s.exposure), inline: true },
        { name: 'Equity / capital', value: `${money(s.equity)} / ${money(s.capital)} (${money(s.allocated)} allocated)`, inline: true },
        { name: 'Open orders', value: String(s.openOrders), inline: true },
        ...(ctx.services.health ? [{ name: 'Health', value: healthLine(ctx.services.health.figures()), inline: false }] : []),
      ],
      ...(rows.length > 0 ? { code: table(['crew', 'status', 'market', 'equity', 'pnl', 'pnl %'], rows) } : { text: 'No crews running.' }),
    });
  },
});
