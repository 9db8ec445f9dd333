// /halt [level]: the kill switch. Runs at once, never behind other work and never through the
// manager. entries: no new entries · cancel (default): also cancels every open order and stops
// the crews' own sells · flatten: also sells every position at market, after a confirmation. At
// every level the protective exits (stop-loss, trailing stop, max holding, take-profit) keep
// working: a halt never strips a position of them. The reply says what was done and what is left.
import type { Reply } from '../src/chat/command.ts';
import { defineCommand } from '../src/chat/define-command.ts';
import { plural, refused } from '../src/chat/render.ts';
import type { ChatServices } from '../src/chat/services.ts';
import type { HaltLevel } from '../src/core/domain.ts';

type Level = Exclude<HaltLevel, 'none'>;

export default defineCommand({
  data: {
    name: 'halt',
    description: 'Kill switch: stop entries, cancel every open order (default), or also sell everything',
    mutating: true,
    urgent: true,
    options: [
      {
        name: 'level',
        description: 'entries · cancel (default) · flatten (asks to confirm); exits keep working at every level',
        type: 'string',
        choices: [
          { name: 'entries: no new entries; sells and exits go on', value: 'entries' },
          { name: 'cancel: also cancel open orders and crew sells; exits go on', value: 'cancel' },
          { name: 'flatten: also sell every position at market', value: 'flatten' },
        ],
      },
      { name: 'reason', description: 'Why (kept in the journal)', type: 'string', maxLength: 200 },
    ],
  },
  async execute(ctx) {
    const level = (ctx.options.string('level') ?? 'cancel') as Level;
    const reason = ctx.options.string('reason') ?? `halted by ${ctx.actor.id} (${ctx.actor.via})`;
    if (level === 'flatten') {
      const answer = await ctx.confirm('Flatten: stop entries, cancel every open order and SELL EVERY POSITION at market?', {
        confirmLabel: 'Flatten everything',
      });
      if (answer !== 'confirmed') {
        return ctx.reply({
          title: 'Not flattened',
          text: `${answer === 'expired' ? 'The confirmation expired' : 'Cancelled'}: nothing was done. /halt without a level cancels the open orders and keeps the positions.`,
          tone: 'info',
          refused: true,
        });
      }
    }
    // For entries and cancel, this call is the first thing the command does: entries stop before any await.
    const result = await ctx.services.desk.halt(level, reason, ctx.actor);
    if (!result.ok) return ctx.reply(refused(result.error, 'Halt failed'));
    await ctx.reply(report(ctx.services, level, result.value));
  },
});

function report(services: ChatServices, level: Level, r: { cancelled: number; flattened: number; failures: string[] }): Reply {
  const desk = services.desk;
  const done = [
    level === 'entries'
      ? 'Entries stopped: no new buys until an owner runs /resume (sells and exits still go through).'
      : 'Trading stopped: no new entries and no sells of the crews’ own, until an owner runs /resume. Stop-loss, trailing stop, max holding and take-profit exits still protect the positions.',
  ];
  if (level !== 'entries') done.push(`Cancelled ${plural(r.cancelled, 'open order')}.`);
  if (level === 'flatten') done.push(`Sent ${plural(r.flattened, 'market sell')} to close the positions.`);

  const left: string[] = [...r.failures.map((f) => `Not done: ${f}`)];
  const open = desk.status().openOrders;
  const positions = desk.positions();
  const held = positions.map((p) => `${p.crewId} ${p.quantity} ${p.symbol}`).join(', ');
  if (level === 'entries' && open > 0) left.push(`${plural(open, 'open order')} still working (/halt cancel cancels them).`);
  if (level === 'flatten') {
    if (open > 0) left.push(`${plural(open, 'order')} still open (the market sells fill at the next price).`);
    if (positions.length > 0) left.push(`Still held until the sells fill: ${held}.`);
  } else {
    if (level === 'cancel' && open > 0) left.push(`${plural(open, 'order')} still open.`);
    if (positions.length > 0) left.push(`Positions kept: ${held}. /halt flatten sells them.`);
  }
  return {
    title: `HALTED (${level})`,
    tone: r.failures.length > 0 ? 'bad' : 'warn',
    fields: [
      { name: 'Done', value: done.join('\n') },
      { name: 'Left', value: left.length > 0 ? left.join('\n') : 'Nothing: no open orders, no positions.' },
    ],
  };
}
