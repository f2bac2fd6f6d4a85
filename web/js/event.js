// Event page, served for /events/{id-or-slug}: overview, registration window,
// and the programme by day or by track. Seat counts and the programme follow
// the server's live channel (topic event:{id}) while the page is open.

import { h, paragraphs, flash } from './dom.js';
import { initI18n, t, label, locale } from './i18n.js';
import { getJSON, ApiError } from './api.js';
import { formatDateRange, formatDateTime, formatDay, formatOffset, phase } from './format.js';
import { seatsElement, updateSeats, applyCounts, countsOf, seatLedger } from './seats.js';
import { showLoading, showError, clearStatus, showConnection } from './status.js';
import { renderProgramme, programmeChanges, describeChanges } from './programme.js';
import { renderVenue } from './event-venue.js';
import { mountRegistration, availability } from './register-form.js';
import { subscribe } from './live.js';
import { mountEventHotels } from './event-hotels.js';

const state = {
  event: null,
  view: 'day',
  registration: null,
  shownVersion: 0, // the schedule_version of the programme on screen
  wantedVersion: 0, // the newest schedule_version the live channel announced
};

// Live counts received, so that an event fetched meanwhile is not older than the page.
const ledger = seatLedger();

function eventRef() {
  const match = /^\/events\/([^/]+)\/?$/.exec(location.pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

function venueLine(venue) {
  if (!venue) return h('p', { class: 'event-venue' }, t('venueTba'));
  const place = [venue.address, venue.city, venue.country].filter(Boolean).join(', ');
  return h('p', { class: 'event-venue' }, h('strong', {}, venue.name), place ? h('br') : null, place || null);
}

// A window that closes at local midnight reads better as "until the end of" the day
// before: "until 12 June" is stored as 13 June 00:00.
function closing(iso, tz) {
  if (!iso) return t('registration.unknown');
  if (iso.slice(11, 19) !== '00:00:00') {
    return h('time', { datetime: iso }, formatDateTime(iso, tz, locale()));
  }
  const lastDay = new Date(Date.parse(iso) - 1000).toISOString();
  return h('time', { datetime: iso }, t('registration.untilEndOf', { date: formatDay(lastDay, tz, locale()) }));
}

function registrationFacts(event) {
  const tz = event.timezone;
  const when = (iso) =>
    iso
      ? h('time', { datetime: iso }, formatDateTime(iso, tz, locale()))
      : t('registration.unknown');
  const status = {
    before: ['registration.notYetOpen', 'tag--muted'],
    during: ['registration.open', 'tag--open'],
    after: ['registration.closed', 'tag--muted'],
  }[phase(event.registration_opens_at, event.registration_closes_at)];

  return [
    h('p', { class: 'tags' }, h('span', { class: `tag ${status[1]}` }, t(status[0]))),
    availability(event).open
      ? h('p', { class: 'event-facts__register' }, h('a', { class: 'button', href: '#register' }, t('register.jump')))
      : null,
    h(
      'dl',
      { class: 'facts' },
      h('div', {}, h('dt', {}, t('registration.opens')), h('dd', {}, when(event.registration_opens_at))),
      h('div', {}, h('dt', {}, t('registration.closes')), h('dd', {}, closing(event.registration_closes_at, tz))),
    ),
  ];
}

function eligibilityLine(eligibility) {
  const years = eligibility?.dues_paid_years;
  if (!Array.isArray(years) || years.length === 0) return null;
  const list = new Intl.ListFormat(locale(), { type: 'conjunction' }).format(years.map(String));
  return h('p', { class: 'eligibility' }, t('eligibilityDues', { years: list }));
}

function renderOverview(event) {
  const live = phase(event.starts_at, event.ends_at) === 'during';
  document.getElementById('event-overview').replaceChildren(
    h(
      'div',
      { class: 'event-header' },
      h('h1', {}, event.title),
      h(
        'p',
        { class: 'tags' },
        h('span', { class: 'tag' }, label('kind', event.kind)),
        live ? h('span', { class: 'tag tag--live' }, t('happeningNow')) : null,
        event.demo ? h('span', { class: 'tag tag--demo' }, t('demoTag')) : null,
      ),
      h(
        'p',
        { class: 'event-when' },
        h('time', { datetime: event.starts_at }, formatDateRange(event.starts_at, event.ends_at, event.timezone, locale())),
      ),
      venueLine(event.venue),
    ),
    h(
      'div',
      { class: 'card event-facts' },
      seatsElement('event', event),
      registrationFacts(event),
      eligibilityLine(event.eligibility),
    ),
    h('div', { class: 'event-description' }, paragraphs(event.description)),
  );
}

function renderNotes(event) {
  document.getElementById('time-zone-note').textContent = t('timeZoneNote', {
    zone: event.timezone,
    offset: formatOffset(event.starts_at, event.timezone, locale()),
  });
  const demo = document.getElementById('demo-notice');
  demo.hidden = !(event.demo || (event.sessions ?? []).some((s) => s.demo));
  demo.textContent = t('demoNotice');
}

function drawProgramme() {
  // "By track" only makes sense when the event has tracks.
  const hasTracks = (state.event.tracks ?? []).length > 0;
  const view = hasTracks ? state.view : 'day';
  document.querySelector('.view-toggle').hidden = !hasTracks;
  for (const button of document.querySelectorAll('.view-toggle__button')) {
    button.setAttribute('aria-pressed', String(button.dataset.view === view));
  }
  document.getElementById('programme-body').replaceChildren(...renderProgramme(state.event, view));
}

function setupViewToggle() {
  for (const button of document.querySelectorAll('.view-toggle__button')) {
    button.addEventListener('click', () => {
      if (state.view === button.dataset.view) return;
      state.view = button.dataset.view;
      drawProgramme();
    });
  }
}

/** Draw the whole page from event data; safe to call again with new data. */
export function renderEvent(event) {
  state.event = event;
  state.shownVersion = event.schedule_version ?? 0;
  document.title = `${event.title} · ${t('appName')}`;
  renderOverview(event);
  renderNotes(event);
  drawProgramme();
  renderVenue(document.getElementById('venue'), event);
  document.getElementById('event').hidden = false;
}

// ---- keeping up to date ------------------------------------------------------

/** New counts (from the live channel or a fetch): redraw those that changed, briefly marked. */
function applyLiveCounts(counts) {
  const changed = applyCounts(state.event, counts);
  if (changed.events.length === 0 && changed.sessions.length === 0) return;
  updateSeats(document, changed, { highlight: true });
  if (changed.events.length) state.registration?.setEvent(state.event);
}

/** A fetched event with a newer programme: redraw it, mark and announce what changed. */
function showNewProgramme(fresh, reported) {
  const before = state.event;
  state.event = fresh;
  state.shownVersion = fresh.schedule_version ?? 0;
  renderNotes(fresh);
  drawProgramme();
  renderVenue(document.getElementById('venue'), fresh);
  updateSeats(document, { events: [fresh] });
  state.registration?.setEvent(fresh);

  const changes = programmeChanges(before, fresh, reported);
  for (const { session } of changes) {
    for (const card of document.querySelectorAll(`#programme-body article[data-session-id="${CSS.escape(String(session.id))}"]`)) {
      flash(card);
    }
  }
  const region = document.getElementById('programme-updates');
  region.textContent = describeChanges(fresh, changes);
  flash(region);
}

let refreshing = null;
let refreshAgain = false;
const reportedChanges = [];

/**
 * Fetch the event again: a newer programme is redrawn, otherwise only the
 * counts are brought up to date. Calls while one is on its way are folded
 * into one more fetch.
 */
function refreshEvent(reported = []) {
  reportedChanges.push(...reported);
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      let tries = 0;
      do {
        refreshAgain = false;
        tries += 1;
        const mark = ledger.mark();
        const fresh = await getJSON(`/api/events/${encodeURIComponent(state.event.id)}`);
        ledger.overlay(fresh, mark);
        if ((fresh.schedule_version ?? 0) > state.shownVersion) {
          showNewProgramme(fresh, reportedChanges.splice(0));
        } else {
          applyLiveCounts(countsOf(fresh));
        }
        // Announced but not served yet: ask once or twice more.
        if (state.wantedVersion > state.shownVersion && tries < 3) refreshAgain = true;
      } while (refreshAgain);
    } catch (err) {
      console.warn(err); // the page stays as it was; the next message or reconnection tries again
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function onLive(message) {
  switch (message.type) {
    case 'snapshot':
      ledger.record(message.seats ?? []);
      applyLiveCounts(message.seats ?? []);
      if ((message.schedule_version ?? 0) > state.shownVersion) {
        state.wantedVersion = Math.max(state.wantedVersion, message.schedule_version);
        refreshEvent();
      }
      break;
    case 'seats':
      ledger.record([message]);
      applyLiveCounts([message]);
      break;
    case 'schedule':
      if ((message.version ?? 0) > state.shownVersion) {
        state.wantedVersion = Math.max(state.wantedVersion, message.version);
        refreshEvent(message.changes ?? []);
      }
      break;
    default:
      break; // an error: the page keeps what it shows
  }
}

async function main() {
  await initI18n();
  showConnection();
  setupViewToggle();
  showLoading();
  try {
    const ref = eventRef();
    if (!ref) throw new ApiError('not_found', 'No event in this address.');
    renderEvent(await getJSON(`/api/events/${encodeURIComponent(ref)}`));
    clearStatus();
    state.registration = mountRegistration(document.getElementById('register'), state.event, {
      // The live channel brings the new counts too; this covers a page without it.
      onRegistered: () => refreshEvent(),
    });
    subscribe(`event:${state.event.id}`, onLive);
    mountEventHotels(document.getElementById('hotels'), state.event);
  } catch (err) {
    document.title = `${t('eventUnavailable')} · ${t('appName')}`;
    document.getElementById('event-overview').replaceChildren();
    document.getElementById('status').before(h('h1', {}, t('eventUnavailable')));
    showError(err);
  }
}

main();
