// "My registration", served for /r/{code}: the delegate's registration, their
// sessions, the programme to choose sessions from, their badge (/r/{code}#badge,
// confirmed registrations only), and cancelling. The page
// follows the live channel (topics registration:{code} and event:{id}): a
// place freed on the waiting list, seat counts, programme changes.
//
// Whoever holds the code may manage the registration, so the code is only
// ever sent to our own API (and the page sets no-referrer).

import { h, flash } from './dom.js';
import { initI18n, t, has, locale } from './i18n.js';
import { getJSON, postJSON, deleteJSON, newIdempotencyKey, isRetryable, friendlyMessage, ApiError } from './api.js';
import { dayKey, formatDateRange, formatDay, formatShortDay, formatTime } from './format.js';
import { seatsElement, updateSeats, applyCounts, seatLedger } from './seats.js';
import { showLoading, showError, clearStatus, showConnection } from './status.js';
import { programmeChanges, describeChanges } from './programme.js';
import { subscribe } from './live.js';
import { badgeCard } from './badge-card.js';
import { mountHotel } from './reg-hotel.js';
import { mountLetter } from './reg-letter.js';

const state = {
  code: null,
  registration: null,
  event: null, // the event with its programme, or null if it could not be loaded
  busy: false, // an enrol, leave or cancel request is on its way
  keys: new Map(), // session id → Idempotency-Key of an enrolment being sent or retried
  notice: null, // "promoted" once a place came free for this delegate while the page was open
  stale: false, // live news came during an action: look again once it is done
  reported: [], // programme changes announced by the live channel, not shown yet
};

// The visa invitation letter section (#letter-view), drawn by reg-letter.js.
let letterView = null;

// Live counts received, so that an event fetched meanwhile is not older than the page.
const ledger = seatLedger();

// Refusals that mean the page no longer matches the server: reload both.
const STALE = new Set([
  'registration_cancelled',
  'registration_not_confirmed',
  'already_enrolled',
  'enrolment_not_found',
  'session_cancelled',
  'session_started',
  'session_overlap',
]);

