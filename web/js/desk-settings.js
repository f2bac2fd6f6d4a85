// The check-in desk's settings: its name, the place it checks in for (the event's entrance or a
// session) and the sound, remembered in localStorage.

import { h } from './dom.js';
import { t } from './i18n.js';
import { state, $, storageGet, storageSet, timeText, focusScan } from './desk-state.js';
import { renderStats } from './desk-stats.js';
import { loadRecent } from './desk-recent.js';

const DESK_NAME_KEY = 'congress.desk.name';
const SOUND_KEY = 'congress.desk.sound';
const placeKey = (eventId) => `congress.desk.place.${eventId}`;

// ---- settings -----------------------------------------------------------------------------------

export function renderPlaces() {
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

export function setUpSettings() {
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
