// The audit log: who changed what, through which interface; newest first, a page at a time.
import { el, fmtTime, listOf, table } from '../ui.js';

const PAGE = 25;

export function render({ api }) {
  const box = el('div', { 'data-testid': 'audit' });
  const pager = el('div', { class: 'row' });
  // The `before` cursor of each page shown, so "newer" goes back exactly.
  const cursors = [undefined];

  const node = el('div', { class: 'page audit' }, el('h1', {}, 'Audit log'), el('section', { class: 'card wide' }, box, pager));

  async function show(index) {
    const before = cursors[index];
    const payload = await api.get(`/api/v1/audit?limit=${PAGE}${before !== undefined ? `&before=${before}` : ''}`);
    const rows = listOf(payload, 'entries');
    box.replaceChildren(
      table(
        `Page ${index + 1}`,
        ['time', 'who', 'via', 'action', 'detail'],
        rows.map((r) => [fmtTime(r.at), r.actor, r.via, r.action, el('code', {}, JSON.stringify(r.detail ?? {}))]),
        { empty: 'nothing audited yet' },
      ),
    );
    // The next page starts below the last entry's number.
    const next = payload.nextBefore ?? (rows.length === PAGE ? rows.at(-1).seq : undefined);
    cursors[index + 1] = next;
    pager.replaceChildren(
      el('button', { type: 'button', disabled: index === 0, onclick: () => void show(index - 1) }, 'Newer'),
      el('button', { type: 'button', disabled: next === undefined || next === null, onclick: () => void show(index + 1) }, 'Older'),
    );
  }

  return { node, load: () => show(0) };
}
