// The "Programme" tab of the organiser console: sessions by day and room,
// tracks and rooms, with dialogs to add, edit, move and cancel. The server
// checks everything again (double-booked rooms, capacities, dates); the
// checks here only show the usual mistakes before sending.

import { h } from './dom.js';
import { t, label, locale } from './i18n.js';
import { dayKey, formatDay } from './format.js';
import { field, openDialog, wallClock } from './console-ui.js';
import { post, patch } from './console-api.js';

export const SESSION_KINDS = ['plenary', 'parallel', 'workshop', 'ceremony', 'meeting', 'break'];

/** "12 confirmed of 60 · 3 waiting" */
export function countsText(item) {
  const base = t('console.counts', { count: item.confirmed ?? 0, capacity: item.capacity ?? 0 });
  return item.waitlisted ? `${base} · ${t('console.waiting', { count: item.waitlisted })}` : base;
}

/** Redraw every count element of the page from the event (after live updates). */
export function updateCounts(root, event) {
  for (const el of root.querySelectorAll('[data-console-seats]')) {
    const id = el.dataset.sessionId;
    const item = id ? event.sessions.find((s) => String(s.id) === id) : event;
    if (item) el.textContent = countsText(item);
  }
}

function timeRange(session) {
  return `${wallClock(session.starts_at).slice(11)}–${wallClock(session.ends_at).slice(11)}`;
}

/** The room's other scheduled session at that wall-clock time, if any. */
export function roomClash(event, { sessionId = null, roomId, starts, ends }) {
  if (!roomId || !starts || !ends) return null;
  return (
    event.sessions.find(
      (s) =>
        s.id !== sessionId &&
        s.status === 'scheduled' &&
        String(s.room?.id) === String(roomId) &&
        wallClock(s.starts_at) < ends &&
        starts < wallClock(s.ends_at),
    ) ?? null
  );
}

/** The checks the server makes on a session, so that most mistakes show at once. */
export function validateSession(v, event, sessionId = null) {
  const errors = {};
  const starts = wallClock(v.starts_at);
  const ends = wallClock(v.ends_at);
  if (!v.title.trim()) errors.title = t('console.error.required');
  else if ([...v.title.trim()].length > 500) errors.title = t('console.error.tooLong', { max: 500 });
  if (!starts) errors.starts_at = t('console.error.required');
  if (!ends) errors.ends_at = t('console.error.required');
  else if (starts && ends <= starts) errors.ends_at = t('console.error.endsBeforeStart');
  if (starts && ends && !errors.ends_at && (starts < wallClock(event.starts_at) || ends > wallClock(event.ends_at))) {
    errors.starts_at = t('console.error.outsideEvent');
  }
  const room = event.rooms.find((r) => String(r.id) === String(v.room_id));
  const capacity = String(v.capacity).trim();
  if (capacity === '' && !room) errors.capacity = t('console.error.capacityNoRoom');
  else if (capacity !== '' && !/^\d+$/.test(capacity)) errors.capacity = t('console.error.capacity');
  else if (room && capacity !== '' && Number(capacity) > room.capacity) {
    errors.capacity = t('console.error.capacityAboveRoom', { room: room.name, places: room.capacity });
  }
  const clash = room && !errors.starts_at && !errors.ends_at ? roomClash(event, { sessionId, roomId: room.id, starts, ends }) : null;
  if (clash) errors.room_id = t('console.error.room_double_booked', { title: clash.title, time: timeRange(clash) });
  return errors;
}

