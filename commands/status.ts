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
    // Two venues side by side (paper beside the exchange): each crew's venue, and each venue's totals.
    const twoVenues = s.venues.length > 1;
    const rows = s.crews.map((c) => [
      c.id,
      c.status,
      ...(twoVenues ? [c.venue] : []),
      `${c.symbol} ${c.interval}`,
      money(c.equity),
      signed(c.pnl),
      `${signed(c.pnlPct)}%`,
    ]);
    const venues = s.venues.map(
      (v) => `${v.venue}: ${v.crews} crew(s), equity ${money(v.equity)} / capital ${money(v.capital)}, pnl ${signed(v.pnl)}, exposure ${money(v.exposure)}`,
    );
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
        ...(twoVenues ? [{ name: 'Venues', value: venues.join('\n'), inline: false }] : []),
      ],
      ...(rows.length > 0
        ? { code: table(['crew', 'status', ...(twoVenues ? ['venue'] : []), 'market', 'equity', 'pnl', 'pnl %'], rows) }
        : { text: 'No crews running.' }),
    });
  },
});
