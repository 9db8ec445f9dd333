// The fact writer: the journal as the bus's recorder. Each fact becomes its journal write in the
// step that publishes it, before any notifier hears of it, so what the owner is told is already
// journaled. The one write that is not a fact's is the order row, committed before the order is
// sent (the order manager does that itself); `order.created` therefore writes nothing here.
//
// The journal is synchronous: a write is done when the call returns, or throws. A write that throws
// is handed back as a rejected promise, so a publisher that awaits the write (a halt) hears of it.
import { actorName, type EngineEvent, type EventBus, scopeKey } from '../core/events.ts';
import type { Journal } from '../ports/journal.ts';

export interface FactWriterOptions {
  /** The time an error fact carries (the desk's clock). */
  readonly now: () => number;
}

/** Makes the journal the bus's recorder. A failed write becomes an `error` fact (source `journal`) naming it. */
export function recordFactsInJournal(bus: EventBus, journal: Journal, options: FactWriterOptions): () => void {
  // Once the journal has stopped writing (fail-stop), the engine has told the owner why, once; every
  // fact after that would fail the same way, and saying each one would bury that message.
  let stopped = false;
  const stopListening = journal.onFailure(() => {
    stopped = true;
  });
  const failed = (fact: EngineEvent, error: unknown) => {
    if (stopped) return;
    bus.publish({
      type: 'error',
      source: 'journal',
      message: `${writeName(fact)}: ${error instanceof Error ? error.message : String(error)}`,
      at: options.now(),
    });
  };
  const stopRecording = bus.record('journal', (fact) => {
    try {
      writeFact(journal, fact);
      return undefined;
    } catch (error) {
      failed(fact, error);
      return Promise.reject(error);
    }
  });
  return () => {
    stopRecording();
    stopListening();
  };
}

/**
 * The journal write of one fact (none for a fact that writes nothing). A switch over every type: a
 * new fact type must be decided here.
 */
export function writeFact(journal: Journal, fact: EngineEvent): unknown {
  switch (fact.type) {
    case 'advice': {
      const { advice } = fact;
      return journal.recordAdvice({
        crewId: fact.crewId,
        adviceKey: fact.adviceKey,
        candleTime: fact.candleTime,
        action: advice.action,
        size: advice.size,
        reason: advice.reason,
        at: fact.at,
      });
    }
    case 'risk.denied':
      return journal.recordRiskEvent({
        crewId: fact.scope.kind === 'crew' ? fact.scope.crewId : null,
        adviceKey: fact.adviceKey,
        rule: fact.rule,
        reason: fact.reason,
        ...(fact.advice ? { detail: { advice: fact.advice } } : {}),
        at: fact.at,
      });
    case 'order.updated':
      // A status change a fill made is journaled with that fill, in one transaction.
      return fact.fillTradeId === null ? journal.updateOrder(fact.order, fact.from, fact.reason) : undefined;
    case 'fill':
      return journal.recordFill({ ...fact.fill, crewId: fact.crewId }, fact.position, fact.order, fact.from);
    case 'halt': {
      const actor = actorName(fact.actor);
      return journal.setHalt(
        { level: fact.level, reason: fact.reason, actor, since: fact.level === 'none' ? null : fact.at },
        { actor, via: fact.via, action: fact.level === 'none' ? 'resume' : `halt:${fact.level}`, detail: { reason: fact.reason }, at: fact.at },
      );
    }
    case 'crew.paused':
      return journal.updateCrewStatus(fact.crewId, 'paused', fact.reason, fact.at);
    case 'crew.resumed':
      return journal.updateCrewStatus(fact.crewId, 'active', `resumed by ${actorName(fact.actor)}`, fact.at);
    case 'equity':
      return journal.recordEquity(fact.snapshots.map((s) => ({ scope: scopeKey(s.scope), equity: s.equity, at: fact.at })));
    case 'exchange.trouble': {
      // An episode's start and end go into the audit: what the exchange refused, and for how long.
      const { type: _type, at, ...detail } = fact;
      return journal.recordAudit({ actor: fact.venue, via: 'exchange', action: `exchange.trouble:${fact.phase}`, detail, at });
    }
    case 'order.created': // the order row was committed before the order was sent
    case 'error':
    case 'candle':
      return undefined;
  }
}

/** The journal write a fact is, as an error names it: the method alone, so that the alerts count a
 * failing journal's repeats as one error instead of posting each. */
const WRITE_NAME: Readonly<Record<EngineEvent['type'], string>> = {
  advice: 'recordAdvice',
  'risk.denied': 'recordRiskEvent',
  'order.updated': 'updateOrder',
  fill: 'recordFill',
  halt: 'setHalt',
  'crew.paused': 'updateCrewStatus',
  'crew.resumed': 'updateCrewStatus',
  equity: 'recordEquity',
  'order.created': 'insertOrder',
  'exchange.trouble': 'recordAudit',
  error: 'none',
  candle: 'none',
};

function writeName(fact: EngineEvent): string {
  return WRITE_NAME[fact.type];
}
