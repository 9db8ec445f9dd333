// What the manager does, on Discord: the daily report to #reports (with its chart), each proposal
// with Approve / Reject buttons in the conversation it came from (else #alerts), decisions,
// actions and the manager's own alerts as lines in #alerts, the scheduled evaluation in the
// manager channel. All through the alert queues: never awaited by the manager, never thrown.
import type { ManagerEvent } from '../manager/index.ts';
import type { DiscordHandle } from './bot.ts';
import { renderReply } from './render.ts';

const SNOWFLAKE = /^\d{17,20}$/;

/** A listener for `manager.subscribe(...)`. */
export function postManagerEvents(discord: Pick<DiscordHandle, 'alerts' | 'postReport' | 'postProposal'>): (event: ManagerEvent) => void {
  const who = (id: string | null) => (id === null ? 'nobody' : SNOWFLAKE.test(id) ? `<@${id}>` : id);
  return (event) => {
    switch (event.type) {
      case 'report': {
        const { report } = event;
        void discord.postReport({
          title: report.title,
          text: report.text,
          tone: 'info',
          ...(report.chartPng ? { files: [{ name: 'equity.png', data: report.chartPng }] } : {}),
        });
        return;
      }
      case 'proposal':
        void discord.postProposal(event.proposal, event.proposal.conversationKey);
        return;
      case 'decision': {
        const p = event.proposal;
        const icon = event.decision === 'approved' ? '✅' : event.decision === 'rejected' ? '❌' : '⌛';
        discord.alerts.queueLine(
          'alerts',
          `${icon} proposal ${p.id} (${p.summary}) ${event.decision}${event.by ? ` by ${who(event.by)}` : ''}${event.result ? `: ${event.result}` : ''}`,
        );
        return;
      }
      case 'action':
        discord.alerts.queueLine('alerts', `🤖 manager ${event.ok ? 'did' : 'failed to do'}: ${event.summary} → ${event.result}`);
        return;
      case 'alert':
        discord.alerts.queueLine('alerts', `🤖 manager [${event.kind}]: ${event.message}`);
        return;
      case 'evaluation': {
        const channel = discord.alerts.channelFor('manager') ?? discord.alerts.channelFor('alerts');
        if (channel) void discord.alerts.postMessages(channel, renderReply({ title: 'The manager’s evaluation', text: event.text, tone: 'info' }));
        return;
      }
    }
  };
}
