// The check-in desk, served for /desk?event=ID (docs/checkin.md).
//
// A scanner types a badge and Enter into the badge field, which keeps the focus; the answer
// is shown big, in words and colour, with a beep, and the field is ready for the next badge
// at once. Scans are answered in the order they were made.
//
// While the server answers, it decides (POST /api/events/{id}/checkin, each scan with a
// scan_id of its own). When it cannot be reached, the desk decides by itself from its copy
// of the attendee list (GET …/checkin/attendees, refreshed every minute): it checks the
// badge's Ed25519 signature with the event's public key, the delegate's status, and whom it
// has already admitted; it keeps the scans it admitted in IndexedDB and sends them when the
// server is back (POST …/checkin/sync).
//
// This file wires the page; the rest is in modules of their own:
//   desk-state.js       the page's state and small helpers
//   desk-result.js      the big answer (colour, words, beep)
//   desk-connection.js  the offline copy, online and offline, sending the queue
//   desk-checkin.js     checking in, by the server or by the desk
//   desk-stats.js       the counters
//   desk-recent.js      the last check-ins and undo
//   desk-search.js      search by name
//   desk-settings.js    the desk's name, place and sound
//   desk-api.js, desk-store.js, desk-verify.js, desk-sound.js, desk-camera.js

import { h } from './dom.js';
import { initI18n, t, locale } from './i18n.js';
import { ApiError, friendlyMessage } from './api.js';
import { showStaffBar } from './staff.js';
import { formatDateRange } from './format.js';
import { deskGet, deskSignedIn } from './desk-api.js';
import { openDeskStore } from './desk-store.js';
import { primeSound } from './desk-sound.js';
import { cameraSupported, startCamera } from './desk-camera.js';
import { state, $, focusScan } from './desk-state.js';
import { enqueueWork, checkIn } from './desk-checkin.js';
import { useList, refreshList, goOffline, probe, afterReconnect, countQueue, renderConnection } from './desk-connection.js';
import { refreshStats, followStats } from './desk-stats.js';
import { loadRecent, renderRecent } from './desk-recent.js';
import { setUpSearch } from './desk-search.js';
import { renderPlaces, setUpSettings } from './desk-settings.js';

const LIST_REFRESH_MS = 60_000; // the attendee list, while online

// ---- the badge field keeps the focus --------------------------------------------------------------

const TYPING = 'input, select, textarea, [contenteditable]';

function keepFocus() {
  // Focus lost to nothing (a click on the page, a button that went away): back to the field.
  document.addEventListener('focusout', () => {
    setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body || active === document.documentElement || active.id === 'main') focusScan();
    }, 0);
  });
  // A scanner types wherever the focus is: keys that would go nowhere go to the field.
  document.addEventListener(
    'keydown',
    (e) => {
      primeSound();
      if (e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
      const active = document.activeElement;
      if (active?.matches?.(TYPING)) return;
      focusScan();
    },
    true,
  );
  document.addEventListener('pointerdown', primeSound, { once: true });
}

function setUpScanning() {
  const form = $('desk-scan-form');
  const input = $('desk-scan');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = '';
    focusScan();
    if (!text.trim()) return;
    enqueueWork(() => checkIn({ text }));
  });

  const camera = $('desk-camera');
  if (!cameraSupported()) return;
  camera.hidden = false;
  let stop = null;
  camera.addEventListener('click', async () => {
    primeSound();
    const view = $('desk-camera-view');
    if (stop) {
      stop();
      stop = null;
      view.hidden = true;
      camera.textContent = t('desk.camera.start');
      focusScan();
      return;
    }
    view.hidden = false;
    $('desk-camera-status').textContent = t('desk.camera.starting');
    try {
      stop = await startCamera($('desk-video'), (text) => enqueueWork(() => checkIn({ text })));
      camera.textContent = t('desk.camera.stop');
      $('desk-camera-status').textContent = t('desk.camera.hint');
    } catch (err) {
      console.warn('desk: camera', err);
      $('desk-camera-status').textContent = t('desk.camera.failed');
      stop = null;
    }
    focusScan();
  });
}

