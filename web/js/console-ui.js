// The organiser console's building blocks: labelled fields with inline errors,
// forms that show saving / saved / error, modal dialogs, tabs, and the
// messages for the API's refusals. Text always goes in as text (dom.js).

import { h } from './dom.js';
import { t, has } from './i18n.js';
import { ApiError, friendlyMessage } from './api.js';

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

// ---- wall-clock times ----------------------------------------------------

/**
 * "2014-10-07T09:00" from "2014-10-07T09:00:00+05:30": the API writes times
 * in the event's zone, so the wall-clock part is what the organiser entered,
 * whatever zone the browser is in.
 */
export function wallClock(iso) {
  return iso ? String(iso).slice(0, 16) : '';
}

/** "2014-10-07 09:00" for tables: the event's local time. */
export function wallClockText(iso) {
  return wallClock(iso).replace('T', ' ');
}

// ---- fields ----------------------------------------------------------------

/**
 * A labelled field with a hint and an inline error:
 *   field({ name, label, type, value, required, hint, options: [{value, label}], rows, attrs })
 * type: text (default), number, datetime-local, select, textarea, checkbox.
 * Returns { name, wrapper, input, value(), set(v), setError(msg), focus() }.
 */
export function field({ name, label, type = 'text', value = '', required = false, hint = '', options = [], attrs = {} }) {
  const id = nextId(`f-${name}`);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  const common = { id, name, 'aria-describedby': describedBy, ...attrs };
  if (required) common.required = true;

  let input;
  if (type === 'select') {
    input = h(
      'select',
      common,
      options.map((o) => h('option', { value: o.value, selected: String(o.value) === String(value) }, o.label)),
    );
  } else if (type === 'textarea') {
    input = h('textarea', { rows: 3, ...common }, value ?? '');
  } else if (type === 'checkbox') {
    input = h('input', { type: 'checkbox', ...common, checked: Boolean(value) });
  } else {
    input = h('input', { type, ...common, value: value ?? '' });
  }
  const error = h('p', { id: errorId, class: 'field__error', hidden: true });
  const labelEl = h(
    'label',
    { class: 'field__label', for: id },
    label,
    required ? h('span', { class: 'field__required' }, ` ${t('console.required')}`) : null,
  );
  const wrapper =
    type === 'checkbox'
      ? h('div', { class: 'field field--checkbox' }, input, labelEl, hint ? h('p', { id: hintId, class: 'field__hint' }, hint) : null, error)
      : h('div', { class: 'field' }, labelEl, hint ? h('p', { id: hintId, class: 'field__hint' }, hint) : null, error, input);

  return {
    name,
    wrapper,
    input,
    value() {
      if (type === 'checkbox') return input.checked;
      return input.value;
    },
    set(v) {
      if (type === 'checkbox') input.checked = Boolean(v);
      else input.value = v ?? '';
    },
    setError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    focus() {
      input.focus();
    },
  };
}

// ---- feedback ----------------------------------------------------------------

/**
 * A polite status line for a form or an action: saving(), saved(text?),
 * failed(text), clear(). The element has role="status".
 */
export function saveState(el = h('p', { class: 'save-state', role: 'status', 'aria-live': 'polite' })) {
  const set = (state, text) => {
    el.dataset.state = state;
    el.textContent = text;
  };
  return {
    el,
    saving: () => set('saving', t('console.saving')),
    saved: (text) => set('saved', text || t('console.saved')),
    failed: (text) => set('error', text),
    clear: () => set('', ''),
  };
}

/** A message for a refused or failed request, in the page's language. */
export function errorMessage(err) {
  if (err instanceof ApiError) {
    const key = `console.error.${err.code}`;
    if (has(key)) {
      const session = err.details?.session;
      return t(key, { title: session?.title ?? '', time: session ? wallClockText(session.starts_at) : '' });
    }
    // The server's own words for the rest (in English), rather than nothing useful.
    if (err.status >= 400 && err.status < 500 && err.message && !err.code.startsWith('http_')) return err.message;
  }
  return friendlyMessage(err);
}

/** The page's status region (#status) shows why the page could not load. */
export function showPageError(err) {
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) console.warn(err);
  else console.error(err);
  const el = document.getElementById('status');
  el.classList.add('status--error');
  el.textContent = errorMessage(err);
}

/** The field an API error is about: its `field`, or the one a refusal names. */
const FIELD_OF_CODE = {
  room_double_booked: 'room_id',
  capacity_above_room: 'capacity',
  capacity_below_confirmed: 'capacity',
  room_smaller_than_session: 'capacity',
  slug_taken: 'slug',
  timezone_locked: 'timezone',
  sessions_outside_event: 'ends_at',
};

