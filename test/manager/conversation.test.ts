// Conversation: memory per channel or DM, bounded; the same manager behind the console's free
// text as behind Discord (it is the chat's ManagerChat as it is).
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_ACTOR, startConsole } from '../../src/chat/console.ts';
import type { ManagerChat as ChatManager } from '../../src/chat/services.ts';
import { tempDir } from '../support/desk-harness.ts';
import { answer, callTools, fakeModel, type ManagerHarness, openManager, OWNER, seen } from './manager-harness.ts';

let m: ManagerHarness | undefined;
afterEach(async () => {
  await m?.dispose();
  m = undefined;
});

describe('memory', () => {
  it('is kept per conversation and bounded to the last turns', async () => {
    const model = fakeModel();
    for (let i = 1; i <= 5; i++) model.respond(answer(`answer ${i}`));
    m = await openManager({ model, config: { memoryTurns: 2 } });
    await m.manager.converse('first question', 'chan-A', OWNER);
    await m.manager.converse('second question', 'chan-A', OWNER);
    await m.manager.converse('third question', 'chan-A', OWNER);
    await m.manager.converse('elsewhere', 'dm-owner-1', OWNER);
    await m.manager.converse('fourth question', 'chan-A', OWNER);

    const fourth = seen(model, 4);
    expect(fourth).toContain('answer 3'); // remembered
    expect(fourth).toContain('second question');
    expect(fourth).not.toContain('first question'); // beyond the bound of 2 turns
    expect(fourth).not.toContain('elsewhere'); // another conversation
    expect(seen(model, 3)).not.toContain('question'); // the DM starts empty
  });

  it('forgets on request', async () => {
    const model = fakeModel().respond(answer('one')).respond(answer('two'));
    m = await openManager({ model });
    await m.manager.converse('remember the word pelican', 'chan-A', OWNER);
    m.manager.forget('chan-A');
    await m.manager.converse('which word?', 'chan-A', OWNER);
    expect(seen(model, 1)).not.toContain('pelican');
  });
});

describe('the console', () => {
  it('sends free text to the manager, which answers and lists its proposal', async () => {
    const model = fakeModel()
      .respond(callTools([{ name: 'pause_crew', args: { crew: 'rsi-eth', reason: 'Owner asked to pause it.' } }]))
      .respond(answer('I proposed pausing rsi-eth.'));
    m = await openManager({ model });
    const manager: ChatManager = m.manager; // the chat's interface, as it is
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => (printed += chunk));
    const console_ = await startConsole({ services: { desk: m.service }, manager, input, output, outDir: tempDir() });
    input.write('pause the RSI crew on ETH\n');
    await new Promise<void>((resolve) => {
      const check = () => (printed.includes('Waiting for your approval') ? resolve() : setImmediate(check));
      check();
    });
    await console_.idle();
    await console_.close();
    const [p] = m.manager.pendingProposals(CONSOLE_ACTOR.id);
    expect(p).toMatchObject({ summary: 'pause rsi-eth', ownerId: 'console', conversationKey: 'console' });
    expect(printed).toContain('I proposed pausing rsi-eth.');
    expect(printed).toContain(`${p!.id}: pause rsi-eth`);
    expect((await m.manager.approve(p!.id, CONSOLE_ACTOR)).ok).toBe(true);
    expect(m.h.desk.engine.crews.get('rsi-eth')!.status).toBe('paused');
  });
});
