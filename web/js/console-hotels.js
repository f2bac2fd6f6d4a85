// The "Hotels" tab of the organiser console (docs/hotels.md): the event's
// official hotels, each with its room blocks (one per night and room type:
// rooms held, allotted, waiting, left, the rate and the release date), forms
// to add or change a hotel and its blocks, and the rooming list per hotel, on
// screen and as CSV for the hotel. The counts follow the live `rooms`
// messages of event:{id}.
//
// Every change goes through the organiser routes, which check it again and
// write it to the audit log.

import { h, flash } from './dom.js';
import { t } from './i18n.js';
import { subscribe } from './live.js';
import { get, post, patch } from './console-api.js';
import { field, openDialog, errorMessage, wallClock, wallClockText } from './console-ui.js';
import { applyRoomCounts, formatNight, formatMoney, currencyDigits, nightsBetween, nightDate } from './hotels.js';

const ROOM_TYPE = /^[a-z0-9_-]{1,40}$/;
const CURRENCY = /^[A-Z]{3}$/;
const MAX_HELD = 100000;

// ---- checks, as the server makes them ---------------------------------------------

/** "7500.00" in a currency with 2 digits → 750000; null when it is not an amount. */
export function parseAmount(text, digits) {
  const m = /^(\d{1,12})(?:[.,](\d*))?$/.exec(String(text ?? '').trim());
  if (!m || (m[2] ?? '').length > digits) return null;
  return Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || 0);
}

/** 750000 → "7500.00" for a currency with 2 digits. */
export function amountText(minor, digits) {
  if (minor === null || minor === undefined) return '';
  return digits ? (Number(minor) / 10 ** digits).toFixed(digits) : String(minor);
}

function checkHotel(v) {
  const errors = {};
  if (!v.name.trim()) errors.name = t('hotels.console.invalid.name');
  else if ([...v.name].length > 200) errors.name = t('hotels.console.invalid.tooLong', { count: 200 });
  if (v.map_url.trim() && !/^https?:\/\/\S+$/i.test(v.map_url.trim())) errors.map_url = t('hotels.console.invalid.mapUrl');
  if ([...v.address].length > 500) errors.address = t('hotels.console.invalid.tooLong', { count: 500 });
  if ([...v.distance].length > 200) errors.distance = t('hotels.console.invalid.tooLong', { count: 200 });
  if ([...v.notes].length > 2000) errors.notes = t('hotels.console.invalid.tooLong', { count: 2000 });
  return errors;
}

function hotelBody(v, { create }) {
  const body = { name: v.name.trim(), address: v.address.trim(), map_url: v.map_url.trim(), distance: v.distance.trim(), notes: v.notes.trim() };
  if (create) for (const k of ['map_url', 'distance', 'notes']) if (!body[k]) delete body[k];
  return body;
}

function checkBlock(v, span, { create }) {
  const errors = {};
  if (create) {
    if (!ROOM_TYPE.test(v.room_type)) errors.room_type = t('hotels.console.invalid.roomType');
    const inSpan = (n) => nightDate(n) && span && n >= span.first && n <= span.last;
    if (!inSpan(v.first_night)) errors.first_night = t('hotels.console.invalid.night', { first: formatNight(span?.first), last: formatNight(span?.last) });
    if (!inSpan(v.last_night) || (inSpan(v.first_night) && v.last_night < v.first_night)) {
      errors.last_night = t('hotels.console.invalid.lastNight', { last: formatNight(span?.last) });
    }
  }
  if (!v.room_label.trim()) errors.room_label = t('hotels.console.invalid.label');
  else if ([...v.room_label].length > 100) errors.room_label = t('hotels.console.invalid.tooLong', { count: 100 });
  const held = Number(v.held);
  if (!/^\d+$/.test(String(v.held).trim()) || held > MAX_HELD) errors.held = t('hotels.console.invalid.held', { max: MAX_HELD });
  const currency = v.currency.trim().toUpperCase();
  if (!CURRENCY.test(currency)) errors.currency = t('hotels.console.invalid.currency');
  else if (parseAmount(v.rate, currencyDigits(currency)) === null) errors.rate = t('hotels.console.invalid.rate', { digits: currencyDigits(currency) });
  if (v.release_at && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v.release_at)) errors.release_at = t('hotels.console.invalid.release');
  return errors;
}

function blockBody(v, { create }) {
  const currency = v.currency.trim().toUpperCase();
  const body = {
    room_label: v.room_label.trim(),
    held: Number(v.held),
    rate_minor: parseAmount(v.rate, currencyDigits(currency)),
    currency,
    release_at: v.release_at ? v.release_at : null,
  };
  if (create) {
    body.room_type = v.room_type;
    body.nights = nightsBetween(v.first_night, v.last_night);
    if (!body.release_at) delete body.release_at;
  }
  return body;
}