export function errorField(err) {
  if (!(err instanceof ApiError)) return null;
  const field = err.details?.field;
  if (typeof field === 'string') return field.split('.')[0];
  return FIELD_OF_CODE[err.code] ?? null;
}

// ---- forms -------------------------------------------------------------------

/**
 * A form of fields with an error summary and a save state:
 *   const form = createForm([field(...), ...], { submitLabel, onSubmit, validate, secondary })
 * validate(values) returns { name: message }; onSubmit(values) returns a promise.
 * Server refusals naming a field are shown at that field; others above the buttons.
 */
export function createForm(fields, { submitLabel, onSubmit, validate = () => ({}), extra = [], danger = false, cancelLabel, onCancel }) {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const alert = h('div', { class: 'alert', role: 'alert' });
  const state = saveState();
  const submit = h('button', { type: 'submit', class: danger ? 'button button--danger' : 'button' }, submitLabel);
  const cancel = cancelLabel
    ? h('button', { type: 'button', class: 'button button--secondary', value: 'cancel' }, cancelLabel)
    : null;
  const el = h(
    'form',
    { class: 'console-form', novalidate: true },
    alert,
    fields.map((f) => f.wrapper),
    extra,
    h('p', { class: 'dialog__actions console-form__actions' }, submit, ' ', cancel, state.el),
  );

  const values = () => Object.fromEntries(fields.map((f) => [f.name, f.value()]));

  function showErrors(errors) {
    for (const f of fields) f.setError(errors[f.name]);
    const first = fields.find((f) => errors[f.name]);
    const count = Object.keys(errors).filter((name) => byName.has(name)).length;
    alert.textContent = count ? t('console.fixFields', { count }) : '';
    first?.focus();
    return count;
  }

  if (cancel) cancel.addEventListener('click', () => onCancel?.());

  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    const current = values();
    if (showErrors(validate(current) ?? {})) {
      state.clear();
      return;
    }
    submit.disabled = true;
    state.saving();
    try {
      await onSubmit(current);
      state.saved();
    } catch (err) {
      const name = errorField(err);
      const message = errorMessage(err);
      if (name && byName.has(name)) {
        showErrors({ [name]: message });
      } else {
        alert.textContent = message;
      }
      state.failed(t('console.notSaved'));
    } finally {
      submit.disabled = false;
    }
  });

  return { el, fields: byName, values, showErrors, state, alert, submit };
}

// ---- dialogs -----------------------------------------------------------------

/**
 * A modal dialog around a form. open() shows it; it closes on success or
 * Cancel (Escape too) and is removed from the page when closed.
 *   openDialog({ title, intro, fields, submitLabel, validate, onSubmit, danger })
 * Resolves with onSubmit's result, or null when cancelled.
 */
export function openDialog({ title, intro, fields, submitLabel, validate, onSubmit, danger = false, extra = [] }) {
  return new Promise((resolve) => {
    const headingId = nextId('dialog-title');
    let result = null;
    const dialog = h('dialog', { class: 'dialog dialog--console', 'aria-labelledby': headingId });
    const form = createForm(fields, {
      submitLabel,
      danger,
      validate,
      extra,
      cancelLabel: t('console.cancel'),
      onCancel: () => dialog.close(),
      onSubmit: async (values) => {
        result = await onSubmit(values);
        dialog.close();
      },
    });
    dialog.append(h('h2', { id: headingId }, title), intro ? h('p', { class: 'dialog__intro' }, intro) : null, form.el);
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    fields[0]?.focus();
  });
}

// ---- tabs --------------------------------------------------------------------

/**
 * Wires role="tab" buttons inside `list` to the panels they control. The
 * selected tab is kept in the URL's hash (#registrations). onShow(name) runs
 * when a tab is shown.
 */
export function setupTabs(list, onShow) {
  const tabs = [...list.querySelectorAll('[role="tab"]')];
  function show(name, { focus = false } = {}) {
    const tab = tabs.find((x) => x.dataset.tab === name) ?? tabs[0];
    for (const x of tabs) {
      const selected = x === tab;
      x.setAttribute('aria-selected', String(selected));
      x.tabIndex = selected ? 0 : -1;
      document.getElementById(x.getAttribute('aria-controls')).hidden = !selected;
    }
    if (focus) tab.focus();
    if (location.hash.slice(1) !== tab.dataset.tab) history.replaceState(null, '', `#${tab.dataset.tab}`);
    onShow?.(tab.dataset.tab);
  }
  for (const tab of tabs) tab.addEventListener('click', () => show(tab.dataset.tab));
  list.addEventListener('keydown', (e) => {
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (e.key === 'Home' || e.key === 'End' || step) {
      e.preventDefault();
      const next = e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : (at + step + tabs.length) % tabs.length;
      show(tabs[next].dataset.tab, { focus: true });
    }
  });
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
  show(location.hash.slice(1));
  return { show };
}
