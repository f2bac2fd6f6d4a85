// The visa invitation letter on "my registration" (/r/{code}, section #letter-view;
// docs/letters.md). A confirmed delegate asks for a letter (name as in the passport,
// nationality, passport number, date of birth, travel dates), checked here as the server
// checks it, and then sees where it stands: waiting for an organiser, approved (with the
// link to the printable letter), refused or revoked (with the reason, and may ask again).
// The server shows back only the passport number's last three characters.

import { h } from './dom.js';
import { t, locale } from './i18n.js';
import { getJSON, postJSON, newIdempotencyKey, friendlyMessage, ApiError } from './api.js';

// The server's list (letter_store.cpp): the assigned ISO 3166-1 alpha-2 codes and XK.
const COUNTRIES = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO ' +
  'FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
  'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO ' +
  'MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW ' +
  'PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM ' +
  'TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK'
).split(' ');

const TRAVEL_MARGIN_DAYS = 14; // letter_travel_margin_days on the server
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FIELDS = ['passport_name', 'nationality', 'passport_number', 'birth_date', 'arrival', 'departure'];

/** "2014-10-07" from an RFC 3339 time written in the event's zone. */
const localDay = (iso) => String(iso ?? '').slice(0, 10);

function realDate(text) {
  const m = DATE.exec(text);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] ? d : null;
}

function addDays(day, days) {
  const d = realDate(day);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The passport number as the server keeps it: upper case, without spaces and dashes. */
export function normalisePassport(text) {
  return String(text ?? '').replace(/[\s-]/g, '').toUpperCase();
}

/**
 * The server's checks (check_letter_input), for inline messages before sending.
 * values: the form's strings; event: { starts_at, ends_at } in the event's zone;
 * today: "YYYY-MM-DD". Returns { field: message key }.
 */
export function validateLetterRequest(values, event, today) {
  const problems = {};
  const name = values.passport_name.trim();
  if (!name) problems.passport_name = 'letterReq.error.required';
  else if (CONTROL.test(name) || [...name].length > 200) problems.passport_name = 'letterReq.error.name';
  if (!COUNTRIES.includes(values.nationality)) problems.nationality = 'letterReq.error.nationality';
  const number = normalisePassport(values.passport_number);
  if (!/^[A-Z0-9]{5,20}$/.test(number)) problems.passport_number = 'letterReq.error.passportNumber';
  const birth = values.birth_date;
  if (!realDate(birth) || birth >= today || birth < '1900-01-01') problems.birth_date = 'letterReq.error.birthDate';
  const first = localDay(event.starts_at);
  const last = localDay(event.ends_at);
  const earliest = addDays(first, -TRAVEL_MARGIN_DAYS);
  const latest = addDays(last, TRAVEL_MARGIN_DAYS);
  const { arrival, departure } = values;
  if (!realDate(arrival) || arrival < earliest || arrival > last) problems.arrival = 'letterReq.error.arrival';
  if (!realDate(departure) || departure > latest || departure < first || (realDate(arrival) && departure < arrival)) {
    problems.departure = 'letterReq.error.departure';
  }
  return problems;
}

function countryOptions() {
  let names;
  try {
    names = new Intl.DisplayNames([locale()], { type: 'region' });
  } catch {
    names = null;
  }
  const named = COUNTRIES.map((code) => ({ code, name: names?.of(code) ?? code }));
  const collator = new Intl.Collator(locale());
  named.sort((a, b) => collator.compare(a.name, b.name));
  return [h('option', { value: '' }, t('letterReq.chooseCountry')), ...named.map((c) => h('option', { value: c.code }, `${c.name} (${c.code})`))];
}

function inputField(name, control, hint = null) {
  const id = `letter-${name.replaceAll('_', '-')}`;
  control.id = id;
  control.name = name;
  control.required = true;
  const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', describedBy);
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', { class: 'field__label', for: id }, t(`letterReq.field.${name}`)),
    hint ? h('p', { class: 'field__hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field__error', id: `${id}-error`, hidden: true }),
    control,
  );
}