function codeFromPath() {
  const match = /^\/r\/([^/]+)\/?$/.exec(location.pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

function api(path = '') {
  return `/api/registrations/${encodeURIComponent(state.code)}${path}`;
}

// ---- feedback ------------------------------------------------------------

function feedback(message) {
  document.getElementById('alert').replaceChildren();
  document.getElementById('feedback').textContent = message;
}

function alertMessage(message) {
  document.getElementById('feedback').textContent = '';
  document.getElementById('alert').replaceChildren(h('p', {}, message));
}

function clearFeedback() {
  document.getElementById('feedback').textContent = '';
  document.getElementById('alert').replaceChildren();
}

function refusalMessage(err) {
  if (err.code === 'session_overlap' && err.details?.session?.title) {
    return t('reg.refused.session_overlap', { title: err.details.session.title });
  }
  const key = `reg.refused.${err.code}`;
  if (has(key)) return t(key);
  return isRetryable(err) ? `${friendlyMessage(err)} ${t('reg.retry')}` : friendlyMessage(err);
}

function report(err) {
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) console.warn(err);
  else console.error(err);
  alertMessage(refusalMessage(err));
}

// ---- small pieces ----------------------------------------------------------

function held(registration) {
  return (registration.sessions ?? []).filter((e) => e.status !== 'cancelled');
}

function overlaps(a, b) {
  return new Date(a.starts_at) < new Date(b.ends_at) && new Date(b.starts_at) < new Date(a.ends_at);
}

function timeRange(item, tz, { withDay = false } = {}) {
  return [
    withDay ? `${formatShortDay(item.starts_at, tz, locale())} · ` : null,
    h('time', { datetime: item.starts_at }, formatTime(item.starts_at, tz, locale())),
    '–',
    h('time', { datetime: item.ends_at }, formatTime(item.ends_at, tz, locale())),
  ];
}

function statusText(registration) {
  if (registration.status === 'waitlisted') {
    return t('reg.status.waitlisted', { position: registration.waitlist_position ?? '?' });
  }
  return t(`reg.status.${registration.status}`);
}

function enrolmentText(enrolment) {
  if (enrolment.status === 'waitlisted') {
    return t('reg.enrolment.waitlisted', { position: enrolment.waitlist_position ?? '?' });
  }
  return t('reg.enrolment.confirmed');
}

function fact(term, value) {
  return value ? h('div', {}, h('dt', {}, term), h('dd', {}, value)) : null;
}

// ---- drawing ---------------------------------------------------------------

function renderSummary() {
  const { registration: r } = state;
  const ev = r.event;
  const explanation = {
    confirmed: null,
    waitlisted: t('reg.waitlistedExplain'),
    cancelled: t('reg.cancelledExplain'),
  }[r.status];

  document.getElementById('registration-summary').replaceChildren(
    h(
      'div',
      { class: `card reg-summary reg-summary--${r.status}` },
      h('h2', { class: 'reg-summary__event' }, h('a', { href: `/events/${encodeURIComponent(ev.slug ?? ev.id)}` }, ev.title)),
      h(
        'p',
        { class: 'event-when' },
        h('time', { datetime: ev.starts_at }, formatDateRange(ev.starts_at, ev.ends_at, ev.timezone, locale())),
      ),
      h(
        'dl',
        { class: 'facts' },
        fact(t('reg.name'), r.name),
        fact(t('reg.email'), r.email),
        fact(t('reg.organisation'), r.organisation),
        fact(t('reg.status'), h('strong', { class: 'reg-status', id: 'reg-status', dataset: { status: r.status } }, statusText(r))),
      ),
      state.notice === 'promoted' && r.status === 'confirmed'
        ? h('p', { class: 'notice notice--promoted', id: 'reg-notice' }, t('reg.live.promoted'))
        : null,
      explanation ? h('p', { class: 'reg-summary__explain' }, explanation) : null,
      r.status === 'cancelled'
        ? h('p', {}, h('a', { href: `/events/${encodeURIComponent(ev.slug ?? ev.id)}#register` }, t('reg.registerAgain')))
        : null,
    ),
  );
}

function actionButton(labelKey, title, onClick, attrs = {}) {
  const text = t(labelKey);
  const button = h(
    'button',
    { type: 'button', class: 'button button--small', 'aria-label': t(`${labelKey}Named`, { title }), ...attrs },
    text,
  );
  if (onClick) button.addEventListener('click', () => onClick(button));
  return button;
}

function mySessions() {
  const tz = state.registration.event.timezone;
  const mine = [...held(state.registration)].sort((a, b) => new Date(a.starts_at) - new Date(b.starts_at));
  return h(
    'section',
    { class: 'reg-section', id: 'my-sessions', 'aria-labelledby': 'my-sessions-heading' },
    h('h2', { id: 'my-sessions-heading', tabindex: '-1' }, t('reg.mySessions')),
    mine.length === 0
      ? h('p', { class: 'empty' }, t('reg.noSessions'))
      : h(
          'ul',
          { class: 'my-sessions' },
          mine.map((e) =>
            h(
              'li',
              { class: 'my-session', dataset: { sessionId: e.session_id } },
              h('p', { class: 'my-session__time' }, timeRange(e, tz, { withDay: true })),
              h('p', { class: 'my-session__title' }, e.title),
              h(
                'p',
                { class: 'tags' },
                h('span', { class: `tag ${e.status === 'confirmed' ? 'tag--open' : 'tag--waitlist'}` }, enrolmentText(e)),
                e.track ? h('span', { class: 'tag' }, e.track.name) : null,
                e.room ? h('span', { class: 'tag' }, e.room.name) : null,
              ),
              actionButton('reg.leave', e.title, (b) => leave(e, b, 'mine'), { class: 'button button--small button--secondary' }),
            ),
          ),
        ),
  );
}

/** What the delegate can do with one session of the programme. */
function sessionAction(session, mine, now) {
  const titleId = `pick-${session.id}-title`;
  const noteId = `pick-${session.id}-note`;
  const enrolment = mine.find((e) => e.session_id === session.id);
  if (enrolment) {
    return [
      h('p', { class: 'tags' }, h('span', { class: `tag ${enrolment.status === 'confirmed' ? 'tag--open' : 'tag--waitlist'}` }, t('reg.yours'), ' · ', enrolmentText(enrolment))),
      actionButton('reg.leave', session.title, (b) => leave(enrolment, b, 'pick'), { class: 'button button--small button--secondary' }),
    ];
  }
  if (session.status === 'cancelled') return null;
  if (now >= new Date(session.starts_at)) {
    return h('p', { class: 'note', id: noteId }, t('reg.started'));
  }
  const clash = mine.find((e) => overlaps(e, session));
  const full = session.capacity !== null && session.capacity !== undefined && Number(session.seats_left) <= 0;
  const labelKey = full ? 'reg.joinWaitlist' : 'reg.enrol';
  if (clash) {
    return [
      h('p', { class: 'pick__clash', id: noteId }, t('reg.overlaps', { title: clash.title })),
      actionButton(labelKey, session.title, null, { disabled: true, 'aria-describedby': noteId }),
    ];
  }
  return actionButton(labelKey, session.title, (b) => enrol(session, b), {
    'aria-describedby': `${titleId} pick-${session.id}-seats`,
  });
}

function pickCard(session, mine, now) {
  const cancelled = session.status === 'cancelled';
  const titleId = `pick-${session.id}-title`;
  const seats = seatsElement('session', session);
  seats.id = `pick-${session.id}-seats`;
  return h(
    'li',
    {},
    h(
      'article',
      {
        class: `card pick${cancelled ? ' session--cancelled' : ''}${mine.some((e) => e.session_id === session.id) ? ' pick--mine' : ''}`,
        'aria-labelledby': titleId,
        dataset: { sessionId: session.id },
      },
      h(
        'h5',
        { class: 'pick__title', id: titleId },
        session.title,
        cancelled ? [' ', h('span', { class: 'tag tag--cancelled' }, t('cancelled'))] : null,
      ),
      h(
        'p',
        { class: 'tags' },
        session.track ? h('span', { class: 'tag' }, `${t('track')}: ${session.track.name}`) : null,
        session.room ? h('span', { class: 'tag' }, session.room.name) : null,
      ),
      seats,
      h('div', { class: 'pick__action' }, sessionAction(session, mine, now)),
    ),
  );
}

function picker() {
  const { event } = state;
  const tz = event.timezone;
  const mine = held(state.registration);
  const now = new Date();
  const positions = new Map((event.tracks ?? []).map((tr) => [tr.id, tr.position]));
  const sessions = [...(event.sessions ?? [])].sort(
    (a, b) =>
      new Date(a.starts_at) - new Date(b.starts_at) ||
      new Date(a.ends_at) - new Date(b.ends_at) ||
      (positions.get(a.track?.id) ?? -1) - (positions.get(b.track?.id) ?? -1) ||
      a.title.localeCompare(b.title),
  );

  // Day → time slot (same start and end) → sessions.
  const days = new Map();
  for (const s of sessions) {
    const day = dayKey(s.starts_at, tz);
    if (!days.has(day)) days.set(day, new Map());
    const slots = days.get(day);
    const slot = `${s.starts_at}|${s.ends_at}`;
    if (!slots.has(slot)) slots.set(slot, []);
    slots.get(slot).push(s);
  }

  return h(
    'section',
    { class: 'reg-section', id: 'choose-sessions', 'aria-labelledby': 'choose-heading' },
    h('h2', { id: 'choose-heading' }, t('reg.choose')),
    sessions.length === 0
      ? h('p', { class: 'empty' }, t('noSessions'))
      : [
          h('p', { class: 'note' }, t('reg.chooseIntro')),
          [...days].map(([day, slots]) =>
            h(
              'section',
              { class: 'pick-day', 'aria-labelledby': `pick-day-${day}` },
              h('h3', { id: `pick-day-${day}` }, formatDay([...slots.values()][0][0].starts_at, tz, locale())),
              [...slots.values()].map((slotSessions, i) =>
                h(
                  'section',
                  { class: 'pick-slot', 'aria-labelledby': `pick-slot-${day}-${i}` },
                  h('h4', { class: 'pick-slot__time', id: `pick-slot-${day}-${i}` }, timeRange(slotSessions[0], tz)),
                  h('ul', { class: 'pick-list' }, slotSessions.map((s) => pickCard(s, mine, now))),
                ),
              ),
            ),
          ),
        ],
  );
}

function cancelSection() {
  const button = h('button', { type: 'button', class: 'button button--danger', id: 'cancel-registration' }, t('reg.cancel'));
  button.addEventListener('click', openCancelDialog);
  return h(
    'section',
    { class: 'reg-section', id: 'cancel', 'aria-labelledby': 'cancel-heading' },
    h('h2', { id: 'cancel-heading' }, t('reg.cancelHeading')),
    h('p', {}, t('reg.cancelIntro')),
    h('p', {}, button),
  );
}

// ---- the badge (#badge) ------------------------------------------------------
//
// A view on this same page rather than a page of its own: the code stays in the one
// address the delegate already has (with no-referrer), and /r/{code}#badge can be
// bookmarked. While it is shown, the rest of the page is hidden (css/badges.css),
// on screen and on paper.

const BADGE_HASH = '#badge';
let badgeRequest = 0; // the latest badge load; an older answer is dropped

function badgeSection() {
  return h(
    'section',
    { class: 'reg-section', id: 'my-badge', 'aria-labelledby': 'my-badge-heading' },
    h('h2', { id: 'my-badge-heading' }, t('reg.badge.heading')),
    h('p', {}, t('reg.badge.intro')),
    h('p', {}, h('a', { class: 'button button--secondary', id: 'show-badge', href: BADGE_HASH }, t('reg.badge.show'))),
  );
}

function badgeStatus(text, { error = false } = {}) {
  const el = document.getElementById('badge-view-status');
  el.classList.toggle('status--error', error);
  el.textContent = text;
}

async function openBadgeView() {
  const view = document.getElementById('badge-view');
  const card = document.getElementById('badge-view-card');
  const print = document.getElementById('badge-print');
  const request = ++badgeRequest;
  view.hidden = false;
  document.body.classList.add('badge-shown');
  print.hidden = true;
  card.replaceChildren();
  badgeStatus(t('reg.badge.loading'));
  document.getElementById('badge-view-heading').focus();
  try {
    const { badge } = await getJSON(api('/badge'));
    if (request !== badgeRequest) return;
    badgeStatus('');
    card.replaceChildren(badgeCard(badge, badge.event?.name ?? state.registration?.event?.title ?? '', { class: 'badge--own' }));
    print.hidden = false;
  } catch (err) {
    if (request !== badgeRequest) return;
    if (err instanceof ApiError && err.status >= 400 && err.status < 500) console.warn(err);
    else console.error(err);
    badgeStatus(err instanceof ApiError && err.code === 'badge_unavailable' ? t('reg.badge.unavailable') : friendlyMessage(err), {
      error: true,
    });
  }
}

function closeBadgeView() {
  badgeRequest += 1;
  document.getElementById('badge-view').hidden = true;
  document.getElementById('badge-view-card').replaceChildren();
  document.body.classList.remove('badge-shown');
}

/** Shows or hides the badge as the address's #badge says; only for a confirmed registration. */
function syncBadgeView() {
  const wanted = location.hash === BADGE_HASH && state.registration?.status === 'confirmed';
  const shown = !document.getElementById('badge-view').hidden;
  if (wanted && !shown) openBadgeView();
  else if (!wanted && shown) {
    closeBadgeView();
    document.getElementById('show-badge')?.focus();
  }
}

function setupBadgeView() {
  document.getElementById('badge-print').addEventListener('click', () => window.print());
  document.getElementById('badge-close').addEventListener('click', () => {
    // Leave #badge without adding a history entry, then redraw as the address says.
    history.replaceState(null, '', location.pathname + location.search);
    syncBadgeView();
  });
  window.addEventListener('hashchange', syncBadgeView);
}

function render() {
  const r = state.registration;
  document.title = `${t('reg.title')} · ${r.event.title} · ${t('appName')}`;
  renderSummary();

  const parts = [];
  if (r.status === 'confirmed') {
    parts.push(badgeSection());
    parts.push(mySessions());
    parts.push(
      state.event
        ? picker()
        : h('p', { class: 'status status--error' }, t('reg.programmeUnavailable')),
    );
  } else if (r.status === 'waitlisted') {
    parts.push(
      h(
        'section',
        { class: 'reg-section', id: 'choose-sessions', 'aria-labelledby': 'choose-heading' },
        h('h2', { id: 'choose-heading' }, t('reg.choose')),
        h('p', { class: 'note note--waitlist' }, t('reg.waitlistedNoSessions')),
      ),
    );
  }
  if (r.status !== 'cancelled') parts.push(cancelSection());
  document.getElementById('registration-body').replaceChildren(...parts);
  document.getElementById('registration').hidden = false;
  // A badge on screen goes away if the registration is no longer confirmed.
  if (r.status !== 'confirmed' && !document.getElementById('badge-view').hidden) closeBadgeView();
  letterView?.update(r);
}

/** After a redraw, put focus back where the delegate was working. */
function restoreFocus(sessionId, where) {
  const selector =
    where === 'pick'
      ? `#choose-sessions article[data-session-id="${CSS.escape(String(sessionId))}"] button:not([disabled])`
      : null;
  const target = (selector && document.querySelector(selector)) || document.getElementById('my-sessions-heading');
  target?.focus();
}

// ---- loading ---------------------------------------------------------------

async function loadEvent() {
  try {
    const mark = ledger.mark();
    const event = await getJSON(`/api/events/${encodeURIComponent(state.registration.event.id)}`);
    ledger.overlay(event, mark);
    state.event = event;
  } catch (err) {
    console.warn(err);
    state.event = null;
  }
}

async function reload() {
  const { registration } = await getJSON(api());
  state.registration = registration;
  await loadEvent();
}

// ---- actions ---------------------------------------------------------------

function setWorking(button) {
  button.disabled = true;
  button.removeAttribute('aria-label');
  button.textContent = t('reg.working');
  document.getElementById('registration-body').setAttribute('aria-busy', 'true');
}

function doneWorking() {
  state.busy = false;
  document.getElementById('registration-body').removeAttribute('aria-busy');
  if (state.stale) {
    state.stale = false;
    requestRefresh();
  }
}

async function afterRefusal(err, sessionId, where) {
  if (STALE.has(err.code)) {
    try {
      await reload();
      render();
    } catch (reloadErr) {
      console.warn(reloadErr);
    }
  } else {
    render(); // puts the button back as it was
  }
  report(err);
  restoreFocus(sessionId, where);
}

async function enrol(session, button) {
  if (state.busy) return;
  state.busy = true;
  clearFeedback();
  setWorking(button);
  // One key per session while the request is retried; the body is always the same.
  if (!state.keys.has(session.id)) state.keys.set(session.id, newIdempotencyKey());
  try {
    const { enrolment, registration } = await postJSON(api('/sessions'), { session_id: session.id }, {
      idempotencyKey: state.keys.get(session.id),
    });
    state.keys.delete(session.id);
    state.registration = registration;
    await loadEvent();
    render();
    feedback(
      enrolment.status === 'waitlisted'
        ? t('reg.enrolledWaitlist', { title: enrolment.title, position: enrolment.waitlist_position ?? '?' })
        : t('reg.enrolled', { title: enrolment.title }),
    );
    restoreFocus(session.id, 'pick');
  } catch (err) {
    if (!isRetryable(err)) state.keys.delete(session.id);
    await afterRefusal(err, session.id, 'pick');
  } finally {
    doneWorking();
  }
}

async function leave(enrolment, button, where) {
  if (state.busy) return;
  state.busy = true;
  clearFeedback();
  setWorking(button);
  try {
    const { registration } = await deleteJSON(api(`/sessions/${encodeURIComponent(enrolment.session_id)}`));
    state.registration = registration;
    await loadEvent();
    render();
    feedback(t('reg.left', { title: enrolment.title }));
    restoreFocus(enrolment.session_id, where);
  } catch (err) {
    await afterRefusal(err, enrolment.session_id, where);
  } finally {
    doneWorking();
  }
}

function openCancelDialog() {
  const dialog = document.getElementById('cancel-dialog');
  document.getElementById('cancel-dialog-text').textContent = t('reg.cancelText', {
    event: state.registration.event.title,
  });
  dialog.returnValue = '';
  dialog.showModal();
}

async function cancelRegistration() {
  if (state.busy) return;
  state.busy = true;
  clearFeedback();
  const button = document.getElementById('cancel-registration');
  if (button) setWorking(button);
  try {
    const { registration } = await deleteJSON(api());
    state.registration = registration;
    render();
    feedback(t('reg.cancelDone'));
    document.getElementById('page-heading').focus();
  } catch (err) {
    if (err.code === 'registration_cancelled') {
      try {
        await reload();
      } catch (reloadErr) {
        console.warn(reloadErr);
      }
    }
    render();
    report(err);
    document.getElementById('cancel-registration')?.focus();
  } finally {
    doneWorking();
  }
}

function setupCancelDialog() {
  const dialog = document.getElementById('cancel-dialog');
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'cancel') cancelRegistration();
    else document.getElementById('cancel-registration')?.focus();
  });
}

