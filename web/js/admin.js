// Administration (/admin): staff accounts and their roles, and the audit log. Admins only;
// everyone else is sent to sign in, or told the page is not for them. Every change goes
// through the admin API with the session's CSRF token and is recorded in the audit log.

import { h } from './dom.js';
import { initI18n, t, has, locale } from './i18n.js';
import { ApiError, friendlyMessage, getJSON } from './api.js';
import { requireStaff, isAdmin, showStaffBar, staffGet, staffPost, staffDelete } from './staff.js';
import { showLoading, showError, clearStatus } from './status.js';

const PAGE = 50;

const state = {
  me: null,
  users: [],
  events: new Map(), // id → event
  audit: { offset: 0, filters: {} },
  busy: false,
};

// ---- feedback ------------------------------------------------------------

function feedback(message) {
  document.getElementById('alert').replaceChildren();
  document.getElementById('feedback').textContent = message;
}

function alertMessage(message) {
  document.getElementById('feedback').textContent = '';
  document.getElementById('alert').textContent = message;
}

function refusal(err) {
  if (err instanceof ApiError) {
    const key = `admin.refused.${err.code}`;
    if (has(key)) return t(key);
    if (err.code === 'invalid_field' || err.code === 'busy') return err.message || friendlyMessage(err);
  }
  return friendlyMessage(err);
}

// ---- labels --------------------------------------------------------------

function eventTitle(id) {
  return state.events.get(id)?.title ?? t('admin.eventNumber', { id });
}

function grantLabel(grant) {
  const role = t(`role.${grant.role}`);
  if (grant.role === 'admin') return role;
  return t('admin.roleFor', { role, event: grant.event_id == null ? t('admin.allEvents') : eventTitle(grant.event_id) });
}

function formatInstant(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

// ---- event pickers ---------------------------------------------------------

function eventOptions(select, { allLabel = null } = {}) {
  const current = select.value;
  const options = [];
  if (allLabel) options.push(h('option', { value: '' }, allLabel));
  for (const event of state.events.values()) options.push(h('option', { value: event.id }, event.title));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}

/** The event select follows the role: admins have none, organisers may have "all events". */
function followRole(roleSelect, eventSelect) {
  const update = () => {
    const role = roleSelect.value;
    eventSelect.disabled = role === '' || role === 'admin';
    eventOptions(eventSelect, { allLabel: role === 'checkin' ? null : t('admin.allEvents') });
    if (eventSelect.disabled) eventSelect.value = '';
  };
  roleSelect.addEventListener('change', update);
  update();
}

function grantFrom(role, eventValue) {
  const grant = { role };
  if (role !== 'admin' && eventValue !== '') grant.event_id = Number(eventValue);
  return grant;
}

// ---- accounts --------------------------------------------------------------

function userRow(user) {
  const roles = user.grants.length
    ? h(
        'ul',
        { class: 'role-list' },
        user.grants.map((grant) => {
          const label = grantLabel(grant);
          const remove = h(
            'button',
            {
              type: 'button',
              class: 'button button--small button--secondary role-list__remove',
              'aria-label': t('admin.revokeNamed', { role: label, name: user.display_name }),
            },
            t('admin.revoke'),
          );
          remove.addEventListener('click', () =>
            change(
              () => staffDelete(`/api/admin/users/${user.id}/grants`, grant),
              t('admin.revoked', { role: label, name: user.display_name }),
            ),
          );
          return h('li', { class: 'role-list__item' }, h('span', { class: 'tag' }, label), ' ', remove);
        }),
      )
    : h('span', { class: 'empty' }, t('admin.noRoles'));

  const toggle = h(
    'button',
    {
      type: 'button',
      class: `button button--small ${user.disabled ? 'button--secondary' : 'button--danger'}`,
      'aria-label': t(user.disabled ? 'admin.enableNamed' : 'admin.disableNamed', { name: user.display_name }),
    },
    t(user.disabled ? 'admin.enable' : 'admin.disable'),
  );
  toggle.addEventListener('click', () =>
    change(
      () => staffPost(`/api/admin/users/${user.id}/${user.disabled ? 'enable' : 'disable'}`),
      t(user.disabled ? 'admin.enabled' : 'admin.disabled', { name: user.display_name }),
    ),
  );

  return h(
    'tr',
    { dataset: { userId: user.id, email: user.email }, class: user.disabled ? 'is-disabled' : null },
    h('th', { scope: 'row' }, user.display_name, user.id === state.me.id ? ` ${t('admin.you')}` : null),
    h('td', {}, user.email),
    h('td', {}, roles),
    h(
      'td',
      {},
      h('span', { class: `tag ${user.disabled ? 'tag--cancelled' : 'tag--open'}` }, t(user.disabled ? 'admin.stateDisabled' : 'admin.stateActive')),
    ),
    h('td', {}, toggle),
  );
}

function renderUsers() {
  document.getElementById('users-body').replaceChildren(...state.users.map(userRow));
  const select = document.getElementById('grant-user');
  const current = select.value;
  select.replaceChildren(...state.users.map((u) => h('option', { value: u.id }, `${u.display_name} (${u.email})`)));
  if (current) select.value = current;
  const actor = document.getElementById('audit-actor');
  const actorValue = actor.value;
  actor.replaceChildren(h('option', { value: '' }, t('admin.anyone')), ...state.users.map((u) => h('option', { value: u.id }, u.email)));
  actor.value = actorValue;
}

async function loadUsers() {
  state.users = (await staffGet('/api/admin/users')).users;
  renderUsers();
}

/** Runs one change, then shows the new state of the accounts and of the audit log. */
async function change(request, doneMessage) {
  if (state.busy) return false;
  state.busy = true;
  try {
    await request();
    feedback(doneMessage);
    await Promise.all([loadUsers(), loadAudit()]);
    return true;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500 || err.code === 'network') console.error(err);
    alertMessage(refusal(err));
    return false;
  } finally {
    state.busy = false;
  }
}

