// Small DOM helpers: elements from a tag, attributes and children; number and time formats.

/** el('button', { type: 'button', onclick }, 'Halt') — attributes starting with "on" become listeners. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A table with a caption, headings and rows of cells (text or nodes). */
export function table(caption, headings, rows, options = {}) {
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { ...(options.testid ? { 'data-testid': options.testid } : {}) },
      el('caption', {}, caption),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headings.map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el(
        'tbody',
        {},
        rows.length === 0
          ? el('tr', {}, el('td', { colspan: headings.length, class: 'muted' }, options.empty ?? 'none'))
          : rows.map((cells) =>
              el(
                'tr',
                {},
                cells.map((c) => el('td', {}, c)),
              ),
            ),
      ),
    ),
  );
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function fmtMoney(value) {
  const n = Number(value);
  return Number.isFinite(n) ? money.format(n) : String(value ?? '–');
}

export function fmtPct(value) {
  if (value === null || value === undefined) return '–';
  const n = Number(value);
  return Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(2)} %` : '–';
}

/** A signed amount, marked up or down for colour. */
export function signed(value) {
  const n = Number(value);
  return el('span', { class: n > 0 ? 'up' : n < 0 ? 'down' : '' }, `${n > 0 ? '+' : ''}${fmtMoney(value)}`);
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '–';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** A status line under a form: what the desk answered, or its refusal. */
export function notice(node, text, kind = 'info') {
  node.textContent = text;
  node.className = `notice ${kind}`;
  node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

/** Array payloads may come bare or wrapped (`{ items: [...] }`, `{ crews: [...] }`). */
export function listOf(payload, key) {
  if (Array.isArray(payload)) return payload;
  if (payload && Array.isArray(payload[key])) return payload[key];
  if (payload && Array.isArray(payload.items)) return payload.items;
  return [];
}