// ---- live updates ----------------------------------------------------------

let chain = Promise.resolve();
let refreshQueued = false;

/** Live work runs one piece at a time, in the order it arrived. */
function serial(task) {
  chain = chain.then(task).catch((err) => console.warn(err));
}

function isFull(session) {
  return session.capacity !== null && session.capacity !== undefined && Number(session.seats_left) <= 0;
}

function sameRegistration(a, b) {
  const key = (r) =>
    JSON.stringify([
      r.status,
      r.waitlist_position ?? null,
      held(r).map((e) => [e.session_id, e.status, e.waitlist_position ?? null, e.starts_at, e.ends_at, e.room?.id ?? null, e.title]),
    ]);
  return key(a) === key(b);
}

/** What identifies the focused control, to find its successor after a redraw. */
function focusKey() {
  const el = document.activeElement;
  if (!el || el === document.body || !document.getElementById('registration').contains(el)) return null;
  return {
    id: el.id || null,
    sessionId: el.closest('[data-session-id]')?.dataset.sessionId ?? null,
    section: el.closest('section[id]')?.id ?? null,
  };
}

function restoreFocusKey(key) {
  if (!key || (document.activeElement && document.activeElement !== document.body)) return;
  let target = key.id ? document.getElementById(key.id) : null;
  if (!target && key.sessionId && key.section) {
    target = document.querySelector(
      `#${CSS.escape(key.section)} [data-session-id="${CSS.escape(key.sessionId)}"] button:not([disabled])`,
    );
  }
  target?.focus({ preventScroll: true });
}

