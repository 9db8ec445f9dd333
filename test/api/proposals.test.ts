// The manager's proposals through the API: listed with whether the token holder may answer them,
// approved through the manager's own approve (the change made by the desk service, audited with
// who approved via api), refused for a proposal made for another owner; the LLM's usage read.
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.ts';
import { Metrics } from '../../src/api/metrics.ts';
import { API_ACTOR } from '../../src/api/context.ts';
import { apiConfigSchema } from '../../src/config/api.ts';
import { answer, callTools, fakeModel, type ManagerHarness, openManager, OWNER } from '../manager/manager-harness.ts';
import { asChange, asReader, CHANGE_TOKEN, READ_TOKEN } from './api-harness.ts';

const RAISE_FAST = {
  name: 'adjust_params',
  args: { crew: 'sma-btc', param: 'fast', value: 12, rationale: 'Fewer whipsaws.' },
};

let m: ManagerHarness | undefined;
afterEach(async () => {
  await m?.dispose();
  m = undefined;
});

describe('proposals through the API', () => {
  it('lists them, approves the one it may answer, and refuses one made for another owner', async () => {
    const model = fakeModel()
      .respond(callTools([RAISE_FAST]))
      .respond(answer('Proposed.'))
      .respond(callTools([{ ...RAISE_FAST, args: { ...RAISE_FAST.args, value: 14 } }]))
      .respond(answer('Proposed too.'));
    m = await openManager({ model });
    const forApi = (await m.manager.converse('tune sma-btc', 'api-chan', API_ACTOR)).proposals[0]!;
    const forOwner = (await m.manager.converse('tune sma-btc', 'chan-1', OWNER)).proposals[0]!;
    const metrics = new Metrics({ bus: m.h.desk.bus });
    const api = await buildApi({
      services: { desk: m.service, manager: m.manager },
      bus: m.h.desk.bus,
      metrics,
      tokens: { change: CHANGE_TOKEN, read: READ_TOKEN },
      config: apiConfigSchema.parse({ port: 0 }),
    });
    try {
      const list = (await api.app.inject({ method: 'GET', url: '/api/v1/proposals', headers: asReader })).json() as { id: string; answerable: boolean }[];
      expect(list).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: forApi.id, answerable: true, summary: 'sma-btc: fast 10 → 12' }),
          expect.objectContaining({ id: forOwner.id, answerable: false, ownerId: OWNER.id }),
        ]),
      );

      const refused = await api.app.inject({ method: 'POST', url: `/api/v1/proposals/${forOwner.id}/approve`, headers: asChange, payload: {} });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toContain(`is for the owner who asked (${OWNER.id})`);

      const approved = await api.app.inject({ method: 'POST', url: `/api/v1/proposals/${forApi.id}/approve`, headers: asChange, payload: {} });
      expect(approved.statusCode).toBe(200);
      expect(approved.json().message).toMatch(/^Approved and done/);
      expect(m.h.desk.engine.crews.get('sma-btc')!.params.fast).toBe(12);
      expect((await m.audits('manager.proposal.approved'))[0]).toMatchObject({ actor: 'api', via: 'api', detail: { id: forApi.id } });

      const again = await api.app.inject({ method: 'POST', url: `/api/v1/proposals/${forApi.id}/approve`, headers: asChange, payload: {} });
      expect(again.statusCode).toBe(404);

      const usage = (await api.app.inject({ method: 'GET', url: '/api/v1/llm/usage', headers: asReader })).json();
      expect(usage).toMatchObject({ today: { calls: 4, input: 400, output: 80 } });
    } finally {
      await api.close();
      metrics.close();
    }
  }, 60_000);
});
