// The manager's proposals waiting for the owner: approve or reject each.
import { el, fmtTime, listOf, notice, table } from '../ui.js';

export function render({ api }) {
  const box = el('div', { 'data-testid': 'proposals' });
  const say = el('p', { class: 'notice', role: 'status', 'data-testid': 'proposal-notice' });

  const node = el('div', { class: 'page proposals' }, el('h1', {}, 'Proposals'), el('section', { class: 'card wide' }, say, box));

  const answer = (id, verb) => async () => {
    try {
      const result = await api.post(`/api/v1/proposals/${encodeURIComponent(id)}/${verb}`, {});
      notice(say, typeof result === 'string' ? result : (result.message ?? `${id} ${verb}d`));
    } catch (error) {
      notice(say, error.message, 'error');
    }
    await load();
  };

  async function load() {
    const proposals = listOf(await api.get('/api/v1/proposals'), 'proposals');
    box.replaceChildren(
      table(
        'Open proposals of the manager',
        ['id', 'proposal', 'expires', ''],
        proposals.map((p) => [
          p.id,
          p.summary,
          fmtTime(p.expiresAt),
          el(
            'div',
            { class: 'row' },
            el('button', { type: 'button', onclick: answer(p.id, 'approve') }, `Approve ${p.id}`),
            el('button', { type: 'button', class: 'secondary', onclick: answer(p.id, 'reject') }, `Reject ${p.id}`),
          ),
        ]),
        { testid: 'proposals-table', empty: 'no open proposals' },
      ),
    );
  }

  return { node, load };
}