function flashSession(sessionId) {
  const id = CSS.escape(String(sessionId));
  for (const el of document.querySelectorAll(`article[data-session-id="${id}"], li[data-session-id="${id}"]`)) flash(el);
}

/** Redraw after news from the live channel, keeping focus; mark and announce what changed. */
function redrawLive(before, beforeEvent, reported = []) {
  const r = state.registration;
  if (before.status === 'waitlisted' && r.status === 'confirmed') state.notice = 'promoted';
  if (r.status !== 'confirmed') state.notice = null;
  const key = focusKey();
  render();
  restoreFocusKey(key);

  const news = [];
  if (before.status !== r.status || (r.status === 'waitlisted' && before.waitlist_position !== r.waitlist_position)) {
    flash(document.getElementById('reg-status'));
    if (r.status === 'confirmed' && state.notice === 'promoted') {
      flash(document.getElementById('reg-notice'));
      news.push(t('reg.live.promoted'));
    } else if (r.status === 'waitlisted') {
      news.push(t('reg.live.position', { position: r.waitlist_position ?? '?' }));
    } else if (r.status === 'cancelled') {
      news.push(t('reg.live.cancelled'));
    }
  }
  const previous = new Map(held(before).map((e) => [e.session_id, e]));
  for (const e of held(r)) {
    const p = previous.get(e.session_id);
    if (!p || (p.status === e.status && p.waitlist_position === e.waitlist_position)) continue;
    flashSession(e.session_id);
    if (p.status === 'waitlisted' && e.status === 'confirmed') news.push(t('reg.live.sessionPromoted', { title: e.title }));
  }
  if (beforeEvent && state.event && (state.event.schedule_version ?? 0) > (beforeEvent.schedule_version ?? 0)) {
    const changes = programmeChanges(beforeEvent, state.event, reported);
    for (const { session } of changes) flashSession(session.id);
    news.push(describeChanges(state.event, changes));
  }
  if (news.length) feedback(news.join(' '));
}

