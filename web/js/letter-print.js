// The printable visa invitation letter (docs/letters.md): one A4 page with the event's
// letterhead, the delegate's details, the event and its dates, the letter number, and the
// verification link with its QR code. Two copies of the same page:
//   /r/{registration code}/letter            the delegate's (GET /api/registrations/{code}/letter/print)
//   /console/events/{id}/letters/{letter_id} the organisers' (GET /api/events/{id}/letters/{letter_id}/print),
//                                            the only one that shows the passport number.
// Every text goes in as text (dom.js); the QR code is the server's SVG, cleaned (badge-card.js).

import { h } from './dom.js';
import { initI18n, t, locale } from './i18n.js';
import { getJSON, friendlyMessage, ApiError } from './api.js';
import { formatDateRange } from './format.js';
import { qrElement } from './badge-card.js';

/** Which copy this address asks for: { kind, api, back } or null. */
export function copyFromPath(pathname) {
  let match = /^\/r\/([^/]+)\/letter\/?$/.exec(pathname);
  if (match) {
    const code = encodeURIComponent(decodeURIComponent(match[1]));
    return { kind: 'delegate', api: `/api/registrations/${code}/letter/print`, back: `/r/${code}` };
  }
  match = /^\/console\/events\/(\d+)\/letters\/(\d+)\/?$/.exec(pathname);
  if (match) {
    return {
      kind: 'organiser',
      api: `/api/events/${match[1]}/letters/${match[2]}/print`,
      back: `/console/events/${match[1]}#letters`,
    };
  }
  return null;
}

function status(text, { error = false } = {}) {
  const el = document.getElementById('status');
  el.classList.toggle('status--error', error);
  el.textContent = text;
}

/** "1975-03-14" as a date in words, in the page's language (no time zone: it is a calendar date). */
function calendarDate(text) {
  if (!text) return '';
  const [y, m, d] = String(text).split('-').map(Number);
  if (!y || !m || !d) return String(text);
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

function countryName(code) {
  try {
    return new Intl.DisplayNames([locale()], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function lines(text, attrs = {}) {
  return String(text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => h('span', { class: 'letter__line', ...attrs }, line));
}

function fact(term, value, attrs = {}) {
  return h('div', attrs, h('dt', {}, term), h('dd', {}, value));
}

function place(event) {
  const venue = event.venue;
  if (!venue) return '';
  return [venue.name, venue.city, venue.country].filter(Boolean).join(', ');
}

export function letterPage(data) {
  const { letter, event, letterhead: head } = data;
  const organiser = data.copy === 'organiser';
  const dates = formatDateRange(event.starts_at, event.ends_at, event.timezone, locale());
  const travel = `${calendarDate(letter.arrival)} – ${calendarDate(letter.departure)}`;
  const where = place(event);
  const qr = qrElement(data.qr_svg, t('letterPrint.qrLabel'));
  if (qr) qr.classList.add('letter__qr-code');

  return h(
    'article',
    { class: `letter${organiser ? ' letter--organiser' : ''}`, id: 'letter', 'data-copy': data.copy, 'aria-labelledby': 'letter-subject' },
    organiser ? h('p', { class: 'letter__copy', id: 'letter-copy' }, t('letterPrint.organiserCopy')) : null,
    h(
      'header',
      { class: 'letter__head' },
      h('p', { class: 'letter__organisation', id: 'letter-organisation' }, head.organisation),
      h('p', { class: 'letter__address' }, lines(head.address)),
      h(
        'p',
        { class: 'letter__contact' },
        head.contact_email ? h('span', { class: 'letter__line' }, head.contact_email) : null,
        head.website ? h('span', { class: 'letter__line' }, head.website) : null,
      ),
    ),
    h(
      'p',
      { class: 'letter__meta' },
      h('span', { class: 'letter__line' }, t('letterPrint.numberLine', { number: letter.letter_number ?? '' })),
      h('span', { class: 'letter__line' }, t('letterPrint.dateLine', { date: calendarDate(data.issued_on) })),
    ),
    h('h1', { class: 'letter__subject', id: 'letter-subject' }, t('letterPrint.subject', { event: event.title })),
    h('p', {}, t('letterPrint.salutation')),
    h(
      'p',
      { id: 'letter-body' },
      t(where ? 'letterPrint.body' : 'letterPrint.bodyNoPlace', { name: letter.passport_name, event: event.title, dates, place: where }),
    ),
    h(
      'dl',
      { class: 'letter__facts', id: 'letter-facts' },
      fact(t('letterPrint.passportName'), letter.passport_name, { 'data-fact': 'passport-name' }),
      fact(t('letterPrint.nationality'), countryName(letter.nationality), { 'data-fact': 'nationality' }),
      letter.birth_date ? fact(t('letterPrint.birthDate'), calendarDate(letter.birth_date), { 'data-fact': 'birth-date' }) : null,
      organiser
        ? fact(t('letterPrint.passportNumber'), letter.passport_number ?? t('letterPrint.purged'), { 'data-fact': 'passport-number' })
        : null,
      fact(t('letterPrint.event'), event.title, { 'data-fact': 'event' }),
      fact(t('letterPrint.eventDates'), dates, { 'data-fact': 'event-dates' }),
      where ? fact(t('letterPrint.venue'), where, { 'data-fact': 'venue' }) : null,
      fact(t('letterPrint.travel'), travel, { 'data-fact': 'travel' }),
      fact(t('letterPrint.number'), letter.letter_number ?? '', { 'data-fact': 'letter-number' }),
    ),
    h('p', {}, t('letterPrint.closing')),
    h(
      'div',
      { class: 'letter__signature' },
      h('p', { class: 'letter__signature-space' }),
      head.signatory_name ? h('p', { class: 'letter__signatory', id: 'letter-signatory' }, head.signatory_name) : null,
      head.signatory_title ? h('p', {}, head.signatory_title) : null,
      h('p', {}, head.organisation),
    ),
    h(
      'footer',
      { class: 'letter__verify' },
      h('div', { class: 'letter__qr', id: 'letter-qr' }, qr ?? h('p', {}, t('letterPrint.qrMissing'))),
      h(
        'div',
        { class: 'letter__verify-text' },
        h('p', {}, t('letterPrint.verify')),
        h('p', { class: 'letter__url' }, h('a', { id: 'letter-verify-link', href: data.verification_url }, data.verification_url)),
      ),
    ),
  );
}

async function main() {
  await initI18n();
  const copy = copyFromPath(location.pathname);
  if (!copy) {
    status(t('letterPrint.notFound'), { error: true });
    return;
  }
  document.getElementById('letter-back').href = copy.back;
  status(t('loading'));
  try {
    const data = await getJSON(copy.api);
    document.title = `${t('letterPrint.title')} ${data.letter.letter_number ?? ''} · ${data.event.title}`;
    document.getElementById('letter-sheet').replaceChildren(letterPage(data));
    document.getElementById('letter-actions').hidden = false;
    document.getElementById('letter-print').addEventListener('click', () => window.print());
    status('');
  } catch (err) {
    if (err?.name === 'AbortError') return;
    if (err instanceof ApiError && err.status === 401) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    const known = err instanceof ApiError && ['letter_not_approved', 'letter_not_found', 'registration_not_found'].includes(err.code);
    status(known ? t(`letterPrint.${err.code}`) : friendlyMessage(err), { error: true });
  }
}

main();
