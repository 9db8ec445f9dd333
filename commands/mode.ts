// /mode [target]: shows the trading mode. The running desk does not switch modes: the mode is set
// in the config and its checks (keys, withdrawal refusal, --confirm-live, reconciliation) run at
// start, so with a target the reply says exactly what to change and restart. A ModeService, when
// one is given, would switch after its checks and the owner's confirmation; none is wired today,
// and the description says only what the desk does.
import { defineCommand } from '../src/chat/define-command.ts';
import { refused } from '../src/chat/render.ts';
import { TRADING_MODES, type TradingMode } from '../src/core/domain.ts';

export default defineCommand({
  data: {
    name: 'mode',
    description: 'Show the trading mode; with a target, how to switch to it (set in the config, at start)',
    mutating: true,
    hard: true,
    options: [
      {
        name: 'target',
        description: 'The mode you want: the reply says what to change',
        type: 'string',
        choices: TRADING_MODES.map((m) => ({ name: m, value: m })),
      },
    ],
  },
  async execute(ctx) {
    const service = ctx.services.mode;
    const current = service?.current() ?? ctx.services.desk.status().mode;
    const target = ctx.options.string('target') as TradingMode | null;
    if (!target) return ctx.reply({ title: 'Mode', text: `Trading mode: ${current}.`, tone: current === 'live' ? 'warn' : 'info' });
    if (!service) {
      return ctx.reply({
        title: 'Mode',
        text: `Running ${current}. The mode is chosen at start, where its checks run: set \`mode: ${target}\` in crewdesk.yaml${target === 'paper' ? '' : ' with BINANCE_API_KEY / BINANCE_API_SECRET in the environment'}${target === 'live' ? ' (live also refuses keys that can withdraw and needs --confirm-live)' : ''}, then restart crewdesk. At that start, reconciliation compares the crews' books with the account and pauses them if they differ.`,
        tone: 'info',
      });
    }
    if (target === current) return ctx.reply({ title: 'Mode', text: `Already in ${current}.`, tone: 'info' });
    const request = await service.request(target, ctx.actor);
    if (!request.ok) return ctx.reply(refused(request.error, `Cannot switch to ${target}`));
    const change = request.value;
    const checks = change.checks.map((c) => `${c.ok ? '✔' : '✖'} ${c.name}: ${c.detail}`).join('\n') || '(no checks)';
    if (!change.ready) return ctx.reply({ title: `Cannot switch to ${target}`, text: 'Some checks failed:', code: checks, tone: 'bad', refused: true });
    const answer = await ctx.confirm(`Switch from ${change.from} to ${change.to}?\n${checks}`, { confirmLabel: `Switch to ${change.to}` });
    if (answer !== 'confirmed') {
      return ctx.reply({
        title: 'Mode unchanged',
        text: `${answer === 'expired' ? 'The confirmation expired' : 'Cancelled'}: still ${change.from}.`,
        tone: 'info',
        refused: true,
      });
    }
    const applied = await change.apply(ctx.actor);
    await ctx.reply(
      applied.ok
        ? { title: `Mode: ${change.to}`, text: applied.value, code: checks, tone: change.to === 'live' ? 'warn' : 'good' }
        : refused(applied.error, 'Switch failed'),
    );
  },
});
