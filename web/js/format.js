// Date and time formatting in the EVENT's time zone, never the browser's.
//
// The API sends RFC 3339 instants with the event's offset
// ("2014-10-07T09:00:00+05:30") and the event's IANA zone ("Asia/Kolkata").
// Every function takes the zone and an Intl locale explicitly; this module
// has no imports so that it can be unit-tested outside the browser.

const cache = new Map();

function formatter(locale, timeZone, options) {
  const key = JSON.stringify([locale, timeZone, options]);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    cache.set(key, f);
  }
  return f;
}

const TIME = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const DATE_SHORT = { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' };
const DATE_LONG = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
const DAY_SHORT = { weekday: 'short', day: 'numeric', month: 'short' };

function toDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`Invalid date: ${iso}`);
  return d;
}

/** "Tue, 7 – Fri, 10 October 2014" (a single date when both fall on one day). */
export function formatDateRange(startIso, endIso, timeZone, locale) {
  const f = formatter(locale, timeZone, DATE_SHORT);
  const start = toDate(startIso);
  const end = toDate(endIso);
  if (dayKey(startIso, timeZone) === dayKey(endIso, timeZone)) return f.format(start);
  return f.formatRange(start, end);
}

/** "09:00" */
export function formatTime(iso, timeZone, locale) {
  return formatter(locale, timeZone, TIME).format(toDate(iso));
}

/** "Tuesday, 7 October 2014" — used for day headings. */
export function formatDay(iso, timeZone, locale) {
  return formatter(locale, timeZone, DATE_LONG).format(toDate(iso));
}

/** "Tue, 7 Oct" — a compact day, e.g. in the by-track view. */
export function formatShortDay(iso, timeZone, locale) {
  return formatter(locale, timeZone, DAY_SHORT).format(toDate(iso));
}

/** "Mon, 1 September 2014, 09:00" */
export function formatDateTime(iso, timeZone, locale) {
  return formatter(locale, timeZone, { ...DATE_SHORT, ...TIME }).format(toDate(iso));
}

/** "GMT+5:30" — the zone's offset at that instant, as the locale writes it. */
export function formatOffset(iso, timeZone, locale) {
  const parts = formatter(locale, timeZone, { timeZoneName: 'shortOffset' }).formatToParts(
    toDate(iso),
  );
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

/** "2014-10-07": the calendar day in the zone, for grouping and ids. */
export function dayKey(iso, timeZone) {
  const parts = formatter('en-US', timeZone, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(toDate(iso));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Where `now` falls relative to [start, end): "before", "during" or "after". */
export function phase(startIso, endIso, now = new Date()) {
  if (startIso && now < toDate(startIso)) return 'before';
  if (endIso && now >= toDate(endIso)) return 'after';
  return 'during';
}
