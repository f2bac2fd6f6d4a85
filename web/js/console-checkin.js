// The "Badges & check-in" tab of the organiser console: links to the badge
// print sheet and to the check-in desk, and the live counters: checked in
// versus expected, per desk and per session, and the badges admitted twice.
//
// The counters come from GET /api/events/{id}/checkin/stats, then follow the
// live channel's topic checkin:{id}: its snapshot and its "checkin" messages
// carry the same fields as the stats (docs/checkin.md, docs/live.md).

import { h, flash } from './dom.js';
import { t } from './i18n.js';
import { subscribe } from './live.js';
import { get } from './console-api.js';
import { errorMessage } from './console-ui.js';

function isStats(message) {
  return message && typeof message.expected === 'number' && typeof message.checked_in === 'number';
}

function percent(done, expected) {
  return expected > 0 ? Math.min(100, Math.round((done / expected) * 100)) : 0;
}

function desksTable(desks) {
  if (!desks.length) return h('p', { class: 'empty', id: 'checkin-no-desks' }, t('console.checkin.noDesks'));
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'console-table checkin-desks' },
      h('caption', { class: 'visually-hidden' }, t('console.checkin.byDesk')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('console.checkin.desk')), h('th', { scope: 'col', class: 'num' }, t('console.checkin.checkedIn')))),
      h(
        'tbody',
        {},
        desks.map((d) => h('tr', { 'data-desk': d.desk }, h('th', { scope: 'row' }, d.desk), h('td', { class: 'num' }, t('console.checkin.number', { count: d.checked_in })))),
      ),
    ),
  );
}

function sessionsTable(sessions) {
  if (!sessions.length) return h('p', { class: 'empty' }, t('console.checkin.noSessions'));
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'console-table checkin-sessions' },
      h('caption', { class: 'visually-hidden' }, t('console.checkin.bySession')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('console.checkin.session')),
          h('th', { scope: 'col', class: 'num' }, t('console.checkin.checkedIn')),
          h('th', { scope: 'col', class: 'num' }, t('console.checkin.expected')),
        ),
      ),
      h(
        'tbody',
        {},
        sessions.map((s) =>
          h(
            'tr',
            { 'data-session-id': s.id },
            h('th', { scope: 'row' }, s.title),
            h('td', { class: 'num' }, t('console.checkin.number', { count: s.checked_in })),
            h('td', { class: 'num' }, t('console.checkin.number', { count: s.expected })),
          ),
        ),
      ),
    ),
  );
}

/**
 * The tab. ctx: { eventId }. Loads the counters at once and keeps them current
 * while the page is open. Returns { refresh() }.
 */
export function mountCheckin(panel, { eventId }) {
  const id = encodeURIComponent(eventId);
  const counters = h('div', { class: 'checkin-counters', id: 'checkin-counters', 'aria-live': 'polite' });
  const errorLine = h('p', { class: 'status status--error', id: 'checkin-error' });
  let current = null;
  let liveDrawn = 0; // counters drawn from the live channel: a slower GET must not undo them

  panel.replaceChildren(
    h('h2', {}, t('console.tab.checkin')),
    h(
      'ul',
      { class: 'checkin-links' },
      h('li', {}, h('a', { class: 'button', id: 'print-unprinted', href: `/badges?event=${id}&unprinted=1` }, t('console.checkin.printUnprinted'))),
      h('li', {}, h('a', { class: 'button button--secondary', id: 'open-desk', href: `/desk?event=${id}` }, t('console.checkin.openDesk'))),
    ),
    h('section', { class: 'console-section', 'aria-labelledby': 'checkin-counters-heading' }, h('h3', { id: 'checkin-counters-heading' }, t('console.checkin.counters')), errorLine, counters),
  );

  function draw(stats, { live = false } = {}) {
    const before = current;
    current = stats;
    errorLine.textContent = '';
    const desks = Array.isArray(stats.desks) ? stats.desks : [];
    const sessions = Array.isArray(stats.sessions) ? stats.sessions : [];
    const duplicates = Number(stats.duplicates ?? 0);
    const total = h(
      'p',
      { class: 'checkin-total', id: 'checkin-total' },
      t('console.checkin.total', { done: stats.checked_in, expected: stats.expected }),
    );
    const bar = h('progress', { class: 'checkin-progress', max: 100, value: percent(stats.checked_in, stats.expected), 'aria-hidden': 'true' });
    const dup = h(
      'p',
      { class: duplicates ? 'note checkin-duplicates checkin-duplicates--some' : 'checkin-duplicates', id: 'checkin-duplicates' },
      duplicates ? t('console.checkin.duplicates', { count: duplicates }) : t('console.checkin.noDuplicates'),
    );
    counters.replaceChildren(
      total,
      bar,
      dup,
      h('h4', {}, t('console.checkin.byDesk')),
      desksTable(desks),
      h('h4', {}, t('console.checkin.bySession')),
      sessionsTable(sessions),
    );
    if (live && before && (before.checked_in !== stats.checked_in || before.duplicates !== stats.duplicates)) flash(total);
  }

  async function refresh() {
    const seen = liveDrawn;
    try {
      const stats = await get(`/api/events/${id}/checkin/stats`);
      if (liveDrawn === seen) draw(stats);
    } catch (err) {
      if (!current) counters.replaceChildren();
      errorLine.textContent = t('console.checkin.unavailable', { reason: errorMessage(err) });
    }
  }

  subscribe(`checkin:${eventId}`, (message) => {
    if (message.type === 'error') {
      console.warn(`live: checkin:${eventId}: ${message.code}`);
      return;
    }
    if ((message.type === 'snapshot' || message.type === 'checkin') && isStats(message)) {
      liveDrawn += 1;
      draw(message, { live: true });
    }
  });
  refresh();
  return { refresh };
}
