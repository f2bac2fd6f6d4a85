// The "Rooms" tab of the organiser console: a timeline per day (one row per
// room, every session a block placed by its time) that marks double bookings
// and sessions above their room's places, in words as well as colour; the
// rooms' floors and equipment; and the venue's information for delegates
// (address, map link, notes per language).
//
// The edit checks refuse double bookings and over-capacity sessions, so the
// timeline shows them only when imported data holds them; it must show them then.
//
// Blocks are placed on a CSS grid of 5-minute columns. The grid's columns and a
// block's place are set through the CSSOM (element.style.gridColumn), which the
// page's Content-Security-Policy (style-src 'self') allows: it forbids style
// attributes written in HTML, not properties set from a script.

import { h } from './dom.js';
import { t, LANGUAGES, locale } from './i18n.js';
import { formatDay } from './format.js';
import { ApiError } from './api.js';
import { patch } from './console-api.js';
import { field, createForm, openDialog } from './console-ui.js';

const SLOT_MINUTES = 5;
const NOTE_FIELDS = [
  ['access', 'venue.access'],
  ['accessibility', 'venue.accessibility'],
  ['transport', 'venue.transport'],
  ['wifi', 'venue.wifi'],
  ['catering', 'venue.catering'],
];
const MAX_NOTE = 2000;

// ---- the day's problems, as data ---------------------------------------------

// Times as the event's wall clock: the API writes them in the event's zone.
const dayOf = (iso) => iso.slice(0, 10);
const minutesOf = (iso) => Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));
const overlaps = (a, b) => Date.parse(a.starts_at) < Date.parse(b.ends_at) && Date.parse(b.starts_at) < Date.parse(a.ends_at);

/** The days (YYYY-MM-DD, at the venue) that have sessions, in order. */
export function sessionDays(event) {
  return [...new Set((event.sessions ?? []).map((s) => dayOf(s.starts_at)))].sort();
}

/**
 * For one day: per session id, its problems in the room it uses:
 * [{ kind: 'double', other }, { kind: 'capacity' }, { kind: 'confirmed' }].
 * Cancelled sessions use no room and have none.
 */
export function roomProblems(event, day) {
  const rooms = new Map((event.rooms ?? []).map((r) => [r.id, r]));
  const sessions = (event.sessions ?? []).filter((s) => dayOf(s.starts_at) === day && s.status !== 'cancelled');
  const problems = new Map();
  const add = (s, p) => problems.set(s.id, [...(problems.get(s.id) ?? []), p]);
  for (const s of sessions) {
    if (!s.room) continue;
    const room = rooms.get(s.room.id) ?? s.room;
    for (const other of sessions) {
      if (other.id !== s.id && other.room?.id === s.room.id && overlaps(s, other)) add(s, { kind: 'double', other });
    }
    if (s.capacity > room.capacity) add(s, { kind: 'capacity', room });
    if (s.confirmed > room.capacity) add(s, { kind: 'confirmed', room });
  }
  return problems;
}

function problemText(session, problem) {
  if (problem.kind === 'double') return t('console.rooms.doubleBooked', { title: problem.other.title });
  if (problem.kind === 'capacity') {
    return t('console.rooms.capacityAbove', { capacity: session.capacity, places: problem.room.capacity });
  }
  return t('console.rooms.confirmedAbove', { confirmed: session.confirmed, places: problem.room.capacity });
}

const timeRange = (s) => `${s.starts_at.slice(11, 16)}–${s.ends_at.slice(11, 16)}`;

// ---- the timeline ------------------------------------------------------------

function roomHeader(room) {
  return h(
    'div',
    { class: 'timeline__room' },
    h('span', { class: 'timeline__room-name' }, room ? room.name : t('console.rooms.noRoom')),
    room
      ? h(
          'span',
          { class: 'timeline__room-facts' },
          t('console.rooms.places', { places: room.capacity }),
          ' · ',
          room.floor ? t('console.rooms.floor', { floor: room.floor }) : t('console.rooms.noFloor'),
        )
      : null,
  );
}

