// /forge: the crew forge — a new crew written from an idea, checked, proven in a sandbox, and
// approved or rejected by the owner. Approve and reject are hard: the manager may never run them.
import type { CommandContext, Reply } from '../src/chat/command.ts';
import type { ChatServices } from '../src/chat/services.ts';
import { defineCommand } from '../src/chat/define-command.ts';
import { refused, table } from '../src/chat/render.ts';
import { INTERVALS, isInterval } from '../src/core/domain.ts';
import type { Draft } from '../src/forge/drafts.ts';
import { forgeReportText } from '../src/forge/report.ts';
import { readFileSync } from 'node:fs';

const draftOption = {
  name: 'draft',
  description: 'The draft id (f1, f2, …) or the crew name it proposes',
  type: 'string',
  required: true,
  maxLength: 60,
} as const;
const intervalChoices = INTERVALS.map((i) => ({ name: i, value: i }));

export default defineCommand({
  data: {
    name: 'forge',
    description: 'Write new crews from an idea: checked, proven in a sandbox, approved by the owner',
    // Drafting calls the model and proves in a sandbox: tens of seconds.
    slow: true,
    subcommands: [
      {
        name: 'new',
        description: 'Draft a crew from an idea in plain words',
        // One option, so that the console's "/forge new <idea>" takes the whole line. A crew named in
        // the idea ("rsi-reversion with a trend filter") is the base; the proof runs on the config's symbol.
        options: [
          { name: 'idea', description: 'What the crew should do (name an existing crew to start from it)', type: 'string', required: true, maxLength: 2000 },
        ],
      },
      { name: 'list', description: 'Drafts and their state' },
      { name: 'show', description: 'A draft’s report: checks, KPIs, robustness, code', options: [draftOption] },
      {
        name: 'approve',
        description: 'Accept a proven draft’s code as your own: load it, optionally spawn it on paper',
        mutating: true,
        hard: true,
        options: [
          draftOption,
          { name: 'symbol', description: 'Spawn on paper on this symbol', type: 'string', maxLength: 20 },
          { name: 'interval', description: 'Spawn interval', type: 'string', choices: intervalChoices },
          { name: 'capital', description: 'Spawn capital (quote)', type: 'string', maxLength: 24 },
        ],
      },
      { name: 'reject', description: 'Reject a draft (it stays in the list)', mutating: true, hard: true, options: [draftOption] },
      {
        name: 'revise',
        description: 'A new attempt from a draft and your feedback',
        options: [draftOption, { name: 'feedback', description: 'What to change', type: 'string', required: true, maxLength: 2000 }],
      },
    ],
  },
  async execute(ctx) {
    const forge = ctx.services.forge;
    if (!forge)
      return ctx.reply({
        title: 'Forge',
        text: 'The forge is not configured on this desk: it needs the manager’s model (OPENAI_API_KEY) and a `forge:` section in the config.',
        tone: 'info',
      });
    const draftName = ctx.options.string('draft') ?? '';
    switch (ctx.subcommand) {
      case 'new': {
        await ctx.progress('Writing the crew, checking it, proving it in the sandbox…');
        const result = await forge.draft({ idea: ctx.options.string('idea') ?? '' }, ctx.actor);
        if (result.ok && offersButtons(ctx, result.value)) return offerApproval(ctx, result.value);
        return ctx.reply(result.ok ? draftReply(result.value) : refused(result.error, 'Forge'));
      }
      case 'revise': {
        await ctx.progress(`Revising ${draftName}…`);
        const result = await forge.revise(draftName, ctx.options.string('feedback') ?? '', ctx.actor);
        if (result.ok && offersButtons(ctx, result.value)) return offerApproval(ctx, result.value);
        return ctx.reply(result.ok ? draftReply(result.value) : refused(result.error, 'Forge'));
      }
      case 'list': {
        const drafts = forge.list();
        if (drafts.length === 0) return ctx.reply({ title: 'Forge drafts', text: 'No drafts yet: /forge new <idea>.', tone: 'info' });
        return ctx.reply({
          title: 'Forge drafts',
          code: table(
            ['draft', 'crew', 'state', 'out-of-sample', 'idea'],
            drafts.map((d) => [
              d.id,
              d.name ?? '–',
              d.state,
              d.proof?.ok ? `${d.proof.outOfSample.totalReturnPct.toFixed(2)} %` : '–',
              d.idea.length > 50 ? `${d.idea.slice(0, 49)}…` : d.idea,
            ]),
          ),
        });
      }
      case 'show': {
        const result = forge.show(draftName);
        return ctx.reply(result.ok ? draftReply(result.value, true) : refused(result.error, 'Forge'));
      }
      case 'approve': {
        const symbol = ctx.options.string('symbol')?.toUpperCase();
        const interval = ctx.options.string('interval');
        const capital = ctx.options.string('capital');
        const given = [symbol, interval, capital].filter(Boolean).length;
        if (given > 0 && given < 3)
          return ctx.reply(refused('to spawn on paper, give all of symbol, interval and capital (e.g. /forge approve f1 BTCUSDT 15m capital:1000)', 'Forge'));
        if (interval && !isInterval(interval)) return ctx.reply(refused(`unknown interval "${interval}"`, 'Forge'));
        const spawn = symbol && interval && capital && isInterval(interval) ? { symbol, interval, capital } : undefined;
        return ctx.reply(approvedReply(await forge.approve(draftName, ctx.actor, spawn)));
      }
      case 'reject':
        return ctx.reply(rejectedReply(await forge.reject(draftName, ctx.actor)));
      default:
        return ctx.reply(refused(`unknown subcommand ${ctx.subcommand ?? ''}`, 'Forge'));
    }
  },
});

