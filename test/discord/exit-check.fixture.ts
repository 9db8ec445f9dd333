/**
 * Run by test/discord/lifecycle.test.ts in a child process (`node --import tsx`): start the whole
 * Discord transport on a real desk, answer a command, post an alert, take a confirmation prompt
 * that nobody answers, then close everything and print FIXTURE_DONE. The process must then exit
 * on its own: a timer, socket or queue left behind by the transport keeps it alive and fails the test.
 */
import { bidderCandles } from '../chat/chat-harness.ts';
import { openDiscordDesk } from './discord-harness.ts';

const d = await openDiscordDesk();
if (d.h.desk.engine.crews.size !== 2) throw new Error(`crews did not load: ${JSON.stringify(d.h.desk.problems)}`);
await d.trade(bidderCandles());
await d.fake.sendSlashCommand({ name: 'status', user: d.owner }).awaitReply();
await d.fake.awaitMessage(d.channels.trades, (m) => m.content.includes('BUY'));
const flatten = d.fake.sendSlashCommand({ name: 'halt', user: d.owner, options: { level: 'flatten' } });
await flatten.awaitReply((m) => m.customIds.length === 2);
await d.close(); // the open confirmation is cancelled: nobody is left to answer it
if (d.errors().length > 0) throw new Error(`errors logged: ${JSON.stringify(d.errors())}`);
console.log('FIXTURE_DONE');
