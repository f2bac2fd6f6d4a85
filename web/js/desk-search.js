// The check-in desk's search by name or organisation: on the server while it answers, else
// in the offline copy; a result is checked in without a badge.

import { h } from './dom.js';
import { t, label } from './i18n.js';
import { ApiError, friendlyMessage } from './api.js';
import { deskRequest, unreachable } from './desk-api.js';
import { primeSound } from './desk-sound.js';
import { state, $, person, focusScan } from './desk-state.js';
import { enqueueWork, checkIn } from './desk-checkin.js';
import { goOffline } from './desk-connection.js';

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

export function setUpSearch() {
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