function sessionFields(event, session) {
  return [
    field({ name: 'title', label: t('console.session.title'), value: session?.title ?? '', required: true, attrs: { maxlength: 500 } }),
    field({
      name: 'kind',
      label: t('console.session.kind'),
      type: 'select',
      value: session?.kind ?? 'parallel',
      options: SESSION_KINDS.map((k) => ({ value: k, label: label('sessionKind', k) })),
    }),
    field({
      name: 'track_id',
      label: t('track'),
      type: 'select',
      value: session?.track?.id ?? '',
      options: [{ value: '', label: t('console.session.noTrack') }, ...event.tracks.map((tr) => ({ value: tr.id, label: tr.name }))],
    }),
    field({
      name: 'room_id',
      label: t('room'),
      type: 'select',
      value: session?.room?.id ?? '',
      options: [
        { value: '', label: t('console.session.noRoom') },
        ...event.rooms.map((r) => ({ value: r.id, label: t('console.session.roomOption', { room: r.name, places: r.capacity }) })),
      ],
    }),
    field({
      name: 'starts_at',
      label: t('console.session.starts'),
      type: 'datetime-local',
      value: wallClock(session?.starts_at) || wallClock(event.starts_at),
      required: true,
    }),
    field({
      name: 'ends_at',
      label: t('console.session.ends'),
      type: 'datetime-local',
      value: wallClock(session?.ends_at),
      required: true,
    }),
    field({
      name: 'capacity',
      label: t('console.session.capacity'),
      type: 'number',
      value: session?.capacity ?? '',
      hint: t('console.session.capacityHint'),
      attrs: { min: 0, step: 1, inputmode: 'numeric' },
    }),
    field({
      name: 'speakers',
      label: t('speakers'),
      type: 'textarea',
      value: (session?.speakers ?? []).map((s) => s.name).join('\n'),
      hint: t('console.session.speakersHint'),
    }),
    field({ name: 'description', label: t('console.session.description'), type: 'textarea', value: session?.description ?? '' }),
    ...(session
      ? [field({ name: 'reason', label: t('console.session.reason'), hint: t('console.session.reasonHint'), attrs: { maxlength: 2000 } })]
      : []),
  ];
}

function sessionBody(v) {
  const speakers = v.speakers
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  const body = {
    title: v.title.trim(),
    kind: v.kind,
    track_id: v.track_id ? Number(v.track_id) : null,
    room_id: v.room_id ? Number(v.room_id) : null,
    starts_at: wallClock(v.starts_at),
    ends_at: wallClock(v.ends_at),
    speakers,
    description: v.description,
  };
  if (String(v.capacity).trim() !== '') body.capacity = Number(v.capacity);
  return body;
}

/** Only what the organiser changed (both times when either moved), so an edit records what it did. */
export function sessionChanges(session, body) {
  const before = {
    title: session.title,
    kind: session.kind,
    track_id: session.track?.id ?? null,
    room_id: session.room?.id ?? null,
    starts_at: wallClock(session.starts_at),
    ends_at: wallClock(session.ends_at),
    speakers: session.speakers.map((s) => s.name),
    description: session.description,
    capacity: session.capacity,
  };
  const changes = {};
  for (const [name, value] of Object.entries(body)) {
    if (JSON.stringify(value) !== JSON.stringify(before[name])) changes[name] = value;
  }
  if ('starts_at' in changes || 'ends_at' in changes) {
    changes.starts_at = body.starts_at;
    changes.ends_at = body.ends_at;
  }
  return changes;
}

/**
 * The programme tab. ctx: { event, base (API path of the event), reload(),
 * feedback(text), showRegistrations(sessionId) }.
 */
