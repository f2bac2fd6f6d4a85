// The check-in desk's counters: this place's check-ins and this desk's, kept current by the
// live topic checkin:{event} (or asked for when it is not there).

import { ApiError } from './api.js';
import { t } from './i18n.js';
import { subscribe, onConnection } from './live.js';
import { deskGet } from './desk-api.js';
import { state, $, sessionTitle } from './desk-state.js';
import { goOffline, probe } from './desk-connection.js';

// ---- counters ----------------------------------------------------------------------------

export function showPlaceCounts(counts) {
  $('desk-count-place').textContent = t('desk.counts.place', {
    checked: counts.checked_in ?? 0,
    expected: counts.expected ?? 0,
    place: sessionTitle(state.sessionId),
  });
}

export function renderStats() {
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

export async function refreshStats() {
  try {
    applyStats(await deskGet(`/api/events/${state.eventId}/checkin/stats`));
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'network' || err.status >= 500)) goOffline();
    else console.warn('desk: stats', err);
  }
}

let statsTimer = null;
/** A check-in was made: the live topic brings the counts; without it, ask. */
export function statsMayHaveChanged() {
  if (state.statsLive) return;
  clearTimeout(statsTimer);
  statsTimer = setTimeout(refreshStats, 500);
}

export function followStats() {
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
