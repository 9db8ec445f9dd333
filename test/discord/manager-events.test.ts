// The manager's events on Discord: the report with its chart, proposals with buttons where the
// conversation was, decisions and alerts as lines.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../src/chat/command.ts';
import { type AlertPost, DiscordAlerts } from '../../src/discord/alerts.ts';
import { postManagerEvents } from '../../src/discord/manager-events.ts';
import type { ProposalView } from '../../src/discord/render.ts';
import type { ManagerEvent } from '../../src/manager/index.ts';

describe('postManagerEvents', () => {
  it('routes the report, proposals, decisions, actions, alerts and evaluations', async () => {
    const posted: { channelId: string; post: AlertPost }[] = [];
    const alerts = new DiscordAlerts({
      channels: { alerts: '100000000000000002', manager: '100000000000000004' },
      ownerIds: ['900000000000000002'],
      post: async (channelId, post) => void posted.push({ channelId, post }),
      coalesceMs: 0,
    });
    const reports: Reply[] = [];
    const proposals: [ProposalView, string | null | undefined][] = [];
    const listen = postManagerEvents({
      alerts,
      postReport: async (r) => (reports.push(r), true),
      postProposal: async (p, c) => (proposals.push([p, c]), true),
    });
    const proposal = { id: 'p-1', summary: 'set sma slow to 5', conversationKey: '100000000000000004' } as never;
    const events = [
      { type: 'report', at: 0, report: { title: 'Daily report 2024-01-01', text: 'equity up', chartPng: Buffer.from([1]) } },
      { type: 'proposal', proposal },
      { type: 'decision', decision: 'approved', proposal, by: '900000000000000002', result: 'sma slow 3 → 5', at: 0 },
      { type: 'alert', kind: 'budget', message: 'daily budget reached', at: 0 },
      { type: 'evaluation', text: 'all calm', proposals: [], actions: [], at: 0 },
    ] as unknown as ManagerEvent[];
    for (const e of events) listen(e);
    await alerts.flush();
    expect(reports).toEqual([{ title: 'Daily report 2024-01-01', text: 'equity up', tone: 'info', files: [{ name: 'equity.png', data: Buffer.from([1]) }] }]);
    expect(proposals).toEqual([[proposal, '100000000000000004']]);
    const lines = posted
      .filter((p) => p.channelId === '100000000000000002')
      .map((p) => p.post.content)
      .join('\n');
    expect(lines).toContain('✅ proposal p-1 (set sma slow to 5) approved by <@900000000000000002>: sma slow 3 → 5');
    expect(lines).toContain('🤖 manager [budget]: daily budget reached');
    expect(posted.find((p) => p.channelId === '100000000000000004')?.post.embeds?.[0]).toMatchObject({
      title: 'The manager’s evaluation',
      description: 'all calm',
    });
    await alerts.close(0);
  });
});