function setFieldError(id, message) {
  const error = document.getElementById(`${id}-error`);
  const control = document.getElementById(id);
  if (!error || !control) return;
  error.textContent = message ?? '';
  error.hidden = !message;
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

function setupCreate() {
  const form = document.getElementById('create-form');
  followRole(form.elements.namedItem('role'), form.elements.namedItem('event_id'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = (name) => form.elements.namedItem(name).value;
    for (const id of ['create-email', 'create-name', 'create-password', 'create-event']) setFieldError(id, null);
    const body = { email: value('email').trim(), name: value('name').trim(), password: value('password') };
    const role = value('role');
    if (role) body.grants = [grantFrom(role, value('event_id'))];
    const problems = {};
    if (!body.email) problems['create-email'] = t('admin.required');
    if (!body.name) problems['create-name'] = t('admin.required');
    if ([...body.password].length < 12) problems['create-password'] = t('admin.passwordShort');
    if (Object.keys(problems).length) {
      for (const [id, message] of Object.entries(problems)) setFieldError(id, message);
      document.getElementById(Object.keys(problems)[0]).focus();
      return;
    }
    let fieldError = null;
    const ok = await change(async () => {
      try {
        await staffPost('/api/admin/users', body);
      } catch (err) {
        fieldError = err;
        throw err;
      }
    }, t('admin.created', { name: body.name }));
    if (ok) {
      form.reset();
      form.elements.namedItem('role').dispatchEvent(new Event('change'));
      return;
    }
    const field = fieldError instanceof ApiError ? fieldError.details?.field : null;
    const id = { email: 'create-email', name: 'create-name', password: 'create-password', event_id: 'create-event', grants: 'create-event' }[field];
    if (id) {
      setFieldError(id, fieldError.message);
      document.getElementById(id).focus();
    } else if (fieldError?.code === 'email_taken') {
      setFieldError('create-email', t('admin.refused.email_taken'));
      document.getElementById('create-email').focus();
    }
  });
}

function setupGrant() {
  const form = document.getElementById('grant-form');
  followRole(form.elements.namedItem('role'), form.elements.namedItem('event_id'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const userId = Number(form.elements.namedItem('user').value);
    const user = state.users.find((u) => u.id === userId);
    if (!user) return;
    const grant = grantFrom(form.elements.namedItem('role').value, form.elements.namedItem('event_id').value);
    setFieldError('grant-event', null);
    await change(() => staffPost(`/api/admin/users/${userId}/grants`, grant), t('admin.granted', { role: grantLabel(grant), name: user.display_name }));
  });
}

// ---- audit log ---------------------------------------------------------------

function details(entry) {
  const parts = [];
  if (entry.before) parts.push(h('div', {}, h('span', { class: 'audit__label' }, `${t('admin.before')} `), h('code', {}, JSON.stringify(entry.before))));
  if (entry.after) parts.push(h('div', {}, h('span', { class: 'audit__label' }, `${t('admin.after')} `), h('code', {}, JSON.stringify(entry.after))));
  if (entry.reason) parts.push(h('div', {}, h('span', { class: 'audit__label' }, `${t('admin.reason')} `), entry.reason));
  return parts;
}

function auditRow(entry) {
  return h(
    'tr',
    { dataset: { auditId: entry.id, action: entry.action } },
    h('td', {}, h('time', { datetime: entry.at }, formatInstant(entry.at))),
    h('td', {}, entry.actor.label),
    h('td', {}, h('code', {}, entry.action)),
    h('td', {}, entry.entity_id == null ? entry.entity_type : `${entry.entity_type} ${entry.entity_id}`),
    h('td', {}, entry.event_id == null ? '' : eventTitle(entry.event_id)),
    h('td', { class: 'audit__details' }, details(entry)),
  );
}

async function loadAudit() {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(state.audit.offset) });
  for (const [name, value] of Object.entries(state.audit.filters)) if (value) params.set(name, value);
  const page = await staffGet(`/api/admin/audit?${params}`);
  const body = document.getElementById('audit-body');
  body.replaceChildren(
    ...(page.entries.length
      ? page.entries.map(auditRow)
      : [h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('admin.auditEmpty')))]),
  );
  document.getElementById('audit-prev').disabled = state.audit.offset === 0;
  document.getElementById('audit-next').disabled = !page.has_more;
  document.getElementById('audit-range').textContent = page.entries.length
    ? t('admin.range', { from: state.audit.offset + 1, to: state.audit.offset + page.entries.length })
    : '';
}