function block(session, problems, range) {
  const cancelled = session.status === 'cancelled';
  // Whole 5-minute columns: a session at 10:02 starts in the 10:00 column.
  const start = Math.floor((Math.max(minutesOf(session.starts_at), range.from) - range.from) / SLOT_MINUTES);
  const endMinutes = dayOf(session.ends_at) === dayOf(session.starts_at) ? minutesOf(session.ends_at) : range.to;
  const end = Math.max(Math.ceil((endMinutes - range.from) / SLOT_MINUTES), start + 1);
  const classes = ['timeline__block'];
  if (cancelled) classes.push('timeline__block--cancelled');
  if (problems.some((p) => p.kind === 'double')) classes.push('timeline__block--double');
  if (problems.some((p) => p.kind !== 'double')) classes.push('timeline__block--over');
  const el = h(
    'li',
    { class: classes.join(' '), 'data-session-id': session.id, 'data-problems': problems.map((p) => p.kind).join(' ') },
    h('span', { class: 'timeline__time' }, timeRange(session)),
    h('span', { class: 'timeline__title' }, session.title),
    h('span', { class: 'timeline__places' }, t('console.rooms.sessionPlaces', { capacity: session.capacity, confirmed: session.confirmed })),
    cancelled ? h('span', { class: 'tag tag--cancelled' }, t('console.rooms.cancelled')) : null,
    problems.map((p) => h('strong', { class: 'timeline__problem' }, `⚠ ${problemText(session, p)}`)),
  );
  // CSSOM, not a style attribute (see the note at the top).
  el.style.gridColumn = `${start + 1} / ${end + 1}`;
  return el;
}

function hourAxis(range, columns) {
  const axis = h('div', { class: 'timeline__axis', 'aria-hidden': 'true' });
  axis.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
  for (let m = range.from; m < range.to; m += 60) {
    const mark = h('span', { class: 'timeline__hour' }, `${String(Math.floor(m / 60)).padStart(2, '0')}:00`);
    mark.style.gridColumn = `${(m - range.from) / SLOT_MINUTES + 1} / span ${60 / SLOT_MINUTES}`;
    axis.append(mark);
  }
  return axis;
}

function timeline(event, day) {
  const sessions = (event.sessions ?? []).filter((s) => dayOf(s.starts_at) === day);
  if (!sessions.length) return [h('p', { class: 'empty' }, t('console.rooms.noSessions'))];
  const problems = roomProblems(event, day);
  const from = Math.floor(Math.min(...sessions.map((s) => minutesOf(s.starts_at))) / 60) * 60;
  const lastEnd = Math.max(...sessions.map((s) => (dayOf(s.ends_at) === day ? minutesOf(s.ends_at) : 24 * 60)));
  const to = Math.max(Math.ceil(lastEnd / 60) * 60, from + 60);
  const range = { from, to };
  const columns = (to - from) / SLOT_MINUTES;

  const rooms = [...(event.rooms ?? [])];
  for (const s of sessions) if (s.room && !rooms.some((r) => r.id === s.room.id)) rooms.push(s.room);
  const rows = rooms.map((room) => ({ room, sessions: sessions.filter((s) => s.room?.id === room.id) }));
  const roomless = sessions.filter((s) => !s.room);
  if (roomless.length) rows.push({ room: null, sessions: roomless });

  const summary = [];
  for (const { room, sessions: inRoom } of rows) {
    for (const s of inRoom) {
      for (const p of problems.get(s.id) ?? []) {
        summary.push(
          h(
            'li',
            {},
            t('console.rooms.conflictLine', {
              room: room?.name ?? t('console.rooms.noRoom'),
              time: timeRange(s),
              title: s.title,
              problem: problemText(s, p),
            }),
          ),
        );
      }
    }
  }

  return [
    summary.length
      ? h(
          'div',
          { class: 'alert timeline__summary', 'data-conflicts': summary.length },
          h('p', {}, t('console.rooms.conflicts', { count: summary.length })),
          h('ul', {}, summary),
        )
      : h('p', { class: 'timeline__summary timeline__summary--ok', 'data-conflicts': 0 }, t('console.rooms.noConflicts')),
    h(
      'div',
      { class: 'timeline' },
      h('div', { class: 'timeline__row timeline__row--axis' }, h('span', { class: 'timeline__room' }), hourAxis(range, columns)),
      rows.map(({ room, sessions: inRoom }) => {
        const lane = h(
          'ol',
          { class: 'timeline__lane' },
          inRoom.map((s) => block(s, problems.get(s.id) ?? [], range)),
        );
        lane.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
        return h(
          'div',
          { class: 'timeline__row', 'data-room-id': room?.id ?? 'none' },
          roomHeader(room),
          inRoom.length ? lane : h('p', { class: 'timeline__free' }, t('console.rooms.emptyRow')),
        );
      }),
    ),
    h('p', { class: 'note' }, t('console.rooms.legend')),
  ];
}

