// The dashboard: sign-in, hash routes to the pages, and the live fact stream shared by them.
import { ApiError, api, authEvents, FactStream, setToken, takeTokenFromUrl, token } from './api.js';
import { notice } from './ui.js';
import * as audit from './pages/audit.js';
import * as backtest from './pages/backtest.js';
import * as crew from './pages/crew.js';
import * as health from './pages/health.js';
import * as overview from './pages/overview.js';
import * as proposals from './pages/proposals.js';
import * as risk from './pages/risk.js';

const ROUTES = { overview, crew, risk, audit, proposals, backtest, health };

const main = document.getElementById('page');
const nav = document.getElementById('nav');
const live = document.getElementById('live');
const signOut = document.getElementById('sign-out');
const stream = new FactStream();
let current = null;

stream.addEventListener('open', () => {
  live.textContent = 'live';
  live.className = 'live on';
});
stream.addEventListener('close', () => {
  live.textContent = 'reconnecting…';
  live.className = 'live off';
});
stream.addEventListener('fact', (event) => {
  // The desk restarted, or the stream was away longer than its ring holds: facts were missed, so
  // the page reads everything again (no browser reload).
  // A page that can read itself again in place does (what the owner is typing stays); others are rebuilt.
  if (event.detail.type === 'gap') {
    if (current?.reload) void current.reload().catch((error) => console.error('a page failed to reload', error));
    else void route();
    return;
  }
  try {
    current?.onFact?.(event.detail.fact, event.detail);
  } catch (error) {
    console.error('a page failed on a fact', error);
  }
});

authEvents.addEventListener('signed-out', () => {
  // On the sign-in form, the form itself says why.
  if (nav.hidden) return;
  setToken(null);
  showSignIn('The desk refused the token: sign in again.');
});
signOut.addEventListener('click', () => {
  setToken(null);
  showSignIn('Signed out.');
});

function showSignIn(message = '') {
  stream.stop();
  current?.dispose?.();
  current = null;
  nav.hidden = true;
  live.hidden = true;
  signOut.hidden = true;
  main.replaceChildren(document.getElementById('sign-in-template').content.cloneNode(true));
  const form = document.getElementById('sign-in-form');
  const status = document.getElementById('sign-in-notice');
  if (message) notice(status, message, 'error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setToken(form.token.value.trim());
    try {
      await api.get('/api/v1/status');
      if (!location.hash.startsWith('#/')) location.hash = '#/overview';
      signedIn();
    } catch (error) {
      setToken(null);
      notice(
        status,
        error instanceof ApiError && error.status === 401 ? 'That token is not one the desk accepts.' : `The desk did not answer: ${error.message}`,
        'error',
      );
    }
  });
  document.getElementById('token-input').focus();
}

function signedIn() {
  nav.hidden = false;
  live.hidden = false;
  signOut.hidden = false;
  stream.start();
  route();
}

async function route() {
  if (!token()) return;
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const page = ROUTES[name] ?? overview;
  current?.dispose?.();
  current = null;
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const view = page.render({ api, stream, params: rest.map(decodeURIComponent) });
  current = view;
  main.replaceChildren(view.node);
  try {
    await view.load?.();
  } catch (error) {
    if (current === view)
      view.node.prepend(Object.assign(document.createElement('p'), { className: 'notice error', role: 'alert', textContent: error.message }));
  }
}

window.addEventListener('hashchange', () => {
  if (/(?:^#|&)token=/.test(location.hash)) {
    takeTokenFromUrl();
    signedIn();
    return;
  }
  route();
});

takeTokenFromUrl();
if (token()) signedIn();
else showSignIn();
