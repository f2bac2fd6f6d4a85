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

import { h } from './dom.js';
import { initI18n, t, locale, label } from './i18n.js';
import { ApiError, friendlyMessage, newIdempotencyKey } from './api.js';
import { subscribe, onConnection } from './live.js';
import { showStaffBar } from './staff.js';
import { formatTime, formatDateRange } from './format.js';
import { deskRequest, deskGet, deskSignedIn, unreachable } from './desk-api.js';
import { openDeskStore, admittedKey } from './desk-store.js';
import { importPublicKey, decideOffline, normaliseToken } from './desk-verify.js';
import { beep, primeSound } from './desk-sound.js';
import { cameraSupported, startCamera } from './desk-camera.js';

const LIST_REFRESH_MS = 60_000; // the attendee list, while online
const PROBE_MS = 3_000; // is the server back? while offline
const PROBE_TIMEOUT_MS = 4_000;
const SYNC_BATCH = 500; // the server's limit per sync request
const RECENT = 12; // check-ins shown in "last check-ins"
const DESK_NAME_KEY = 'congress.desk.name';
const SOUND_KEY = 'congress.desk.sound';
const placeKey = (eventId) => `congress.desk.place.${eventId}`;

const $ = (id) => document.getElementById(id);

const state = {
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

function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage disabled: remembered for this page only
  }
}

const timezone = () => state.list?.event?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

function timeText(iso) {
  if (!iso) return '';
  try {
    return formatTime(iso, timezone(), locale());
  } catch {
    return iso;
  }
}

/** RFC 3339 UTC without fractions: the moment a scan was made. */
const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function sessionTitle(sessionId) {
  if (sessionId === null || sessionId === undefined) return t('desk.place.entrance');
  return state.list?.sessions?.find((s) => s.id === sessionId)?.title ?? t('desk.place.session', { id: sessionId });
}

function person(registration) {
  const name = registration?.name ?? '';
  const organisation = registration?.organisation ?? '';
  return { name, organisation };
}

function enqueueWork(fn) {
  state.work = state.work.then(fn).catch((err) => {
    console.error(err);
    showResult('red', t('desk.result.error'), friendlyMessage(err));
  });
  return state.work;
}

// ---- the result ------------------------------------------------------------------

const ICONS = { green: '✓', amber: '!', red: '✗', pending: '…' };

/** The big answer: colour, icon and words (headline and detail), read out by the live region. */
function showResult(colour, headline, detail = '', { offline = false } = {}) {
  const box = $('desk-result');
  box.dataset.result = colour;
  box.dataset.offline = offline ? 'true' : 'false';
  $('desk-result-headline').replaceChildren(
    h('span', { class: 'desk-result__icon', 'aria-hidden': 'true' }, ICONS[colour] ?? ''),
    ' ',
    headline,
  );
  const parts = [detail || ''];
  if (offline) parts.push(' ', h('span', { class: 'desk-tag desk-tag--offline' }, t('desk.offline.mark')));
  $('desk-result-detail').replaceChildren(...parts);
  if (colour !== 'pending' && $('desk-sound').checked) beep(colour);
}

/** error.event of a wrong_event refusal: an id, a name, or an object naming the event. */
function eventName(event) {
  if (event === null || event === undefined) return '?';
  if (typeof event === 'object') return event.name ?? event.title ?? (event.id !== undefined ? t('desk.choose.unnamed', { id: event.id }) : '?');
  if (typeof event === 'number') return t('desk.choose.unnamed', { id: event });
  return String(event);
}

function refusalText(code, error = {}) {
  const key = `desk.refused.${code}`;
  const known = [
    'not_registered',
    'registration_cancelled',
    'registration_waitlisted',
    'wrong_event',
    'forged_badge',
    'invalid_token',
    'not_enrolled',
    'session_cancelled',
    'session_not_found',
  ];
  if (known.includes(code)) return t(key, { event: eventName(error.event) });
  return null;
}