// ---- rooms: floor and equipment ----------------------------------------------

async function roomDialog(ctx, room) {
  const saved = await openDialog({
    title: t('console.rooms.editTitle', { name: room.name }),
    fields: [
      field({ name: 'floor', label: t('console.rooms.floorLabel'), value: room.floor ?? '', hint: t('console.rooms.floorHint'), attrs: { maxlength: 40 } }),
      field({
        name: 'equipment',
        label: t('console.rooms.equipment'),
        type: 'textarea',
        value: (room.equipment ?? []).join('\n'),
        hint: t('console.rooms.equipmentHint'),
      }),
    ],
    submitLabel: t('console.save'),
    validate: (v) => (v.floor.trim().length > 40 ? { floor: t('console.venue.tooLong', { max: 40 }) } : {}),
    onSubmit: (v) =>
      patch(`${ctx.base}/rooms/${room.id}`, {
        floor: v.floor.trim(),
        equipment: v.equipment
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean),
      }),
  });
  if (saved) {
    ctx.feedback(t('console.room.saved', { name: saved.room.name }));
    await ctx.reload();
  }
}

function roomList(ctx, event) {
  if (!event.rooms?.length) return h('p', { class: 'empty' }, event.venue ? t('console.rooms.noRooms') : t('console.venue.none'));
  return h(
    'ul',
    { class: 'console-list rooms-list' },
    event.rooms.map((room) => {
      const edit = h('button', { type: 'button', class: 'button button--secondary button--small' }, t('console.rooms.editRoom'));
      edit.setAttribute('aria-label', t('console.rooms.editRoomNamed', { name: room.name }));
      edit.addEventListener('click', () => roomDialog(ctx, room));
      return h(
        'li',
        { 'data-room-id': room.id },
        h('span', { class: 'console-list__name' }, room.name),
        ' ',
        h(
          'span',
          { class: 'console-session__meta' },
          [
            t('console.rooms.places', { places: room.capacity }),
            room.floor ? t('console.rooms.floor', { floor: room.floor }) : t('console.rooms.noFloor'),
            room.equipment?.length ? room.equipment.join(', ') : t('console.rooms.noEquipment'),
          ].join(' · '),
        ),
        ' ',
        edit,
      );
    }),
  );
}

// ---- the venue's information -------------------------------------------------

const noteName = (lang, name) => `info_${lang}_${name}`;

