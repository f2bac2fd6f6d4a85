// Official hotels (docs/hotels.md), the parts shared by the event page
// (event-hotels.js), the delegate's page (reg-hotel.js) and the organiser
// console (console-hotels.js): nights and money as people read them, the
// table of rooms left per night and room type, and the live `rooms` messages
// of the event's topic applied to it.
//
// A night is a date in the event's zone, "2014-10-07": the night that starts
// that evening. Rates are integers in the currency's minor units.

import { h, flash } from './dom.js';
import { t, locale } from './i18n.js';

// ---- nights ------------------------------------------------------------------

const NIGHT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The night as a Date at UTC midnight, or null if it is not a real date. */
export function nightDate(text) {
  const m = NIGHT.exec(String(text ?? ''));
  if (!m) return null;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text ? date : null;
}

/** "2014-10-08" from "2014-10-07" (n = 1). */
export function addNights(text, n) {
  const date = nightDate(text);
  if (!date) return null;
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** Every night from `first` to `last`, both included ([] if last is before first). */
export function nightsBetween(first, last) {
  const out = [];
  for (let n = first; n && n <= last && out.length < 400; n = addNights(n, 1)) out.push(n);
  return out;
}

/** "Tue 7 Oct" (the date itself, whatever the browser's zone). */
export function formatNight(text, { long = false } = {}) {
  const date = nightDate(text);
  if (!date) return String(text ?? '');
  const options = long
    ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }
    : { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

// ---- money -------------------------------------------------------------------

/** Digits after the decimal point in the currency (2 for INR and EUR, 0 for JPY). */
export function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** "₹7,500.00" from 750000 and "INR". */
export function formatMoney(minor, currency) {
  const digits = currencyDigits(currency);
  const amount = Number(minor) / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toFixed(digits)} ${currency}`;
  }
}

// ---- hotels and blocks -----------------------------------------------------------

/** The blocks of a hotel for one room type, by night. */
export function blocksOf(hotel, roomType) {
  return new Map((hotel.blocks ?? []).filter((b) => b.room_type === roomType).map((b) => [b.night, b]));
}

/**
 * Applies live room counts ({block, held, allotted, waitlisted, remaining}) to
 * the hotels. Returns the blocks that changed, and whether a count named a
 * block the page does not know (a new one: fetch the list again).
 */
export function applyRoomCounts(hotels, counts) {
  const byId = new Map();
  for (const hotel of hotels ?? []) for (const b of hotel.blocks ?? []) byId.set(String(b.id), b);
  const changed = [];
  let unknown = false;
  for (const c of counts ?? []) {
    const block = byId.get(String(c.block));
    if (!block) {
      unknown = true;
      continue;
    }
    const fields = ['held', 'allotted', 'waitlisted', 'remaining'];
    if (fields.every((f) => c[f] === undefined || block[f] === c[f])) continue;
    for (const f of fields) if (c[f] !== undefined) block[f] = c[f];
    // Rooms held but not allotted that are not left: the release date has passed.
    block.released = block.remaining === 0 && block.held > block.allotted;
    changed.push(block);
  }
  return { changed, unknown };
}

/** What a cell says of a block: "3 left", "Full", "Released". */
export function remainingText(block) {
  if (block.released) return t('hotels.released');
  if (block.remaining > 0) return t('hotels.left', { count: block.remaining });
  return t('hotels.full');
}

function cellState(block) {
  if (block.released) return 'released';
  return block.remaining > 0 ? 'open' : 'full';
}

/** Draws one cell's text and state; used again for live counts. */
export function drawRoomCell(cell, block) {
  cell.textContent = remainingText(block);
  cell.dataset.state = cellState(block);
  cell.dataset.remaining = String(block.remaining);
}

/**
 * The table of a hotel's rooms: a row per room type (with its rate), a column
 * per night, each cell the rooms left. Cells carry data-block-id for updates.
 */
export function roomsTable(hotel, { caption } = {}) {
  const nights = [...new Set((hotel.blocks ?? []).map((b) => b.night))].sort();
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'data-table hotel-rooms', dataset: { hotelId: hotel.id } },
      h('caption', { class: 'visually-hidden' }, caption ?? t('hotels.roomsCaption', { hotel: hotel.name })),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('hotels.roomType')),
          nights.map((n) => h('th', { scope: 'col', class: 'num' }, h('time', { datetime: n }, formatNight(n)))),
        ),
      ),
      h(
        'tbody',
        {},
        (hotel.room_types ?? []).map((type) => {
          const blocks = blocksOf(hotel, type.room_type);
          const rates = [...blocks.values()];
          const rate = rates.length ? formatMoney(rates[0].rate_minor, rates[0].currency) : '';
          const sameRate = rates.every((b) => b.rate_minor === rates[0]?.rate_minor && b.currency === rates[0]?.currency);
          return h(
            'tr',
            { dataset: { roomType: type.room_type } },
            h(
              'th',
              { scope: 'row' },
              type.room_label,
              rate ? h('span', { class: 'hotel-rooms__rate' }, ' · ', sameRate ? t('hotels.perNight', { rate }) : t('hotels.fromPerNight', { rate })) : null,
            ),
            nights.map((n) => {
              const block = blocks.get(n);
              if (!block) return h('td', { class: 'num' }, '–');
              const cell = h('td', { class: 'num hotel-rooms__cell', dataset: { blockId: block.id, night: n } });
              drawRoomCell(cell, block);
              return cell;
            }),
          );
        }),
      ),
    ),
  );
}

/** A safe link for a map address: http(s) only (the server checks it too). */
export function mapLink(url, text) {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
  return h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, text);
}

/** Name, distance, address, map link and notes of a hotel. */
export function hotelFacts(hotel) {
  return [
    hotel.distance || hotel.address
      ? h(
          'p',
          { class: 'hotel__where' },
          hotel.distance ? h('strong', {}, hotel.distance) : null,
          hotel.distance && hotel.address ? ' · ' : null,
          hotel.address || null,
        )
      : null,
    hotel.map_url ? h('p', { class: 'hotel__map' }, mapLink(hotel.map_url, t('hotels.map', { hotel: hotel.name }))) : null,
    hotel.notes ? h('p', { class: 'hotel__notes note' }, hotel.notes) : null,
  ];
}

/** Redraws the cells of these blocks under `root`, briefly marked. */
export function updateRoomCells(root, blocks, { highlight = true } = {}) {
  for (const block of blocks) {
    for (const cell of root.querySelectorAll(`[data-block-id="${CSS.escape(String(block.id))}"]`)) {
      drawRoomCell(cell, block);
      if (highlight) flash(cell);
    }
  }
}