function earlierText(earlier) {
  if (!earlier) return '';
  const params = { desk: earlier.desk ?? '?', time: timeText(earlier.at) };
  if (earlier.by) return t('desk.result.alreadyDetailBy', { ...params, by: earlier.by });
  return t('desk.result.alreadyDetail', params);
}

function showGreen(who, { offline = false } = {}) {
  showResult('green', t('desk.result.checkedIn', { name: who.name || '—' }), who.organisation, { offline });
}

function showAmber(who, earlier, { offline = false } = {}) {
  showResult('amber', t('desk.result.already', { name: who.name || '—' }), earlierText(earlier), { offline });
}

function showRed(code, who, error = {}, { offline = false } = {}) {
  const reason = refusalText(code, error) ?? (error.message || t('desk.refused.other', { code }));
  const detail = who?.name ? [who.name, who.organisation].filter(Boolean).join(', ') : '';
  showResult('red', t('desk.result.refused', { reason }), detail, { offline });
}

// ---- the offline copy --------------------------------------------------------------

async function useList(list) {
  state.list = list;
  try {
    state.key = list?.key?.public_key ? await importPublicKey(list.key.public_key) : null;
  } catch (err) {
    console.warn('desk: the event key cannot be used here; offline badges will be refused', err);
    state.key = null;
  }
  renderPlaces();
  renderConnection();
}

async function refreshList() {
  try {
    const list = await deskGet(`/api/events/${state.eventId}/checkin/attendees`);
    await useList(list);
    await state.store.saveList(state.eventId, list);
    return true;
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'network' || err.status >= 500)) {
      goOffline();
      return false;
    }
    throw err;
  }
}

function admittedLookup(sessionId) {
  return (attendee) => {
    const entry = state.admitted.get(admittedKey(state.eventId, attendee.registration_id, sessionId));
    return entry ? { at: entry.at, desk: entry.desk, by: entry.by } : null;
  };
}

async function admit(registrationId, sessionId, { at, desk, by = null, checkinId = null }) {
  if (!registrationId) return;
  const entry = {
    key: admittedKey(state.eventId, registrationId, sessionId),
    event_id: state.eventId,
    registration_id: registrationId,
    session_id: sessionId,
    at,
    desk,
    by,
    checkin_id: checkinId,
  };
  state.admitted.set(entry.key, entry);
  await state.store.admit(entry);
}

async function forget(registrationId, sessionId) {
  const key = admittedKey(state.eventId, registrationId, sessionId);
  state.admitted.delete(key);
  await state.store.forget(key);
}

// ---- checking in ----------------------------------------------------------------------

/**
 * Check one delegate in: a scanned `text`, or a `registrationId` found by search.
 * The server decides while it can be reached; else the desk does.
 */
async function checkIn({ text, registrationId }) {
  const scan = {
    scan_id: newIdempotencyKey(),
    scanned_at: nowRfc3339(),
    session_id: state.sessionId,
    desk: state.desk,
  };
  if (registrationId !== undefined) scan.registration_id = registrationId;
  else scan.token = normaliseToken(text);
  showResult('pending', t('desk.result.checking'));

  if (state.online) {
    const body = { desk: scan.desk, scan_id: scan.scan_id };
    if (scan.token !== undefined) body.token = scan.token;
    else body.registration_id = scan.registration_id;
    if (scan.session_id !== null) body.session_id = scan.session_id;
    try {
      const answer = await deskRequest('POST', `/api/events/${state.eventId}/checkin`, body);
      if (!unreachable(answer)) {
        await serverAnswered(answer, scan);
        return;
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'network')) throw err;
    }
    goOffline();
  }
  await decideHere(scan);
}

