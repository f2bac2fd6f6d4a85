// The event page's "Getting there" section (address, map link, access,
// accessibility and practical notes in the page's language) and where a
// session is (room and floor). The API sends the notes in every language
// (venue.info.en / fr / es); a note left empty in the page's language shows
// the English one, marked as English.

import { h, paragraphs } from './dom.js';
import { t, language } from './i18n.js';

const NOTES = [
  ['access', 'venue.access'],
  ['accessibility', 'venue.accessibility'],
];
const PRACTICAL = [
  ['transport', 'venue.transport'],
  ['wifi', 'venue.wifi'],
  ['catering', 'venue.catering'],
];

/** The note in the page's language, else English: { text, lang } or null. */
export function venueNote(venue, field, lang = language()) {
  const own = venue?.info?.[lang]?.[field]?.trim();
  if (own) return { text: own, lang };
  const english = venue?.info?.en?.[field]?.trim();
  return english ? { text: english, lang: 'en' } : null;
}

/** "Hall 1, floor 1", or the room's name when its floor is not given. */
export function roomPlace(room) {
  if (!room) return null;
  return room.floor ? t('venue.roomOnFloor', { room: room.name, floor: room.floor }) : room.name;
}

/** Only http(s) links leave the page: anything else is not drawn as a link. */
function safeMapUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function note(field, key, venue) {
  const found = venueNote(venue, field);
  if (!found) return null;
  const fallback = found.lang !== language();
  return h(
    'div',
    { class: 'venue-note', 'data-note': field },
    h('dt', {}, t(key), fallback ? [' ', h('span', { class: 'venue-note__lang' }, t('venue.inEnglish'))] : null),
    h('dd', { lang: found.lang }, paragraphs(found.text)),
  );
}

/** Fills the #venue section from the event; hides it when there is no venue. */
export function renderVenue(section, event) {
  const venue = event?.venue;
  section.hidden = !venue;
  if (!venue) {
    section.replaceChildren();
    return;
  }
  const place = [venue.address, venue.city, venue.country].filter(Boolean).join(', ');
  const mapUrl = safeMapUrl(venue.map_url);
  const notes = NOTES.map(([field, key]) => note(field, key, venue)).filter(Boolean);
  const practical = PRACTICAL.map(([field, key]) => note(field, key, venue)).filter(Boolean);
  section.replaceChildren(
    h('h2', { id: 'venue-heading' }, t('venue.gettingThere')),
    h(
      'div',
      { class: 'card venue' },
      h('p', { class: 'venue__name' }, h('strong', {}, venue.name)),
      place ? h('p', { class: 'venue__address' }, h('span', { class: 'visually-hidden' }, `${t('venue.address')}: `), place) : null,
      mapUrl
        ? h(
            'p',
            { class: 'venue__map' },
            h(
              'a',
              { href: mapUrl, target: '_blank', rel: 'noopener noreferrer', class: 'venue__map-link' },
              t('venue.openMap'),
              ' ',
              h('span', { class: 'venue__external' }, t('venue.externalSite')),
            ),
          )
        : null,
      notes.length ? h('dl', { class: 'venue__notes' }, notes) : null,
      practical.length
        ? [h('h3', { class: 'venue__subheading' }, t('venue.practical')), h('dl', { class: 'venue__notes' }, practical)]
        : null,
      !notes.length && !practical.length ? h('p', { class: 'empty' }, t('venue.nothingYet')) : null,
    ),
  );
}
