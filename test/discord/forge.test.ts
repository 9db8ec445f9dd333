// The crew forge on Discord, with the real discord.js client against the fake Discord and the real
// ChatOpenAI against the stub: /forge new answers with the report as an embed carrying Approve /
// Reject buttons bound to the owner who asked (single-use, expiring). A stranger's press and the
// manager's answer are refused and write nothing; the owner's Approve writes the module and
// hot-loads it into the running desk.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfirmationButton } from '../../src/discord/render.ts';
import { PROJECT_ROOT } from '../../src/forge/checks.ts';
import { deskForgeHost } from '../../src/forge/desk-host.ts';
import { langchainForgeModel } from '../../src/forge/model.ts';
import { type ForgeHost, ForgeService } from '../../src/forge/service.ts';
import type { DeskService } from '../../src/services/desk-service.ts';
import { MANAGER } from '../chat/chat-harness.ts';
import { candlePath } from '../data/candle-fixtures.ts';
import { OpenAIStub } from '../fakes/openai-stub/server.ts';
import { GOOD_DRAFT, GOOD_NAME } from '../forge/drafts.ts';
import { type DiscordDesk, expectCleanRun, openDiscordDesk, seen } from './discord-harness.ts';

let stub: OpenAIStub | undefined;
let d: DiscordDesk | undefined;
const forgedDir = join(PROJECT_ROOT, 'crews', `forged-discord-test-${process.pid}`);

afterAll(async () => {
  if (d) expectCleanRun(d);
  await d?.close();
  await stub?.close();
  rmSync(forgedDir, { recursive: true, force: true });
});

async function openForgeDesk(): Promise<DiscordDesk> {
  stub = await OpenAIStub.start();
  // The forge acts on the desk the harness builds, which exists only once the harness does.
  let host: ForgeHost | undefined;
  const desk = (): ForgeHost =>
    host ??
    (() => {
      throw new Error('no desk yet');
    })();
  const lazy: ForgeHost = {
    crewNames: () => desk().crewNames(),
    crewSource: (name) => desk().crewSource(name),
    addCrewModule: (file) => desk().addCrewModule(file),
    spawnPaper: (request, actor) => desk().spawnPaper(request, actor),
  };
  const model = new ChatOpenAI({
    model: 'stub-model',
    apiKey: 'sk-test',
    configuration: { baseURL: stub.baseUrl },
    streaming: false,
    useResponsesApi: false,
    maxRetries: 0,
  });
  const budget = { check: async () => ({ ok: true as const }), record: async () => {} };
  const forge = new ForgeService(mkdtempSync(join(tmpdir(), 'crewdesk-forge-discord-')), langchainForgeModel(model, 30_000), budget, lazy, {
    maxAttempts: 3,
    data: [candlePath('btc1h')],
    symbol: 'BTCUSDT',
    interval: '1h',
    inSampleShare: 0.7,
    limits: { timeoutMs: 240_000, memoryMb: 512 },
    forgedDir,
    cash: 10_000,
    feeBps: 10,
  });
  const opened = await openDiscordDesk({ services: { forge } });
  host = deskForgeHost(opened.h.desk, opened.services.desk as DeskService);
  return opened;
}

describe('/forge on Discord', () => {
  it('shows the report with Approve / Reject bound to the owner; a stranger and the manager are refused; the owner’s Approve hot-loads the crew', async () => {
    d = await openForgeDesk();
    stub!.script({ toolCalls: [{ name: 'submit_crew', arguments: { fileName: `${GOOD_NAME}.ts`, source: GOOD_DRAFT } }] });

    const forge = d.fake.sendSlashCommand({ name: 'forge', user: d.owner, subcommand: 'new', options: { idea: 'an RSI bounce above the 50 EMA' } });
    const report = await forge.awaitReply((m) => m.customIds.length === 2, { timeoutMs: 240_000 });
    // The report itself carries the buttons: public, with the KPIs and the chart in its embed.
    expect(report.ephemeral).toBe(false);
    expect(seen(report)).toMatch(/Forge draft f1 — ema-rsi-dip \(proven\)/);
    expect(seen(report)).toContain('out-of-sample');
    expect(seen(report)).toContain('Only the person who ran the command can answer');
    expect(report.attachments.map((a) => a.filename)).toEqual(['forge-f1.png']);
    expect(report.embeds.at(-1)?.image?.url).toBe('attachment://forge-f1.png');
    const buttons = report.message.components?.[0];
    expect(JSON.stringify(buttons)).toMatch(/"label":"Approve".*"label":"Reject"/);
    const [approveId, rejectId] = report.customIds;
    expect(parseConfirmationButton(approveId!)).toMatchObject({ answer: 'confirm' });
    expect(parseConfirmationButton(rejectId!)).toMatchObject({ answer: 'cancel' });
    const file = join(forgedDir, `${GOOD_NAME}.ts`);

    // A stranger's press is refused privately; nothing is written and the buttons stay.
    const strangerClick = d.fake.clickButton({ customId: approveId!, messageId: report.id, user: d.stranger });
    expect(seen(await strangerClick.awaitReply())).toContain('crewdesk only takes commands from its owners');
    expect(report.customIds).toHaveLength(2);
    expect(existsSync(file)).toBe(false);

    // The manager has no button to press; answering the token for it is refused all the same.
    const { token } = parseConfirmationButton(approveId!);
    const byManager = await d.dispatcher.answerConfirmation(token, MANAGER, 'confirm');
    expect(byManager?.text).toContain('only the person who ran the command can answer');
    expect(existsSync(file)).toBe(false);

    // The owner's Approve: the prompt loses its buttons, the module is written and loaded into this desk.
    const click = d.fake.clickButton({ customId: approveId!, messageId: report.id, user: d.owner });
    expect((await click.awaitResponse()).type).toBe(7);
    expect(report.customIds).toEqual([]);
    const approved = await forge.awaitFollowUp((m) => seen(m).includes(`Approved: ${GOOD_NAME}`), { timeoutMs: 60_000 });
    expect(seen(approved)).toContain('loaded into the desk');
    expect(existsSync(file)).toBe(true);
    expect(d.services.forge!.show('f1')).toMatchObject({ ok: true, value: { state: 'approved' } });
    expect(deskForgeHost(d.h.desk, d.services.desk as DeskService).crewNames()).toContain(GOOD_NAME);

    // Single use: a second press is not accepted.
    const again = await d.dispatcher.answerConfirmation(token, { id: d.owner.id, via: 'discord', isOwner: false }, 'cancel');
    expect(again?.text).toContain('already answered');
    expect(d.services.forge!.show('f1')).toMatchObject({ ok: true, value: { state: 'approved' } });
    const audit = await d.h.desk.journal.getAudit();
    expect(audit.some((a) => a.actor === d!.owner.id && JSON.stringify(a).includes('/forge approve (button)'))).toBe(true);
  }, 300_000);
});
