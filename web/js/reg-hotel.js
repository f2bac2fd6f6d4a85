// The official hotels on the delegate's own page (/r/{code}; docs/hotels.md):
// the hotels with the rooms left per night and room type, the delegate's
// request (allotted, or waiting at position N) with a way to cancel it, and
// the form to ask for a room: hotel, room type, arrival and departure (nights
// within the event's), and with whom the room is shared. The form checks what
// the server checks before anything is sent.
//
// It follows the live channel by itself: `rooms` on event:{id} (rooms left),
// and on registration:{code} the `accommodation` messages (a room came free,
// the place in the queue moved) and `registration` (only a confirmed
// delegate may ask).
//
//   mountHotel(document.getElementById('hotel-view'), { code, registration });

import { h, flash } from './dom.js';
import { t, has } from './i18n.js';
import { getJSON, postJSON, deleteJSON, newIdempotencyKey, isRetryable, friendlyMessage, ApiError } from './api.js';
import { subscribe } from './live.js';
import {
  roomsTable,
  hotelFacts,
  applyRoomCounts,
  updateRoomCells,
  formatNight,
  formatMoney,
  addNights,
  nightsBetween,
  nightDate,
  blocksOf,
} from './hotels.js';

const ROOM_TYPE = /^[a-z0-9_-]{1,40}$/;
const MAX_NIGHTS = 31;
const SHARING_MAX = 200;
// Control characters are refused by the server in one-line text.
const CONTROL = /[\u0000-\u001f\u007f]/; // eslint-disable-line no-control-regex

let uid = 0;

/**
 * What the form asks for, checked as the server checks it. `values` are the
 * fields' texts; returns { errors: {field: message}, body } (body when no error).
 */
export function checkRequest(values, hotels, span) {
  const errors = {};
  const hotel = hotels.find((x) => String(x.id) === String(values.hotel_id));
  if (!hotel) errors.hotel_id = t('hotels.invalid.hotel');
  const type = String(values.room_type ?? '');
  const known = hotel && (hotel.room_types ?? []).some((r) => r.room_type === type);
  if (hotel && (!ROOM_TYPE.test(type) || !known)) errors.room_type = t('hotels.invalid.roomType', { hotel: hotel.name });
  const leaveLast = span ? addNights(span.last, 1) : null;
  const arrive = String(values.check_in ?? '');
  const leave = String(values.check_out ?? '');
  if (!span || !nightDate(arrive) || arrive < span.first || arrive > span.last) {
    errors.check_in = t('hotels.invalid.arrive', { first: formatNight(span?.first), last: formatNight(span?.last) });
  }
  if (!nightDate(leave) || (nightDate(arrive) && leave <= arrive) || (leaveLast && leave > leaveLast)) {
    errors.check_out = t('hotels.invalid.leave', { leave: formatNight(leaveLast) });
  }
  let nights = [];
  if (!errors.check_in && !errors.check_out) {
    nights = nightsBetween(arrive, addNights(leave, -1));
    if (nights.length > MAX_NIGHTS) errors.check_out = t('hotels.invalid.tooLong', { count: MAX_NIGHTS });
  }
  if (hotel && known && !errors.check_in && !errors.check_out) {
    const blocks = blocksOf(hotel, type);
    const missing = nights.find((n) => !blocks.has(n));
    const released = nights.find((n) => blocks.get(n)?.released);
    if (missing) {
      const label = hotel.room_types.find((r) => r.room_type === type)?.room_label ?? type;
      errors.check_in = t('hotels.invalid.noBlock', { hotel: hotel.name, room: label, night: formatNight(missing) });
    } else if (released) {
      errors.check_in = t('hotels.invalid.released', { hotel: hotel.name, night: formatNight(released) });
    }
  }
  const sharing = String(values.sharing_with ?? '').trim();
  if ([...sharing].length > SHARING_MAX || CONTROL.test(sharing)) errors.sharing_with = t('hotels.invalid.sharing', { count: SHARING_MAX });
  if (Object.keys(errors).length) return { errors, hotel, nights };
  const body = { hotel_id: hotel.id, room_type: type, nights };
  if (sharing) body.sharing_with = sharing;
  return { errors, hotel, nights, body };
}

