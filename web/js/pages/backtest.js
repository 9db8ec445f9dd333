// A backtest on the desk's candle folder: the form, its progress, then the KPIs and the equity chart.
import { el, fmtPct, notice, table } from '../ui.js';

const INTERVALS = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'];

export function render({ api }) {
  const module = el('select', { id: 'bt-module', name: 'module', required: true });
  const symbol = el('input', { id: 'bt-symbol', name: 'symbol', required: true, value: 'BTCUSDT', pattern: '[A-Za-z0-9]{5,20}', autocapitalize: 'characters' });
  const interval = el(
    'select',
    { id: 'bt-interval', name: 'interval' },
    INTERVALS.map((i) => el('option', { value: i, selected: i === '1h' }, i)),
  );
  const from = el('input', { id: 'bt-from', name: 'from', type: 'date' });
  const to = el('input', { id: 'bt-to', name: 'to', type: 'date' });
  const progress = el('progress', { max: 1, value: 0, 'aria-label': 'Backtest progress', hidden: true });
  const say = el('p', { class: 'notice', role: 'status', 'data-testid': 'backtest-notice' });
  const result = el('div', { 'data-testid': 'backtest-result' });
  let chartUrl = null;
  let polling = null;

  const form = el(
    'form',
    { class: 'stack', onsubmit: (event) => void start(event) },
    field('Crew module', module),
    field('Symbol', symbol),
    field('Interval', interval),
    field('From (UTC)', from),
    field('To (UTC)', to),
    el('button', { type: 'submit' }, 'Run backtest'),
  );
  const node = el(
    'div',
    { class: 'page backtest' },
    el('h1', {}, 'Backtest'),
    el(
      'section',
      { class: 'card' },
      el('p', { class: 'muted' }, 'The live engine over the desk’s candle folder, off the trading thread.'),
      form,
      progress,
      say,
    ),
    el('section', { class: 'card wide', 'aria-labelledby': 'bt-result-title' }, el('h2', { id: 'bt-result-title' }, 'Result'), result),
  );

  async function start(event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const body = {
      module: module.value,
      symbol: symbol.value.toUpperCase(),
      interval: interval.value,
      ...(from.value ? { from: from.value } : {}),
      ...(to.value ? { to: to.value } : {}),
    };
    result.replaceChildren();
    try {
      const job = await api.post('/api/v1/backtests', body);
      progress.hidden = false;
      progress.value = 0;
      notice(say, `Backtest ${job.id} started.`);
      await poll(job.id);
    } catch (error) {
      notice(say, error.message, 'error');
    }
  }

  async function poll(id) {
    clearTimeout(polling);
    const job = await api.get(`/api/v1/backtests/${encodeURIComponent(id)}`);
    progress.value = Number.isFinite(Number(job.progress)) ? Number(job.progress) : 0;
    if (job.state === 'failed') {
      progress.hidden = true;
      return notice(say, job.error ?? 'the backtest failed', 'error');
    }
    if (job.state !== 'done') {
      notice(say, job.progressText ?? `Running… ${Math.round(progress.value * 100)} %`);
      polling = setTimeout(() => void poll(id).catch((e) => notice(say, e.message, 'error')), 1000);
      return;
    }
    progress.value = 1;
    notice(say, `Done: ${job.title ?? id}`);
    await showResult(job);
  }

  async function showResult(job) {
    const k = job.kpis ?? {};
    const rows = [
      ['Final equity', Number(k.finalEquity).toFixed(2)],
      ['Total return', fmtPct(k.totalReturnPct)],
      ['Buy and hold', fmtPct(k.buyAndHoldReturnPct ?? k.buyAndHoldPct)],
      ['CAGR', fmtPct(k.cagrPct)],
      ['Sharpe', k.sharpe?.toFixed?.(2) ?? '–'],
      ['Sortino', k.sortino?.toFixed?.(2) ?? '–'],
      ['Max drawdown', fmtPct(k.maxDrawdownPct)],
      ['Round trips', `${k.roundTrips} (${k.wins} won, ${k.losses} lost)`],
      ['Win rate', fmtPct(k.winRatePct)],
      ['Profit factor', k.profitFactor?.toFixed?.(2) ?? '–'],
    ];
    const image = el('img', { alt: `Equity and drawdown of ${job.title ?? 'the backtest'}`, class: 'chart-img' });
    result.replaceChildren(el('p', {}, job.title ?? ''), table('Key figures', ['figure', 'value'], rows, { testid: 'backtest-kpis' }), image);
    try {
      if (!job.chart) throw new Error('the backtest drew none');
      const png = await api.get(job.chart);
      if (chartUrl) URL.revokeObjectURL(chartUrl);
      chartUrl = URL.createObjectURL(png);
      image.src = chartUrl;
    } catch (error) {
      image.replaceWith(el('p', { class: 'muted' }, `No chart: ${error.message}`));
    }
  }

  return {
    node,
    async load() {
      const payload = await api.get('/api/v1/crews');
      const modules = new Set([
        ...(payload.modules ?? []).map((m) => m.name ?? m),
        ...(Array.isArray(payload) ? payload : (payload.crews ?? [])).map((c) => c.module),
      ]);
      module.replaceChildren(...[...modules].sort().map((m) => el('option', { value: m }, m)));
    },
    dispose() {
      clearTimeout(polling);
      if (chartUrl) URL.revokeObjectURL(chartUrl);
    },
  };
}

function field(label, input) {
  return el('div', { class: 'field' }, el('label', { for: input.id }, label), input);
}
