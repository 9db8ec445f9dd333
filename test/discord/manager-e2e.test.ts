// End to end, offline: the owner talks to the manager in the manager channel of a fake Discord;
// the REAL ChatOpenAI (non-streaming) calls an OpenAI-compatible stub on 127.0.0.1, which answers
// with a tool call; the change comes back as a proposal with buttons; the owner clicks Approve; the
// change is journaled and the crew then trades with it.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatServices } from '../../src/chat/services.ts';
import { postManagerEvents } from '../../src/discord/manager-events.ts';
import { managerConfigSchema } from '../../src/config/manager.ts';
import { ManagerService } from '../../src/manager/index.ts';
import { flatCandles } from '../support/desk-harness.ts';
import { OpenAIStub } from '../fakes/openai-stub/server.ts';
import { type DiscordDesk, openDiscordDesk, seen } from './discord-harness.ts';

let d: DiscordDesk | undefined;
let stub: OpenAIStub | undefined;
let manager: ManagerService | undefined;
afterEach(async () => {
  await manager?.close();
  await d?.close();
  await stub?.close();
  d = undefined;
  stub = undefined;
  manager = undefined;
});

const RATIONALE = 'sma whipsaws on every wiggle with slow=3; slow=5 (bounds 2–500) smooths it.';

describe('the manager through Discord, on the real ChatOpenAI', () => {
  it('ends a conversation in an approved, journaled parameter change that the crew then uses', async () => {
    stub = await OpenAIStub.start();
    stub.script(
      {
        toolCalls: [{ name: 'adjust_params', arguments: { crew: 'sma', param: 'slow', value: 5, rationale: RATIONALE } }],
        usage: { prompt_tokens: 1_200, completion_tokens: 40 },
      },
      { content: 'I proposed raising sma slow from 3 to 5. Nothing changes until you approve.', usage: { prompt_tokens: 1_300, completion_tokens: 20 } },
    );
    d = await openDiscordDesk();
    manager = await ManagerService.create({
      service: d.services.desk,
      config: managerConfigSchema.parse({ provider: { model: 'stub-model', maxRetries: 0 } }),
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: stub.baseUrl },
    });
    (d.services as { manager?: ChatServices['manager'] }).manager = manager;
    manager.subscribe(postManagerEvents(d.bot));

    d.fake.sendMessage({ channelId: d.channels.manager, author: d.owner, content: 'sma whipsaws too much — make its slow average 5' });
    const answer = await d.fake.awaitMessage(d.channels.manager, (m) => m.content.includes('I proposed raising sma slow'));
    expect(d.h.desk.engine.crews.get('sma')!.params.slow).toBe(3); // advise mode: nothing yet

    const proposal = await d.fake.waitFor(
      () =>
        [d!.channels.manager, d!.channels.alerts]
          .flatMap((c) => d!.fake.messages(c))
          .find((m) => m.customIds.some((id) => id.startsWith('crewdesk:proposal:approve:'))),
      'the proposal with its buttons',
    );
    expect(seen(proposal)).toContain('sma: slow 3 → 5');
    const approve = proposal.customIds.find((id) => id.startsWith('crewdesk:proposal:approve:'))!;

    // A stranger's click does nothing; the owner's approves.
    const stranger = d.fake.clickButton({ customId: approve, messageId: proposal.id, user: d.stranger });
    expect(seen(await stranger.awaitReply())).toContain('Not allowed');
    expect(d.h.desk.engine.crews.get('sma')!.params.slow).toBe(3);
    const owner = d.fake.clickButton({ customId: approve, messageId: proposal.id, user: d.owner });
    expect(seen(await owner.awaitReply())).toContain('sma: slow 3 → 5');
    expect(d.h.desk.engine.crews.get('sma')!.params.slow).toBe(5);

    // Journaled: the proposal, the owner's approval, and the change with its rationale, by the manager.
    const audit = await d.h.desk.journal.getAudit();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['manager.proposal.created', 'manager.proposal.approved', 'crew.set']));
    expect(audit.find((a) => a.action === 'crew.set')).toMatchObject({
      actor: 'manager',
      via: 'manager',
      detail: { crew: 'sma', param: 'slow', from: 3, to: 5, rationale: RATIONALE },
    });

    // The crew uses it: its next buy names SMA(5).
    await d.trade(flatCandles([...Array.from({ length: 8 }, () => 100), 110, 112]));
    await d.h.desk.journal.flush();
    const buys = (await d.h.desk.journal.getAdvice({ crewId: 'sma' })).filter((a) => a.action === 'buy');
    expect(buys.map((a) => a.reason)).toEqual([expect.stringMatching(/crossed above SMA\(5\)/)]);

    // What the real client sent: non-streaming chat completions with the key.
    expect(stub.chats.length).toBe(2);
    expect(stub.chats.every((c) => c.model === 'stub-model' && !c.stream)).toBe(true);
    expect(stub.requests.every((r) => r.headers.authorization === 'Bearer test-key')).toBe(true);
  });
});