function venueForm(ctx, venue) {
  const address = field({ name: 'address', label: t('console.venue.address'), type: 'textarea', value: venue.address ?? '' });
  const mapUrl = field({
    name: 'map_url',
    label: t('console.venue.mapUrl'),
    type: 'url',
    value: venue.map_url ?? '',
    hint: t('console.venue.mapUrlHint'),
  });
  const notes = [];
  const fieldsets = LANGUAGES.map(({ code, name }) => {
    const fields = NOTE_FIELDS.map(([note, key]) =>
      field({ name: noteName(code, note), label: t(key), type: 'textarea', value: venue.info?.[code]?.[note] ?? '' }),
    );
    notes.push(...fields);
    return h(
      'fieldset',
      { class: 'venue-notes', 'data-lang': code, lang: code },
      h('legend', {}, t('console.venue.notesIn', { language: name })),
      fields.map((f) => f.wrapper),
    );
  });
  // The fieldsets are drawn as the form's extra part; their fields still count as the form's.
  const form = createForm([address, mapUrl], {
    submitLabel: t('console.venue.save'),
    extra: [h('p', { class: 'field__hint' }, t('console.venue.notesHint')), fieldsets],
    validate: (v) => {
      const errors = {};
      const url = v.map_url.trim();
      // As the server checks: a lower-case http(s) scheme, a host, no spaces.
      if (url && !/^https?:\/\/[^\s/?#@]+[^\s]*$/.test(url)) errors.map_url = t('console.venue.badUrl');
      for (const f of notes) {
        if (f.value().trim().length > MAX_NOTE) f.setError(t('console.venue.tooLong', { max: MAX_NOTE }));
        else f.setError('');
      }
      return errors;
    },
    onSubmit: async (v) => {
      const tooLong = notes.find((f) => f.value().trim().length > MAX_NOTE);
      if (tooLong) {
        tooLong.focus();
        throw new ApiError('invalid_field', t('console.venue.tooLong', { max: MAX_NOTE }), 422, {});
      }
      const info = {};
      for (const { code } of LANGUAGES) {
        info[code] = Object.fromEntries(NOTE_FIELDS.map(([note]) => [note, notes.find((f) => f.name === noteName(code, note)).value()]));
      }
      for (const f of notes) f.setError('');
      try {
        const result = await patch(`${ctx.base}/venue`, { address: v.address, map_url: v.map_url.trim() || null, info });
        ctx.feedback(t('console.venue.saved'));
        await ctx.reload();
        return result;
      } catch (err) {
        // A note's field ("info.fr.wifi") is shown at that note.
        const named = err instanceof ApiError ? err.details?.field : null;
        const at = typeof named === 'string' ? notes.find((f) => f.name === named.replaceAll('.', '_')) : null;
        if (at) {
          at.setError(err.message);
          at.focus();
        }
        throw err;
      }
    },
  });
  return form.el;
}

// ---- the tab -----------------------------------------------------------------

/**
 * mountRooms(panel, { base, feedback, reload }) → { setEvent(event, { keepForm }) }.
 * keepForm leaves the venue form as it is (a half-typed edit survives a live reload).
 */
export function mountRooms(panel, ctx) {
  let event = null;
  let day = null;
  const dayPicker = h('select', { id: 'rooms-day', name: 'day' });
  const timelineBox = h('div', { class: 'timeline-box', 'aria-live': 'polite' });
  const roomsBox = h('div', { class: 'rooms-box' });
  const venueBox = h('div', { class: 'venue-box' });
  dayPicker.addEventListener('change', () => {
    day = dayPicker.value;
    timelineBox.replaceChildren(...timeline(event, day));
  });

  panel.replaceChildren(
    h(
      'section',
      { class: 'console-section', 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, t('console.rooms.timeline')),
      h('p', { class: 'timeline-intro' }),
      h('p', { class: 'field' }, h('label', { for: 'rooms-day', class: 'field__label' }, t('console.rooms.day')), ' ', dayPicker),
      timelineBox,
    ),
    h(
      'section',
      { class: 'console-section', 'aria-labelledby': 'rooms-equipment-heading' },
      h('h2', { id: 'rooms-equipment-heading' }, t('console.rooms.roomsHeading')),
      roomsBox,
    ),
    h(
      'section',
      { class: 'console-section', 'aria-labelledby': 'venue-info-heading' },
      h('h2', { id: 'venue-info-heading' }, t('console.venue.heading')),
      venueBox,
    ),
  );

  function setEvent(next, { keepForm = false } = {}) {
    event = next;
    panel.querySelector('.timeline-intro').textContent = t('console.rooms.intro', { zone: event.timezone });
    const days = sessionDays(event);
    if (!days.includes(day)) day = days[0] ?? null;
    dayPicker.replaceChildren(
      ...days.map((d) => {
        const first = event.sessions.find((s) => dayOf(s.starts_at) === d);
        return h('option', { value: d, selected: d === day }, formatDay(first.starts_at, event.timezone, locale()));
      }),
    );
    dayPicker.disabled = days.length === 0;
    timelineBox.replaceChildren(...(day ? timeline(event, day) : [h('p', { class: 'empty' }, t('console.rooms.noDays'))]));
    roomsBox.replaceChildren(roomList(ctx, event));
    if (!keepForm || !venueBox.firstChild) {
      venueBox.replaceChildren(
        ...(event.venue
          ? [h('p', { class: 'note' }, t('console.venue.intro', { venue: event.venue.name })), venueForm(ctx, event.venue)]
          : [h('p', { class: 'empty' }, t('console.venue.none'))]),
      );
    }
  }

  return { setEvent };
}
