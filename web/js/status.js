// The page's live status region (role="status", aria-live="polite"):
// "Loading…" while fetching, a friendly message on error, empty otherwise.

import { t } from './i18n.js';
import { ApiError, friendlyMessage } from './api.js';

function region() {
  return document.getElementById('status');
}

export function showLoading() {
  const el = region();
  el.classList.remove('status--error');
  el.textContent = t('loading');
}

export function showError(err) {
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