async function serverAnswered({ status, body }, scan) {
  const who = person(body?.registration);
  const registrationId = body?.registration?.id;
  switch (body?.result) {
    case 'checked_in': {
      const checkin = body.checkin ?? {};
      showGreen(who);
      await admit(registrationId, scan.session_id, { at: checkin.at, desk: checkin.desk, by: checkin.by, checkinId: checkin.id });
      addRecent({ checkinId: checkin.id, registrationId, ...who, at: checkin.at, sessionId: scan.session_id, state: 'done' });
      if (body.counts) showPlaceCounts(body.counts);
      statsMayHaveChanged();
      return;
    }
    case 'already_checked_in': {
      const checkin = body.checkin ?? {};
      showAmber(who, checkin);
      await admit(registrationId, scan.session_id, { at: checkin.at, desk: checkin.desk, by: checkin.by, checkinId: checkin.id });
      return;
    }
    default: {
      const error = body?.error ?? {};
      if (error.code === 'invalid_field' && error.field === 'desk') {
        showResult('red', t('desk.result.error'), t('desk.settings.nameInvalid'));
      } else {
        showRed(error.code ?? `http_${status}`, body?.registration ? who : null, error);
      }
    }
  }
}

/** The server cannot be reached: decide from the offline copy, and queue what was admitted. */
async function decideHere(scan) {
  if (!state.list) {
    showResult('red', t('desk.result.error'), t('desk.offline.noList'), { offline: true });
    return;
  }
  const decision = await decideOffline({
    text: scan.token,
    registrationId: scan.registration_id,
    list: state.list,
    key: state.key,
    sessionId: scan.session_id,
    admitted: admittedLookup(scan.session_id),
  });
  const who = person(decision.attendee);
  if (decision.result === 'checked_in') {
    const registrationId = decision.attendee.registration_id;
    await state.store.enqueue({ ...scan, event_id: state.eventId, name: who.name, organisation: who.organisation });
    await admit(registrationId, scan.session_id, { at: scan.scanned_at, desk: scan.desk });
    showGreen(who, { offline: true });
    addRecent({ scanId: scan.scan_id, registrationId, ...who, at: scan.scanned_at, sessionId: scan.session_id, state: 'queued' });
    await countQueue();
  } else if (decision.result === 'already_checked_in') {
    showAmber(who, decision.earlier, { offline: true });
  } else {
    showRed(decision.code, decision.attendee ? who : null, { event: decision.event }, { offline: true });
  }
}

// ---- online and offline ------------------------------------------------------------------

let probeTimer = null;

function goOffline() {
  if (!state.online) return;
  state.online = false;
  renderConnection();
  scheduleProbe();
}

function scheduleProbe() {
  clearTimeout(probeTimer);
  probeTimer = setTimeout(probe, PROBE_MS);
}

/** Is the server there? Back online (and sending the queue) when it is. */
async function probe() {
  clearTimeout(probeTimer);
  let ok = false;
  try {
    const answer = await deskRequest('GET', '/api/health', undefined, { timeoutMs: PROBE_TIMEOUT_MS });
    ok = answer.status === 200;
  } catch {
    ok = false;
  }
  if (ok) await goOnline();
  else if (state.online) goOffline();
  else scheduleProbe();
}

async function goOnline() {
  const wasOffline = !state.online;
  state.online = true;
  renderConnection();
  if (wasOffline) await afterReconnect();
}

async function afterReconnect() {
  const sent = await sync();
  if (!state.online) return;
  if (sent !== false) await refreshList().catch((err) => console.warn('desk: list refresh', err));
  await refreshStats();
}

/**
 * Send the queued scans (POST …/checkin/sync), oldest first, each desk name on its own.
 * Resolves to true when the queue is empty, false when it could not all be sent.
 */
function sync() {
  if (!state.syncing) {
    state.syncing = doSync().finally(() => {
      state.syncing = null;
    });
  }
  return state.syncing;
}

