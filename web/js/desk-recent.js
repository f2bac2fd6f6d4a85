// The check-in desk's last check-ins, and undoing one with a reason.

import { h } from './dom.js';
import { t } from './i18n.js';
import { ApiError, friendlyMessage } from './api.js';
import { deskRequest, deskGet } from './desk-api.js';
import { state, $, timeText, sessionTitle, person, focusScan } from './desk-state.js';
import { showResult } from './desk-result.js';
import { forget } from './desk-connection.js';
import { statsMayHaveChanged } from './desk-stats.js';

const RECENT = 12; // check-ins shown in "last check-ins"

// ---- last check-ins and undo ------------------------------------------------------------------

export function addRecent(entry) {
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

export function renderRecent() {
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
export async function loadRecent() {
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