/** Fetch the registration and the event again, and show what changed. */
async function refreshAll() {
  if (state.busy) {
    state.stale = true;
    return;
  }
  const before = state.registration;
  const beforeEvent = state.event;
  const reported = state.reported.splice(0);
  await reload();
  if (state.busy) {
    state.stale = true; // the action's own redraw shows the new data
    return;
  }
  const sameProgramme = (state.event?.schedule_version ?? null) === (beforeEvent?.schedule_version ?? null);
  if (sameRegistration(before, state.registration) && sameProgramme && Boolean(state.event) === Boolean(beforeEvent)) {
    updateSeats(document, { sessions: state.event?.sessions ?? [] });
    return;
  }
  redrawLive(before, beforeEvent, reported);
}

function requestRefresh() {
  if (state.busy) {
    state.stale = true;
    return;
  }
  if (refreshQueued) return;
  refreshQueued = true;
  serial(async () => {
    refreshQueued = false;
    await refreshAll();
  });
}

/** New seat counts: redraw them, and the buttons of sessions that filled up or freed a place. */
function applyLiveCounts(counts) {
  const wasFull = new Map((state.event.sessions ?? []).map((s) => [s.id, isFull(s)]));
  const changed = applyCounts(state.event, counts);
  if (changed.sessions.length === 0) return;
  updateSeats(document, { sessions: changed.sessions }, { highlight: true });
  if (state.busy) return; // the redraw after the action shows the right buttons
  const mine = held(state.registration);
  const now = new Date();
  for (const session of changed.sessions) {
    if (wasFull.get(session.id) === isFull(session)) continue;
    const action = document.querySelector(
      `#choose-sessions article[data-session-id="${CSS.escape(String(session.id))}"] .pick__action`,
    );
    if (!action) continue;
    const hadFocus = action.contains(document.activeElement);
    action.replaceChildren(...[sessionAction(session, mine, now)].flat().filter(Boolean));
    if (hadFocus) action.querySelector('button:not([disabled])')?.focus({ preventScroll: true });
  }
}

