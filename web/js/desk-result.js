// The check-in desk's answer to a scan: shown big, in words and colour, with a beep.

import { h } from './dom.js';
import { t } from './i18n.js';
import { beep } from './desk-sound.js';
import { $, timeText } from './desk-state.js';

// ---- the result ------------------------------------------------------------------

const ICONS = { green: '✓', amber: '!', red: '✗', pending: '…' };

/** The big answer: colour, icon and words (headline and detail), read out by the live region. */
export function showResult(colour, headline, detail = '', { offline = false } = {}) {
  const box = $('desk-result');
  box.dataset.result = colour;
  box.dataset.offline = offline ? 'true' : 'false';
  $('desk-result-headline').replaceChildren(
    h('span', { class: 'desk-result__icon', 'aria-hidden': 'true' }, ICONS[colour] ?? ''),
    ' ',
    headline,
  );
  const parts = [detail || ''];
  if (offline) parts.push(' ', h('span', { class: 'desk-tag desk-tag--offline' }, t('desk.offline.mark')));
  $('desk-result-detail').replaceChildren(...parts);
  if (colour !== 'pending' && $('desk-sound').checked) beep(colour);
}

/** error.event of a wrong_event refusal: an id, a name, or an object naming the event. */
function eventName(event) {
  if (event === null || event === undefined) return '?';
  if (typeof event === 'object') return event.name ?? event.title ?? (event.id !== undefined ? t('desk.choose.unnamed', { id: event.id }) : '?');
  if (typeof event === 'number') return t('desk.choose.unnamed', { id: event });
  return String(event);
}

export function refusalText(code, error = {}) {
  const key = `desk.refused.${code}`;
  const known = [
    'not_registered',
    'registration_cancelled',
    'registration_waitlisted',
    'wrong_event',
    'forged_badge',
    'invalid_token',
    'not_enrolled',
    'session_cancelled',
    'session_not_found',
  ];
  if (known.includes(code)) return t(key, { event: eventName(error.event) });
  return null;
}

export function earlierText(earlier) {
  if (!earlier) return '';
  const params = { desk: earlier.desk ?? '?', time: timeText(earlier.at) };
  if (earlier.by) return t('desk.result.alreadyDetailBy', { ...params, by: earlier.by });
  return t('desk.result.alreadyDetail', params);
}

export function showGreen(who, { offline = false } = {}) {
  showResult('green', t('desk.result.checkedIn', { name: who.name || '—' }), who.organisation, { offline });
}

export function showAmber(who, earlier, { offline = false } = {}) {
  showResult('amber', t('desk.result.already', { name: who.name || '—' }), earlierText(earlier), { offline });
}

export function showRed(code, who, error = {}, { offline = false } = {}) {
  const reason = refusalText(code, error) ?? (error.message || t('desk.refused.other', { code }));
  const detail = who?.name ? [who.name, who.organisation].filter(Boolean).join(', ') : '';
  showResult('red', t('desk.result.refused', { reason }), detail, { offline });
}