// ---- choosing the event ----------------------------------------------------------------------------

/**
 * Without ?event=: the events the staff member may check in at, from their grants (an
 * organiser of every event may check in everywhere), named from the public event list.
 */
async function chooseEvent(staff) {
  const section = $('desk-choose');
  section.hidden = false;
  const grants = staff.grants ?? [];
  const everywhere = grants.some((g) => g.role === 'organiser' && (g.event_id === null || g.event_id === undefined));
  const ids = new Set(grants.filter((g) => (g.role === 'organiser' || g.role === 'checkin') && g.event_id).map((g) => g.event_id));
  const list = $('desk-events');
  let events = [];
  try {
    events = (await deskGet('/api/events')).events ?? [];
  } catch (err) {
    console.warn('desk: the event list', err);
  }
  const mine = everywhere ? events : events.filter((e) => ids.has(e.id));
  for (const id of ids) {
    if (!mine.some((e) => e.id === id)) mine.push({ id, title: t('desk.choose.unnamed', { id }) });
  }
  list.replaceChildren(
    ...(mine.length
      ? mine.map((event) =>
          h(
            'li',
            { class: 'desk-events__item' },
            h('a', { href: `/desk?event=${encodeURIComponent(event.id)}`, class: 'desk-events__link' }, event.title),
            event.starts_at
              ? h('span', { class: 'desk-list__meta' }, formatDateRange(event.starts_at, event.ends_at, event.timezone, locale()))
              : null,
          ),
        )
      : [h('li', { class: 'empty' }, t('desk.choose.none'))]),
  );
}

// ---- the page --------------------------------------------------------------------------------------

function showStatus(text, error = false) {
  const el = $('status');
  el.classList.toggle('status--error', error);
  el.textContent = text;
}

async function openDesk(eventId) {
  state.eventId = eventId;
  state.store = await openDeskStore();
  for (const entry of await state.store.admitted(eventId)) state.admitted.set(entry.key, entry);

  // The attendee list first: without it (or a saved copy) the desk cannot work offline.
  try {
    await refreshList();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
      showStatus(err.status === 403 ? t('desk.error.forbidden') : t('desk.error.notFound'), true);
      return;
    }
    throw err;
  }
  if (!state.list) {
    const saved = await state.store.loadList(eventId);
    if (saved) await useList(saved);
  }

  const title = state.list?.event?.name ?? t('desk.choose.unnamed', { id: eventId });
  $('desk-title').textContent = t('desk.titleFor', { event: title });
  document.title = `${t('desk.titleFor', { event: title })} · ${t('desk.brand')}`;

  setUpSettings();
  renderPlaces();
  setUpScanning();
  setUpSearch();
  keepFocus();
  renderConnection();
  await countQueue();
  $('desk').hidden = false;
  showStatus('');
  focusScan();

  followStats();
  if (state.online) {
    await refreshStats();
    await loadRecent();
    if (state.queued) afterReconnect();
  } else {
    renderRecent();
  }
  setInterval(() => {
    if (state.online) refreshList().catch((err) => console.warn('desk: list refresh', err));
  }, LIST_REFRESH_MS);
  window.addEventListener('online', () => probe());
  window.addEventListener('offline', () => goOffline());
}

async function main() {
  await initI18n();
  document.title = t('desk.brand');
  showStatus(t('loading'));
  try {
    const staff = await deskSignedIn();
    if (!staff) return; // on the way to the sign-in page
    showStaffBar(staff);
    const param = new URLSearchParams(location.search).get('event');
    if (!param || !/^\d+$/.test(param)) {
      showStatus('');
      await chooseEvent(staff);
      return;
    }
    await openDesk(Number(param));
  } catch (err) {
    console.error(err);
    showStatus(friendlyMessage(err), true);
  }
}

main();
