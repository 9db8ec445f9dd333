// /crew: the crew instances — list, spawn, pause, resume, stop, params, set (within the schema's bounds),
// and the road to real money: record (its track record beside its backtest), promote, demote.
import type { OptionValues, Reply } from '../src/chat/command.ts';
import { defineCommand } from '../src/chat/define-command.ts';
import { paramsOption } from '../src/chat/options.ts';
import { fixed, money, refused, signed, table } from '../src/chat/render.ts';
import type { ChatServices } from '../src/chat/services.ts';
import { INTERVALS } from '../src/core/domain.ts';
import { RoundingMode } from '../src/core/money.ts';
import type { Actor } from '../src/services/result.ts';
import type { TrackRecordView } from '../src/services/promotion.ts';
import type { Kpis } from '../src/backtest/kpis.ts';

const crewOption = { name: 'crew', description: 'The crew instance', type: 'string', required: true, autocomplete: 'crew', maxLength: 40 } as const;

export default defineCommand({
  data: {
    name: 'crew',
    description: 'List, spawn, pause, resume, stop and tune crew instances',
    subcommands: [
      { name: 'list', description: 'Every crew instance with its status and PnL' },
      {
        name: 'spawn',
        description: 'Start a new crew instance',
        mutating: true,
        options: [
          { name: 'module', description: 'The crew module (crews/<module>.ts)', type: 'string', required: true, autocomplete: 'module', maxLength: 60 },
          { name: 'symbol', description: 'Binance spot symbol, e.g. BTCUSDT', type: 'string', required: true, autocomplete: 'symbol', maxLength: 20 },
          { name: 'interval', description: 'Candle interval', type: 'string', required: true, choices: INTERVALS.map((i) => ({ name: i, value: i })) },
          { name: 'params', description: 'Params as JSON, e.g. {"fast": 12, "slow": 40}', type: 'string', maxLength: 1000 },
          { name: 'capital', description: 'Quote allocated (default: what the team has unallocated)', type: 'string', maxLength: 24 },
          { name: 'team', description: 'The team (default: the only team)', type: 'string', autocomplete: 'team', maxLength: 32 },
          { name: 'id', description: 'Instance name (default: module-symbol-interval)', type: 'string', maxLength: 40 },
        ],
      },
      {
        name: 'pause',
        description: 'No new decisions; its exits still protect its position',
        mutating: true,
        options: [crewOption, { name: 'reason', description: 'Why (kept in the journal)', type: 'string', maxLength: 200 }],
      },
      { name: 'resume', description: 'Resume a paused or stopped crew', mutating: true, options: [crewOption] },
      { name: 'stop', description: 'Stop a crew for good: no decisions, no exits', mutating: true, options: [crewOption] },
      { name: 'params', description: 'A crew’s params with their bounds', options: [crewOption] },
      {
        name: 'set',
        description: 'Set one param (checked against its bounds)',
        mutating: true,
        options: [
          crewOption,
          { name: 'param', description: 'The param', type: 'string', required: true, autocomplete: 'param', maxLength: 60 },
          { name: 'value', description: 'The new value', type: 'string', required: true, maxLength: 100 },
        ],
      },
      { name: 'record', description: 'Its track record on its venue beside its backtest: KPIs, drift, the promotion gate', options: [crewOption] },
      {
        name: 'promote',
        description: 'Owner: move a crew from paper to the exchange, by its record (asks to confirm)',
        mutating: true,
        options: [
          crewOption,
          { name: 'capital', description: 'Quote it trades with on the exchange', type: 'string', required: true, maxLength: 24 },
          { name: 'override', description: 'Promote although the gate fails (audited)', type: 'boolean' },
        ],
      },
      {
        name: 'demote',
        description: 'Owner: move a crew from the exchange back to paper',
        mutating: true,
        options: [
          crewOption,
          {
            name: 'position',
            description: 'Its exchange position: close (sell at market) or handover (leave it to you)',
            type: 'string',
            choices: [
              { name: 'close: sell it at market', value: 'close' },
              { name: 'handover: leave it in the account, yours', value: 'handover' },
            ],
          },
        ],
      },
    ],
  },
  async execute(ctx) {
    const desk = ctx.services.desk;
    const crew = ctx.options.string('crew') ?? '';
    switch (ctx.subcommand) {
      case 'list':
        return ctx.reply(list(ctx.services));
      case 'spawn':
        return ctx.reply(await spawn(ctx.services, ctx.actor, ctx.options));
      case 'pause': {
        const r = await desk.pauseCrew(crew, ctx.actor, ctx.options.string('reason') ?? `paused by ${ctx.actor.id}`);
        return ctx.reply(r.ok ? { title: 'Crew paused', text: r.value, tone: 'warn' } : refused(r.error));
      }
      case 'resume': {
        const r = await desk.resumeCrew(crew, ctx.actor);
        return ctx.reply(r.ok ? { title: 'Crew resumed', text: r.value, tone: 'good' } : refused(r.error));
      }
      case 'stop': {
        const r = await desk.stopCrew(crew, ctx.actor);
        return ctx.reply(r.ok ? { title: 'Crew stopped', text: r.value, tone: 'warn' } : refused(r.error));
      }
      case 'params': {
        const r = desk.crewParams(crew);
        if (!r.ok) return ctx.reply(refused(r.error));
        const { values, bounds } = r.value;
        return ctx.reply({
          title: `Params of ${crew} (${r.value.module})`,
          tone: 'info',
          code: table(
            ['param', 'value', 'min', 'max', 'default'],
            bounds.map((b) => [b.name, JSON.stringify(values[b.name]), b.min ?? '—', b.max ?? '—', JSON.stringify(b.default)]),
          ),
          text: 'Change one with /crew set.',
        });
      }
      case 'record': {
        await ctx.progress(`Replaying ${crew}'s candles through its backtest…`);
        const r = await desk.trackRecord(crew);
        if (!r.ok) return ctx.reply(refused(r.error));
        return ctx.reply({ ...recordReply(r.value), files: [{ name: `record-${crew}.png`, data: await desk.trackRecordChart(r.value) }] });
      }
      case 'promote': {
        const capital = ctx.options.string('capital') ?? '';
        const override = ctx.options.boolean('override') === true;
        const cannot = desk.promotionRefusal(crew, capital, ctx.actor);
        if (cannot) return ctx.reply(refused(cannot, 'Not promoted'));
        await ctx.progress(`Replaying ${crew}'s candles through its backtest…`);
        const r = await desk.trackRecord(crew);
        if (!r.ok) return ctx.reply(refused(r.error));
        // A failing gate without an override is refused at once (and audited) by the service.
        if (r.value.gate.pass || override) {
          await ctx.reply(recordReply(r.value));
          const answer = await ctx.confirm(
            `Promote ${crew} to the exchange with ${capital} quote — REAL orders${r.value.gate.pass ? '' : `, OVERRIDING the gate (failing: ${r.value.gate.failing.join('; ')})`}?`,
            { confirmLabel: 'Promote' },
          );
          if (answer !== 'confirmed') {
            return ctx.reply({
              title: 'Not promoted',
              text: `${answer === 'expired' ? 'The confirmation expired' : 'Cancelled'}: ${crew} stays on paper.`,
              tone: 'info',
              refused: true,
            });
          }
        }
        const done = await desk.promoteCrew(crew, capital, ctx.actor, { override });
        return ctx.reply(done.ok ? { title: 'Crew promoted', text: done.value, tone: 'warn' } : refused(done.error, 'Not promoted'));
      }
      case 'demote': {
        const position = ctx.options.string('position') as 'close' | 'handover' | undefined;
        const r = await desk.demoteCrew(crew, ctx.actor, position);
        return ctx.reply(r.ok ? { title: 'Crew demoted', text: r.value, tone: 'info' } : refused(r.error, 'Not demoted'));
      }
      case 'set': {
        const param = ctx.options.string('param') ?? '';
        const r = await desk.setParam(crew, param, ctx.options.string('value') ?? '', ctx.actor);
        return ctx.reply(
          r.ok
            ? { title: 'Param set', text: `${crew}: ${param} ${JSON.stringify(r.value.from)} → ${JSON.stringify(r.value.to)}`, tone: 'good' }
            : refused(r.error),
        );
      }
    }
  },
});

