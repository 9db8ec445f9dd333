// The alert queue on its own, with a hand-written poster instead of Discord: what goes where,
// who is pinged, what is said once, and how a slow or failing Discord is absorbed — bounded,
// batched, retried, the oldest dropped and counted — while the bus never waits.
import { afterEach, describe, expect, it } from 'vitest';
import { AlertClassifier, type AlertPost, DiscordAlerts } from '../../src/discord/alerts.ts';
import { crewScope, DESK_SCOPE, EventBus, type EngineEvent, type FactScope, ownerActor, riskActor, type RiskRule } from '../../src/core/events.ts';
import { dec } from '../../src/core/money.ts';
import { deferred } from '../chat/chat-harness.ts';

const OWNER = '900000000000000002';
const CHANNELS = { trades: '100000000000000001', alerts: '100000000000000002', reports: '100000000000000003' };

interface Posted {
  readonly channelId: string;
  readonly post: AlertPost;
}

let alerts: DiscordAlerts | undefined;
afterEach(async () => {
  await alerts?.close(0);
  alerts = undefined;
});

function open(post: (channelId: string, body: AlertPost) => Promise<void>, options: { maxQueue?: number } = {}) {
  alerts = new DiscordAlerts({ channels: CHANNELS, ownerIds: [OWNER], post, coalesceMs: 5, retryBaseMs: 5, retryMaxMs: 20, ...options });
  return alerts;
}

function recorder() {
  const posted: Posted[] = [];
  return { posted, post: async (channelId: string, post: AlertPost) => void posted.push({ channelId, post }) };
}

const halt = (level: 'cancel' | 'none' = 'cancel'): EngineEvent => ({ type: 'halt', level, reason: 'test', actor: ownerActor(OWNER), via: 'discord', at: 0 });
const denial = (crewId: string | FactScope, rule: RiskRule): EngineEvent => ({
  type: 'risk.denied',
  scope: typeof crewId === 'string' ? crewScope(crewId) : crewId,
  adviceKey: typeof crewId === 'string' ? 'k' : null,
  advice: null,
  rule,
  reason: `${rule} limit`,
  at: 0,
});
const error = (message: string): EngineEvent => ({ type: 'error', source: 'orders', message, at: 0 });

