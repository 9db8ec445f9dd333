// One crew: its candles with its buys and sells marked, its book, its params with an editor held
// to their bounds, its recent trades, and pause / resume.
import { candleChart } from '../charts.js';
import { el, fmtMoney, fmtPct, fmtTime, listOf, notice, signed, table } from '../ui.js';

const CANDLES = 300;

export function render({ api, params: [id] }) {
  const path = `/api/v1/crews/${encodeURIComponent(id)}`;
  const title = el('h1', {}, `Crew ${id}`);
  const summary = el('dl', { class: 'figures', 'data-testid': 'crew-figures' });
  const controls = el('div', { class: 'row' });
  const controlNotice = el('p', { class: 'notice', role: 'status' });
  const chartBox = el('div', { class: 'chart', 'data-testid': 'candle-chart', role: 'img', 'aria-label': `Candles of ${id} with its fills` });
  const chartNotice = el('p', { class: 'muted' });
  const paramsBox = el('div', { 'data-testid': 'params' });
  const tradesBox = el('div');
  let chart = null;
  let crew = null;
  /** The last answer per param, kept across the re-render that follows a change. */
  const said = new Map();
  /** What the owner has typed and not yet sent, per param: a live re-render (a fill) keeps it, not the server's value. */
  const typing = new Map();

  const node = el(
    'div',
    { class: 'page crew' },
    el('p', {}, el('a', { href: '#/overview' }, '← overview')),
    title,
    el('section', { class: 'card wide', 'aria-labelledby': 'candles-title' }, el('h2', { id: 'candles-title' }, 'Price and fills'), chartBox, chartNotice),
    el('section', { class: 'card', 'aria-labelledby': 'book-title' }, el('h2', { id: 'book-title' }, 'Book'), summary, controls, controlNotice),
    el('section', { class: 'card', 'aria-labelledby': 'params-title' }, el('h2', { id: 'params-title' }, 'Params'), paramsBox),
    el('section', { class: 'card wide', 'aria-labelledby': 'trades-title' }, el('h2', { id: 'trades-title' }, 'Recent trades'), tradesBox),
  );

  async function refresh() {
    crew = await api.get(path);
    const s = crew.summary ?? crew.crew ?? crew;
    title.textContent = `Crew ${id} — ${s.module ?? ''} ${s.symbol ?? ''} ${s.interval ?? ''}`;
    summary.replaceChildren(
      ...[
        ['Status', s.status],
        ['Team', s.team],
        ['Capital', fmtMoney(s.capital)],
        ['Equity', fmtMoney(s.equity)],
        ['Cash', fmtMoney(s.cash)],
        ['Holding', s.quantity],
        ['PnL', signed(s.pnl)],
        ['PnL %', fmtPct(s.pnlPct)],
        ['Drawdown', `${Number(s.drawdownPct ?? 0).toFixed(2)} %`],
        ['Fees', fmtMoney(s.feesPaid)],
      ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v ?? '–')]),
    );
    const act = (verb) => async () => {
      try {
        const answer = await api.post(`${path}/${verb}`, {});
        notice(controlNotice, typeof answer === 'string' ? answer : (answer.message ?? `${verb}d`));
      } catch (error) {
        notice(controlNotice, error.message, 'error');
      }
      await refresh();
    };
    controls.replaceChildren(
      s.status === 'active'
        ? el('button', { type: 'button', onclick: act('pause') }, 'Pause crew')
        : el('button', { type: 'button', onclick: act('resume') }, 'Resume crew'),
    );
    showParams(crew.params);
    const trades = listOf(crew.trades ?? crew.recentTrades, 'trades');
    tradesBox.replaceChildren(
      table(
        `Latest fills of ${id}`,
        ['time', 'side', 'price', 'quantity', 'quote', 'fee'],
        trades.map((t) => [fmtTime(t.time), t.side, fmtMoney(t.price), t.quantity, fmtMoney(t.quote), `${t.fee} ${t.feeAsset ?? ''}`]),
        { empty: 'no fills yet' },
      ),
    );
    return trades;
  }

  /** The editors on show, by param, and the bounds they were built for. */
  const editors = new Map();
  let shownBounds = null;

  /**
   * The params' editors are built once and then updated in place: a refresh (every fill of this crew)
   * must not replace the form the owner is typing into or about to click.
   */
  function showParams(p) {
    const values = p?.values ?? {};
    const bounds = p?.bounds ?? [];
    const key = JSON.stringify(bounds);
    if (key === shownBounds) {
      for (const b of bounds) editors.get(b.name)?.show(values[b.name]);
      return;
    }
    shownBounds = key;
    editors.clear();
    paramsBox.replaceChildren(...bounds.map((b) => paramEditor(b, values[b.name])));
  }

  /** One param: an input whose min, max and step are the param's bounds; the server's refusal is shown as it says it. */
  function paramEditor(bound, value) {
    const inputId = `param-${bound.name}`;
    const say = el('p', { class: 'notice', id: `${inputId}-notice`, role: 'status' });
    const last = said.get(bound.name);
    if (last) notice(say, last.text, last.kind);
    const tell = (text, kind = 'info') => {
      said.set(bound.name, { text, kind });
      notice(say, text, kind);
    };
    let input;
    if (bound.type === 'boolean')
      input = el(
        'select',
        { id: inputId, name: 'value' },
        el('option', { value: 'true', selected: value === true }, 'true'),
        el('option', { value: 'false', selected: value === false }, 'false'),
      );
    else if (bound.options)
      input = el(
        'select',
        { id: inputId, name: 'value' },
        bound.options.map((o) => el('option', { value: o, selected: o === value }, o)),
      );
    else if (bound.type === 'integer' || bound.type === 'number')
      input = el('input', {
        id: inputId,
        name: 'value',
        type: 'number',
        required: true,
        value: value ?? '',
        min: bound.min,
        max: bound.max,
        step: bound.type === 'integer' ? 1 : 'any',
        inputmode: bound.type === 'integer' ? 'numeric' : 'decimal',
        'aria-describedby': `${inputId}-notice`,
      });
    else input = el('input', { id: inputId, name: 'value', type: 'text', value: value ?? '' });
    if (typing.has(bound.name)) input.value = typing.get(bound.name);
    input.addEventListener('input', () => typing.set(bound.name, input.value));
    editors.set(bound.name, {
      // The server's value shows unless the owner has typed one not yet sent.
      show(next) {
        if (!typing.has(bound.name)) input.value = next === undefined || next === null ? '' : String(next);
      },
    });
    const range = bound.min !== undefined || bound.max !== undefined ? ` (${bound.min ?? '…'} – ${bound.max ?? '…'})` : '';
    return el(
      'form',
      {
        class: 'param',
        'data-param': bound.name,
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          // The bounds hold here first: a value outside them is never sent.
          if (!input.checkValidity()) return tell(`${bound.name}: ${input.validationMessage}${range}`, 'error');
          const raw = input.value;
          typing.delete(bound.name);
          const typed = bound.type === 'integer' || bound.type === 'number' ? Number(raw) : bound.type === 'boolean' ? raw === 'true' : raw;
          try {
            await api.put(`${path}/params/${encodeURIComponent(bound.name)}`, { value: typed });
            tell(`${bound.name} set to ${raw}.`);
            await refresh();
          } catch (error) {
            tell(error.message, 'error');
          }
        },
      },
      el('label', { for: inputId }, bound.name, el('span', { class: 'muted' }, range)),
      input,
      el('button', { type: 'submit' }, `Set ${bound.name}`),
      bound.description ? el('p', { class: 'muted small' }, bound.description) : '',
      say,
    );
  }

  /** The desk's time moved on (a fill, an equity point): the candles since, at most every 2 s. */
  let candlesTimer = null;
  function moreCandlesSoon() {
    if (candlesTimer || !chart) return;
    candlesTimer = setTimeout(async () => {
      candlesTimer = null;
      try {
        const shown = chart?.addCandles(listOf(await api.get(`${path}/candles?limit=50`), 'candles'));
        if (shown !== undefined) chartBox.dataset.candles = String(shown);
      } catch {
        // The next fact tries again.
      }
    }, 2000);
  }

  async function drawCandles(trades) {
    let candles = [];
    try {
      candles = listOf(await api.get(`${path}/candles?limit=${CANDLES}`), 'candles');
    } catch (error) {
      chartNotice.textContent = `No candles: ${error.message}`;
    }
    chart?.remove();
    chartBox.replaceChildren();
    chart = candleChart(chartBox, candles, trades);
    chartBox.dataset.candles = String(candles.length);
  }

  async function readAll() {
    await drawCandles(await refresh());
  }

  return {
    node,
    load: readAll,
    /** After missed facts: read in place; the param editors keep what the owner is typing. */
    reload: readAll,
    onFact(fact) {
      if (fact.type === 'fill' && fact.crewId === id) {
        moreCandlesSoon();
        chart?.addFill(fact.fill);
        void refresh().catch(() => {});
      } else if ((fact.type === 'crew.paused' || fact.type === 'crew.resumed') && fact.crewId === id) void refresh().catch(() => {});
      else if (fact.type === 'equity') moreCandlesSoon();
    },
    dispose() {
      clearTimeout(candlesTimer);
      chart?.remove();
    },
  };
}