type Ctx = CommandContext<ChatServices>;
type Forge = NonNullable<ChatServices['forge']>;

/** How long a report's Approve / Reject buttons stay live (Discord lets a command answer for 15 minutes). */
const APPROVAL_BUTTONS_MS = 10 * 60_000;

/**
 * On Discord, a proven draft's report carries Approve / Reject buttons: a confirmation bound to the
 * owner who asked, single-use and expiring. Never for the manager (it has no buttons to press, and
 * the service refuses it anyway); the console keeps /forge approve|reject.
 */
function offersButtons(ctx: Ctx, draft: Draft): boolean {
  return draft.state === 'proven' && ctx.actor.via === 'discord' && ctx.actor.isOwner;
}

async function offerApproval(ctx: Ctx, draft: Draft): Promise<void> {
  const forge = ctx.services.forge as Forge;
  const answer = await ctx.confirm(`Approve ${draft.name} (${draft.id})? Approving accepts its code as your own.`, {
    confirmLabel: 'Approve',
    cancelLabel: 'Reject',
    timeoutMs: APPROVAL_BUTTONS_MS,
    body: draftReply(draft),
  });
  switch (answer) {
    case 'confirmed': {
      const result = await forge.approve(draft.id, ctx.actor);
      await auditButton(ctx, 'approve', draft, result.ok);
      return ctx.reply(approvedReply(result));
    }
    case 'cancelled': {
      const result = await forge.reject(draft.id, ctx.actor);
      await auditButton(ctx, 'reject', draft, result.ok);
      return ctx.reply(rejectedReply(result));
    }
    default:
      // Expired, or the desk is stopping: the draft stays proven; the commands still decide it.
      return ctx.reply({
        title: `Forge draft ${draft.id}: not decided`,
        text: `The buttons ${answer === 'expired' ? 'expired' : 'were withdrawn'}; /forge approve ${draft.id} or /forge reject ${draft.id} still decide it.`,
        tone: 'info',
      });
  }
}

/** A button's decision is audited as the typed command would be (/forge new itself is not a mutating command). */
async function auditButton(ctx: Ctx, what: 'approve' | 'reject', draft: Draft, ok: boolean): Promise<void> {
  await ctx.services.desk.audit(ctx.actor, 'command', { command: `/forge ${what} (button)`, options: { draft: draft.id }, outcome: ok ? 'done' : 'refused' });
}

function approvedReply(result: Awaited<ReturnType<Forge['approve']>>): Reply {
  if (!result.ok) return refused(result.error, 'Forge');
  const { draft, file, spawned } = result.value;
  return {
    title: `Approved: ${draft.name}`,
    text: `Written to ${file} and loaded into the desk.${spawned ? ` Spawned on paper as ${spawned}.` : ' Spawn it with /crew spawn when you like.'}`,
    tone: 'good',
  };
}

function rejectedReply(result: Awaited<ReturnType<Forge['reject']>>): Reply {
  return result.ok
    ? { title: `Rejected: ${result.value.id}`, text: 'The draft and its report stay in /forge list.', tone: 'info' }
    : refused(result.error, 'Forge');
}

function draftReply(draft: Draft, withCode = false): Reply {
  const tone = draft.state === 'proven' || draft.state === 'approved' ? 'good' : draft.state === 'failed' ? 'bad' : 'info';
  const next = draft.state === 'proven' ? `\nApprove with /forge approve ${draft.id} [SYMBOL INTERVAL capital:N], or /forge reject ${draft.id}.` : '';
  let files: { name: string; data: Buffer }[] = [];
  if (draft.chartFile) {
    try {
      files = [{ name: `forge-${draft.id}.png`, data: readFileSync(draft.chartFile) }];
    } catch {
      files = [];
    }
  }
  return {
    title: `Forge draft ${draft.id}${draft.name ? `: ${draft.name}` : ''}`,
    code: forgeReportText(draft, { withCode }) + next,
    tone,
    ...(files.length ? { files } : {}),
  };
}