async function doSync() {
  const queued = await state.store.queued(state.eventId);
  if (!queued.length) return true;
  renderSyncing(true);
  try {
    const byDesk = new Map();
    for (const scan of queued) {
      if (!byDesk.has(scan.desk)) byDesk.set(scan.desk, []);
      byDesk.get(scan.desk).push(scan);
    }
    for (const [desk, scans] of byDesk) {
      for (let i = 0; i < scans.length; i += SYNC_BATCH) {
        const batch = scans.slice(i, i + SYNC_BATCH);
        const wire = batch.map((s) => {
          const out = { scan_id: s.scan_id, scanned_at: s.scanned_at };
          if (s.token !== undefined) out.token = s.token;
          else out.registration_id = s.registration_id;
          if (s.session_id !== null && s.session_id !== undefined) out.session_id = s.session_id;
          return out;
        });
        let answer;
        try {
          answer = await deskRequest('POST', `/api/events/${state.eventId}/checkin/sync`, { desk, scans: wire });
        } catch (err) {
          if (err instanceof ApiError && err.code === 'network') {
            goOffline();
            return false;
          }
          throw err;
        }
        if (unreachable(answer)) {
          goOffline();
          return false;
        }
        if (answer.status !== 200 || !Array.isArray(answer.body?.results)) {
          const error = answer.body?.error ?? {};
          setQueueProblem(t('desk.sync.refused', { code: error.code ?? `http_${answer.status}` }));
          return false;
        }
        await synced(batch, answer.body.results);
      }
    }
    setQueueProblem('');
    return true;
  } finally {
    renderSyncing(false);
    await countQueue();
  }
}

/** What the server made of the scans this desk admitted offline. */
async function synced(batch, results) {
  const byId = new Map(batch.map((s) => [s.scan_id, s]));
  const done = [];
  for (const result of results) {
    const scan = byId.get(result.scan_id);
    if (!scan) continue;
    done.push(scan.scan_id);
    const entry = state.recent.find((r) => r.scanId === scan.scan_id);
    const checkin = result.checkin ?? {};
    if (result.result === 'checked_in') {
      if (result.registration?.id) {
        await admit(result.registration.id, scan.session_id ?? null, {
          at: checkin.at ?? scan.scanned_at,
          desk: checkin.desk ?? scan.desk,
          by: checkin.by,
          checkinId: checkin.id,
        });
      }
      if (entry) {
        entry.state = 'done';
        entry.checkinId = checkin.id ?? null;
        entry.note = result.duplicate ? t('desk.sync.duplicate') : t('desk.sync.sent');
        entry.noteKind = result.duplicate ? 'amber' : 'green';
      }
    } else if (entry) {
      entry.state = 'done';
      if (result.result === 'already_checked_in') {
        entry.note = t('desk.sync.already', { detail: earlierText(checkin) });
        entry.noteKind = 'amber';
      } else {
        const code = result.error?.code ?? 'refused';
        entry.note = t('desk.sync.refusedOne', { reason: refusalText(code, result.error ?? {}) ?? code });
        entry.noteKind = 'red';
      }
    }
  }
  await state.store.dequeue(done);
  renderRecent();
}

async function countQueue() {
  state.queued = (await state.store.queued(state.eventId)).length;
  renderQueue();
}

let queueProblem = '';
function setQueueProblem(text) {
  queueProblem = text;
  renderQueue();
}

let syncingNow = false;
function renderSyncing(on) {
  syncingNow = on;
  renderQueue();
}

function renderQueue() {
  const el = $('desk-queue');
  el.dataset.count = String(state.queued);
  let text = state.queued === 0 ? t('desk.queue.none') : t('desk.queue.waiting', { count: state.queued });
  if (state.queued && syncingNow) text += ` ${t('desk.queue.sending')}`;
  if (queueProblem) text += ` ${queueProblem}`;
  el.textContent = text;
  el.classList.toggle('desk-connection__queue--waiting', state.queued > 0);
}

function renderConnection() {
  const box = $('desk-connection');
  box.dataset.state = state.online ? 'online' : 'offline';
  const el = $('desk-online');
  if (state.online) {
    el.textContent = t('desk.online');
  } else if (state.list) {
    el.textContent = t('desk.offline.state', {
      count: state.list.attendees?.length ?? 0,
      time: timeText(state.list.generated_at),
    });
  } else {
    el.textContent = t('desk.offline.noListState');
  }
}

// ---- counters ----------------------------------------------------------------------------

function showPlaceCounts(counts) {
  $('desk-count-place').textContent = t('desk.counts.place', {
    checked: counts.checked_in ?? 0,
    expected: counts.expected ?? 0,
    place: sessionTitle(state.sessionId),
  });
}