/** A track record beside its backtest: KPIs of both, the drift, and the promotion gate. */
function recordReply(view: TrackRecordView): Reply {
  const { record: live, backtest, drift } = view.record;
  const num = (v: number | null) => (v === null ? '—' : fixed(v));
  const row = (name: string, k: Kpis, finalEquity: number, fills: number) => [
    name,
    `${signed(k.totalReturnPct)}%`,
    money(finalEquity),
    `${fixed(k.maxDrawdownPct)}%`,
    num(k.sharpe),
    num(k.profitFactor),
    String(k.roundTrips),
    String(fills),
    money(k.feesPaid),
  ];
  const gate = view.gate.criteria.map((c) => `${c.ok ? 'pass' : 'FAIL'}  ${c.text}`);
  return {
    title: `Track record of ${view.crewId} on ${view.venue}: ${view.days.toFixed(1)} days, ${view.record.candles} candles`,
    tone: drift.flagged || !view.gate.pass ? 'warn' : 'good',
    code: [
      table(
        ['', 'return', 'equity', 'max dd', 'sharpe', 'pf', 'trips', 'fills', 'fees'],
        [row('record', live.kpis, live.finalEquity, live.fills.length), row('backtest', backtest.kpis, backtest.finalEquity, backtest.fills.length)],
      ),
      '',
      `drift ${fixed(drift.driftPct)}% of the starting equity (${signed(drift.equityDiff)}): ${drift.matched} fills matched, ${drift.missing.length} missing, ${drift.extra.length} extra; slippage ${signed(drift.slippageQuote)} (${fixed(drift.slippageBps)} bps); fees ${signed(drift.feesDiff)} against the backtest${drift.flagged ? `\nDRIFT FLAGGED: ${drift.reasons.join('; ')}` : ''}`,
      '',
      `promotion gate: ${view.gate.pass ? 'PASSES' : 'fails'}`,
      ...gate,
    ].join('\n'),
  };
}

