// Seat counts. Every seat count on a page is one element such as
//   <p class="seats" data-seats data-session-id="12">380 seats left of 400</p>
// (data-event-id for an event's own count), drawn by renderSeats().
// updateSeats() redraws all of them from fresh data, so live updates only
// need to call it again.

import { h } from './dom.js';
import { t } from './i18n.js';

const LOW_SHARE = 0.1; // "few seats left" at or below 10 % of capacity

/** Text and state for an item with seats_left / capacity (event or session). */
export function seatsState(item, { waitlist = false } = {}) {
  const capacity = item.capacity;
  if (capacity === null || capacity === undefined) {
    return { state: 'unlimited', text: t('seatsUnlimited') };
  }
  const left = Math.max(0, Number(item.seats_left ?? capacity));
  if (left === 0) {
    return { state: 'full', text: t(waitlist ? 'seatsFullWaitlist' : 'seatsFull') };
  }
  const state = left <= capacity * LOW_SHARE ? 'low' : 'available';
  return { state, text: t('seatsLeft', { count: left, capacity }) };
}

function optionsFor(kind, item) {
  return kind === 'event' ? { waitlist: Boolean(item.waitlist_enabled) } : {};
}

/** Draw one seat count into its element. Cancelled sessions show none. */
export function renderSeats(el, kind, item) {
  const cancelled = item.status === 'cancelled';
  el.hidden = cancelled;
  if (cancelled) return;
  const { state, text } = seatsState(item, optionsFor(kind, item));
  el.textContent = text;
  el.dataset.state = state;
}

/** A new seat-count element; kind is "event" or "session". */
export function seatsElement(kind, item) {
  const el = h('p', { class: 'seats', 'data-seats': true, [`data-${kind}-id`]: item.id });
  renderSeats(el, kind, item);
  return el;
}

/**
 * Redraw every seat count from fresh data:
 * updateSeats(document, { events: [...], sessions: [...] })
 */
export function updateSeats(root, { events = [], sessions = [] }) {
  const redraw = (kind, item) => {
    const selector = `[data-seats][data-${kind}-id="${CSS.escape(String(item.id))}"]`;
    for (const el of root.querySelectorAll(selector)) renderSeats(el, kind, item);
  };
  for (const event of events) redraw('event', event);
  for (const session of sessions) redraw('session', session);
}
