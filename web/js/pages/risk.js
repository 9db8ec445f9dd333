// Risk: the hard limits and the latest risk events (denials, drawdown pauses), new ones as they happen.
import { el, fmtTime, listOf, table } from '../ui.js';

export function render({ api }) {
  const limitsBox = el('div', { 'data-testid': 'risk-limits' });
  const eventsBox = el('div', { 'data-testid': 'risk-events' });
  let events = [];

  const node = el(
    'div',
    { class: 'page risk' },
    el('h1', {}, 'Risk'),
    el('section', { class: 'card', 'aria-labelledby': 'limits-title' }, el('h2', { id: 'limits-title' }, 'Hard limits'), limitsBox),
    el('section', { class: 'card wide', 'aria-labelledby': 'events-title' }, el('h2', { id: 'events-title' }, 'Risk events'), eventsBox),
  );

  function showEvents() {
    eventsBox.replaceChildren(
      table(
        'Newest first',
        ['time', 'crew', 'rule', 'reason'],
        events.map((e) => [fmtTime(e.at), e.crewId ?? 'desk', e.rule, e.reason]),
        { empty: 'no risk events' },
      ),
    );
  }

  return {
    node,
    async load() {
      const limits = await api.get('/api/v1/risk');
      const entries = Object.entries(limits.limits ?? limits);
      limitsBox.replaceChildren(
        table(
          'Checked for every order',
          ['limit', 'value'],
          entries.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
        ),
      );
      events = listOf(await api.get('/api/v1/risk/events?limit=50'), 'events');
      showEvents();
    },
    /** Both tables are rebuilt from the desk's answers: reading again in place is loading again. */
    reload() {
      return this.load();
    },
    onFact(fact) {
      if (fact.type !== 'risk.denied') return;
      const crewId = fact.scope?.kind === 'crew' ? fact.scope.crewId : null;
      events = [{ at: fact.at, crewId, rule: fact.rule, reason: fact.reason }, ...events].slice(0, 100);
      showEvents();
    },
  };
}