function onRegistrationLive(message) {
  if ((message.type !== 'snapshot' && message.type !== 'registration') || !message.registration) return;
  const fresh = message.registration;
  serial(async () => {
    if (state.busy) {
      state.stale = true;
      return;
    }
    const before = state.registration;
    const next = { ...before, ...fresh };
    if (sameRegistration(before, next)) return;
    const beforeEvent = state.event;
    if (next.status === 'confirmed' && !state.event) await loadEvent();
    if (state.busy) {
      state.stale = true;
      return;
    }
    state.registration = next;
    redrawLive(before, beforeEvent);
  });
}

function onEventLive(message) {
  if (message.type === 'snapshot' || message.type === 'seats') {
    const counts = message.type === 'snapshot' ? message.seats ?? [] : [message];
    ledger.record(counts);
    if (state.event) applyLiveCounts(counts);
  }
  const version =
    message.type === 'snapshot' ? message.schedule_version : message.type === 'schedule' ? message.version : null;
  if (version === null || version === undefined) return;
  if (state.event && version <= (state.event.schedule_version ?? 0)) return;
  if (message.type === 'schedule') state.reported.push(...(message.changes ?? []));
  // Without a programme on screen (waiting list, or it failed to load) there is little to redraw.
  if (!state.event && state.registration.status !== 'confirmed') return;
  requestRefresh();
}

