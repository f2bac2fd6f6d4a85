// Event page, served for /events/{id-or-slug}: overview, registration window,
// and the programme by day or by track.

import { h, paragraphs } from './dom.js';
import { initI18n, t, label, locale } from './i18n.js';
import { getJSON, ApiError } from './api.js';
import { formatDateRange, formatDateTime, formatDay, formatOffset, phase } from './format.js';
import { seatsElement, updateSeats } from './seats.js';
import { showLoading, showError, clearStatus } from './status.js';
import { renderProgramme } from './programme.js';
import { mountRegistration, availability } from './register-form.js';

const state = { event: null, view: 'day', registration: null };

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
  document.title = `${event.title} · ${t('appName')}`;
  renderOverview(event);
  renderNotes(event);
  drawProgramme();
  document.getElementById('event').hidden = false;
}

// After a registration the seat counts have changed: fetch and redraw them.
async function refreshSeats() {
  try {
    const event = await getJSON(`/api/events/${encodeURIComponent(state.event.id)}`);
    state.event = event;
    state.registration?.setEvent(event);
    updateSeats(document, { events: [event], sessions: event.sessions ?? [] });
  } catch (err) {
    console.warn(err); // the counts shown are only a little stale
  }
}

async function main() {
  await initI18n();
  setupViewToggle();
  showLoading();
  try {
    const ref = eventRef();
    if (!ref) throw new ApiError('not_found', 'No event in this address.');
    renderEvent(await getJSON(`/api/events/${encodeURIComponent(ref)}`));
    clearStatus();
    state.registration = mountRegistration(document.getElementById('register'), state.event, {
      onRegistered: refreshSeats,
    });
  } catch (err) {
    document.title = `${t('eventUnavailable')} · ${t('appName')}`;
    document.getElementById('event-overview').replaceChildren();
    document.getElementById('status').before(h('h1', {}, t('eventUnavailable')));
    showError(err);
  }
}

main();
