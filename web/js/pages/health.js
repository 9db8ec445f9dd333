// The desk's own health: event-loop lag, memory, CPU and the counters, from /metrics (Prometheus text).
import { el, table } from '../ui.js';

/** The figures /status shows on the console and Discord, from /api/v1/status's health. */
const FIGURES = [
  ['eventLoopLagP50Ms', 'Event-loop lag p50', (v) => `${v.toFixed(2)} ms`],
  ['eventLoopLagP99Ms', 'Event-loop lag p99', (v) => `${v.toFixed(2)} ms`],
  ['rssMb', 'Memory (RSS)', (v) => `${v.toFixed(0)} MB`],
  ['heapUsedMb', 'Heap used', (v) => `${v.toFixed(0)} MB`],
  ['cpuPct', 'CPU', (v) => `${v.toFixed(1)} % of a core`],
];

export function render({ api }) {
  const figures = el('dl', { class: 'figures', 'data-testid': 'health-figures' });
  const box = el('div', { 'data-testid': 'health' });
  const raw = el('details', {}, el('summary', {}, 'All series'));
  const status = el('p', { class: 'muted' });
  let timer = null;

  const node = el(
    'div',
    { class: 'page health' },
    el('h1', {}, 'Health'),
    el('section', { class: 'card', 'aria-labelledby': 'health-title' }, el('h2', { id: 'health-title' }, 'The desk process'), figures, status),
    el('section', { class: 'card wide', 'aria-labelledby': 'series-title' }, el('h2', { id: 'series-title' }, 'Metrics'), box, raw),
  );

  async function load() {
    const health = (await api.get('/api/v1/status')).health;
    figures.replaceChildren(
      ...(health
        ? FIGURES.filter(([key]) => typeof health[key] === 'number').flatMap(([key, label, show]) => [el('dt', {}, label), el('dd', {}, show(health[key]))])
        : [el('dt', {}, 'Health'), el('dd', {}, 'not measured by this desk')]),
    );
    const text = await api.get('/metrics');
    const samples = parseMetrics(typeof text === 'string' ? text : '');
    // The desk's own series; a histogram's buckets stay in "All series".
    const crewdesk = samples.filter((s) => s.name.startsWith('crewdesk_') && !s.name.endsWith('_bucket'));
    box.replaceChildren(
      table(
        'crewdesk_* series',
        ['series', 'labels', 'value'],
        crewdesk.map((s) => [s.name, s.labels, formatValue(s)]),
        { testid: 'health-table', empty: 'no series' },
      ),
    );
    raw.replaceChildren(el('summary', {}, 'All series'), el('pre', {}, text));
    status.textContent = `Read ${new Date().toISOString().slice(11, 19)} UTC; refreshed every 5 s.`;
  }

  return {
    node,
    async load() {
      await load();
      timer = setInterval(() => void load().catch(() => {}), 5000);
    },
    dispose() {
      clearInterval(timer);
    },
  };
}

/** Prometheus text → [{ name, labels, value }] (comments skipped). */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match) out.push({ name: match[1], labels: match[2] ?? '', value: Number(match[3]) });
  }
  return out;
}

function formatValue(sample) {
  const v = sample.value;
  if (/percent/.test(sample.name)) return `${v.toFixed(1)} %`;
  if (/bytes/.test(sample.name)) return `${(v / 1_048_576).toFixed(1)} MB`;
  if (/seconds/.test(sample.name) && v < 10) return `${(v * 1000).toFixed(2)} ms`;
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}