// ---- page ------------------------------------------------------------------

function renderNotFound() {
  document.title = `${t('reg.notFoundTitle')} · ${t('appName')}`;
  document.getElementById('page-heading').textContent = t('reg.notFoundTitle');
  document.getElementById('registration-summary').replaceChildren(
    h(
      'div',
      { class: 'card not-found' },
      h('p', {}, t('reg.notFoundText')),
      h('p', {}, t('reg.notFoundHelp')),
      h('p', {}, h('a', { href: '/' }, t('allEvents'))),
    ),
  );
  document.getElementById('registration-body').replaceChildren();
  document.getElementById('registration').hidden = false;
}

async function main() {
  await initI18n();
  showConnection();
  setupCancelDialog();
  setupBadgeView();
  showLoading();
  state.code = codeFromPath();
  try {
    if (!state.code) throw new ApiError('registration_not_found', 'No registration code in this address.', 404);
    await reload();
    clearStatus();
    letterView = mountLetter(document.getElementById('letter-view'), state.code);
    render();
    syncBadgeView();
    subscribe(`registration:${state.code}`, onRegistrationLive);
    subscribe(`event:${state.registration.event.id}`, onEventLive);
    mountHotel(document.getElementById('hotel-view'), { code: state.code, registration: state.registration });
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'registration_not_found' || err.status === 404)) {
      console.warn(err);
      clearStatus();
      renderNotFound();
    } else {
      showError(err);
    }
  }
}

main();