function renderStats() {
  const stats = state.stats;
  if (!stats) return;
  if (state.sessionId === null) {
    showPlaceCounts(stats);
  } else {
    const session = stats.sessions?.find((s) => s.id === state.sessionId);
    showPlaceCounts(session ?? { checked_in: 0, expected: 0 });
  }
  const desk = stats.desks?.find((d) => d.desk === state.desk);
  let text = t('desk.counts.desk', { count: desk?.checked_in ?? 0, desk: state.desk });
  if (stats.duplicates) text += ` ${t('desk.counts.duplicates', { count: stats.duplicates })}`;
  $('desk-count-desk').textContent = text;
}

function applyStats(message) {
  if (typeof message?.expected !== 'number') return false;
  state.stats = message;
  renderStats();
  return true;
}

async function refreshStats() {
  try {
    applyStats(await deskGet(`/api/events/${state.eventId}/checkin/stats`));
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'network' || err.status >= 500)) goOffline();
    else console.warn('desk: stats', err);
  }
}

let statsTimer = null;
/** A check-in was made: the live topic brings the counts; without it, ask. */
function statsMayHaveChanged() {
  if (state.statsLive) return;
  clearTimeout(statsTimer);
  statsTimer = setTimeout(refreshStats, 500);
}

function followStats() {
  subscribe(`checkin:${state.eventId}`, (message) => {
    if (message.type === 'checkin' || message.type === 'snapshot') {
      if (applyStats(message.type === 'snapshot' && message.stats ? message.stats : message)) state.statsLive = true;
    } else if (message.type === 'error') {
      state.statsLive = false;
    }
  });
  onConnection((connection) => {
    const el = $('live-status');
    el.dataset.state = connection;
    el.textContent = { live: t('live.on'), reconnecting: t('live.reconnecting') }[connection] ?? '';
    if (connection === 'reconnecting') {
      state.statsLive = false;
      if (state.online) probe();
    } else if (connection === 'live' && !state.online) {
      probe();
    }
  });
}

// ---- last check-ins and undo ------------------------------------------------------------------

function addRecent(entry) {
  state.recent.unshift({ id: entry.checkinId ?? entry.scanId, note: '', noteKind: '', ...entry });
  state.recent.length = Math.min(state.recent.length, RECENT);
  renderRecent();
}

function recentItem(entry) {
  const place = entry.sessionId === null || entry.sessionId === undefined ? null : sessionTitle(entry.sessionId);
  const li = h(
    'li',
    { class: `desk-list__item desk-recent__item desk-recent__item--${entry.state}`, 'data-checkin-id': entry.checkinId ?? null },
    h('span', { class: 'desk-list__name' }, entry.name || '—'),
    entry.organisation ? h('span', { class: 'desk-list__org' }, entry.organisation) : null,
    h(
      'span',
      { class: 'desk-list__meta' },
      [timeText(entry.at), place].filter(Boolean).join(' · '),
      entry.state === 'queued' ? h('span', { class: 'desk-tag desk-tag--offline' }, t('desk.recent.queued')) : null,
      entry.state === 'undone' ? h('span', { class: 'desk-tag desk-tag--undone' }, t('desk.recent.undone')) : null,
      entry.note ? h('span', { class: `desk-tag desk-tag--${entry.noteKind || 'note'}` }, entry.note) : null,
    ),
  );
  if (entry.checkinId && entry.state === 'done') {
    const button = h(
      'button',
      { type: 'button', class: 'button button--small button--secondary', 'aria-label': t('desk.undo.named', { name: entry.name }) },
      t('desk.undo.button'),
    );
    button.addEventListener('click', () => askUndo(li, entry));
    li.append(h('span', { class: 'desk-list__actions' }, button));
  }
  return li;
}

function renderRecent() {
  const list = $('desk-recent');
  const mine = state.recent;
  list.replaceChildren(...(mine.length ? mine.map(recentItem) : [h('li', { class: 'empty' }, t('desk.recent.none'))]));
}

