// The registration form on the event page, and the confirmation that follows.
//
//   const form = mountRegistration(sectionElement, event, { onRegistered });
//   form.setEvent(freshEvent);   // newer seat counts: the form follows them
//
// Checks the fields before sending (messages tied to each field with
// aria-describedby and aria-invalid), sends an Idempotency-Key that is kept
// while the same submission is retried, and maps the server's refusals onto
// the fields (422) or the alert region (409).

import { h } from './dom.js';
import { t, has, language, locale, LANGUAGES } from './i18n.js';
import {
  getJSON,
  postJSON,
  newIdempotencyKey,
  isRetryable,
  friendlyMessage,
  ApiError,
} from './api.js';
import { formatDateTime, phase } from './format.js';
import { validateRegistration, LIMITS } from './validate.js';

// Field name (as the API names it) → id of its control.
const CONTROL_IDS = {
  name: 'reg-name',
  email: 'reg-email',
  organisation: 'reg-organisation',
  member_organisation_id: 'reg-member',
  language: 'reg-language',
};

// Message keys for each field and problem; a 422 from the server is "invalid".
const MESSAGES = {
  name: { required: 'register.error.nameRequired', invalid: 'register.error.nameInvalid' },
  email: { required: 'register.error.emailRequired', invalid: 'register.error.emailInvalid' },
  organisation: { invalid: 'register.error.organisationInvalid' },
  member_organisation_id: { required: 'register.error.memberRequired', invalid: 'register.error.memberInvalid' },
  language: { invalid: 'register.error.languageInvalid' },
};

function problemMessage(field, problem) {
  if (problem === 'tooLong') return t('register.error.tooLong', { max: LIMITS[field] ?? 200 });
  const key = MESSAGES[field]?.[problem] ?? MESSAGES[field]?.invalid;
  return key ? t(key) : t('register.error.fieldInvalid');
}

/** Whether the event takes registrations now, and if not, why. */
export function availability(event, now = new Date()) {
  const window = phase(event.registration_opens_at, event.registration_closes_at, now);
  if (window === 'before') return { open: false, reason: 'notYetOpen' };
  if (window === 'after' || (event.ends_at && now >= new Date(event.ends_at))) {
    return { open: false, reason: 'closed' };
  }
  const limited = event.capacity !== null && event.capacity !== undefined;
  const full = limited && Number(event.seats_left ?? event.capacity) <= 0;
  if (full && !event.waitlist_enabled) return { open: false, reason: 'full' };
  return { open: true, waitlist: full };
}

/** The personal page of a registration, as an absolute address to keep. */
export function personalLink(code) {
  return new URL(`/r/${encodeURIComponent(code)}`, location.origin).href;
}

function organisationLabel(org) {
  const place = [org.city && org.city !== org.name ? org.city : null, org.country].filter(Boolean).join(', ');
  return place ? `${org.name} (${place})` : org.name;
}

/** One labelled control with its hint and its (hidden until needed) error. */
function field(name, labelKey, control, { required = false, hint = null } = {}) {
  const id = CONTROL_IDS[name];
  const hintId = hint ? `${id}-hint` : null;
  control.id = id;
  control.name = name;
  control.required = required;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field', dataset: { field: name } },
    h(
      'label',
      { class: 'field__label', for: id },
      t(labelKey),
      required ? h('span', { class: 'field__required' }, ` ${t('register.requiredMark')}`) : null,
    ),
    hint ? h('p', { class: 'field__hint', id: hintId }, hint) : null,
    h('p', { class: 'field__error', id: `${id}-error`, hidden: true }),
    control,
  );
}

function setFieldError(form, name, message) {
  const control = form.querySelector(`#${CONTROL_IDS[name]}`);
  if (!control) return;
  const error = form.querySelector(`#${CONTROL_IDS[name]}-error`);
  const hintId = `${control.id}-hint`;
  const describedBy = form.querySelector(`#${hintId}`) ? [hintId] : [];
  if (message) {
    error.textContent = message;
    error.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    describedBy.push(error.id);
  } else {
    error.textContent = '';
    error.hidden = true;
    control.removeAttribute('aria-invalid');
  }
  if (describedBy.length) control.setAttribute('aria-describedby', describedBy.join(' '));
  else control.removeAttribute('aria-describedby');
}

function readValues(form) {
  const value = (name) => (form.elements.namedItem(name)?.value ?? '').trim();
  return {
    name: value('name'),
    email: value('email'),
    organisation: value('organisation'),
    member_organisation_id: value('member_organisation_id'),
    language: value('language'),
  };
}

/** The request body: optional fields are left out when empty. */
function payload(values) {
  const body = { name: values.name, email: values.email };
  if (values.organisation) body.organisation = values.organisation;
  if (values.member_organisation_id) body.member_organisation_id = Number(values.member_organisation_id);
  if (values.language) body.language = values.language;
  return body;
}

function closedReason(event, reason) {
  if (reason === 'notYetOpen' && event.registration_opens_at) {
    return t('register.notYetOpenOn', {
      date: formatDateTime(event.registration_opens_at, event.timezone, locale()),
    });
  }
  return t(`register.reason.${reason}`);
}