function setError(form, name, message) {
  const control = form.elements.namedItem(name);
  const error = form.querySelector(`#letter-${name.replaceAll('_', '-')}-error`);
  if (!control || !error) return;
  error.textContent = message ?? '';
  error.hidden = !message;
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

function fact(term, value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

/** Mounts the section. Returns { update(registration) } to call after each redraw of the page. */
export function mountLetter(section, code) {
  const state = { registration: null, letter: undefined, key: null, sending: false, loading: null };
  const api = `/api/registrations/${encodeURIComponent(code)}/letter`;

  function today() {
    // The delegate's date is close enough for the form; the server decides in the event's zone.
    return new Date().toISOString().slice(0, 10);
  }

  function requestForm(letter) {
    const event = state.registration.event;
    const first = localDay(event.starts_at);
    const last = localDay(event.ends_at);
    const form = h(
      'form',
      { id: 'letter-form', class: 'letter-form', novalidate: true },
      h('div', { class: 'alert', id: 'letter-form-alert', role: 'alert' }),
      inputField('passport_name', h('input', { type: 'text', autocomplete: 'name', maxlength: 200, value: letter?.passport_name ?? '' }), t('letterReq.hint.passport_name')),
      inputField('nationality', h('select', {}, countryOptions())),
      inputField('passport_number', h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 40 }), t('letterReq.hint.passport_number')),
      inputField('birth_date', h('input', { type: 'date', max: today(), min: '1900-01-01' })),
      inputField('arrival', h('input', { type: 'date', min: addDays(first, -TRAVEL_MARGIN_DAYS), max: last, value: first }), t('letterReq.hint.travel', { first, last })),
      inputField('departure', h('input', { type: 'date', min: first, max: addDays(last, TRAVEL_MARGIN_DAYS), value: last })),
      h('p', {}, h('button', { type: 'submit', class: 'button', id: 'letter-submit' }, t('letterReq.submit'))),
    );
    if (letter?.nationality) form.elements.namedItem('nationality').value = letter.nationality;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      send(form);
    });
    return form;
  }

  async function send(form) {
    if (state.sending) return;
    const values = Object.fromEntries(FIELDS.map((name) => [name, String(form.elements.namedItem(name).value ?? '')]));
    const problems = validateLetterRequest(values, state.registration.event, today());
    for (const name of FIELDS) setError(form, name, problems[name] ? t(problems[name]) : null);
    const alert = form.querySelector('#letter-form-alert');
    alert.textContent = '';
    const first = FIELDS.find((name) => problems[name]);
    if (first) {
      form.elements.namedItem(first).focus();
      return;
    }
    state.sending = true;
    state.key ??= newIdempotencyKey();
    const button = form.querySelector('#letter-submit');
    button.disabled = true;
    try {
      const body = { ...values, passport_name: values.passport_name.trim(), passport_number: normalisePassport(values.passport_number) };
      const { letter } = await postJSON(api, body, { idempotencyKey: state.key });
      state.key = null;
      state.letter = letter;
      draw();
      section.querySelector('#letter-view-heading')?.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) state.key = null;
      const field = err instanceof ApiError ? err.details?.field : null;
      if (field && FIELDS.includes(field)) {
        setError(form, field, err.message || friendlyMessage(err));
        form.elements.namedItem(field).focus();
      } else {
        alert.textContent = err instanceof ApiError && err.status >= 400 && err.status < 500 && err.message ? err.message : friendlyMessage(err);
      }
    } finally {
      state.sending = false;
      button.disabled = false;
    }
  }

  function summary(letter) {
    return h(
      'dl',
      { class: 'facts', id: 'letter-summary' },
      fact(t('letterReq.field.passport_name'), letter.passport_name),
      fact(t('letterReq.field.nationality'), letter.nationality),
      letter.passport_number_last3 ? fact(t('letterReq.field.passport_number'), `•••${letter.passport_number_last3}`) : null,
      fact(t('letterReq.travelDates'), `${letter.arrival} – ${letter.departure}`),
      letter.letter_number ? fact(t('letter.number'), letter.letter_number) : null,
    );
  }

  function draw() {
    const r = state.registration;
    const letter = state.letter;
    const confirmed = r?.status === 'confirmed';
    section.hidden = !r || (!confirmed && !letter);
    if (section.hidden) return;
    const parts = [h('h2', { id: 'letter-view-heading', tabindex: '-1' }, t('letterReq.heading'))];
    if (letter === undefined) {
      parts.push(h('p', { class: 'status', role: 'status' }, t('loading')));
    } else if (letter === null || letter.status === 'refused' || letter.status === 'revoked') {
      if (letter) {
        parts.push(
          h(
            'p',
            { class: 'note letter-state', id: 'letter-state', 'data-status': letter.status },
            t(`letterReq.status.${letter.status}`, { number: letter.letter_number ?? '' }),
          ),
          h('p', { class: 'letter-reason', id: 'letter-reason' }, t('letterReq.reason', { reason: letter.reason ?? '' })),
        );
      }
      if (confirmed) {
        parts.push(h('p', {}, t(letter ? 'letterReq.askAgain' : 'letterReq.intro')), requestForm(letter));
      }
    } else {
      parts.push(
        h(
          'p',
          { class: 'note letter-state', id: 'letter-state', 'data-status': letter.status },
          t(`letterReq.status.${letter.status}`, { number: letter.letter_number ?? '' }),
        ),
        summary(letter),
      );
      if (letter.status === 'approved') {
        parts.push(
          h('p', {}, h('a', { class: 'button', id: 'letter-open', href: `/r/${encodeURIComponent(code)}/letter` }, t('letterReq.open'))),
        );
      }
    }
    section.replaceChildren(...parts);
  }

  async function load() {
    try {
      const { letter, available } = await getJSON(api);
      if (available === false) {
        // This server holds no letters (no key file): no section at all.
        state.unavailable = true;
        section.hidden = true;
        return;
      }
      state.letter = letter;
    } catch (err) {
      if (err?.name === 'AbortError') return;
      state.letter = undefined;
      state.failed = true; // keep the message: a redraw of the page does not replace it
      section.replaceChildren(
        h('h2', { id: 'letter-view-heading', tabindex: '-1' }, t('letterReq.heading')),
        h('p', { class: 'status status--error' }, err instanceof ApiError && err.code === 'letters_unavailable' ? t('letterReq.unavailable') : friendlyMessage(err)),
      );
      return;
    }
    draw();
  }

  return {
    update(registration) {
      const before = state.registration?.status;
      state.registration = registration;
      if (state.unavailable || state.failed) return;
      if (state.letter === undefined) {
        if (registration.status !== 'confirmed') {
          section.hidden = true;
          return;
        }
        section.hidden = false;
        draw();
        state.loading ??= load();
        return;
      }
      // A cancellation withdraws the letter on the server: read it again.
      if (before && before !== registration.status) {
        load();
        return;
      }
      // Keep a half-filled form: redraw only when there is none.
      if (!section.querySelector('#letter-form')) draw();
    },
  };
}