function askUndo(li, entry) {
  const inputId = `undo-reason-${entry.checkinId}`;
  const input = h('input', { id: inputId, required: true, maxlength: 2000, autocomplete: 'off' });
  const message = h('p', { class: 'field__error', role: 'alert' });
  const cancel = h('button', { type: 'button', class: 'button button--small button--secondary' }, t('desk.undo.keep'));
  const form = h(
    'form',
    { class: 'desk-undo' },
    h('label', { class: 'field__label', for: inputId }, t('desk.undo.reason', { name: entry.name })),
    input,
    message,
    h('span', { class: 'desk-list__actions' }, h('button', { type: 'submit', class: 'button button--small button--danger' }, t('desk.undo.confirm')), ' ', cancel),
  );
  cancel.addEventListener('click', () => {
    renderRecent();
    focusScan();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = input.value.trim();
    if (!reason) {
      message.textContent = t('desk.undo.reasonRequired');
      input.focus();
      return;
    }
    for (const el of form.querySelectorAll('button, input')) el.disabled = true;
    try {
      const answer = await deskRequest('POST', `/api/events/${state.eventId}/checkins/${entry.checkinId}/undo`, { reason });
      if (answer.status !== 200) {
        const error = answer.body?.error ?? {};
        throw new ApiError(error.code ?? `http_${answer.status}`, error.message, answer.status, error);
      }
      entry.state = 'undone';
      entry.note = '';
      const registrationId = answer.body?.checkin?.registration_id ?? answer.body?.registration?.id ?? entry.registrationId;
      if (registrationId) await forget(registrationId, entry.sessionId ?? null);
      else await forgetByCheckin(entry.checkinId);
      renderRecent();
      showResult('amber', t('desk.undo.done', { name: entry.name }), reason);
      statsMayHaveChanged();
      focusScan();
    } catch (err) {
      for (const el of form.querySelectorAll('button, input')) el.disabled = false;
      message.textContent = err instanceof ApiError && err.code !== 'network' && err.message ? err.message : friendlyMessage(err);
      input.focus();
    }
  });
  li.replaceChildren(form);
  input.focus();
}

async function forgetByCheckin(checkinId) {
  for (const entry of [...state.admitted.values()]) {
    if (entry.checkin_id === checkinId) await forget(entry.registration_id, entry.session_id);
  }
}

/** This desk's latest check-ins as the server has them (after a reload). */
async function loadRecent() {
  try {
    const body = await deskGet(`/api/events/${state.eventId}/checkins?desk=${encodeURIComponent(state.desk)}`);
    const items = (body.checkins ?? []).filter((c) => c.desk === state.desk && !c.undone_at && !c.undone);
    const queued = await state.store.queued(state.eventId);
    state.recent = [
      ...queued
        .filter((s) => s.desk === state.desk)
        .reverse()
        .map((s) => ({ id: s.scan_id, scanId: s.scan_id, name: s.name, organisation: s.organisation, at: s.scanned_at, sessionId: s.session_id ?? null, state: 'queued' })),
      ...items.map((c) => ({
        id: c.id,
        checkinId: c.id,
        registrationId: c.registration?.id ?? c.registration_id,
        ...person(c.registration ?? c),
        at: c.at,
        sessionId: c.session_id ?? null,
        state: 'done',
      })),
    ].slice(0, RECENT);
  } catch (err) {
    console.warn('desk: the last check-ins could not be loaded', err);
  }
  renderRecent();
}

// ---- search ---------------------------------------------------------------------------------

