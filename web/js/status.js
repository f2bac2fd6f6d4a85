// The page's live status region (role="status", aria-live="polite"):
// "Loading…" while fetching, a friendly message on error, empty otherwise.
// Also the header's discreet indicator of the live-updates connection.

import { t } from './i18n.js';
import { ApiError, friendlyMessage, pageIsLeaving } from './api.js';
import { onConnection } from './live.js';

function region() {
  return document.getElementById('status');
}

export function showLoading() {
  const el = region();
  el.classList.remove('status--error');
  el.textContent = t('loading');
}

export function showError(err) {
  // A request cancelled because the visitor left the page is not an error.
  if (err?.name === 'AbortError' || pageIsLeaving()) return;
  // Expected API errors (e.g. not_found) are not bugs: keep the console quiet.
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) console.warn(err);
  else console.error(err);
  const el = region();
  el.classList.add('status--error');
  el.textContent = friendlyMessage(err);
}

export function clearStatus() {
  const el = region();
  el.classList.remove('status--error');
  el.textContent = '';
}

/**
 * Show the state of the live-updates connection in the header (#live-status,
 * role="status"): "Live" while connected, "Reconnecting…" while it is lost,
 * nothing before the page follows anything.
 */
export function showConnection() {
  const el = document.getElementById('live-status');
  if (!el) return;
  onConnection((state) => {
    el.dataset.state = state;
    el.textContent = { live: t('live.on'), reconnecting: t('live.reconnecting') }[state] ?? '';
  });
}
