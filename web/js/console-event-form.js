// The event form of the organiser console: create an event (console home) or
// edit one (the event's "Details" tab). Times are wall-clock times in the
// event's own time zone, whatever zone the organiser's browser is in.

import { h } from './dom.js';
import { t, label } from './i18n.js';
import { field, createForm, wallClock } from './console-ui.js';

export const EVENT_KINDS = ['congress', 'colloquium', 'workshop', 'assembly', 'meeting'];
const NEW_VENUE = 'new';

function timeZones(current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // older browsers: the text field below takes any zone
  }
  if (current && !zones.includes(current)) zones = [current, ...zones];
  return zones;
}

/** "2013, 2014" → [2013, 2014]; null when the text is not a list of years. */
export function parseYears(text) {
  const parts = String(text ?? '')
    .split(/[\s,;]+/)
    .filter(Boolean);
  const years = parts.map(Number);
  if (years.some((y) => !Number.isInteger(y) || y < 1900 || y > 2200)) return null;
  return [...new Set(years)].sort((a, b) => a - b);
}

/** A URL-safe address from a title: "Colloque de Barcelone 2030" → "colloque-de-barcelone-2030". */
export function slugify(text) {
  return String(text ?? '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
}

/** The checks the server makes, so that most mistakes show before sending. */
export function validateEvent(v) {
  const errors = {};
  if (!v.title.trim()) errors.title = t('console.error.required');
  else if ([...v.title.trim()].length > 500) errors.title = t('console.error.tooLong', { max: 500 });
  if (!v.slug.trim()) errors.slug = t('console.error.required');
  else if (!/^[a-z0-9-]{1,100}$/.test(v.slug.trim())) errors.slug = t('console.error.slug');
  if (!v.timezone.trim()) errors.timezone = t('console.error.required');
  if (!v.starts_at) errors.starts_at = t('console.error.required');
  if (!v.ends_at) errors.ends_at = t('console.error.required');
  else if (v.starts_at && v.ends_at <= v.starts_at) errors.ends_at = t('console.error.endsBeforeStart');
  if (v.registration_opens_at && v.registration_closes_at && v.registration_closes_at <= v.registration_opens_at) {
    errors.registration_closes_at = t('console.error.closesBeforeOpens');
  }
  if (!/^\d+$/.test(String(v.capacity).trim())) errors.capacity = t('console.error.capacity');
  if (parseYears(v.dues_years) === null) errors.dues_years = t('console.error.years');
  if (v.venue === NEW_VENUE && !v.venue_name.trim()) errors.venue_name = t('console.error.required');
  return errors;
}

/** The request body for the form's values. */
export function eventBody(v) {
  const body = {
    title: v.title.trim(),
    slug: v.slug.trim(),
    kind: v.kind,
    description: v.description,
    timezone: v.timezone.trim(),
    starts_at: v.starts_at,
    ends_at: v.ends_at,
    registration_opens_at: v.registration_opens_at || null,
    registration_closes_at: v.registration_closes_at || null,
    capacity: Number(v.capacity),
    waitlist_enabled: v.waitlist_enabled,
    promote_after_close: v.promote_after_close,
    eligibility: parseYears(v.dues_years)?.length ? { dues_paid_years: parseYears(v.dues_years) } : null,
  };
  if (v.venue === NEW_VENUE) {
    body.venue = { name: v.venue_name.trim(), city: v.venue_city.trim() || null, country: v.venue_country.trim() || null };
  } else {
    body.venue_id = v.venue ? Number(v.venue) : null;
  }
  return body;
}

/**
 * The form for `event` (null: a new event). venues: [{id, name, city}].
 * onSave(body) sends it and returns a promise. Returns the createForm() object.
 */
export function eventForm({ event = null, venues = [], onSave, submitLabel }) {
  const creating = !event;
  const zone = event?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  const hasSessions = (event?.sessions ?? []).length > 0;
  const zones = timeZones(zone);

  const fields = [
    field({ name: 'title', label: t('console.event.title'), value: event?.title ?? '', required: true, attrs: { maxlength: 500 } }),
    field({
      name: 'slug',
      label: t('console.event.slug'),
      value: event?.slug ?? '',
      required: true,
      hint: t('console.event.slugHint'),
      attrs: { maxlength: 100, pattern: '[a-z0-9-]+', autocapitalize: 'off', spellcheck: 'false' },
    }),
    field({
      name: 'kind',
      label: t('console.event.kind'),
      type: 'select',
      value: event?.kind ?? 'colloquium',
      options: EVENT_KINDS.map((k) => ({ value: k, label: label('kind', k) })),
    }),
    field({ name: 'description', label: t('console.event.description'), type: 'textarea', value: event?.description ?? '' }),
    zones.length
      ? field({
          name: 'timezone',
          label: t('console.event.timezone'),
          type: 'select',
          value: zone,
          required: true,
          hint: hasSessions ? t('console.event.timezoneLocked') : t('console.event.timezoneHint'),
          options: zones.map((z) => ({ value: z, label: z })),
          attrs: { disabled: hasSessions },
        })
      : field({
          name: 'timezone',
          label: t('console.event.timezone'),
          value: zone,
          required: true,
          hint: t('console.event.timezoneHint'),
          attrs: { disabled: hasSessions },
        }),
    field({ name: 'starts_at', label: t('console.event.starts'), type: 'datetime-local', value: wallClock(event?.starts_at), required: true }),
    field({ name: 'ends_at', label: t('console.event.ends'), type: 'datetime-local', value: wallClock(event?.ends_at), required: true }),
    field({
      name: 'venue',
      label: t('console.event.venue'),
      type: 'select',
      value: event?.venue?.id ?? '',
      options: [
        { value: '', label: t('console.event.noVenue') },
        ...venues.map((v) => ({ value: v.id, label: v.city ? `${v.name} (${v.city})` : v.name })),
        { value: NEW_VENUE, label: t('console.event.newVenue') },
      ],
    }),
    field({ name: 'venue_name', label: t('console.event.venueName'), attrs: { maxlength: 300 } }),
    field({ name: 'venue_city', label: t('console.event.venueCity'), attrs: { maxlength: 200 } }),
    field({ name: 'venue_country', label: t('console.event.venueCountry'), attrs: { maxlength: 200 } }),
    field({
      name: 'capacity',
      label: t('console.event.capacity'),
      type: 'number',
      value: event?.capacity ?? '',
      required: true,
      hint: t('console.event.capacityHint'),
      attrs: { min: 0, step: 1, inputmode: 'numeric' },
    }),
    field({
      name: 'registration_opens_at',
      label: t('console.event.opens'),
      type: 'datetime-local',
      value: wallClock(event?.registration_opens_at),
      hint: t('console.event.windowHint'),
    }),
    field({
      name: 'registration_closes_at',
      label: t('console.event.closes'),
      type: 'datetime-local',
      value: wallClock(event?.registration_closes_at),
      hint: t('console.event.closesHint'),
    }),
    field({ name: 'waitlist_enabled', label: t('console.event.waitlist'), type: 'checkbox', value: event?.waitlist_enabled ?? true }),
    field({
      name: 'promote_after_close',
      label: t('console.event.promoteAfterClose'),
      type: 'checkbox',
      value: event?.promote_after_close ?? false,
      hint: t('console.event.promoteAfterCloseHint'),
    }),
    field({
      name: 'dues_years',
      label: t('console.event.duesYears'),
      value: (event?.eligibility?.dues_paid_years ?? []).join(', '),
      hint: t('console.event.duesYearsHint'),
    }),
  ];
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));

  // A new venue's fields show only when "New venue…" is chosen.
  const newVenue = [byName.venue_name, byName.venue_city, byName.venue_country];
  const syncVenue = () => {
    for (const f of newVenue) f.wrapper.hidden = byName.venue.value() !== NEW_VENUE;
  };
  byName.venue.input.addEventListener('change', syncVenue);
  syncVenue();

  // A new event's address follows its title until the organiser types one.
  if (creating) {
    let slugTouched = false;
    byName.slug.input.addEventListener('input', () => {
      slugTouched = true;
    });
    byName.title.input.addEventListener('input', () => {
      if (!slugTouched) byName.slug.set(slugify(byName.title.value()));
    });
  }

  const zoneNote = h('p', { class: 'note console-zone-note' }, t('console.event.timesInZone', { zone }));
  byName.timezone.input.addEventListener('change', () => {
    zoneNote.textContent = t('console.event.timesInZone', { zone: byName.timezone.value() });
  });

  const form = createForm(fields, {
    submitLabel: submitLabel ?? (creating ? t('console.event.create') : t('console.save')),
    validate: validateEvent,
    onSubmit: (v) => {
      const body = eventBody(v);
      if (hasSessions) delete body.timezone; // locked: the server would refuse a change
      return onSave(body);
    },
  });
  byName.timezone.wrapper.after(zoneNote);
  return form;
}
