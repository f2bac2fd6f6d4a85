// The programme of an event, grouped by day or by track.
// renderProgramme(event, 'day' | 'track') returns the nodes to insert.
// programmeChanges() and describeChanges() tell what a new version changed.

import { h, paragraphs } from './dom.js';
import { t, label, locale } from './i18n.js';
import { dayKey, formatDay, formatShortDay, formatTime } from './format.js';
import { seatsElement } from './seats.js';
import { roomPlace } from './event-venue.js';

function compareSessions(trackPosition) {
  return (a, b) =>
    new Date(a.starts_at) - new Date(b.starts_at) ||
    trackPosition(a) - trackPosition(b) ||
    a.title.localeCompare(b.title);
}

function speakerList(speakers) {
  return h(
    'ul',
    { class: 'speakers' },
    speakers.map((s) =>
      h('li', {}, s.name, s.organisation ? h('span', { class: 'speakers__org' }, s.organisation) : null),
    ),
  );
}

function meta(term, value) {
  return value ? h('div', {}, h('dt', {}, term), h('dd', {}, value)) : null;
}

function sessionCard(session, event, { showDay, showTrack }) {
  const tz = event.timezone;
  const cancelled = session.status === 'cancelled';
  const titleId = `session-${session.id}-title`;
  const speakers = session.speakers ?? [];

  return h(
    'li',
    {},
    h(
      'article',
      {
        class: `card session${cancelled ? ' session--cancelled' : ''}`,
        'data-session-id': session.id,
        'aria-labelledby': titleId,
      },
      // The heading comes first for screen readers; CSS shows the time above it.
      h(
        'h3',
        { class: 'session__title', id: titleId },
        session.title,
        cancelled ? [' ', h('span', { class: 'tag tag--cancelled' }, t('cancelled'))] : null,
      ),
      h(
        'p',
        { class: 'session__time' },
        showDay ? `${formatShortDay(session.starts_at, tz, locale())} · ` : null,
        h('time', { datetime: session.starts_at }, formatTime(session.starts_at, tz, locale())),
        '–',
        h('time', { datetime: session.ends_at }, formatTime(session.ends_at, tz, locale())),
      ),
      h(
        'p',
        { class: 'tags' },
        session.kind ? h('span', { class: 'tag' }, label('sessionKind', session.kind)) : null,
        session.demo ? h('span', { class: 'tag tag--demo' }, t('demoTag')) : null,
      ),
      h(
        'dl',
        { class: 'session__meta' },
        showTrack ? meta(t('track'), session.track?.name) : null,
        meta(t('room'), roomPlace(session.room)),
        speakers.length ? meta(t('speakers'), speakerList(speakers)) : null,
      ),
      paragraphs(session.description, { class: 'session__description' }),
      seatsElement('session', session),
    ),
  );
}

function group(id, heading, sessions, event, options, extra = null, emptyKey = 'trackEmpty') {
  const headingId = `${id}-heading`;
  return h(
    'section',
    { class: 'programme-group', id, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, heading),
    extra,
    sessions.length
      ? h('ol', { class: 'session-list' }, sessions.map((s) => sessionCard(s, event, options)))
      : h('p', { class: 'empty' }, t(emptyKey)),
  );
}

function byDay(event, sessions) {
  const days = new Map();
  for (const session of sessions) {
    const key = dayKey(session.starts_at, event.timezone);
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(session);
  }
  return [...days].map(([key, daySessions]) =>
    group(
      `day-${key}`,
      formatDay(daySessions[0].starts_at, event.timezone, locale()),
      daySessions,
      event,
      { showDay: false, showTrack: true },
    ),
  );
}