function setupAudit() {
  const form = document.getElementById('audit-form');
  eventOptions(form.elements.namedItem('event'), { allLabel: t('admin.anyEvent') });
  const show = async () => {
    try {
      await loadAudit();
    } catch (err) {
      alertMessage(refusal(err));
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name) => form.elements.namedItem(name).value.trim();
    state.audit.filters = { event: value('event'), actor: value('actor'), action: value('action'), since: value('since') };
    state.audit.offset = 0;
    show();
  });
  document.getElementById('audit-prev').addEventListener('click', () => {
    state.audit.offset = Math.max(0, state.audit.offset - PAGE);
    show();
  });
  document.getElementById('audit-next').addEventListener('click', () => {
    state.audit.offset += PAGE;
    show();
  });
}

// ---- page ------------------------------------------------------------------

async function main() {
  await initI18n();
  document.title = `${t('admin.title')} · ${t('appName')}`;
  showLoading();
  try {
    state.me = await requireStaff();
    if (!state.me) return; // on the way to the sign-in page
    showStaffBar(state.me);
    if (!isAdmin(state.me)) {
      const status = document.getElementById('status');
      status.replaceChildren(t('admin.notAdmin'), ' ', h('a', { href: '/console' }, t('admin.toConsole')));
      return;
    }
    const { events } = await getJSON('/api/events');
    state.events = new Map(events.map((e) => [e.id, e]));
    setupCreate();
    setupGrant();
    setupAudit();
    await Promise.all([loadUsers(), loadAudit()]);
    clearStatus();
    document.getElementById('admin').hidden = false;
  } catch (err) {
    showError(err);
  }
}

main();