describe('what becomes an alert', () => {
  it('routes fills to trades, and exits, denials, pauses, halts, bans and errors to alerts; pings only what must reach the phone', () => {
    const c = new AlertClassifier();
    const fill: EngineEvent = {
      type: 'fill',
      crewId: 'bidder',
      fill: { side: 'BUY', quantity: dec('0.5'), symbol: 'BTCUSDT', price: dec('100'), fee: dec('0.05'), feeAsset: 'USDT' } as never,
      position: { quantity: dec('0.5'), cash: dec('2950') } as never,
      order: {} as never,
      from: 'submitted',
    };
    expect(c.classify(fill)).toEqual({
      channel: 'trades',
      ping: false,
      text: '🟢 BUY 0.5 BTCUSDT @ 100 · bidder · fee 0.05 USDT · now holds 0.5, cash 2950.00',
    });
    const exit = c.classify({
      type: 'advice',
      crewId: 'sma',
      adviceKey: 'k',
      candleTime: 0,
      at: 0,
      advice: { action: 'sell', size: 1, reason: 'stop-loss: low 90 ≤ entry 100 − 5%' },
      exit: 'stop-loss',
    });
    expect(exit).toMatchObject({ channel: 'alerts', ping: false, text: expect.stringContaining('🛑 exit · sma: selling 100% — stop-loss') });
    expect(
      c.classify({
        type: 'advice',
        crewId: 'sma',
        adviceKey: 'k',
        candleTime: 0,
        at: 0,
        advice: { action: 'sell', size: 1, reason: 'fast crossed under slow' },
        exit: 'crew',
      }),
    ).toBeNull();
    expect(
      c.classify({ type: 'crew.paused', crewId: 'sma', reason: 'drawdown 26% reached the limit of 25%', actor: riskActor('crew-drawdown'), at: 0 }),
    ).toMatchObject({ ping: true });
    expect(c.classify({ type: 'crew.paused', crewId: 'sma', reason: 'lunch', actor: ownerActor('900000000000000002'), at: 0 })).toMatchObject({ ping: false });
    expect(c.classify(halt())).toMatchObject({ channel: 'alerts', ping: true, text: `🚨 HALT (cancel) by <@${OWNER}>: test` });
    expect(c.classify(halt('none'))).toMatchObject({ ping: false });
    expect(c.classify(error('Binance said 418: IP banned until 1700000000000'))).toMatchObject({
      ping: true,
      text: expect.stringContaining('⛔ Exchange ban'),
    });
    expect(c.classify(error('timeout'))).toMatchObject({ ping: true, text: '❗ error [orders]: timeout' });
    expect(c.classify({ type: 'candle', candle: {} as never })).toBeNull();
  });

  it('says a denial once per crew and rule until the crew trades again or a halt; routine denials not at all', () => {
    const c = new AlertClassifier();
    expect(c.classify(denial('sma', 'position-size'))).not.toBeNull();
    expect(c.classify(denial('sma', 'position-size'))).toBeNull();
    expect(c.classify(denial('bidder', 'position-size'))).not.toBeNull();
    expect(c.classify(denial('sma', 'halt'))).toBeNull();
    expect(c.classify(denial('sma', 'cooldown'))).toBeNull();
    c.classify({ type: 'order.created', order: { crewId: 'sma' } as never, exit: null });
    expect(c.classify(denial('sma', 'position-size'))).not.toBeNull();
    expect(c.classify(denial(DESK_SCOPE, 'daily-loss'))).toMatchObject({ ping: true });
  });

  it('reads who, which exit and what scope from the facts’ fields, never from the reason text', () => {
    const c = new AlertClassifier();
    // Who paused: the actor field decides the ping, whatever the reason says.
    expect(c.classify({ type: 'crew.paused', crewId: 'sma', reason: 'looks like (by risk)', actor: ownerActor(OWNER), at: 0 })).toEqual({
      channel: 'alerts',
      ping: false,
      text: `⏸️ paused · sma: looks like (by risk) (by <@${OWNER}>)`,
    });
    expect(c.classify({ type: 'crew.paused', crewId: 'sma', reason: 'its handler threw: boom', actor: { kind: 'engine' }, at: 0 })).toMatchObject({
      ping: true,
      text: '⏸️ paused · sma: its handler threw: boom (by engine)',
    });
    expect(c.classify({ type: 'crew.paused', crewId: 'sma', reason: 'rebalancing', actor: { kind: 'manager' }, at: 0 })).toMatchObject({
      ping: false,
      text: '⏸️ paused · sma: rebalancing (by manager)',
    });
    // Which exit: the exit field, whatever the reason's first word.
    const sell = (exit: 'take-profit' | 'max-holding' | 'trailing-stop' | 'flatten' | 'crew', reason: string): EngineEvent => ({
      type: 'advice',
      crewId: 'sma',
      adviceKey: 'k',
      candleTime: 0,
      at: 0,
      advice: { action: 'sell', size: 1, reason },
      exit,
    });
    expect(c.classify(sell('take-profit', 'target reached'))).toMatchObject({ text: '🎯 exit · sma: selling 100% — target reached' });
    expect(c.classify(sell('max-holding', 'too long'))).toMatchObject({ text: '⏱️ exit · sma: selling 100% — too long' });
    expect(c.classify(sell('trailing-stop', 'fell back'))).toMatchObject({ text: '🛑 exit · sma: selling 100% — fell back' });
    expect(c.classify(sell('crew', 'take-profit: the crew’s own words'))).toBeNull();
    // What scope: the desk is "all crews", a team by name; each scope is said once per rule.
    expect(c.classify(denial(DESK_SCOPE, 'daily-loss'))).toMatchObject({ text: expect.stringContaining('⚠️ risk · all crews: [daily-loss]') });
    expect(c.classify(denial({ kind: 'team', team: 'alpha' }, 'team-exposure'))).toMatchObject({
      ping: false,
      text: expect.stringContaining('⚠️ risk · team alpha: [team-exposure]'),
    });
    expect(c.classify(denial({ kind: 'team', team: 'alpha' }, 'team-exposure'))).toBeNull();
    // A halt by a risk rule names the actor, not a mention.
    expect(
      c.classify({
        type: 'halt',
        level: 'cancel',
        reason: 'total drawdown 31% reached the limit of 30%',
        actor: riskActor('total-drawdown'),
        via: 'engine',
        at: 0,
      }),
    ).toMatchObject({ ping: true, text: '🚨 HALT (cancel) by risk: total drawdown 31% reached the limit of 30%' });
  });

  it('counts a repeated error instead of posting it again, for a while', () => {
    let now = 0;
    const c = new AlertClassifier(() => now, 60_000);
    expect(c.classify(error('journal is locked'))).not.toBeNull();
    now = 1_000;
    expect(c.classify(error('journal is locked'))).toBeNull();
    expect(c.classify(error('journal is locked'))).toBeNull();
    now = 61_001;
    expect(c.classify(error('journal is locked'))).toMatchObject({ text: expect.stringContaining('happened 2 more times') });
  });
});

