// The check-in desk's shared state and small helpers, used by every desk-*.js module of the
// page (desk.js wires them together).

import { t, locale } from './i18n.js';
import { formatTime } from './format.js';

export const $ = (id) => document.getElementById(id);

export const state = {
  eventId: null,
  list: null, // the attendee list (offline copy)
  key: null, // the event's public key (CryptoKey), or null when it cannot be imported
  store: null,
  online: true,
  desk: 'Desk 1',
  sessionId: null, // null: the event entrance
  stats: null,
  statsLive: false, // true once the live topic has delivered stats
  admitted: new Map(), // admittedKey → { at, desk, checkin_id, … }
  recent: [], // newest first: { id, checkinId, scanId, name, organisation, at, sessionId, state, note, noteKind }
  queued: 0,
  syncing: null, // the running sync's promise
  work: Promise.resolve(), // scans, one after the other
};

// ---- small helpers -------------------------------------------------------------

export function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function storageSet(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage disabled: remembered for this page only
  }
}

const timezone = () => state.list?.event?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

export function timeText(iso) {
  if (!iso) return '';
  try {
    return formatTime(iso, timezone(), locale());
  } catch {
    return iso;
  }
}

/** RFC 3339 UTC without fractions: the moment a scan was made. */
export const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function sessionTitle(sessionId) {
  if (sessionId === null || sessionId === undefined) return t('desk.place.entrance');
  return state.list?.sessions?.find((s) => s.id === sessionId)?.title ?? t('desk.place.session', { id: sessionId });
}

export function person(registration) {
  const name = registration?.name ?? '';
  const organisation = registration?.organisation ?? '';
  return { name, organisation };
}

// ---- the badge field keeps the focus (desk.js sets it up) ---------------------------------

export function focusScan() {
  const input = $('desk-scan');
  if (document.activeElement !== input) input.focus({ preventScroll: true });
}
