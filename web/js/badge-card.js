// One printed badge: the event's name, the delegate's name (large), their
// organisation and the QR code. Shared by the organisers' print sheet
// (/badges, badges.js) and the delegate's own badge on /r/{code}.
//
// Every text goes in as text (dom.js). The QR code comes from our own API as
// SVG markup (`qr_svg`, made by libqrencode on the server); it is parsed as
// XML, checked to be one plain <svg> and cleaned of anything active before it
// is adopted into the page, so that not even that markup goes through innerHTML.

import { h } from './dom.js';
import { t } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
// What a QR code drawn by the server is made of; anything else is dropped.
const ALLOWED = new Set(['svg', 'rect', 'path', 'title']);

function clean(el) {
  for (const child of [...el.children]) {
    if (child.namespaceURI !== SVG_NS || !ALLOWED.has(child.localName)) child.remove();
    else clean(child);
  }
  for (const attr of [...el.attributes]) {
    const name = attr.name.toLowerCase();
    if (name.startsWith('on') || name.includes('href') || name === 'style' || /url\s*\(/i.test(attr.value)) {
      el.removeAttribute(attr.name);
    }
  }
}

/**
 * An <svg> element for the server's QR markup, or null if it is not a plain SVG
 * image. `label` becomes its accessible name.
 */
export function qrElement(markup, label) {
  if (typeof markup !== 'string' || !markup.startsWith('<svg')) return null;
  const parsed = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const root = parsed.documentElement;
  if (!root || root.namespaceURI !== SVG_NS || root.localName !== 'svg' || parsed.getElementsByTagName('parsererror').length) {
    return null;
  }
  clean(root);
  const svg = document.importNode(root, true);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('focusable', 'false');
  svg.classList.add('badge__qr-code');
  return svg;
}

/** "long" or "very-long" for names that would not fit the card at full size. */
function nameLength(name) {
  const length = [...String(name ?? '')].length;
  if (length > 40) return 'very-long';
  if (length > 24) return 'long';
  return null;
}

/**
 * A badge card for an entry of GET /api/events/{id}/badges (or the delegate's own
 * badge): { registration_id, name, organisation, token, qr_svg }. `eventName` is
 * printed at the top. attrs: more attributes for the card (`class` is added to "badge").
 */
export function badgeCard(badge, eventName, attrs = {}) {
  const size = nameLength(badge.name);
  const qr = qrElement(badge.qr_svg, t('badges.qrLabel', { name: badge.name ?? '' }));
  const { class: extraClass, ...rest } = attrs;
  return h(
    'article',
    { class: `badge${extraClass ? ` ${extraClass}` : ''}`, 'data-registration-id': badge.registration_id, ...rest },
    h(
      'div',
      { class: 'badge__body' },
      h('p', { class: 'badge__event' }, eventName ?? ''),
      h('p', { class: `badge__name${size ? ` badge__name--${size}` : ''}` }, badge.name ?? ''),
      h('p', { class: 'badge__organisation' }, badge.organisation ?? ''),
      h('div', { class: 'badge__qr' }, qr ?? h('p', { class: 'badge__qr-missing' }, t('badges.qrMissing'))),
    ),
  );
}
