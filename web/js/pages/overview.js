// The overview: the account's figures, the halt and its control, the crews side by side, the
// equity curves (overall, per team, per crew) and the fills as they arrive.
import { equityChart } from '../charts.js';
import { el, fmtMoney, fmtPct, fmtTime, listOf, notice, signed, table } from '../ui.js';

const LEVELS = [
  ['entries', 'entries — no new entries; sells and exits still run'],
  ['cancel', 'cancel — also cancel every open order'],
  ['flatten', 'flatten — also close every position at market'],
];
const MAX_LIVE_FILLS = 20;

export function render({ api }) {
  const figures = el('dl', { class: 'figures', 'data-testid': 'figures' });
  const haltState = el('p', { class: 'halt-state', 'data-testid': 'halt-state', role: 'status' });
  const haltNotice = el('p', { class: 'notice', role: 'status' });
  const crewsBox = el('div', { 'data-testid': 'crews' });
  const scopeSelect = el('select', { id: 'equity-scope', onchange: () => void drawEquity() });
  const chartBox = el('div', { class: 'chart', 'data-testid': 'equity-chart', role: 'img', 'aria-label': 'Equity curves' });
  const fillsList = el('ol', { class: 'live-fills', 'data-testid': 'live-fills', 'aria-live': 'polite' });
  let chart = null;
  let status = null;
  let refreshTimer = null;
  const shownFills = new Set();

  // The halt control: a level, a reason, then a confirmation before anything is sent.
  const level = el(
    'select',
    { id: 'halt-level', name: 'level' },
    LEVELS.map(([value, text]) => el('option', { value }, text)),
  );
  const reason = el('input', { id: 'halt-reason', name: 'reason', type: 'text', maxlength: 200, placeholder: 'why (kept in the audit log)' });
  const confirmText = el('p');
  const dialog = el(
    'dialog',
    { 'aria-labelledby': 'halt-confirm-title' },
    el(
      'form',
      { method: 'dialog' },
      el('h2', { id: 'halt-confirm-title' }, 'Halt trading?'),
      confirmText,
      el(
        'div',
        { class: 'row' },
        el('button', { value: 'cancel', type: 'submit' }, 'Keep trading'),
        el('button', { value: 'halt', type: 'submit', class: 'danger' }, 'Confirm halt'),
      ),
    ),
  );
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'halt') return notice(haltNotice, 'Not halted.');
    try {
      const body = { level: level.value, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) };
      await api.post('/api/v1/halt', body);
      notice(haltNotice, `Halted at ${level.value}.`);
      reason.value = '';
    } catch (error) {
      notice(haltNotice, error.message, 'error');
    }
    await refresh();
  });
  const haltForm = el(
    'form',
    {
      class: 'halt-form',
      onsubmit: (event) => {
        event.preventDefault();
        confirmText.textContent = `Halt the whole desk at level “${level.value}”${reason.value.trim() ? ` (${reason.value.trim()})` : ''}? Only an owner can resume.`;
        dialog.returnValue = '';
        dialog.showModal();
      },
    },
    el('label', { for: 'halt-level' }, 'Level'),
    level,
    el('label', { for: 'halt-reason' }, 'Reason'),
    reason,
    el('button', { type: 'submit', class: 'danger' }, 'Halt…'),
  );
  const resumeButton = el(
    'button',
    {
      type: 'button',
      hidden: true,
      onclick: async () => {
        try {
          await api.post('/api/v1/resume', {});
          notice(haltNotice, 'Trading resumed.');
        } catch (error) {
          notice(haltNotice, error.message, 'error');
        }
        await refresh();
      },
    },
    'Resume trading',
  );

  const node = el(
    'div',
    { class: 'page overview' },
    el('h1', {}, 'Overview'),
    el('section', { class: 'card', 'aria-labelledby': 'figures-title' }, el('h2', { id: 'figures-title' }, 'Account'), figures),
    el(
      'section',
      { class: 'card', 'aria-labelledby': 'halt-title' },
      el('h2', { id: 'halt-title' }, 'Kill switch'),
      haltState,
      haltForm,
      resumeButton,
      haltNotice,
      dialog,
    ),
    el(
      'section',
      { class: 'card wide', 'aria-labelledby': 'equity-title' },
      el('h2', { id: 'equity-title' }, 'Equity'),
      el('label', { for: 'equity-scope' }, 'Show '),
      scopeSelect,
      chartBox,
    ),
    el('section', { class: 'card wide', 'aria-labelledby': 'crews-title' }, el('h2', { id: 'crews-title' }, 'Crews'), crewsBox),
    el('section', { class: 'card wide', 'aria-labelledby': 'fills-title' }, el('h2', { id: 'fills-title' }, 'Fills, live'), fillsList),
  );

  function showStatus(s) {
    status = s;
    figures.replaceChildren(
      ...[
        ['Mode', s.mode],
        ['Equity', fmtMoney(s.equity)],
        ['Capital', fmtMoney(s.capital)],
        ['PnL today', signed(s.todayPnl)],
        ['Exposure', fmtMoney(s.exposure)],
        ['Open orders', s.openOrders],
        ['Desk time', fmtTime(s.asOf)],
      ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
    );
    const halted = s.halt.level !== 'none';
    haltState.textContent = halted ? `Halted at ${s.halt.level} by ${s.halt.actor}: ${s.halt.reason}` : 'Not halted: trading.';
    haltState.className = `halt-state ${halted ? 'halted' : 'trading'}`;
    resumeButton.hidden = !halted;
    crewsBox.replaceChildren(
      table(
        'Crews and their books',
        ['crew', 'team', 'module', 'market', 'status', 'capital', 'equity', 'PnL', 'PnL %', 'drawdown'],
        s.crews.map((c) => [
          el('a', { href: `#/crew/${encodeURIComponent(c.id)}` }, c.id),
          c.team,
          c.module,
          `${c.symbol} ${c.interval}`,
          c.status,
          fmtMoney(c.capital),
          fmtMoney(c.equity),
          signed(c.pnl),
          fmtPct(c.pnlPct),
          `${Number(c.drawdownPct).toFixed(2)} %`,
        ]),
        { testid: 'crews-table', empty: 'no crews' },
      ),
    );
  }

  function scopes(s) {
    const teams = [...new Set(s.crews.map((c) => c.team))];
    return [
      ['total+teams', 'all crews and teams'],
      ['total', 'all crews'],
      ...teams.map((t) => [`team:${t}`, `team ${t}`]),
      ...s.crews.map((c) => [`crew:${c.id}`, `crew ${c.id}`]),
    ];
  }

  async function drawEquity() {
    const choice = scopeSelect.value || 'total+teams';
    const wanted = choice === 'total+teams' ? ['total', ...new Set(status.crews.map((c) => `team:${c.team}`))] : [choice];
    const series = {};
    for (const scope of wanted) series[scope] = listOf(await api.get(`/api/v1/equity?scope=${encodeURIComponent(scope)}`), 'points');
    chart?.remove();
    chartBox.replaceChildren();
    chart = equityChart(chartBox, series);
    chartBox.dataset.points = String(Object.values(series).reduce((n, p) => n + p.length, 0));
  }

  async function refresh() {
    showStatus(await api.get('/api/v1/status'));
  }

  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(async () => {
      refreshTimer = null;
      try {
        await refresh();
      } catch {
        // The next fact tries again.
      }
    }, 300);
  }

  /** The figures, the curves (on the scope chosen, where it still exists) and the latest fills. */
  async function readAll() {
    await refresh();
    const chosen = scopeSelect.value;
    scopeSelect.replaceChildren(...scopes(status).map(([value, text]) => el('option', { value }, text)));
    if ([...scopeSelect.options].some((o) => o.value === chosen)) scopeSelect.value = chosen;
    await drawEquity();
    const recent = listOf(await api.get('/api/v1/trades?limit=10').catch(() => []), 'trades');
    for (const t of recent.reverse()) addFill(t.crewId, t);
  }

  return {
    node,
    load: readAll,
    /** After missed facts: read in place, so the halt form keeps what the owner typed and the scope chosen stays. */
    reload: readAll,
    onFact(fact) {
      if (fact.type === 'fill') {
        addFill(fact.crewId, fact.fill, true);
        refreshSoon();
      } else if (fact.type === 'halt' || fact.type === 'crew.paused' || fact.type === 'crew.resumed') refreshSoon();
      else if (fact.type === 'equity') {
        for (const s of fact.snapshots) chart?.add(scopeKeyOf(s.scope), fact.at, s.equity);
        refreshSoon();
      }
    },
    dispose() {
      clearTimeout(refreshTimer);
      chart?.remove();
    },
  };

  function addFill(crewId, fill, isLive = false) {
    // A fill may come both live and in the recent list read at load.
    const key = `${crewId}|${fill.time}|${fill.side}|${fill.quantity}`;
    if (shownFills.has(key)) return;
    shownFills.add(key);
    const item = el(
      'li',
      { class: isLive ? 'fresh' : '' },
      el('time', {}, fmtTime(fill.time)),
      ' ',
      el('strong', {}, crewId),
      ` ${fill.side} ${fill.quantity} ${fill.symbol} @ ${fmtMoney(fill.price)}`,
      isLive ? el('span', { class: 'tag' }, 'live') : '',
    );
    fillsList.prepend(item);
    while (fillsList.children.length > MAX_LIVE_FILLS) fillsList.lastElementChild.remove();
  }
}

/** The journal's scope key of a fact's scope (`total`, `team:alpha`, `crew:sma-btc`). */
function scopeKeyOf(scope) {
  return scope.kind === 'crew' ? `crew:${scope.crewId}` : scope.kind === 'team' ? `team:${scope.team}` : 'total';
}