export function renderProgramme(panel, ctx) {
  const { event } = ctx;
  const zone = event.timezone;

  const addSession = h('button', { type: 'button', class: 'button' }, t('console.session.add'));
  const addTrack = h('button', { type: 'button', class: 'button button--secondary' }, t('console.track.add'));
  const addRoom = h('button', { type: 'button', class: 'button button--secondary' }, t('console.room.add'));
  addSession.addEventListener('click', () => sessionDialog(ctx, null));
  addTrack.addEventListener('click', () => trackDialog(ctx, null));
  addRoom.addEventListener('click', () => roomDialog(ctx, null));

  const days = new Map();
  for (const s of event.sessions) {
    const key = dayKey(s.starts_at, zone);
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(s);
  }

  const dayBlocks = [...days.values()].map((sessions) => {
    const rooms = [...event.rooms.filter((r) => sessions.some((s) => s.room?.id === r.id)), null];
    return h(
      'section',
      { class: 'console-day' },
      h('h3', {}, formatDay(sessions[0].starts_at, zone, locale())),
      rooms.map((room) => {
        const inRoom = sessions.filter((s) => (room ? s.room?.id === room.id : !s.room));
        if (!inRoom.length) return null;
        return h(
          'div',
          { class: 'console-room' },
          h('h4', {}, room ? t('console.session.roomOption', { room: room.name, places: room.capacity }) : t('console.session.noRoom')),
          h('div', { class: 'table-scroll' }, sessionTable(ctx, inRoom)),
        );
      }),
    );
  });

  panel.replaceChildren(
    h('p', { class: 'note' }, t('console.event.timesInZone', { zone })),
    h('p', { class: 'console-toolbar' }, addSession, ' ', addTrack, ' ', addRoom),
    h(
      'section',
      { class: 'console-section', 'aria-labelledby': 'sessions-heading' },
      h('h2', { id: 'sessions-heading' }, t('console.sessions')),
      dayBlocks.length ? dayBlocks : h('p', { class: 'empty' }, t('console.noSessions')),
    ),
    h(
      'section',
      { class: 'console-section', 'aria-labelledby': 'tracks-heading' },
      h('h2', { id: 'tracks-heading' }, t('console.tracks')),
      event.tracks.length
        ? h(
            'ul',
            { class: 'console-list' },
            event.tracks.map((track) => {
              const edit = h('button', { type: 'button', class: 'button button--secondary button--small' }, t('console.edit'));
              edit.setAttribute('aria-label', t('console.editNamed', { name: track.name }));
              edit.addEventListener('click', () => trackDialog(ctx, track));
              return h('li', {}, h('span', { class: 'console-list__name' }, track.name), ' ', edit);
            }),
          )
        : h('p', { class: 'empty' }, t('console.noTracks')),
    ),
    h(
      'section',
      { class: 'console-section', 'aria-labelledby': 'rooms-heading' },
      h('h2', { id: 'rooms-heading' }, t('console.rooms')),
      event.rooms.length
        ? h(
            'ul',
            { class: 'console-list' },
            event.rooms.map((room) => {
              const edit = h('button', { type: 'button', class: 'button button--secondary button--small' }, t('console.edit'));
              edit.setAttribute('aria-label', t('console.editNamed', { name: room.name }));
              edit.addEventListener('click', () => roomDialog(ctx, room));
              return h(
                'li',
                {},
                h('span', { class: 'console-list__name' }, t('console.session.roomOption', { room: room.name, places: room.capacity })),
                ' ',
                edit,
              );
            }),
          )
        : h('p', { class: 'empty' }, event.venue ? t('console.noRooms') : t('console.noVenue')),
    ),
  );
}

function sessionTable(ctx, sessions) {
  return h(
    'table',
    { class: 'console-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, t('console.col.time')),
        h('th', { scope: 'col' }, t('console.col.session')),
        h('th', { scope: 'col' }, t('console.col.places')),
        h('th', { scope: 'col' }, t('console.col.actions')),
      ),
    ),
    h(
      'tbody',
      {},
      sessions.map((s) => {
        const cancelled = s.status === 'cancelled';
        const edit = h('button', { type: 'button', class: 'button button--secondary button--small' }, t('console.edit'));
        edit.setAttribute('aria-label', t('console.editNamed', { name: s.title }));
        edit.addEventListener('click', () => sessionDialog(ctx, s));
        const cancel = h('button', { type: 'button', class: 'button button--danger button--small' }, t('console.session.cancel'));
        cancel.setAttribute('aria-label', t('console.session.cancelNamed', { title: s.title }));
        cancel.addEventListener('click', () => cancelDialog(ctx, s));
        const people = h('button', { type: 'button', class: 'button button--secondary button--small' }, t('console.session.people'));
        people.setAttribute('aria-label', t('console.session.peopleNamed', { title: s.title }));
        people.addEventListener('click', () => ctx.showRegistrations(s.id));
        const track = ctx.event.tracks.find((tr) => tr.id === s.track?.id);
        return h(
          'tr',
          { class: cancelled ? 'console-session console-session--cancelled' : 'console-session', 'data-session-id': s.id },
          h('td', { class: 'console-session__time' }, timeRange(s)),
          h(
            'td',
            {},
            h('span', { class: 'console-session__title' }, s.title),
            ' ',
            cancelled ? h('span', { class: 'tag tag--cancelled' }, t('cancelled')) : null,
            h(
              'span',
              { class: 'console-session__meta' },
              [label('sessionKind', s.kind), track?.name, s.speakers.map((sp) => sp.name).join(', ')].filter(Boolean).join(' · '),
            ),
          ),
          h('td', { 'data-console-seats': true, 'data-session-id': s.id }, countsText(s)),
          h('td', { class: 'console-actions' }, cancelled ? null : [edit, ' ', cancel, ' '], people),
        );
      }),
    ),
  );
}