function byTrack(event, sessions) {
  const tracks = [...(event.tracks ?? [])].sort((a, b) => a.position - b.position);
  const known = new Set(tracks.map((tr) => tr.id));
  const options = { showDay: true, showTrack: false };
  const general = sessions.filter((s) => !s.track || !known.has(s.track.id));

  return [
    general.length ? group('track-general', t('generalProgramme'), general, event, options) : null,
    ...tracks.map((track) =>
      group(
        `track-${track.id}`,
        track.name,
        sessions.filter((s) => s.track?.id === track.id),
        event,
        options,
        track.description ? h('p', { class: 'track-description' }, track.description) : null,
      ),
    ),
  ].filter(Boolean);
}

export function renderProgramme(event, view) {
  const positions = new Map((event.tracks ?? []).map((tr) => [tr.id, tr.position]));
  const trackPosition = (s) => positions.get(s.track?.id) ?? -1;
  const sessions = [...(event.sessions ?? [])].sort(compareSessions(trackPosition));
  if (sessions.length === 0) return [h('p', { class: 'empty' }, t('noSessions'))];
  return view === 'track' ? byTrack(event, sessions) : byDay(event, sessions);
}

// ---- what changed --------------------------------------------------------

const sameInstant = (a, b) => new Date(a).getTime() === new Date(b).getTime();

function changeKind(before, after) {
  if (!before) return 'added';
  if (after.status === 'cancelled' && before.status !== 'cancelled') return 'cancelled';
  if (
    !sameInstant(before.starts_at, after.starts_at) ||
    !sameInstant(before.ends_at, after.ends_at) ||
    (before.room?.id ?? null) !== (after.room?.id ?? null)
  ) {
    return 'moved';
  }
  if (before.title !== after.title || before.capacity !== after.capacity || before.status !== after.status) {
    return 'changed';
  }
  return null;
}

/**
 * The sessions a new version of the event changed: [{change, session, before,
 * reason}] with change "added", "moved", "changed" or "cancelled". `reported`
 * is the list a live schedule message carried: it gives the reasons.
 */
export function programmeChanges(before, after, reported = []) {
  const old = new Map((before?.sessions ?? []).map((s) => [s.id, s]));
  const told = new Map(reported.filter((c) => c?.session).map((c) => [c.session.id, c]));
  const changes = [];
  for (const session of after.sessions ?? []) {
    const previous = old.get(session.id);
    const change = changeKind(previous, session) ?? told.get(session.id)?.change;
    if (!change) continue;
    changes.push({ change, session, before: previous ?? null, reason: told.get(session.id)?.reason || null });
  }
  return changes;
}

function describeChange(event, { change, session, before, reason }) {
  const tz = event.timezone;
  const title = session.title;
  const time = formatTime(session.starts_at, tz, locale());
  const day = formatShortDay(session.starts_at, tz, locale());
  let text = t('live.changed', { title });
  if (change === 'added') {
    text = t('live.added', { title, day, time });
  } else if (change === 'cancelled') {
    text = t('live.cancelled', { title });
  } else if (change === 'moved' && before) {
    const timeMoved = !sameInstant(before.starts_at, session.starts_at);
    const roomMoved = (before.room?.id ?? null) !== (session.room?.id ?? null) && session.room;
    if (timeMoved && dayKey(before.starts_at, tz) !== dayKey(session.starts_at, tz)) {
      text = t('live.movedDay', { title, day, time });
    } else if (timeMoved && roomMoved) {
      text = t('live.movedTimeRoom', { title, time, room: session.room.name });
    } else if (timeMoved) {
      text = t('live.movedTime', { title, time });
    } else if (roomMoved) {
      text = t('live.movedRoom', { title, room: session.room.name });
    }
  }
  return reason ? t('live.reason', { change: text, reason }) : text;
}

/** One sentence for people: "Programme updated: “…” moved to 11:00 (reason)". */
export function describeChanges(event, changes) {
  if (changes.length === 0) return t('live.programmeUpdatedGeneric');
  return t('live.programmeUpdated', { changes: changes.map((c) => describeChange(event, c)).join('; ') });
}
