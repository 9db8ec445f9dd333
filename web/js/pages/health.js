// The desk's own health: event-loop lag, memory, CPU and the counters, from /metrics (Prometheus text).
import { el, table } from '../ui.js';

export function render({ api }) {
  const box = el('div', { 'data-testid': 'health' });
  const raw = el('details', {}, el('summary', {}, 'All series'));
  const status = el('p', { class: 'muted' });
  let timer = null;

  const node = el('div', { class: 'page health' }, el('h1', {}, 'Health'), el('section', { class: 'card wide' }, status, box, raw));

  async function load() {
    const text = await api.get('/metrics');
    const samples = parseMetrics(typeof text === 'string' ? text : '');
    const crewdesk = samples.filter(
      (s) => s.name.startsWith('crewdesk_') || /^process_(resident_memory|cpu)/.test(s.name) || s.name.startsWith('nodejs_eventloop_lag'),
    );
    box.replaceChildren(
      table(
        'The desk process',
        ['series', 'labels', 'value'],
        crewdesk.map((s) => [s.name, s.labels, formatValue(s)]),
        { testid: 'health-table', empty: 'no series' },
      ),
    );
    raw.replaceChildren(el('summary', {}, 'All series'), el('pre', {}, text));
    status.textContent = `Sampled ${new Date().toISOString().slice(11, 19)} UTC; refreshed every 5 s.`;
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
  if (/bytes/.test(sample.name)) return `${(v / 1_048_576).toFixed(1)} MB`;
  if (/seconds/.test(sample.name) && v < 10) return `${(v * 1000).toFixed(2)} ms`;
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}
