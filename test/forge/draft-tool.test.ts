// The manager's draft_crew tool over the real ChatOpenAI and the stub: the model calls it, the
// forge drafts as the manager (not an owner), the answer names the draft and says only the owner
// approves; the manager has no tool that approves. The forge here is a recording stand-in: the
// forge itself is proven in service.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Draft } from '../../src/forge/drafts.ts';
import type { ForgeDrafter } from '../../src/forge/draft-tool.ts';
import { ok } from '../../src/services/result.ts';
import { type ChatRequest, OpenAIStub } from '../fakes/openai-stub/server.ts';
import { type ManagerHarness, openManager, OWNER } from '../manager/manager-harness.ts';

let stub: OpenAIStub;
let m: ManagerHarness | undefined;
beforeEach(async () => {
  stub = await OpenAIStub.start();
});
afterEach(async () => {
  await m?.dispose();
  m = undefined;
  await stub.close();
});

describe('draft_crew', () => {
  it('starts the forge as the manager and cannot approve', async () => {
    const asked: { idea: string; via: string; isOwner: boolean }[] = [];
    const forge: ForgeDrafter = {
      async draft(request, actor) {
        asked.push({ idea: request.idea, via: actor.via, isOwner: actor.isOwner });
        return ok({ id: 'f7', name: 'ema-trend-rsi', state: 'proven', failure: null, attempts: [{}], proof: null } as unknown as Draft);
      },
    };
    let toolsSent: ChatRequest['tools'];
    let toolAnswer = '';
    stub.script(
      (request) => {
        toolsSent = request.tools;
        return { toolCalls: [{ name: 'draft_crew', arguments: { idea: 'buy above the 200 EMA when the RSI crosses up through 35' } }] };
      },
      (request) => {
        toolAnswer = String(request.messages.at(-1)?.content);
        return { content: 'I drafted f7 (ema-trend-rsi). Read /forge show f7 and decide.' };
      },
    );
    m = await openManager({ env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: stub.baseUrl }, config: { provider: { model: 'stub-model', maxRetries: 0 } } });
    m.manager.attachForge(forge);
    const reply = await m.manager.converse('Write me a crew that buys above the 200 EMA on an RSI cross up through 35.', 'console', OWNER);
    expect(reply.outcome).toBe('answered');
    expect(asked).toEqual([{ idea: 'buy above the 200 EMA when the RSI crosses up through 35', via: 'manager', isOwner: false }]);
    expect(JSON.parse(toolAnswer)).toMatchObject({
      draft: 'f7',
      crew: 'ema-trend-rsi',
      state: 'proven',
      next: expect.stringContaining('Only the owner can approve'),
    });
    const names = toolsSent!.map((t) => t.function.name);
    expect(names).toContain('draft_crew');
    expect(names.filter((n) => /approve|forge/.test(n))).toEqual([]);
  }, 120_000);
});
