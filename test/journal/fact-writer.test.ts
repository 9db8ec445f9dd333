// The journal as the bus's recorder, on a real SQLite file: each fact is written in the step that
// publishes it, before any subscriber hears of it (even one that subscribed earlier); each kind of
// fact lands where it belongs, from its typed fields; a write that fails becomes an error fact
// naming it, and a publisher that waits for the write (a halt) hears of the failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crewScope, DESK_SCOPE, type EngineEvent, EventBus, ownerActor, riskActor } from '../../src/core/events.ts';
import { recordFactsInJournal } from '../../src/journal/fact-writer.ts';
import { SqliteJournal } from '../../src/journal/sqlite-journal.ts';
import { crewRecord } from '../support/journal-records.ts';

const T0 = 1_700_000_000_000;
const CREW = 'alpha.sma-btc';

let dir: string;
let journal: SqliteJournal;
let bus: EventBus;
let failures: string[];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crewdesk-facts-'));
  journal = await SqliteJournal.open(path.join(dir, 'journal.db'));
  await journal.saveCrewInstance(crewRecord(CREW, T0));
  failures = [];
  bus = new EventBus((name, event) => failures.push(`${name}:${event.type}`));
});

afterEach(async () => {
  try {
    journal.close();
  } catch {
    // closed already by the test
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const advice = (key: string): EngineEvent => ({
  type: 'advice',
  crewId: CREW,
  adviceKey: key,
  candleTime: T0,
  advice: { action: 'buy', size: 0.5, reason: 'fast crossed over slow' },
  exit: null,
  at: T0,
});

describe('the journal, first subscriber of every fact', () => {
  it('has written a fact before any subscriber hears of it, even one that subscribed before it', async () => {
    const found: string[][] = [];
    const reads: Promise<void>[] = [];
    // Subscribed before the recorder is attached: it still hears of each fact after the journal.
    bus.subscribe('early', (fact) => {
      if (fact.type !== 'advice') return;
      reads.push((async () => void found.push((await journal.getAdvice({ crewId: CREW })).map((a) => a.adviceKey)))());
    });
    recordFactsInJournal(bus, journal, { now: () => T0 });
    bus.publish(advice(`${CREW}@1`));
    bus.publish(advice(`${CREW}@2`));
    await Promise.all(reads);
    expect(found[0]).toContain(`${CREW}@1`);
    expect(found[1]).toEqual(expect.arrayContaining([`${CREW}@1`, `${CREW}@2`]));
    expect(failures).toEqual([]);
  });

  it('writes each fact from its typed fields: advice, denials per crew and for the desk, pause, resume, halt, equity', async () => {
    recordFactsInJournal(bus, journal, { now: () => T0 });
    bus.publish(advice(`${CREW}@1`));
    bus.publish({
      type: 'risk.denied',
      scope: crewScope(CREW),
      adviceKey: `${CREW}@1`,
      advice: { action: 'buy', size: 0.5, reason: 'x' },
      rule: 'position-size',
      reason: 'position limit',
      at: T0 + 1,
    });
    bus.publish({
      type: 'risk.denied',
      scope: DESK_SCOPE,
      adviceKey: null,
      advice: null,
      rule: 'daily-loss',
      reason: "today's loss reached the limit",
      at: T0 + 2,
    });
    bus.publish({ type: 'crew.paused', crewId: CREW, reason: 'drawdown 12.00% reached the limit of 10%', actor: riskActor('crew-drawdown'), at: T0 + 3 });
    await bus.publish({ type: 'halt', level: 'entries', reason: 'weekend', actor: riskActor('total-drawdown'), via: 'engine', at: T0 + 4 });
    bus.publish({
      type: 'equity',
      at: T0 + 5,
      snapshots: [
        { scope: crewScope(CREW), equity: '990.5' },
        { scope: { kind: 'team', team: 'alpha' }, equity: '990.5' },
        { scope: DESK_SCOPE, equity: '990.5' },
      ],
    });

    expect((await journal.getAdvice({ crewId: CREW })).map((a) => [a.adviceKey, a.action, a.reason])).toEqual([[`${CREW}@1`, 'buy', 'fast crossed over slow']]);
    const risk = await journal.getRiskEvents();
    expect(risk.map((r) => [r.crewId, r.adviceKey, r.rule]).sort()).toEqual(
      [
        [CREW, `${CREW}@1`, 'position-size'],
        [null, null, 'daily-loss'],
      ].sort(),
    );
    const [paused] = await journal.getCrewInstances();
    expect([paused!.status, paused!.statusReason]).toEqual(['paused', 'drawdown 12.00% reached the limit of 10%']);
    expect(await journal.getHalt()).toMatchObject({ level: 'entries', reason: 'weekend', actor: 'risk', since: T0 + 4 });
    expect((await journal.getAudit()).map((a) => [a.actor, a.via, a.action])).toContainEqual(['risk', 'engine', 'halt:entries']);
    expect((await journal.getEquity('total')).map((p) => p.equity)).toEqual(['990.5']);
    expect((await journal.getEquity(`crew:${CREW}`)).map((p) => p.equity)).toEqual(['990.5']);
    expect((await journal.getEquity('team:alpha')).map((p) => p.equity)).toEqual(['990.5']);

    bus.publish({ type: 'crew.resumed', crewId: CREW, actor: ownerActor('900000000000000002'), at: T0 + 6 });
    const [resumed] = await journal.getCrewInstances();
    expect([resumed!.status, resumed!.statusReason]).toEqual(['active', 'resumed by 900000000000000002']);
    expect(failures).toEqual([]);
  });

  it('a write that fails becomes an error fact naming it, and a publisher waiting for the write hears of the failure', async () => {
    recordFactsInJournal(bus, journal, { now: () => T0 });
    const errors: string[] = [];
    bus.subscribe('errors', (fact) => void (fact.type === 'error' && errors.push(`${fact.source}: ${fact.message}`)), ['error']);
    await journal.close();
    await expect(
      Promise.resolve(bus.publish({ type: 'halt', level: 'cancel', reason: 'test', actor: ownerActor('console'), via: 'console', at: T0 })),
    ).rejects.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^journal: setHalt: /);
  });

  it('writes nothing for an order.created fact (its row was committed before it was sent), and says a second recorder is a mistake', async () => {
    recordFactsInJournal(bus, journal, { now: () => T0 });
    expect(bus.publish({ type: 'order.created', order: { clientOrderId: 'cd-x-1', crewId: CREW } as never, exit: null })).toBeUndefined();
    expect(await journal.getOrders()).toEqual([]);
    expect(() => recordFactsInJournal(bus, journal, { now: () => T0 })).toThrow(/recorder already/);
  });
});
