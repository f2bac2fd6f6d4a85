// Seat counts. Every seat count on a page is one element such as
//   <p class="seats" data-seats data-session-id="12">380 seats left of 400</p>
// (data-event-id for an event's own count), drawn by renderSeats().
// updateSeats() redraws all of them from fresh data, so live updates only
// need to call it again. applyCounts() brings an event (and its sessions) up
// to date from the counts the live channel sends.

import { h, flash } from './dom.js';
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
 * updateSeats(document, { events: [...], sessions: [...] }, { highlight: true })
 * With highlight, each count redrawn is briefly marked as changed.
 */
export function updateSeats(root, { events = [], sessions = [] }, { highlight = false } = {}) {
  const redraw = (kind, item) => {
    const selector = `[data-seats][data-${kind}-id="${CSS.escape(String(item.id))}"]`;
    for (const el of root.querySelectorAll(selector)) {
      renderSeats(el, kind, item);
      if (highlight) flash(el);
    }
  };
  for (const event of events) redraw('event', event);
  for (const session of sessions) redraw('session', session);
}

// ---- live counts ---------------------------------------------------------

const COUNT_FIELDS = ['capacity', 'confirmed', 'waitlisted', 'seats_left'];

/** Copy a count's fields onto an event or a session; true when one changed. */
function applyCount(item, count) {
  let changed = false;
  for (const field of COUNT_FIELDS) {
    if (count[field] === undefined || item[field] === count[field]) continue;
    item[field] = count[field];
    changed = true;
  }
  return changed;
}

/**
 * Apply counts as the live channel sends them ({event, session, capacity,
 * confirmed, waitlisted, seats_left}; session null for the event's own) to an
 * event and its sessions, in place. Returns what changed, for updateSeats().
 */
export function applyCounts(event, counts) {
  const changed = { events: [], sessions: [] };
  for (const count of counts) {
    if (count.event !== event.id) continue;
    if (count.session === null || count.session === undefined) {
      if (applyCount(event, count) && !changed.events.includes(event)) changed.events.push(event);
      continue;
    }
    const session = (event.sessions ?? []).find((s) => s.id === count.session);
    if (session && applyCount(session, count) && !changed.sessions.includes(session)) changed.sessions.push(session);
  }
  return changed;
}

/** The counts of an event as fetched, in the live channel's form. */
export function countsOf(event) {
  const pick = (item) => Object.fromEntries(COUNT_FIELDS.map((field) => [field, item[field]]));
  return [
    { event: event.id, session: null, ...pick(event) },
    ...(event.sessions ?? []).map((s) => ({ event: event.id, session: s.id, ...pick(s) })),
  ];
}

/**
 * The latest live counts, kept so that data fetched meanwhile is not older
 * than what the page already shows:
 *   const mark = ledger.mark();
 *   const event = await getJSON(…);
 *   ledger.overlay(event, mark);   // counts received since mark win
 */
export function seatLedger() {
  const latest = new Map();
  let tick = 0;
  return {
    record(counts) {
      for (const count of counts) {
        tick += 1;
        latest.set(`${count.event}:${count.session ?? ''}`, { count, tick });
      }
    },
    mark() {
      return tick;
    },
    overlay(event, since) {
      const newer = [...latest.values()].filter((entry) => entry.tick > since).map((entry) => entry.count);
      return applyCounts(event, newer);
    },
  };
}