// ---- the tab -------------------------------------------------------------------------

/** The tab. ctx: { event, base, feedback }. Returns { refresh() }. */
export function mountHotels(panel, { event, base, feedback }) {
  let hotels = null;
  let span = null;
  let loaded = false;
  let loading = null;
  const rooming = new Map(); // hotel id → the rooming list on screen (refreshed on live counts)
  const errorLine = h('p', { class: 'status status--error', id: 'hotels-error' });
  const body = h('div', { id: 'hotels-body' });
  const addButton = h('button', { type: 'button', class: 'button', id: 'add-hotel' }, t('hotels.console.add'));
  addButton.addEventListener('click', () => editHotel(null));

  panel.replaceChildren(
    h('h2', {}, t('console.tab.hotels')),
    h('p', { class: 'note' }, t('hotels.console.intro')),
    h('p', { class: 'console-toolbar' }, addButton),
    errorLine,
    body,
  );

  function hotelUrl(hotel) {
    return `${base}/hotels/${encodeURIComponent(hotel.id)}`;
  }

  function blockRow(hotel, b) {
    const edit = h(
      'button',
      {
        type: 'button',
        class: 'button button--small button--secondary',
        'aria-label': t('hotels.console.editBlockNamed', { room: b.room_label, night: formatNight(b.night) }),
      },
      t('hotels.console.editBlock'),
    );
    edit.addEventListener('click', () => editBlock(hotel, b));
    return h(
      'tr',
      { dataset: { blockId: b.id } },
      h('th', { scope: 'row' }, h('time', { datetime: b.night }, formatNight(b.night))),
      h('td', {}, b.room_label, h('br'), h('code', {}, b.room_type)),
      h('td', { class: 'num', 'data-count': 'held' }, String(b.held)),
      h('td', { class: 'num', 'data-count': 'allotted' }, String(b.allotted)),
      h('td', { class: 'num', 'data-count': 'waitlisted' }, String(b.waitlisted)),
      h('td', { class: 'num', 'data-count': 'remaining' }, b.released ? t('hotels.released') : String(b.remaining)),
      h('td', { class: 'num' }, formatMoney(b.rate_minor, b.currency)),
      h('td', {}, b.release_at ? h('time', { datetime: b.release_at }, wallClockText(b.release_at)) : '–'),
      h('td', {}, edit),
    );
  }

  function hotelSection(hotel) {
    const headingId = `hotel-${hotel.id}-heading`;
    const editButton = h('button', { type: 'button', class: 'button button--small button--secondary', 'aria-label': t('hotels.console.editNamed', { hotel: hotel.name }) }, t('hotels.console.edit'));
    editButton.addEventListener('click', () => editHotel(hotel));
    const addBlocks = h('button', { type: 'button', class: 'button button--small', 'aria-label': t('hotels.console.addBlocksNamed', { hotel: hotel.name }) }, t('hotels.console.addBlocks'));
    addBlocks.addEventListener('click', () => editBlock(hotel, null));
    const showRooming = h('button', { type: 'button', class: 'button button--small button--secondary', 'aria-label': t('hotels.console.roomingNamed', { hotel: hotel.name }) }, t('hotels.console.rooming'));
    showRooming.addEventListener('click', () => loadRooming(hotel));
    const csv = h(
      'a',
      { class: 'button button--small button--secondary', href: `${hotelUrl(hotel)}/rooming.csv`, download: '', 'aria-label': t('hotels.console.csvNamed', { hotel: hotel.name }) },
      t('hotels.console.csv'),
    );
    const where = [hotel.distance, hotel.address].filter(Boolean).join(' · ');
    return h(
      'section',
      { class: 'console-section hotel-admin', 'aria-labelledby': headingId, dataset: { hotelId: hotel.id } },
      h('h3', { id: headingId }, hotel.name),
      where ? h('p', {}, where) : null,
      hotel.map_url ? h('p', {}, h('a', { href: /^https?:\/\//i.test(hotel.map_url) ? hotel.map_url : null, rel: 'noopener noreferrer', target: '_blank' }, hotel.map_url)) : null,
      hotel.notes ? h('p', { class: 'note' }, hotel.notes) : null,
      h('p', { class: 'console-actions' }, editButton, ' ', addBlocks, ' ', showRooming, ' ', csv),
      (hotel.blocks ?? []).length
        ? h(
            'div',
            { class: 'table-scroll' },
            h(
              'table',
              { class: 'console-table hotel-blocks' },
              h('caption', { class: 'visually-hidden' }, t('hotels.console.blocksCaption', { hotel: hotel.name })),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['night', 'room', 'held', 'allotted', 'waiting', 'left', 'rate', 'release'].map((k) =>
                    h('th', { scope: 'col' }, t(`hotels.console.col.${k}`)),
                  ),
                  h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('hotels.console.col.actions'))),
                ),
              ),
              h('tbody', {}, hotel.blocks.map((b) => blockRow(hotel, b))),
            ),
          )
        : h('p', { class: 'empty' }, t('hotels.console.noBlocks')),
      h('div', { class: 'hotel-rooming', id: `rooming-${hotel.id}` }),
    );
  }

  function render() {
    if (!hotels) return;
    body.replaceChildren(...(hotels.length ? hotels.map(hotelSection) : [h('p', { class: 'empty', id: 'no-hotels' }, t('hotels.console.none'))]));
    for (const id of rooming.keys()) {
      const hotel = hotels.find((x) => x.id === id);
      if (hotel) loadRooming(hotel, { quiet: true });
    }
  }

  function refresh() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const listed = await get(`${base}/hotels`);
        hotels = listed.hotels ?? [];
        span = listed.event?.nights ?? null;
        loaded = true;
        errorLine.textContent = '';
        render();
      } catch (err) {
        errorLine.textContent = errorMessage(err);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  // ---- rooming list ----

  async function loadRooming(hotel, { quiet = false } = {}) {
    const slot = () => document.getElementById(`rooming-${hotel.id}`);
    try {
      const { rooming: rows } = await get(`${hotelUrl(hotel)}/rooming`);
      rooming.set(hotel.id, true);
      slot()?.replaceChildren(...roomingTable(hotel, rows));
      if (!quiet) slot()?.querySelector('h4')?.focus();
    } catch (err) {
      slot()?.replaceChildren(h('p', { class: 'status status--error' }, errorMessage(err)));
    }
  }

  function roomingTable(hotel, rows) {
    const heading = h('h4', { tabindex: '-1' }, t('hotels.console.roomingHeading', { hotel: hotel.name }));
    if (!rows.length) return [heading, h('p', { class: 'empty' }, t('hotels.console.roomingEmpty'))];
    const cols = ['name', 'organisation', 'status', 'room', 'checkIn', 'checkOut', 'nights', 'sharing'];
    return [
      heading,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'console-table rooming-list' },
          h('caption', { class: 'visually-hidden' }, t('hotels.console.roomingHeading', { hotel: hotel.name })),
          h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(`hotels.console.rcol.${c}`))))),
          h(
            'tbody',
            {},
            rows.map((r) =>
              h(
                'tr',
                { dataset: { requestId: r.request_id, status: r.status } },
                h('th', { scope: 'row' }, h('span', { class: 'console-person__name' }, r.name), h('br'), h('span', { class: 'console-person__email' }, r.email)),
                h('td', {}, r.organisation ?? ''),
                h(
                  'td',
                  {},
                  h(
                    'span',
                    { class: `tag ${r.status === 'allotted' ? 'tag--open' : 'tag--waitlist'}` },
                    r.status === 'allotted' ? t('hotels.status.allotted') : t('hotels.status.waitlisted', { position: r.waitlist_position ?? '?' }),
                  ),
                ),
                h('td', {}, r.room_label),
                h('td', {}, formatNight(r.check_in)),
                h('td', {}, formatNight(r.check_out)),
                h('td', { class: 'num' }, String(r.nights)),
                h('td', {}, r.sharing_with ?? ''),
              ),
            ),
          ),
        ),
      ),
    ];
  }

  // ---- dialogs ----

  async function editHotel(hotel) {
    const fields = [
      field({ name: 'name', label: t('hotels.console.name'), value: hotel?.name ?? '', required: true }),
      field({ name: 'distance', label: t('hotels.console.distance'), value: hotel?.distance ?? '', hint: t('hotels.console.distanceHint') }),
      field({ name: 'address', label: t('hotels.console.address'), type: 'textarea', value: hotel?.address ?? '' }),
      field({ name: 'map_url', label: t('hotels.console.mapUrl'), type: 'url', value: hotel?.map_url ?? '', hint: t('hotels.console.mapUrlHint') }),
      field({ name: 'notes', label: t('hotels.console.notes'), type: 'textarea', value: hotel?.notes ?? '' }),
    ];
    const saved = await openDialog({
      title: hotel ? t('hotels.console.editTitle', { hotel: hotel.name }) : t('hotels.console.add'),
      fields,
      submitLabel: hotel ? t('hotels.console.save') : t('hotels.console.add'),
      validate: checkHotel,
      onSubmit: async (v) =>
        hotel ? patch(hotelUrl(hotel), hotelBody(v, { create: false })) : post(`${base}/hotels`, hotelBody(v, { create: true })),
    });
    if (!saved) return;
    await refresh();
    feedback(hotel ? t('hotels.console.savedHotel') : t('hotels.console.addedHotel', { hotel: saved.hotel?.name ?? '' }));
  }

  async function editBlock(hotel, block) {
    const create = !block;
    const sample = block ?? hotel.blocks?.[hotel.blocks.length - 1] ?? null;
    const currency = sample?.currency ?? '';
    const digits = currencyDigits(currency || 'EUR');
    const nightOptions = span ? nightsBetween(span.first, span.last).map((n) => ({ value: n, label: formatNight(n, { long: true }) })) : [];
    const fields = [
      create ? field({ name: 'room_type', label: t('hotels.console.roomType'), value: '', required: true, hint: t('hotels.console.roomTypeHint') }) : null,
      field({ name: 'room_label', label: t('hotels.console.roomLabel'), value: block?.room_label ?? '', required: true, hint: t('hotels.console.roomLabelHint') }),
      create ? field({ name: 'first_night', label: t('hotels.console.firstNight'), type: 'select', options: nightOptions, value: span?.first ?? '' }) : null,
      create ? field({ name: 'last_night', label: t('hotels.console.lastNight'), type: 'select', options: nightOptions, value: span?.last ?? '' }) : null,
      field({ name: 'held', label: t('hotels.console.held'), type: 'number', value: block ? String(block.held) : '', required: true, attrs: { min: 0, max: MAX_HELD, step: 1 } }),
      field({ name: 'rate', label: t('hotels.console.rate'), value: block ? amountText(block.rate_minor, digits) : '', required: true, hint: t('hotels.console.rateHint'), attrs: { inputmode: 'decimal' } }),
      field({ name: 'currency', label: t('hotels.console.currency'), value: currency, required: true, hint: t('hotels.console.currencyHint'), attrs: { maxlength: 3 } }),
      field({ name: 'release_at', label: t('hotels.console.release'), type: 'datetime-local', value: block?.release_at ? wallClock(block.release_at) : '', hint: t('hotels.console.releaseHint', { zone: event.timezone }) }),
    ].filter(Boolean);
    const saved = await openDialog({
      title: create
        ? t('hotels.console.addBlocksTitle', { hotel: hotel.name })
        : t('hotels.console.editBlockTitle', { room: block.room_label, night: formatNight(block.night, { long: true }) }),
      intro: create ? t('hotels.console.addBlocksIntro') : null,
      fields,
      submitLabel: create ? t('hotels.console.addBlocks') : t('hotels.console.save'),
      validate: (v) => checkBlock(v, span, { create }),
      onSubmit: async (v) =>
        create
          ? post(`${hotelUrl(hotel)}/blocks`, blockBody(v, { create }))
          : patch(`${hotelUrl(hotel)}/blocks/${encodeURIComponent(block.id)}`, blockBody(v, { create })),
    });
    if (!saved) return;
    await refresh();
    feedback(create ? t('hotels.console.addedBlocks', { count: saved.blocks?.length ?? 0 }) : t('hotels.console.savedBlock'));
  }

  // ---- live ----

  let roomingTimer = null;
  function onLive(message) {
    const counts = message.type === 'snapshot' ? message.rooms ?? [] : message.type === 'rooms' ? [message] : null;
    if (!counts || !hotels) return;
    const { changed, unknown } = applyRoomCounts(hotels, counts);
    if (unknown) {
      refresh();
      return;
    }
    for (const b of changed) {
      const row = body.querySelector(`tr[data-block-id="${CSS.escape(String(b.id))}"]`);
      if (!row) continue;
      for (const key of ['held', 'allotted', 'waitlisted', 'remaining']) {
        const cell = row.querySelector(`[data-count="${key}"]`);
        if (cell) cell.textContent = key === 'remaining' && b.released ? t('hotels.released') : String(b[key]);
      }
      if (message.type === 'rooms') flash(row);
    }
    if (changed.length && rooming.size) {
      clearTimeout(roomingTimer);
      roomingTimer = setTimeout(() => {
        for (const id of rooming.keys()) {
          const hotel = hotels.find((x) => x.id === id);
          if (hotel) loadRooming(hotel, { quiet: true });
        }
      }, 500);
    }
  }

  subscribe(`event:${event.id}`, onLive);
  return {
    refresh() {
      return refresh();
    },
    isLoaded: () => loaded,
  };
}
