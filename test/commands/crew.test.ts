// /crew and /team through the dispatcher on a real desk: listing, spawning, pausing, resuming,
// stopping, params within the schema's bounds, and capital.
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatDesk, openChatDesk, replyText } from '../chat/chat-harness.ts';

let chat: ChatDesk | undefined;
afterEach(async () => {
  await chat?.dispose();
  chat = undefined;
});

describe('/crew', () => {
  it('list shows every crew with its status and PnL in a table', async () => {
    chat = await openChatDesk();
    const { sink } = await chat.run({ command: 'crew', subcommand: 'list' });
    expect(sink.last.title).toBe('Crews');
    expect(sink.last.code).toMatch(/^crew\s+team\s+module\s+market\s+status/);
    expect(sink.last.code).toMatch(/bidder\s+test\s+buy-then-bid\s+BTCUSDT 1h\s+active\s+3,000\.00/);
    expect(sink.last.code).toMatch(/sma\s+test\s+sma-cross/);
  });

  it('params shows each param with its bounds and default', async () => {
    chat = await openChatDesk();
    const { sink } = await chat.run({ command: 'crew', subcommand: 'params', options: { crew: 'sma' } });
    expect(sink.last.title).toBe('Params of sma (sma-cross)');
    expect(sink.last.code).toMatch(/fast\s+2\s+1\s+200\s+10/);
  });

  it('set changes a param within its bounds, persisted and audited', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({ command: 'crew', subcommand: 'set', options: { crew: 'sma', param: 'slow', value: '40' } });
    expect(outcome).toBe('done');
    expect(sink.last).toMatchObject({ title: 'Param set', text: 'sma: slow 3 → 40', tone: 'good' });
    expect(chat.h.desk.engine.crews.get('sma')!.params['slow']).toBe(40);
    const stored = (await chat.h.desk.journal.getCrewInstances()).find((c) => c.id === 'sma');
    expect(stored!.params['slow']).toBe(40);
    expect((await chat.audit()).find((a) => a.action === 'crew.set')).toMatchObject({
      actor: 'owner-1',
      via: 'discord',
      detail: { crew: 'sma', param: 'slow', from: 3, to: 40 },
    });
  });

  it('set refuses a value out of bounds, naming the bounds, and changes nothing', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({ command: 'crew', subcommand: 'set', options: { crew: 'sma', param: 'fast', value: '500' } });
    expect(outcome).toBe('refused');
    expect(sink.last.text).toContain('fast = "500" refused');
    expect(sink.last.text).toContain('(allowed 1 … 200)');
    expect(sink.last).toMatchObject({ tone: 'bad', ephemeral: true });
    expect(chat.h.desk.engine.crews.get('sma')!.params['fast']).toBe(2);
    const unknown = await chat.run({ command: 'crew', subcommand: 'set', options: { crew: 'sma', param: 'speed', value: '1' } });
    expect(unknown.sink.last.text).toContain('crew sma (sma-cross) has no param "speed" (params: fast, slow, size,');
  });

  it('pause, resume and stop a crew, each saying what it means', async () => {
    chat = await openChatDesk();
    const paused = await chat.run({ command: 'crew', subcommand: 'pause', options: { crew: 'bidder', reason: 'too eager' } });
    expect(paused.sink.last).toMatchObject({ title: 'Crew paused', text: expect.stringContaining('its stop-loss and other exits still protect its position') });
    expect(chat.h.desk.engine.crews.get('bidder')!.status).toBe('paused');
    const again = await chat.run({ command: 'crew', subcommand: 'pause', options: { crew: 'bidder' } });
    expect(again.sink.last.text).toBe('crew bidder is paused already');
    const resumed = await chat.run({ command: 'crew', subcommand: 'resume', options: { crew: 'bidder' } });
    expect(resumed.sink.last).toMatchObject({ title: 'Crew resumed', text: 'crew bidder resumed' });
    const stopped = await chat.run({ command: 'crew', subcommand: 'stop', options: { crew: 'bidder' } });
    expect(stopped.sink.last).toMatchObject({ title: 'Crew stopped', text: expect.stringContaining('no decisions and no exits any more') });
    expect(chat.h.desk.engine.crews.get('bidder')!.status).toBe('stopped');
    const nobody = await chat.run({ command: 'crew', subcommand: 'stop', options: { crew: 'ghost' } });
    expect(nobody.sink.last.text).toBe('no crew "ghost" (crews: bidder, sma)');
  });

  it('spawn starts a crew with JSON params and the team’s unallocated capital by default', async () => {
    chat = await openChatDesk();
    const { outcome, sink } = await chat.run({
      command: 'crew',
      subcommand: 'spawn',
      options: { module: 'sma-cross', symbol: 'ethusdt', interval: '1h', params: '{"fast": 5, "slow": 20}' },
    });
    expect(outcome).toBe('done');
    expect(sink.last).toMatchObject({
      title: 'Crew spawned',
      text: 'crew sma-cross-ethusdt-1h (sma-cross on ETHUSDT 1h) spawned in team test with 4000 quote',
      tone: 'good',
    });
    const crew = chat.h.desk.engine.crews.get('sma-cross-ethusdt-1h')!;
    expect(crew.params).toMatchObject({ fast: 5, slow: 20 });
    expect(crew.capital.toString()).toBe('4000');
  });

  it('spawn refuses bad JSON, bad params and an interval Binance does not have', async () => {
    chat = await openChatDesk();
    const json = await chat.run({
      command: 'crew',
      subcommand: 'spawn',
      options: { module: 'sma-cross', symbol: 'ETHUSDT', interval: '1h', params: '{fast: 5}' },
    });
    expect(json.sink.last.text).toBe('params must be JSON, such as {"fast": 12}; got {fast: 5}');
    const bounds = await chat.run({
      command: 'crew',
      subcommand: 'spawn',
      options: { module: 'sma-cross', symbol: 'ETHUSDT', interval: '1h', params: '{"fast": 0}', capital: '100' },
    });
    expect(bounds.outcome).toBe('refused');
    expect(bounds.sink.last.text).toContain('fast');
    const interval = await chat.run({ command: 'crew', subcommand: 'spawn', options: { module: 'sma-cross', symbol: 'ETHUSDT', interval: '7m' } });
    expect(interval.outcome).toBe('invalid');
    expect(interval.sink.last.text).toContain('Option "interval" must be one of 1m, 3m, 5m');
    expect(chat.desk.crewNames()).toEqual(['bidder', 'sma']);
  });
});

describe('/team', () => {
  it('list shows capital, what is allocated and the crews', async () => {
    chat = await openChatDesk();
    const { sink } = await chat.run({ command: 'team', subcommand: 'list' });
    expect(sink.last.code).toMatch(/test\s+10000\s+6000\s+bidder, sma/);
  });

  it('allocate moves capital within the team, and refuses more than it has', async () => {
    chat = await openChatDesk();
    const ok = await chat.run({ command: 'team', subcommand: 'allocate', options: { crew: 'sma', amount: '5000' } });
    expect(ok.sink.last).toMatchObject({ title: 'Capital allocated', text: 'crew sma capital 3000 → 5000' });
    const tooMuch = await chat.run({ command: 'team', subcommand: 'allocate', options: { crew: 'sma', amount: '9000' } });
    expect(tooMuch.outcome).toBe('refused');
    expect(tooMuch.sink.last.text).toContain('team test has 2000 unallocated');
    expect(replyText((await chat.run({ command: 'team', subcommand: 'list' })).sink.last)).toMatch(/test\s+10000\s+8000/);
  });
});