function list(services: ChatServices): Reply {
  const crews = services.desk.crewList();
  // Paper beside the exchange: each crew's venue.
  const twoVenues = services.desk.desk.venues.separate;
  if (crews.length === 0) return { title: 'Crews', text: 'No crew instances. Start one with /crew spawn.', tone: 'info' };
  return {
    title: 'Crews',
    tone: 'info',
    code: table(
      ['crew', 'team', 'module', 'market', ...(twoVenues ? ['venue'] : []), 'status', 'capital', 'equity', 'pnl', 'dd %'],
      crews.map((c) => [
        c.id,
        c.team,
        c.module,
        `${c.symbol} ${c.interval}`,
        ...(twoVenues ? [c.venue] : []),
        c.status,
        money(c.capital),
        money(c.equity),
        signed(c.pnl),
        fixed(c.drawdownPct),
      ]),
    ),
  };
}

async function spawn(services: ChatServices, actor: Actor, options: OptionValues): Promise<Reply> {
  const desk = services.desk;
  const params = paramsOption(options.string('params'));
  if (!params.ok) return refused(params.error);
  const teams = desk.teamList();
  const teamName = options.string('team') ?? (teams.length === 1 ? teams[0]!.name : null);
  if (!teamName) return refused(`there are several teams (${teams.map((t) => t.name).join(', ')}): say which one with the team option`);
  let capital = options.string('capital');
  const free = desk.unallocated(teamName);
  if (!capital && free !== undefined) {
    if (free.lte(0)) return refused(`team ${teamName} has no unallocated capital: give the crew a capital, and free some first with /team allocate`);
    capital = free.round(2, RoundingMode.down).toFixed(2);
  }
  const id = options.string('id');
  const result = await desk.spawnCrew(
    {
      team: teamName,
      crew: options.string('module') ?? '',
      symbol: options.string('symbol') ?? '',
      interval: options.string('interval') ?? '',
      params: params.value,
      capital: capital ?? '',
      ...(id ? { id } : {}),
    },
    actor,
  );
  return result.ok ? { title: 'Crew spawned', text: result.value, tone: 'good' } : refused(result.error);
}