describe('the queue', () => {
  it('posts silent alerts with SuppressNotifications and no mentions; pinging ones mention the owners only', async () => {
    const { posted, post } = recorder();
    const a = open(post);
    a.notify({ type: 'crew.resumed', crewId: 'sma', actor: ownerActor(OWNER), at: 0 });
    await a.flush();
    a.notify(halt());
    await a.flush();
    expect(posted[0]).toMatchObject({ channelId: CHANNELS.alerts, post: { allowedMentions: { parse: [] }, flags: 1 << 12, enforceNonce: true } });
    expect(posted[0]!.post.allowedMentions.users).toBeUndefined();
    expect(posted[1]!.post).toMatchObject({ allowedMentions: { parse: [], users: [OWNER] } });
    expect(posted[1]!.post.flags).toBeUndefined();
    expect(posted[1]!.post.content).toBe(`<@${OWNER}>\n🚨 HALT (cancel) by <@${OWNER}>: test`);
  });

  it('never makes the bus wait: publish returns while Discord hangs, and what piles up goes out batched', async () => {
    const gate = deferred();
    const inFlight = deferred();
    const posted: Posted[] = [];
    const a = open(async (channelId, post) => {
      inFlight.resolve();
      await gate.promise;
      posted.push({ channelId, post });
    });
    const bus = new EventBus();
    a.attach(bus);
    bus.publish(error('first'));
    await inFlight.promise; // the first post is now in flight, hanging (not a sleep: a busy machine is slower)
    // Publishing returns while that post hangs: were it to wait on Discord, this loop would never end.
    for (let i = 0; i < 30; i++) bus.publish({ type: 'crew.resumed', crewId: `c${i}`, actor: ownerActor('x'), at: 0 });
    // The alerts hear of the facts after the step that published them (deferred): then all are queued.
    expect(a.stats.queued).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(a.stats.queued).toBe(30);
    gate.resolve();
    await a.flush();
    expect(posted).toHaveLength(2);
    expect(posted[1]!.post.content!.split('\n')).toHaveLength(30);
  });

  it('retries a failed post with backoff and the same nonce, so it arrives once; a final refusal (404) is not retried', async () => {
    const posted: AlertPost[] = [];
    let failures = 2;
    const a = open(async (_, post) => {
      posted.push(post);
      if (failures-- > 0) throw Object.assign(new Error('503 Service Unavailable'), { status: 503 });
    });
    a.notify(halt());
    await a.flush();
    expect(posted).toHaveLength(3);
    expect(new Set(posted.map((p) => p.nonce)).size).toBe(1);
    expect(a.stats).toMatchObject({ posted: 1, retries: 2, lost: 0 });

    const gone = open(async () => {
      throw Object.assign(new Error('Unknown Channel'), { status: 404 });
    });
    gone.notify(halt());
    await gone.flush();
    expect(gone.stats).toMatchObject({ posted: 0, retries: 0, lost: 1 });
  });

  it('when full, drops the oldest lines and says how many, keeping a dropped ping', async () => {
    const gate = deferred();
    const posted: AlertPost[] = [];
    const a = open(
      async (_, post) => {
        await gate.promise;
        posted.push(post);
      },
      { maxQueue: 10 },
    );
    a.notify({ type: 'crew.resumed', crewId: 'first', actor: ownerActor('x'), at: 0 });
    await new Promise((r) => setTimeout(r, 20)); // in flight
    a.notify(halt()); // a ping, soon dropped
    for (let i = 0; i < 14; i++) a.notify({ type: 'crew.resumed', crewId: `c${i}`, actor: ownerActor('x'), at: 0 });
    expect(a.stats.dropped).toBe(5);
    gate.resolve();
    await a.flush();
    const batch = posted[1]!;
    expect(batch.content).toContain('… 5 more alerts were dropped');
    expect(batch.content).toContain('c13');
    expect(batch.content).not.toContain('HALT');
    expect(batch.allowedMentions.users).toEqual([OWNER]); // the dropped halt still pings
  });

  it('splits a backlog into messages under 2000 characters', async () => {
    const { posted, post } = recorder();
    const a = open(post);
    for (let i = 0; i < 40; i++) a.queueLine('alerts', `${i} ${'x'.repeat(200)}`);
    await a.flush();
    expect(posted.length).toBeGreaterThan(1);
    expect(posted.every((p) => p.post.content!.length <= 2000)).toBe(true);
    expect(posted.flatMap((p) => p.post.content!.split('\n')).filter((l) => l !== '')).toHaveLength(40);
  });

  it('posts a report to #reports (to #alerts when there is none), silently', async () => {
    const { posted, post } = recorder();
    const a = open(post);
    expect(await a.postReport({ title: 'Daily report', text: 'all good', tone: 'good' })).toBe(true);
    expect(posted[0]).toMatchObject({ channelId: CHANNELS.reports, post: { embeds: [{ title: 'Daily report', description: 'all good' }], flags: 1 << 12 } });
    const noReports = new DiscordAlerts({ channels: { alerts: CHANNELS.alerts }, ownerIds: [OWNER], post, coalesceMs: 0 });
    expect(await noReports.postReport({ text: 'fallback' })).toBe(true);
    expect(posted[1]?.channelId).toBe(CHANNELS.alerts);
    await noReports.close(0);
    const nowhere = new DiscordAlerts({ channels: {}, ownerIds: [OWNER], post });
    expect(await nowhere.postReport({ text: 'lost' })).toBe(false);
    nowhere.notify(halt());
    expect(nowhere.stats.queued).toBe(0);
  });
});
