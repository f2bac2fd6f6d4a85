// The check-in desk's offline copy (the attendee list, the event's key, whom this desk has
// admitted) and its connection: going offline, probing for the server, and sending the
// queued scans when it is back.

import { ApiError } from './api.js';
import { t } from './i18n.js';
import { deskRequest, deskGet, unreachable } from './desk-api.js';
import { admittedKey } from './desk-store.js';
import { importPublicKey } from './desk-verify.js';
import { state, $, timeText } from './desk-state.js';
import { earlierText, refusalText } from './desk-result.js';
import { renderPlaces } from './desk-settings.js';
import { refreshStats } from './desk-stats.js';
import { renderRecent } from './desk-recent.js';

const PROBE_MS = 3_000; // is the server back? while offline
const PROBE_TIMEOUT_MS = 4_000;
const SYNC_BATCH = 500; // the server's limit per sync request

// ---- the offline copy --------------------------------------------------------------

export async function useList(list) {
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

export async function refreshList() {
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

export function admittedLookup(sessionId) {
  return (attendee) => {
    const entry = state.admitted.get(admittedKey(state.eventId, attendee.registration_id, sessionId));
    return entry ? { at: entry.at, desk: entry.desk, by: entry.by } : null;
  };
}

export async function admit(registrationId, sessionId, { at, desk, by = null, checkinId = null }) {
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

export async function forget(registrationId, sessionId) {
  const key = admittedKey(state.eventId, registrationId, sessionId);
  state.admitted.delete(key);
  await state.store.forget(key);
}

// ---- online and offline ------------------------------------------------------------------

let probeTimer = null;

export function goOffline() {
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
export async function probe() {
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

export async function afterReconnect() {
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

export async function countQueue() {
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

export function renderConnection() {
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