async function sessionDialog(ctx, session) {
  const saved = await openDialog({
    title: session ? t('console.session.editTitle', { title: session.title }) : t('console.session.add'),
    intro: t('console.event.timesInZone', { zone: ctx.event.timezone }),
    fields: sessionFields(ctx.event, session),
    submitLabel: t('console.save'),
    validate: (v) => validateSession(v, ctx.event, session?.id ?? null),
    onSubmit: async (v) => {
      const body = sessionBody(v);
      if (!session) return post(`${ctx.base}/sessions`, body);
      const changes = sessionChanges(session, body);
      if (v.reason?.trim()) changes.reason = v.reason.trim();
      if (Object.keys(changes).filter((k) => k !== 'reason').length === 0) return { unchanged: true };
      return patch(`${ctx.base}/sessions/${session.id}`, changes);
    },
  });
  if (!saved) return;
  if (saved.unchanged) {
    ctx.feedback(t('console.nothingChanged'));
    return;
  }
  ctx.feedback(session ? t('console.session.saved', { title: saved.session.title }) : t('console.session.added', { title: saved.session.title }));
  await ctx.reload();
}

async function cancelDialog(ctx, session) {
  const saved = await openDialog({
    title: t('console.session.cancelTitle', { title: session.title }),
    intro: t('console.session.cancelIntro', { count: session.confirmed + session.waitlisted }),
    fields: [
      field({
        name: 'reason',
        label: t('console.reason'),
        type: 'textarea',
        required: true,
        hint: t('console.session.cancelReasonHint'),
        attrs: { maxlength: 2000 },
      }),
    ],
    submitLabel: t('console.session.cancelConfirm'),
    danger: true,
    validate: (v) => (v.reason.trim() ? {} : { reason: t('console.error.reasonRequired') }),
    onSubmit: (v) => post(`${ctx.base}/sessions/${session.id}/cancel`, { reason: v.reason.trim() }),
  });
  if (!saved) return;
  ctx.feedback(t('console.session.cancelled', { title: session.title }));
  await ctx.reload();
}

async function trackDialog(ctx, track) {
  const saved = await openDialog({
    title: track ? t('console.track.editTitle', { name: track.name }) : t('console.track.add'),
    fields: [
      field({ name: 'name', label: t('console.track.name'), value: track?.name ?? '', required: true, attrs: { maxlength: 300 } }),
      field({ name: 'description', label: t('console.track.description'), type: 'textarea', value: track?.description ?? '' }),
      field({
        name: 'position',
        label: t('console.track.position'),
        type: 'number',
        value: track?.position ?? '',
        hint: t('console.track.positionHint'),
        attrs: { min: 0, step: 1 },
      }),
    ],
    submitLabel: t('console.save'),
    validate: (v) => {
      const errors = {};
      if (!v.name.trim()) errors.name = t('console.error.required');
      if (String(v.position).trim() !== '' && !/^\d+$/.test(String(v.position).trim())) errors.position = t('console.error.number');
      return errors;
    },
    onSubmit: (v) => {
      const body = { name: v.name.trim(), description: v.description };
      if (String(v.position).trim() !== '') body.position = Number(v.position);
      return track ? patch(`${ctx.base}/tracks/${track.id}`, body) : post(`${ctx.base}/tracks`, body);
    },
  });
  if (!saved) return;
  ctx.feedback(t('console.track.saved', { name: saved.track?.name ?? '' }));
  await ctx.reload();
}

async function roomDialog(ctx, room) {
  const saved = await openDialog({
    title: room ? t('console.room.editTitle', { name: room.name }) : t('console.room.add'),
    intro: ctx.event.venue ? t('console.room.intro', { venue: ctx.event.venue.name }) : null,
    fields: [
      field({ name: 'name', label: t('console.room.name'), value: room?.name ?? '', required: true, attrs: { maxlength: 300 } }),
      field({
        name: 'capacity',
        label: t('console.room.capacity'),
        type: 'number',
        value: room?.capacity ?? '',
        required: true,
        attrs: { min: 0, step: 1 },
      }),
    ],
    submitLabel: t('console.save'),
    validate: (v) => {
      const errors = {};
      if (!v.name.trim()) errors.name = t('console.error.required');
      if (!/^\d+$/.test(String(v.capacity).trim())) errors.capacity = t('console.error.capacity');
      return errors;
    },
    onSubmit: (v) => {
      const body = { name: v.name.trim(), capacity: Number(v.capacity) };
      return room ? patch(`${ctx.base}/rooms/${room.id}`, body) : post(`${ctx.base}/rooms`, body);
    },
  });
  if (!saved) return;
  ctx.feedback(t('console.room.saved', { name: saved.room?.name ?? '' }));
  await ctx.reload();
}