function fold(text) {
  return String(text ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();
}

function searchLocally(q) {
  const needle = fold(q);
  return (state.list?.attendees ?? [])
    .filter((a) => fold(a.name).includes(needle) || fold(a.organisation).includes(needle))
    .slice(0, 20);
}

function searchItem(result) {
  const who = person(result);
  const button = h(
    'button',
    { type: 'button', class: 'button button--small', 'aria-label': t('desk.search.checkInNamed', { name: who.name }) },
    t('desk.search.checkIn'),
  );
  button.addEventListener('click', () => {
    primeSound();
    focusScan();
    enqueueWork(() => checkIn({ registrationId: result.registration_id }));
  });
  return h(
    'li',
    { class: 'desk-list__item', 'data-registration-id': result.registration_id },
    h('span', { class: 'desk-list__name' }, who.name),
    who.organisation ? h('span', { class: 'desk-list__org' }, who.organisation) : null,
    result.email ? h('span', { class: 'desk-list__meta' }, result.email) : null,
    h(
      'span',
      { class: 'desk-list__meta' },
      result.status && result.status !== 'confirmed' ? h('span', { class: 'desk-tag desk-tag--red' }, label('desk.status', result.status)) : null,
      result.checked_in ? h('span', { class: 'desk-tag desk-tag--amber' }, t('desk.search.alreadyIn')) : null,
    ),
    h('span', { class: 'desk-list__actions' }, button),
  );
}

async function search(q) {
  const status = $('desk-search-status');
  const list = $('desk-search-results');
  status.textContent = t('desk.search.searching');
  let results;
  let offline = false;
  if (state.online) {
    try {
      const answer = await deskRequest('GET', `/api/events/${state.eventId}/checkin/search?q=${encodeURIComponent(q)}`);
      if (unreachable(answer)) goOffline();
      else if (answer.status === 200) results = answer.body?.results ?? [];
      else {
        status.textContent = answer.body?.error?.message ?? friendlyMessage(new ApiError(answer.body?.error?.code ?? `http_${answer.status}`));
        list.replaceChildren();
        return;
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'network')) throw err;
      goOffline();
    }
  }
  if (!results) {
    offline = true;
    results = searchLocally(q);
  }
  list.replaceChildren(...results.map(searchItem));
  const count = t(results.length ? 'desk.search.found' : 'desk.search.none', { count: results.length });
  status.textContent = offline ? `${count} ${t('desk.search.offline')}` : count;
}

// ---- settings -----------------------------------------------------------------------------------

function renderPlaces() {
  const select = $('desk-place');
  const sessions = state.list?.sessions ?? [];
  const options = [h('option', { value: '' }, t('desk.place.entrance'))];
  for (const s of sessions) {
    const room = typeof s.room === 'string' ? s.room : s.room?.name;
    const when = s.starts_at ? `${timeText(s.starts_at)} ` : '';
    options.push(h('option', { value: String(s.id) }, `${when}${s.title}${room ? ` (${room})` : ''}`));
  }
  select.replaceChildren(...options);
  const wanted = state.sessionId === null ? '' : String(state.sessionId);
  select.value = [...select.options].some((o) => o.value === wanted) ? wanted : '';
  state.sessionId = select.value ? Number(select.value) : null;
  renderStats();
}

function setUpSettings() {
  const name = $('desk-name');
  state.desk = (storageGet(DESK_NAME_KEY) ?? '').trim() || 'Desk 1';
  name.value = state.desk;
  name.addEventListener('change', () => {
    const value = name.value.trim();
    if (!value || value.length > 60) {
      name.value = state.desk;
      return;
    }
    state.desk = value;
    storageSet(DESK_NAME_KEY, value);
    renderStats();
    loadRecent();
  });

  const place = $('desk-place');
  const saved = storageGet(placeKey(state.eventId));
  state.sessionId = saved ? Number(saved) : null;
  place.addEventListener('change', () => {
    state.sessionId = place.value ? Number(place.value) : null;
    storageSet(placeKey(state.eventId), place.value);
    if (state.stats) renderStats();
    else $('desk-count-place').textContent = '';
    focusScan();
  });

  const sound = $('desk-sound');
  sound.checked = storageGet(SOUND_KEY) !== 'off';
  sound.addEventListener('change', () => storageSet(SOUND_KEY, sound.checked ? 'on' : 'off'));
}

// ---- the badge field keeps the focus --------------------------------------------------------------

function focusScan() {
  const input = $('desk-scan');
  if (document.activeElement !== input) input.focus({ preventScroll: true });
}

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

function setUpSearch() {
  $('desk-search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('desk-search-q').value.trim();
    if (q.length < 2) {
      $('desk-search-status').textContent = t('desk.search.tooShort');
      return;
    }
    search(q).catch((err) => {
      $('desk-search-status').textContent = friendlyMessage(err);
    });
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