export function mountRegistration(section, initialEvent, { onRegistered } = {}) {
  let event = initialEvent;
  let organisations = null; // member organisations, once loaded
  let organisationsFailed = false;
  // What the section shows: "loading", "closed" (with closedFor, the reason),
  // "form" (with formView, to follow the counts) or "done" (the confirmation).
  let view = 'loading';
  let closedFor = null;
  let formView = null;

  const memberRequired = () => Boolean(event.eligibility);

  function drawClosed(reason) {
    view = 'closed';
    closedFor = reason;
    formView = null;
    section.replaceChildren(
      h('h2', { id: 'register-heading' }, t('register.heading')),
      h('p', { class: 'register__closed' }, closedReason(event, reason)),
    );
  }

  function memberField() {
    const required = memberRequired();
    if (organisationsFailed && !required) return null; // optional: do without
    const select = h(
      'select',
      {},
      h('option', { value: '' }, t(required ? 'register.memberChoose' : 'register.memberNone')),
      (organisations ?? []).map((o) => h('option', { value: o.id }, organisationLabel(o))),
    );
    const hint = required ? t('register.memberHintRequired') : t('register.memberHint');
    return field('member_organisation_id', 'register.member', select, { required, hint });
  }

  function languageField() {
    const select = h(
      'select',
      { autocomplete: 'language' },
      LANGUAGES.map(({ code, name }) =>
        h('option', { value: code, lang: code, selected: code === language() }, name),
      ),
    );
    return field('language', 'register.language', select, { hint: t('register.languageHint') });
  }

  function drawForm() {
    const { open, reason, waitlist } = availability(event);
    if (!open) {
      drawClosed(reason);
      return;
    }
    let pending = null; // { body, key } of the submission being sent or retried
    let sending = false;

    const alert = h('div', { class: 'alert', id: 'register-alert', role: 'alert' });
    let submitLabel = t(waitlist ? 'register.submitWaitlist' : 'register.submit');
    const button = h('button', { type: 'submit', class: 'button' }, submitLabel);
    const waitlistNote = h('p', { class: 'note note--waitlist', hidden: !waitlist }, t('register.waitlistNote'));
    const form = h(
      'form',
      { class: 'register-form', novalidate: true, 'aria-labelledby': 'register-heading' },
      field(
        'name',
        'register.name',
        h('input', { type: 'text', autocomplete: 'name', spellcheck: 'false' }),
        { required: true },
      ),
      field(
        'email',
        'register.email',
        h('input', { type: 'email', autocomplete: 'email', spellcheck: 'false' }),
        { required: true, hint: t('register.emailHint') },
      ),
      field(
        'organisation',
        'register.organisation',
        h('input', { type: 'text', autocomplete: 'organization' }),
        { hint: t('register.organisationHint') },
      ),
      memberField(),
      languageField(),
      h('p', { class: 'register-form__actions' }, button),
    );

    function showAlert(...content) {
      alert.replaceChildren(...content.map((c) => (typeof c === 'string' ? h('p', {}, c) : c)));
    }

    function showProblems(problems) {
      for (const name of Object.keys(CONTROL_IDS)) {
        setFieldError(form, name, problems[name] ? problemMessage(name, problems[name]) : null);
      }
      const names = Object.keys(CONTROL_IDS).filter((name) => problems[name]);
      if (names.length === 0) return;
      showAlert(t('register.error.summary', { count: names.length }));
      form.querySelector(`#${CONTROL_IDS[names[0]]}`).focus();
    }

    // Once a field shows an error, re-check it as it is corrected.
    form.addEventListener('input', (e) => {
      const name = e.target.name;
      if (!name || e.target.getAttribute('aria-invalid') !== 'true') return;
      const problem = validateRegistration(readValues(form), { memberRequired: memberRequired() })[name];
      setFieldError(form, name, problem ? problemMessage(name, problem) : null);
    });

    function setSending(on) {
      sending = on;
      const hadFocus = document.activeElement === button;
      button.disabled = on;
      button.textContent = on ? t('register.sending') : submitLabel;
      form.setAttribute('aria-busy', String(on));
      if (!on && (hadFocus || document.activeElement === document.body)) button.focus();
    }

    function showServerError(err) {
      const fieldName = err instanceof ApiError ? err.details?.field : null;
      if (err.code === 'invalid_field' && CONTROL_IDS[fieldName] && form.querySelector(`#${CONTROL_IDS[fieldName]}`)) {
        showProblems({ [fieldName]: 'invalid' });
        return;
      }
      const key = `register.refused.${err.code}`;
      if (has(key)) {
        showAlert(t(key));
      } else if (isRetryable(err)) {
        showAlert(friendlyMessage(err), t('register.retry'));
      } else {
        showAlert(friendlyMessage(err));
      }
      // Refusals and a lost connection are not faults of the page.
      if (err instanceof ApiError && (err.code === 'network' || (err.status >= 400 && err.status < 500))) console.warn(err);
      else console.error(err);
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (sending) return; // a double click or a second Enter: the first one is on its way
      alert.replaceChildren();
      const values = readValues(form);
      const problems = validateRegistration(values, { memberRequired: memberRequired() });
      showProblems(problems);
      if (Object.keys(problems).length > 0) return;

      // The same submission keeps its key, so that a retry after a lost answer
      // is recognised by the server; changed details are a new submission.
      const body = JSON.stringify(payload(values));
      if (!pending || pending.body !== body) pending = { body, key: newIdempotencyKey() };
      setSending(true);
      try {
        const { registration } = await postJSON(`/api/events/${encodeURIComponent(event.id)}/registrations`, body, {
          idempotencyKey: pending.key,
        });
        pending = null;
        sending = false;
        drawConfirmation(registration);
        onRegistered?.(registration);
      } catch (err) {
        if (!isRetryable(err)) pending = null; // the server decided: a new attempt is a new request
        setSending(false);
        showServerError(err);
      }
    });

    section.replaceChildren(
      h('h2', { id: 'register-heading' }, t('register.heading')),
      h('p', {}, t('register.intro')),
      waitlistNote,
      alert,
      form,
    );
    view = 'form';
    closedFor = null;
    formView = {
      sending: () => sending,
      // The event filled up or a place freed: the note and the button say so;
      // what the delegate typed stays.
      setWaitlist(on) {
        waitlistNote.hidden = !on;
        submitLabel = t(on ? 'register.submitWaitlist' : 'register.submit');
        if (!sending) button.textContent = submitLabel;
      },
    };
  }

  function drawConfirmation(registration) {
    view = 'done';
    formView = null;
    const url = personalLink(registration.code);
    const waitlisted = registration.status === 'waitlisted';
    const copyStatus = h('p', { class: 'copy-status', role: 'status' });
    const link = h('a', { class: 'personal-link__url', href: url, id: 'personal-link' }, url);
    const copyButton = h('button', { type: 'button', class: 'button button--secondary' }, t('register.copy'));
    copyButton.addEventListener('click', () => copyLink(url, link, copyStatus));
    const another = h('button', { type: 'button', class: 'button button--secondary' }, t('register.another'));
    another.addEventListener('click', () => {
      drawForm();
      section.querySelector('input')?.focus();
    });

    const heading = h(
      'h2',
      { id: 'register-heading', tabindex: '-1' },
      waitlisted
        ? t('register.done.waitlisted', { position: registration.waitlist_position ?? '?' })
        : t('register.done.confirmed'),
    );
    section.replaceChildren(
      h(
        'div',
        { class: `done done--${waitlisted ? 'waitlisted' : 'confirmed'}`, dataset: { status: registration.status } },
        heading,
        h(
          'p',
          {},
          t(waitlisted ? 'register.done.waitlistedText' : 'register.done.confirmedText', {
            name: registration.name,
            email: registration.email,
          }),
        ),
        h(
          'div',
          { class: 'personal-link' },
          h('p', { class: 'personal-link__label', id: 'personal-link-label' }, t('register.link')),
          h('p', { class: 'personal-link__row' }, link, copyButton),
          h('p', { class: 'personal-link__keep', id: 'personal-link-keep' }, t('register.keepLink')),
          copyStatus,
        ),
        h('p', { class: 'done__actions' }, h('a', { class: 'button', href: url }, t('register.openLink')), another),
      ),
    );
    link.setAttribute('aria-describedby', 'personal-link-keep');
    heading.focus();
  }

  async function copyLink(url, link, status) {
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = t('register.copied');
    } catch {
      // No clipboard access (plain HTTP, or refused): select it for a manual copy.
      const range = document.createRange();
      range.selectNodeContents(link);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      status.textContent = t('register.copyFailed');
    }
  }

  async function loadOrganisations() {
    try {
      const { organisations: all } = await getJSON('/api/organisations');
      organisations = all.filter((o) => o.member);
    } catch (err) {
      console.warn(err);
      organisationsFailed = true;
    }
  }

  async function openForm() {
    view = 'loading';
    section.replaceChildren(h('h2', { id: 'register-heading' }, t('register.heading')), h('p', {}, t('loading')));
    if (!organisations) {
      organisationsFailed = false;
      await loadOrganisations();
    }
    drawForm();
    if (organisationsFailed && memberRequired()) {
      section.querySelector('#register-alert')?.replaceChildren(h('p', {}, t('register.organisationsUnavailable')));
    }
  }

  async function start() {
    const { open, reason } = availability(event);
    section.hidden = false;
    if (!open) {
      drawClosed(reason);
      return;
    }
    await openForm();
  }

  // New counts: a full event without a waiting list closes the form, a freed
  // place opens it again, and a form switches to and from the waiting list.
  function followCounts() {
    const next = availability(event);
    if (view === 'form') {
      if (formView.sending()) return; // the server's answer decides
      if (!next.open) drawClosed(next.reason);
      else formView.setWaitlist(next.waitlist);
    } else if (view === 'closed' && closedFor === 'full' && next.open) {
      openForm();
    }
  }

  start();
  return {
    setEvent(fresh) {
      event = fresh;
      followCounts();
    },
  };
}
