// Organiser console home, served for /console: the events the signed-in
// organiser may organise, with their live counts, and (for organisers of
// every event) a form to create a new one.

import { h } from './dom.js';
import { initI18n, t, label, locale } from './i18n.js';
import { formatDateRange } from './format.js';
import { applyCounts } from './seats.js';
import { showLoading, clearStatus, showConnection } from './status.js';
import { subscribe } from './live.js';
import { loadStaff, get, post } from './console-api.js';
import { showPageError as showError } from './console-ui.js';
import { eventForm } from './console-event-form.js';
import { countsText, updateCounts } from './console-programme.js';

// The server allows 64 subscriptions per connection; keep a margin.
const LIVE_EVENTS = 60;

function eventCard(event) {
  return h(
    'li',
    {},
    h(
      'article',
      { class: 'card event-card', 'data-event-id': event.id },
      h('h2', { class: 'card__title' }, h('a', { href: `/console/events/${encodeURIComponent(event.id)}` }, event.title)),
      h(
        'p',
        { class: 'tags' },
        h('span', { class: 'tag' }, label('kind', event.kind)),
        ' ',
        h('span', { class: 'tag' }, event.slug),
      ),
      h(
        'p',
        { class: 'event-card__when' },
        h('time', { datetime: event.starts_at }, formatDateRange(event.starts_at, event.ends_at, event.timezone, locale())),
        event.venue?.city ? `, ${event.venue.city}` : null,
        ` (${event.timezone})`,
      ),
      h('p', { class: 'console-counts', 'data-console-seats': true }, countsText(event)),
    ),
  );
}

function follow(events) {
  for (const event of events.slice(0, LIVE_EVENTS)) {
    subscribe(`event:${event.id}`, (message) => {
      const counts = message.type === 'snapshot' ? message.seats ?? [] : message.type === 'seats' ? [message] : [];
      const changed = applyCounts(event, counts.filter((c) => c.session === null || c.session === undefined));
      if (!changed.events.length) return;
      const card = document.querySelector(`[data-event-id="${CSS.escape(String(event.id))}"]`);
      if (card) updateCounts(card, { ...event, sessions: [] });
    });
  }
}

async function showNewEventForm() {
  const section = document.getElementById('new-event-form');
  const body = document.getElementById('new-event-body');
  const { venues } = await get('/api/console/venues');
  const form = eventForm({
    venues,
    onSave: async (payload) => {
      const { event } = await post('/api/console/events', payload);
      location.assign(`/console/events/${event.id}#programme`);
    },
  });
  body.replaceChildren(form.el);
  section.hidden = false;
  form.fields.get('title').focus();
}

async function main() {
  await initI18n();
  document.title = `${t('console.home.title')} · ${t('console.brand')}`;
  showLoading();
  try {
    if (!(await loadStaff())) return; // on the way to the sign-in page
    showConnection();
    const { events, can_create: canCreate } = await get('/api/console/events');
    const list = document.getElementById('console-events');
    list.replaceChildren(...(events.length ? events.map(eventCard) : [h('li', { class: 'empty' }, t('console.home.none'))]));
    const button = document.getElementById('new-event');
    button.hidden = !canCreate;
    button.addEventListener('click', () => {
      button.disabled = true;
      showNewEventForm().catch(showError);
    });
    clearStatus();
    follow(events);
  } catch (err) {
    showError(err);
  }
}

main();
