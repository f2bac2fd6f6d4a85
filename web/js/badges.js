// The organisers' badge print sheet, served for /badges?event=ID with
// &unprinted=1 (the default: every confirmed delegate whose badge was not
// printed yet) or &registrations=12,13 (those badges, printed or not).
//
// It asks GET /api/events/{id}/badges, lays the badges out eight to an A4
// page (css/badges.css), prints with the browser's own dialog, and records
// with POST /api/events/{id}/badges/printed (CSRF token added by staff.js)
// that the badges on the sheet were printed.

import { h } from './dom.js';
import { initI18n, t } from './i18n.js';
import { ApiError } from './api.js';
import { loadStaff, get, post, withQuery } from './console-api.js';
import { showPageError, errorMessage } from './console-ui.js';
import { badgeCard } from './badge-card.js';

/** Cards per A4 page: 2 columns × 4 rows of 90 × 60 mm. */
const PER_PAGE = 8;

const state = { eventId: null, query: null, event: null, badges: [], marked: false };

/**
 * What the page was asked for: { eventId, unprinted, registrations } or null
 * when the address names no event. Registration ids are kept only when they
 * are whole numbers; with none, the sheet shows the badges not yet printed.
 */
function readQuery(search) {
  const params = new URLSearchParams(search);
  const eventId = params.get('event');
  if (!eventId || !/^[1-9]\d{0,9}$/.test(eventId)) return null;
  const registrations = (params.get('registrations') ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => /^[1-9]\d{0,9}$/.test(x));
  return registrations.length ? { eventId, unprinted: false, registrations } : { eventId, unprinted: true, registrations: [] };
}

function badgesPath({ eventId, unprinted, registrations }) {
  return withQuery(`/api/events/${encodeURIComponent(eventId)}/badges`, unprinted ? { unprinted: 1 } : { registrations: registrations.join(',') });
}

function status(text) {
  const el = document.getElementById('status');
  el.classList.remove('status--error');
  el.textContent = text;
}

function feedback(text, { error = false } = {}) {
  const el = document.getElementById('feedback');
  el.classList.toggle('status--error', error);
  el.textContent = text;
}

function chunks(list, size) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function renderSheets() {
  const eventName = state.event?.name ?? '';
  const pages = chunks(state.badges, PER_PAGE);
  document.getElementById('badge-sheets').replaceChildren(
    ...pages.map((badges, index) =>
      h(
        'section',
        { class: 'badge-sheet', 'aria-label': t('badges.sheet', { page: index + 1, pages: pages.length }) },
        ...badges.map((badge) =>
          badgeCard(
            badge,
            eventName,
            badge.printed_at ? { 'data-printed-at': badge.printed_at, 'data-printed-note': t('badges.printedBefore') } : {},
          ),
        ),
      ),
    ),
  );
  return pages.length;
}

function renderToolbar(answer, pages) {
  const count = state.badges.length;
  document.getElementById('badges-summary').textContent = `${t('badges.count', { count })} · ${t('badges.pages', { count: pages })}`;
  const truncated = document.getElementById('badges-truncated');
  const total = Number(answer.total ?? count);
  truncated.hidden = !(answer.truncated || total > count);
  truncated.textContent = truncated.hidden ? '' : t('badges.truncated', { shown: count, total });
  const mark = document.getElementById('mark-printed');
  mark.textContent = t('badges.markPrinted', { count });
  mark.disabled = state.marked;
  document.getElementById('badges-toolbar').hidden = false;
}

function renderEmpty() {
  const el = document.getElementById('badges-empty');
  el.textContent = state.query.unprinted ? t('badges.emptyUnprinted') : t('badges.emptySelected');
  el.hidden = false;
  document.getElementById('badges-toolbar').hidden = true;
  document.getElementById('badge-sheets').replaceChildren();
}

async function markPrinted(button) {
  const ids = state.badges.map((b) => b.registration_id);
  if (!ids.length || state.marked) return;
  button.disabled = true;
  feedback(t('badges.marking'));
  try {
    const answer = await post(`/api/events/${encodeURIComponent(state.eventId)}/badges/printed`, { registration_ids: ids });
    state.marked = true;
    feedback(t('badges.marked', { count: Number(answer?.marked ?? ids.length) }));
    button.textContent = t('badges.markedButton');
  } catch (err) {
    button.disabled = false;
    if (err instanceof ApiError && err.status >= 400 && err.status < 500) console.warn(err);
    else console.error(err);
    feedback(t('badges.notMarked', { reason: errorMessage(err) }), { error: true });
  }
}

function setupBreadcrumb() {
  const back = document.getElementById('back-to-event');
  back.href = `/console/events/${encodeURIComponent(state.eventId)}#checkin`;
  back.textContent = state.event?.name ?? t('badges.backToEvent');
}

async function main() {
  await initI18n();
  document.title = `${t('badges.title')} · ${t('console.brand')}`;
  status(t('badges.loading'));
  try {
    state.query = readQuery(location.search);
    if (!state.query) throw new ApiError('no_event', t('badges.noEvent'), 400);
    state.eventId = state.query.eventId;
    if (!(await loadStaff())) return; // on the way to the sign-in page
    const answer = await get(badgesPath(state.query));
    state.event = answer.event ?? null;
    state.badges = Array.isArray(answer.badges) ? answer.badges : [];
    setupBreadcrumb();
    if (state.event?.name) {
      document.getElementById('badges-heading').textContent = t('badges.heading', { event: state.event.name });
      document.title = `${t('badges.heading', { event: state.event.name })} · ${t('console.brand')}`;
    }
    status('');
    if (!state.badges.length) {
      renderEmpty();
      return;
    }
    renderToolbar(answer, renderSheets());
    document.getElementById('print-badges').addEventListener('click', () => window.print());
    const mark = document.getElementById('mark-printed');
    mark.addEventListener('click', () => markPrinted(mark));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'no_event') {
      const el = document.getElementById('status');
      el.classList.add('status--error');
      el.textContent = err.message;
      return;
    }
    showPageError(err);
  }
}

main();