/** A labelled input or select with a hint and an inline error. */
function formField(name, label, control, hint) {
  const id = `hotel-${name}-${++uid}`;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  control.id = id;
  control.name = name;
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const error = h('p', { class: 'field__error', id: errorId, hidden: true });
  const wrapper = h(
    'div',
    { class: 'field', dataset: { field: name } },
    h('label', { class: 'field__label', for: id }, label),
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
    error,
    control,
  );
  return {
    name,
    wrapper,
    control,
    setError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

/** Mounts the section; returns { reload() }. */
export function mountHotel(section, { code, registration }) {
  const state = {
    status: registration.status,
    eventId: registration.event.id,
    hotels: null,
    span: null,
    accommodation: undefined, // undefined: not loaded yet; null: none
    busy: false,
    confirmCancel: false,
    key: null, // Idempotency-Key of the request being sent (kept while retried)
  };
  const pendingCounts = [];
  const api = (path = '') => `/api/registrations/${encodeURIComponent(code)}${path}`;

  // Shown after the delegate's summary, before their badge and sessions.
  document.getElementById('registration-summary')?.after(section);
  section.classList.add('reg-section', 'hotel-view');
  section.setAttribute('aria-labelledby', 'hotel-view-heading');

  const news = h('p', { class: 'status hotel-view__news', id: 'hotel-news', role: 'status', 'aria-live': 'polite' });
  const alert = h('div', { class: 'alert', id: 'hotel-alert', role: 'alert' });
  const mine = h('div', { id: 'my-room' });
  const formSlot = h('div', { id: 'hotel-request' });
  const list = h('div', { id: 'hotel-list' });
  section.replaceChildren(h('h2', { id: 'hotel-view-heading', tabindex: '-1' }, t('hotels.heading')), news, alert, mine, formSlot, list);

  let form = null; // { el, fields, summary, submit }

  function say(text) {
    alert.replaceChildren();
    news.textContent = text;
    if (text) flash(news);
  }

  function refuse(text) {
    news.textContent = '';
    alert.replaceChildren(text ? h('p', {}, text) : '');
  }

  function refusalText(err) {
    const key = `hotels.refused.${err.code}`;
    if (has(key)) return t(key);
    if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.message && !isRetryable(err)) return err.message;
    return isRetryable(err) ? `${friendlyMessage(err)} ${t('reg.retry')}` : friendlyMessage(err);
  }

  // ---- drawing -------------------------------------------------------------------

  function visible() {
    if (state.status === 'cancelled') return false;
    if (state.accommodation) return true;
    return Boolean(state.hotels && state.hotels.length);
  }

  function statusLine(a) {
    return a.status === 'waitlisted'
      ? t('hotels.reg.status.waitlisted', { position: a.waitlist_position ?? '?' })
      : t('hotels.reg.status.allotted');
  }

  function drawMine() {
    const a = state.accommodation;
    if (!a) {
      mine.replaceChildren();
      return;
    }
    const cancelLabel = a.status === 'waitlisted' ? t('hotels.reg.cancelWaiting') : t('hotels.reg.cancel');
    const actions = state.confirmCancel
      ? h(
          'div',
          { class: 'my-room__confirm' },
          h('p', {}, t('hotels.reg.cancelAsk')),
          h(
            'p',
            { class: 'dialog__actions' },
            button('hotel-cancel-confirm', t('hotels.reg.cancelConfirm'), 'button button--danger button--small', cancelRequest),
            ' ',
            button('hotel-cancel-keep', t('hotels.reg.cancelKeep'), 'button button--secondary button--small', () => {
              state.confirmCancel = false;
              drawMine();
              document.getElementById('hotel-cancel')?.focus();
            }),
          ),
        )
      : h(
          'p',
          {},
          button('hotel-cancel', cancelLabel, 'button button--secondary button--small', () => {
            state.confirmCancel = true;
            drawMine();
            document.getElementById('hotel-cancel-keep')?.focus();
          }),
        );
    const nights = a.nights?.length ?? 0;
    mine.replaceChildren(
      h(
        'div',
        { class: `card my-room my-room--${a.status}`, dataset: { status: a.status } },
        h('h3', { id: 'my-room-heading', tabindex: '-1' }, t('hotels.reg.yourRoom')),
        h(
          'dl',
          { class: 'facts' },
          h('div', {}, h('dt', {}, t('reg.status')), h('dd', {}, h('strong', { id: 'my-room-status', dataset: { status: a.status } }, statusLine(a)))),
          h('div', {}, h('dt', {}, t('hotels.reg.hotel')), h('dd', { id: 'my-room-hotel' }, a.hotel?.name ?? '')),
          h('div', {}, h('dt', {}, t('hotels.reg.roomType')), h('dd', {}, a.room_label ?? a.room_type)),
          h(
            'div',
            {},
            h('dt', {}, t('hotels.reg.stay')),
            h('dd', {}, t('hotels.reg.stayText', { count: nights, arrive: formatNight(a.check_in), leave: formatNight(a.check_out) })),
          ),
          a.sharing_with ? h('div', {}, h('dt', {}, t('hotels.reg.sharingWith')), h('dd', {}, a.sharing_with)) : null,
          a.currency ? h('div', {}, h('dt', {}, t('hotels.reg.total')), h('dd', {}, formatMoney(a.total_minor, a.currency))) : null,
        ),
        actions,
      ),
    );
  }

  function button(id, text, cls, onClick) {
    const b = h('button', { type: 'button', id, class: cls }, text);
    b.addEventListener('click', () => onClick(b));
    return b;
  }

  function drawList() {
    if (!state.hotels) {
      list.replaceChildren();
      return;
    }
    list.replaceChildren(
      h('p', { class: 'note' }, t('hotels.reg.intro')),
      h(
        'ul',
        { class: 'hotel-list' },
        state.hotels.map((hotel) =>
          h(
            'li',
            { class: 'card hotel', dataset: { hotelId: hotel.id } },
            h('h3', { class: 'hotel__name' }, hotel.name),
            hotelFacts(hotel),
            roomsTable(hotel),
          ),
        ),
      ),
    );
  }

  function drawForm() {
    const wanted = state.status === 'confirmed' && state.accommodation === null && state.hotels?.length;
    if (!wanted) {
      form = null;
      formSlot.replaceChildren(
        state.status === 'waitlisted' && !state.accommodation ? h('p', { class: 'note note--waitlist' }, t('hotels.reg.waitlistedNote')) : '',
      );
      return;
    }
    const before = form ? currentValues() : null;
    form = buildForm();
    formSlot.replaceChildren(form.el);
    if (before) {
      for (const [name, value] of Object.entries(before)) {
        const f = form.fields[name];
        if (f && value !== '') {
          f.control.value = value;
          if (name === 'hotel_id') fillRoomTypes();
        }
      }
    }
    updateSummary();
  }

  function draw() {
    section.hidden = !visible();
    drawMine();
    drawForm();
    drawList();
  }

  // ---- the form ---------------------------------------------------------------------

  function currentValues() {
    return Object.fromEntries(Object.entries(form.fields).map(([name, f]) => [name, f.control.value]));
  }

  function selectedHotel() {
    return state.hotels.find((x) => String(x.id) === form.fields.hotel_id.control.value) ?? null;
  }

  function fillRoomTypes() {
    const hotel = selectedHotel();
    const select = form.fields.room_type.control;
    const keep = select.value;
    select.replaceChildren(
      ...(hotel?.room_types ?? []).map((r) => {
        const first = (hotel.blocks ?? []).find((b) => b.room_type === r.room_type);
        const rate = first ? ` · ${t('hotels.perNight', { rate: formatMoney(first.rate_minor, first.currency) })}` : '';
        return h('option', { value: r.room_type }, `${r.room_label}${rate}`);
      }),
    );
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  function buildForm() {
    const span = state.span;
    const hotelSelect = h(
      'select',
      {},
      state.hotels.map((hotel) => h('option', { value: hotel.id }, hotel.name)),
    );
    const fields = {
      hotel_id: formField('hotel_id', t('hotels.reg.hotel'), hotelSelect),
      room_type: formField('room_type', t('hotels.reg.roomType'), h('select', {})),
      check_in: formField(
        'check_in',
        t('hotels.reg.arrive'),
        h('input', { type: 'date', min: span?.first, max: span?.last, value: span?.first ?? '' }),
        span ? t('hotels.reg.arriveHint', { first: formatNight(span.first), last: formatNight(span.last) }) : null,
      ),
      check_out: formField(
        'check_out',
        t('hotels.reg.leave'),
        h('input', { type: 'date', min: span ? addNights(span.first, 1) : null, max: span ? addNights(span.last, 1) : null, value: span ? addNights(span.first, 1) : '' }),
        span ? t('hotels.reg.leaveHint', { leave: formatNight(addNights(span.last, 1)) }) : null,
      ),
      sharing_with: formField(
        'sharing_with',
        t('hotels.reg.sharingWith'),
        h('input', { type: 'text', maxlength: SHARING_MAX, autocomplete: 'off' }),
        t('hotels.reg.sharingHint'),
      ),
    };
    const summary = h('p', { class: 'hotel-request__summary', id: 'hotel-request-summary', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit', class: 'button', id: 'hotel-submit' }, t('hotels.reg.submit'));
    const formAlert = h('p', { class: 'alert', id: 'hotel-form-alert', role: 'alert' });
    const el = h(
      'form',
      { class: 'card hotel-request', novalidate: true, 'aria-labelledby': 'hotel-request-heading' },
      h('h3', { id: 'hotel-request-heading' }, t('hotels.reg.ask')),
      formAlert,
      Object.values(fields).map((f) => f.wrapper),
      summary,
      h('p', {}, submit),
    );
    const built = { el, fields, summary, submit, formAlert };
    form = built;
    fillRoomTypes();
    hotelSelect.addEventListener('change', () => {
      fillRoomTypes();
      updateSummary();
    });
    for (const f of Object.values(fields)) f.control.addEventListener('input', () => {
      f.setError('');
      updateSummary();
    });
    fields.room_type.control.addEventListener('change', updateSummary);
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      send();
    });
    return built;
  }

  /** What the chosen stay would be: its price, or that it would wait. */
  function updateSummary() {
    if (!form) return;
    const { errors, hotel, nights } = checkRequest(currentValues(), state.hotels, state.span);
    if (Object.keys(errors).length || !hotel) {
      form.summary.textContent = '';
      form.submit.textContent = t('hotels.reg.submit');
      return;
    }
    const blocks = blocksOf(hotel, form.fields.room_type.control.value);
    const chosen = nights.map((n) => blocks.get(n));
    const full = chosen.filter((b) => !(b.remaining > 0));
    const total = chosen.reduce((sum, b) => sum + Number(b.rate_minor), 0);
    form.summary.textContent =
      full.length === 0
        ? t('hotels.reg.summary', { count: nights.length, amount: formatMoney(total, chosen[0].currency) })
        : t('hotels.reg.summaryFull', { nights: full.map((b) => formatNight(b.night)).join(', ') });
    form.summary.dataset.full = String(full.length > 0);
    form.submit.textContent = full.length ? t('hotels.reg.submitWaitlist') : t('hotels.reg.submit');
  }

  function showErrors(errors) {
    let first = null;
    for (const f of Object.values(form.fields)) {
      f.setError(errors[f.name]);
      if (errors[f.name] && !first) first = f;
    }
    form.formAlert.textContent = first ? t('hotels.fix', { count: Object.keys(errors).length }) : '';
    first?.control.focus();
    return Boolean(first);
  }

  async function send() {
    if (state.busy || !form) return;
    const { errors, body } = checkRequest(currentValues(), state.hotels, state.span);
    if (showErrors(errors)) return;
    state.busy = true;
    refuse('');
    news.textContent = '';
    form.submit.disabled = true;
    form.submit.textContent = t('hotels.reg.working');
    if (!state.key) state.key = newIdempotencyKey();
    try {
      const { accommodation } = await postJSON(api('/accommodation'), body, { idempotencyKey: state.key });
      state.key = null;
      state.accommodation = accommodation;
      state.busy = false;
      draw();
      say(
        accommodation.status === 'allotted'
          ? t('hotels.reg.allotted', { hotel: accommodation.hotel?.name ?? '' })
          : t('hotels.reg.waitlisted', { hotel: accommodation.hotel?.name ?? '', position: accommodation.waitlist_position ?? '?' }),
      );
      document.getElementById('my-room-heading')?.focus();
      flash(mine.firstElementChild);
    } catch (err) {
      if (!isRetryable(err)) state.key = null;
      state.busy = false;
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) console.warn(err);
      else console.error(err);
      const field = { nights: 'check_in', room_type: 'room_type', hotel_id: 'hotel_id', sharing_with: 'sharing_with' }[
        String(err.details?.field ?? '').split('.')[0]
      ];
      if (form) {
        form.submit.disabled = false;
        updateSummary();
      }
      if (field && form) {
        showErrors({ [field]: refusalText(err) });
      } else {
        if (['accommodation_exists', 'registration_not_confirmed', 'registration_cancelled', 'rooms_released'].includes(err.code)) {
          await reload().catch((e) => console.warn(e));
        }
        refuse(refusalText(err));
      }
    }
  }

  async function cancelRequest(b) {
    if (state.busy) return;
    state.busy = true;
    b.disabled = true;
    b.textContent = t('hotels.reg.working');
    try {
      await deleteJSON(api('/accommodation'));
      state.accommodation = null;
      state.confirmCancel = false;
      state.busy = false;
      draw();
      say(t('hotels.reg.cancelled'));
      document.getElementById('hotel-view-heading')?.focus();
    } catch (err) {
      state.busy = false;
      state.confirmCancel = false;
      if (err.code === 'accommodation_not_found') state.accommodation = null;
      draw();
      refuse(refusalText(err));
    }
  }

  // ---- loading and live ----------------------------------------------------------------

  async function reload() {
    const [listed, own] = await Promise.all([
      getJSON(`/api/events/${encodeURIComponent(state.eventId)}/hotels`),
      getJSON(api('/accommodation')),
    ]);
    state.hotels = listed.hotels ?? [];
    state.span = listed.event?.nights ?? null;
    applyRoomCounts(state.hotels, pendingCounts.splice(0));
    if (!state.busy) state.accommodation = own.accommodation ?? null;
    draw();
  }

  let reloading = null;
  function reloadSoon() {
    if (reloading) return;
    reloading = reload()
      .catch((err) => console.warn(err))
      .finally(() => {
        reloading = null;
      });
  }

  function onEventLive(message) {
    const counts = message.type === 'snapshot' ? message.rooms ?? [] : message.type === 'rooms' ? [message] : null;
    if (!counts) return;
    if (!state.hotels) {
      pendingCounts.push(...counts);
      return;
    }
    const { changed, unknown } = applyRoomCounts(state.hotels, counts);
    if (unknown) return reloadSoon();
    updateRoomCells(list, changed, { highlight: message.type === 'rooms' });
    updateSummary();
  }

  const same = (a, b) =>
    JSON.stringify(a ? [a.id, a.status, a.waitlist_position ?? null] : null) ===
    JSON.stringify(b ? [b.id, b.status, b.waitlist_position ?? null] : null);

  function onRegistrationLive(message) {
    if (message.registration?.status && message.registration.status !== state.status) {
      state.status = message.registration.status;
      if (state.status === 'cancelled') state.accommodation = null;
      if (state.accommodation !== undefined) draw();
    }
    if (!('accommodation' in message) || (message.type !== 'accommodation' && message.type !== 'snapshot')) return;
    if (state.busy || state.accommodation === undefined) return; // the answer on its way, or the load, says it
    const before = state.accommodation;
    const next = message.accommodation ?? null;
    if (same(before, next)) return;
    state.accommodation = next;
    draw();
    if (before?.status === 'waitlisted' && next?.status === 'allotted' && before.id === next.id) {
      say(t('hotels.reg.promoted', { hotel: next.hotel?.name ?? '' }));
      flash(document.getElementById('my-room-status'));
    } else if (next?.status === 'waitlisted' && before?.id === next.id) {
      say(t('hotels.reg.position', { position: next.waitlist_position ?? '?' }));
      flash(document.getElementById('my-room-status'));
    } else if (before && !next) {
      say(t('hotels.reg.gone'));
    }
  }

  section.hidden = true;
  reload().catch((err) => {
    console.warn(err); // the rest of the page works without the hotels
  });
  subscribe(`registration:${code}`, onRegistrationLive);
  subscribe(`event:${state.eventId}`, onEventLive);
  return { reload };
}
