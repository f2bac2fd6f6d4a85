// The event page's official hotels (docs/hotels.md): each hotel with its
// distance, address and rates, and the rooms left per night and room type,
// kept current by the `rooms` messages of the live topic event:{id}.
// Confirmed delegates ask for a room from their own registration page.
//
//   mountEventHotels(document.getElementById('hotels'), event);

import { h } from './dom.js';
import { t } from './i18n.js';
import { getJSON } from './api.js';
import { subscribe } from './live.js';
import { roomsTable, hotelFacts, applyRoomCounts, updateRoomCells, formatNight, addNights } from './hotels.js';

/** Fills the section (hidden while the event has no official hotel) and follows the live counts. */
export function mountEventHotels(section, event) {
  let hotels = null; // as GET /api/events/{id}/hotels lists them
  let nights = null;
  const pending = []; // live counts received before the list arrived
  let loading = null;

  function render() {
    section.hidden = !hotels || hotels.length === 0;
    if (section.hidden) return;
    const leave = nights ? formatNight(addNights(nights.last, 1)) : '';
    section.replaceChildren(
      h('h2', { id: 'hotels-heading' }, t('hotels.heading')),
      nights
        ? h('p', { class: 'note' }, t('hotels.nightsNote', { first: formatNight(nights.first), last: formatNight(nights.last), leave }))
        : '',
      h('p', { class: 'note' }, t('hotels.howToAsk')),
      h(
        'ul',
        { class: 'hotel-list' },
        hotels.map((hotel) =>
          h(
            'li',
            { class: 'card hotel', dataset: { hotelId: hotel.id } },
            h('h3', { class: 'hotel__name' }, hotel.name),
            hotelFacts(hotel),
            roomsTable(hotel),
          ),
        ),
      ),
    );
  }

  function load() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const answer = await getJSON(`/api/events/${encodeURIComponent(event.id)}/hotels`);
        hotels = answer.hotels ?? [];
        nights = answer.event?.nights ?? null;
        // Counts pushed while the list was on its way are as new or newer.
        applyRoomCounts(hotels, pending.splice(0));
        render();
      } catch (err) {
        console.warn(err); // the section stays as it was; a later message tries again
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  function onLive(message) {
    const counts = message.type === 'snapshot' ? message.rooms ?? [] : message.type === 'rooms' ? [message] : null;
    if (!counts) return;
    if (!hotels) {
      pending.push(...counts);
      return;
    }
    const { changed, unknown } = applyRoomCounts(hotels, counts);
    if (unknown) {
      load(); // a block added since the list was fetched
      return;
    }
    updateRoomCells(section, changed, { highlight: message.type === 'rooms' });
  }

  section.setAttribute('aria-labelledby', 'hotels-heading');
  load();
  subscribe(`event:${event.id}`, onLive);
  return { reload: load };
}
