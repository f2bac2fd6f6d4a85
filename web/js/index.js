// Home page: upcoming and past events. The seats left of upcoming events
// follow the server's live channel while the page is open.

import { h } from './dom.js';
import { initI18n, t, label, locale } from './i18n.js';
import { getJSON } from './api.js';
import { formatDateRange, phase } from './format.js';
import { seatsElement, updateSeats, applyCounts } from './seats.js';
import { showLoading, showError, clearStatus, showConnection } from './status.js';
import { subscribe } from './live.js';

// The server allows 64 subscriptions per connection; keep a margin.
const LIVE_EVENTS = 60;

function eventCard(event, now) {
  const when = formatDateRange(event.starts_at, event.ends_at, event.timezone, locale());
  const city = event.venue?.city;
  const live = phase(event.starts_at, event.ends_at, now) === 'during';

  return h(
    'li',
    {},
    h(
      'article',
      { class: 'card event-card', 'data-event-id': event.id },
      h('h3', { class: 'card__title' }, h('a', { href: `/events/${encodeURIComponent(event.id)}` }, event.title)),
      h(
        'p',
        { class: 'tags' },
        h('span', { class: 'tag' }, label('kind', event.kind)),
        live ? h('span', { class: 'tag tag--live' }, t('happeningNow')) : null,
        event.demo ? h('span', { class: 'tag tag--demo' }, t('demoTag')) : null,
      ),
      h(
        'p',
        { class: 'event-card__when' },
        h('time', { datetime: event.starts_at }, when),
        city ? `, ${city}` : null,
      ),
      seatsElement('event', event),
    ),
  );
}

function fillList(listId, events, emptyKey, now) {
  const list = document.getElementById(listId);
  if (events.length === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, t(emptyKey)));
  } else {
    list.replaceChildren(...events.map((event) => eventCard(event, now)));
  }
}

export function renderEvents(events, now = new Date()) {
  const upcoming = events.filter((e) => new Date(e.ends_at) > now);
  const past = events.filter((e) => new Date(e.ends_at) <= now).reverse(); // most recent first
  fillList('upcoming-events', upcoming, 'index.noUpcoming', now);
  fillList('past-events', past, 'index.noPast', now);
  return { upcoming, past };
}

/** Keep the seats left of the first upcoming events current. */
function followSeats(events) {
  for (const event of events.slice(0, LIVE_EVENTS)) {
    subscribe(`event:${event.id}`, (message) => {
      const counts = message.type === 'snapshot' ? message.seats ?? [] : message.type === 'seats' ? [message] : [];
      // The event's own count only: the list shows no sessions.
      const changed = applyCounts(event, counts.filter((c) => c.session === null || c.session === undefined));
      if (changed.events.length) updateSeats(document, changed, { highlight: true });
    });
  }
}

async function main() {
  await initI18n();
  showConnection();
  document.title = `${t('index.title')} · ${t('appName')}`;
  showLoading();
  try {
    const { events } = await getJSON('/api/events');
    const { upcoming } = renderEvents(events);
    clearStatus();
    followSeats(upcoming);
  } catch (err) {
    showError(err);
  }
}

main();
