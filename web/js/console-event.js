// Organiser console, one event, served for /console/events/{id}: the programme
// (sessions by day and room, tracks, rooms), the registrations table, the
// activity feed, the event's details, the rooms (timeline, floors, venue
// information), badges & check-in, official hotels and visa letters, in tabs. Counts
// and the programme follow the live channel (topic event:{id}, and
// checkin:{id} for the check-in counters) while the page is open.

import { h, flash } from './dom.js';
import { initI18n, t, label, locale } from './i18n.js';
import { formatDateRange } from './format.js';
import { applyCounts } from './seats.js';
import { showLoading, clearStatus, showConnection } from './status.js';
import { subscribe } from './live.js';
import { loadStaff, get, patch } from './console-api.js';
import { setupTabs, showPageError as showError } from './console-ui.js';
import { ApiError } from './api.js';
import { eventForm } from './console-event-form.js';
import { renderProgramme, updateCounts, countsText } from './console-programme.js';
import { mountRegistrations } from './console-registrations.js';
import { mountActivity } from './console-activity.js';
import { mountCheckin } from './console-checkin.js';
import { mountHotels } from './console-hotels.js';
import { mountLetters } from './console-letters.js';
import { mountRooms } from './console-rooms.js';

const LIVE_REFRESH_MS = 800;

const state = { event: null, venues: [], tab: 'programme', registrations: null, activity: null };

function eventId() {
  const match = /^\/console\/events\/(\d+)\/?$/.exec(location.pathname);
  return match ? match[1] : null;
}

const base = () => `/api/events/${state.event?.id ?? eventId()}`;

function feedback(text) {
  const el = document.getElementById('feedback');
  el.textContent = text;
  flash(el);
}

function renderHeader() {
  const event = state.event;
  document.title = `${event.title} · ${t('console.brand')}`;
  document.getElementById('event-header').replaceChildren(
    h('h1', { id: 'event-title' }, event.title),
    h(
      'p',
      { class: 'tags' },
      h('span', { class: 'tag' }, label('kind', event.kind)),
      ' ',
      h('a', { href: `/events/${encodeURIComponent(event.slug)}` }, t('console.publicPage')),
    ),
    h(
      'p',
      { class: 'event-when' },
      h('time', { datetime: event.starts_at }, formatDateRange(event.starts_at, event.ends_at, event.timezone, locale())),
      event.venue ? `, ${event.venue.name}` : null,
      ` (${event.timezone})`,
    ),
    h('p', { class: 'console-counts', 'data-console-seats': true }, countsText(event)),
  );
}

function renderDetails() {
  const panel = document.getElementById('panel-details');
  const form = eventForm({
    event: state.event,
    venues: state.venues,
    onSave: async (body) => {
      const { event } = await patch(base(), body);
      state.event = event;
      renderHeader();
      renderProgrammeTab();
      state.registrations?.setEvent(event);
      state.rooms?.setEvent(event);
      feedback(t('console.event.saved'));
    },
  });
  panel.replaceChildren(h('h2', {}, t('console.tab.details')), form.el);
}

function renderProgrammeTab() {
  renderProgramme(document.getElementById('panel-programme'), {
    event: state.event,
    base: base(),
    reload,
    feedback,
    showRegistrations(sessionId) {
      state.tabs.show('registrations');
      state.registrations.showSession(sessionId);
    },
  });
}

async function reload() {
  const { event } = await get(`${base()}/console`);
  state.event = event;
  renderHeader();
  renderProgrammeTab();
  state.registrations?.setEvent(event);
  // Keep a half-typed edit of the details: redraw them only when out of sight.
  if (state.tab !== 'details') renderDetails();
  state.rooms?.setEvent(event, { keepForm: state.tab === 'rooms' });
}

// ---- live updates ------------------------------------------------------------

function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

const refreshRegistrations = debounce(() => {
  if (state.tab === 'registrations') state.registrations.refresh();
  else state.registrations.markStale();
}, LIVE_REFRESH_MS);
const refreshActivity = debounce(() => {
  if (state.tab === 'activity') state.activity.refresh();
}, LIVE_REFRESH_MS);
const reloadProgramme = debounce(() => reload().catch(showError), LIVE_REFRESH_MS);

function onLive(message) {
  if (message.type === 'snapshot' || message.type === 'seats') {
    const counts = message.type === 'snapshot' ? message.seats ?? [] : [message];
    const changed = applyCounts(state.event, counts);
    if (!changed.events.length && !changed.sessions.length) return;
    updateCounts(document, state.event);
    for (const el of document.querySelectorAll('[data-console-seats]')) {
      const id = el.dataset.sessionId;
      if (id ? changed.sessions.some((s) => String(s.id) === id) : changed.events.length) flash(el);
    }
    if (message.type === 'seats') {
      refreshRegistrations();
      refreshActivity();
    }
  } else if (message.type === 'schedule') {
    if ((message.version ?? 0) > (state.event.schedule_version ?? 0)) reloadProgramme();
    refreshActivity();
  }
}

// ---- the page ----------------------------------------------------------------

async function main() {
  await initI18n();
  showLoading();
  try {
    if (!eventId()) throw new ApiError('event_not_found', 'There is no such event.', 404);
    if (!(await loadStaff())) return; // on the way to the sign-in page
    showConnection();
    const [{ event }, { venues }] = await Promise.all([get(`${base()}/console`), get('/api/console/venues')]);
    state.event = event;
    state.venues = venues;
    renderHeader();
    renderProgrammeTab();
    renderDetails();
    state.registrations = mountRegistrations(document.getElementById('panel-registrations'), {
      event,
      base: base(),
      feedback,
    });
    state.activity = mountActivity(document.getElementById('panel-activity'), { base: base() });
    state.checkin = mountCheckin(document.getElementById('panel-checkin'), { eventId: event.id });
    state.hotels = mountHotels(document.getElementById('panel-hotels'), { event, base: base(), feedback });
    state.letters = mountLetters(document.getElementById('panel-letters'), { eventId: event.id, feedback });
    state.rooms = mountRooms(document.getElementById('panel-rooms'), { base: base(), feedback, reload });
    state.rooms.setEvent(event);
    document.getElementById('console-event').hidden = false;
    clearStatus();
    let registrationsLoaded = false;
    state.tabs = setupTabs(document.querySelector('.console-tabs'), (tab) => {
      state.tab = tab;
      if (tab === 'registrations' && (!registrationsLoaded || state.registrations.isStale())) {
        registrationsLoaded = true;
        state.registrations.refresh();
      }
      if (tab === 'activity') state.activity.refresh();
      if (tab === 'checkin') state.checkin.refresh();
      if (tab === 'hotels') state.hotels.refresh();
      if (tab === 'letters') state.letters.refresh();
    });
    subscribe(`event:${event.id}`, onLive);
  } catch (err) {
    showError(err);
  }
}

main();
