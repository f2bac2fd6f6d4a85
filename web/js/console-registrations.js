// The "Registrations" tab of the organiser console: the event's registrations
// or one session's enrolments, searched, filtered and paged; CSV exports of
// what is shown; promote, move or cancel by hand, each with a reason.

import { h } from './dom.js';
import { t, label } from './i18n.js';
import { field, openDialog, saveState, wallClockText, errorMessage } from './console-ui.js';
import { get, post, withQuery } from './console-api.js';

const PER_PAGE = 50;
const SEARCH_DELAY_MS = 300;

/** The query string of the filters (the API's and the exports' parameters). */
export function filterParams(state) {
  return {
    q: state.q.trim(),
    status: state.status === 'all' ? '' : state.status,
    organisation: state.organisation,
    member: state.member,
    sort: state.sort === 'created' ? '' : state.sort,
  };
}

function statusTag(row, scope) {
  const text =
    row.status === 'waitlisted' && row.waitlist_position
      ? t('console.status.waitlistedAt', { position: row.waitlist_position })
      : label('console.status', row.status);
  const tone = { confirmed: 'tag--open', waitlisted: 'tag--waitlist', cancelled: 'tag--cancelled' }[row.status] ?? '';
  const tags = [h('span', { class: `tag ${tone}` }, text)];
  if (scope !== 'event' && row.registration_status !== 'confirmed') {
    tags.push(' ', h('span', { class: 'tag' }, t('console.registrationIs', { status: label('console.status', row.registration_status) })));
  }
  return tags;
}

/**
 * The registrations tab. ctx: { event, base, feedback(text), onChanged() }.
 * Returns { refresh(), showSession(id), markStale() }.
 */
export function mountRegistrations(panel, ctx) {
  const state = { scope: 'event', q: '', status: 'all', organisation: '', member: '', sort: 'created', page: 1 };
  // The event's list is paged by keyset: the `after` of each page reached with Next (its
  // previous page's next_after), so that a page far down a large event is as quick as the
  // first. Forgotten whenever the filters or the list change.
  const cursors = new Map();
  let organisations = [];
  let loading = null;
  let stale = false;

  const scopeField = field({ name: 'scope', label: t('console.reg.scope'), type: 'select', options: [] });
  const searchField = field({
    name: 'q',
    label: t('console.reg.search'),
    type: 'search',
    hint: t('console.reg.searchHint'),
    attrs: { maxlength: 200, autocomplete: 'off' },
  });
  const statusField = field({ name: 'status', label: t('console.reg.status'), type: 'select', options: [] });
  const organisationField = field({ name: 'organisation', label: t('console.reg.organisation'), type: 'select', options: [] });
  const memberField = field({
    name: 'member',
    label: t('console.reg.member'),
    type: 'select',
    options: [
      { value: '', label: t('console.reg.memberAny') },
      { value: 'yes', label: t('console.reg.memberYes') },
      { value: 'no', label: t('console.reg.memberNo') },
    ],
  });
  const sortField = field({
    name: 'sort',
    label: t('console.reg.sort'),
    type: 'select',
    options: [
      { value: 'created', label: t('console.reg.sortCreated') },
      { value: 'name', label: t('console.reg.sortName') },
    ],
  });

  const summary = h('p', { class: 'console-summary', role: 'status', 'aria-live': 'polite' });
  const table = h('div', { class: 'table-scroll' });
  const pager = h('nav', { class: 'console-pager', 'aria-label': t('console.reg.pages') });
  const exportRegistrations = h('a', { class: 'button button--secondary button--small', download: '' }, t('console.reg.exportRegistrations'));
  // The badges of the confirmed delegates listed (this page of the current filters): filter
  // by organisation or search, then print their badges together.
  const printListed = h('a', { class: 'button button--secondary button--small', target: '_blank', rel: 'noopener', hidden: true }, '');
  const exportEnrolments = h('a', { class: 'button button--secondary button--small', download: '' }, t('console.reg.exportEnrolments'));
  const loadState = saveState();

  const filters = h(
    'form',
    { class: 'console-filters', role: 'search' },
    [scopeField, searchField, statusField, organisationField, memberField, sortField].map((f) => f.wrapper),
  );
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    readFilters();
    load();
  });

  panel.replaceChildren(
    filters,
    h('p', { class: 'console-toolbar' }, exportRegistrations, ' ', exportEnrolments, ' ', printListed),
    summary,
    loadState.el,
    table,
    pager,
  );

  function fillScope() {
    const options = [
      { value: 'event', label: t('console.reg.wholeEvent') },
      ...ctx.event.sessions.map((s) => ({
        value: String(s.id),
        label: `${wallClockText(s.starts_at)} · ${s.title}${s.status === 'cancelled' ? ` (${t('cancelled')})` : ''}`,
      })),
    ];
    scopeField.input.replaceChildren(...options.map((o) => h('option', { value: o.value, selected: o.value === String(state.scope) }, o.label)));
  }

  function fillStatus() {
    const session = state.scope !== 'event';
    const values = session ? ['active', 'confirmed', 'waitlisted', 'cancelled'] : ['all', 'confirmed', 'waitlisted', 'cancelled'];
    if (!values.includes(state.status)) state.status = values[0];
    statusField.input.replaceChildren(
      ...values.map((v) => h('option', { value: v, selected: v === state.status }, t(`console.reg.status.${v}`))),
    );
  }

  function fillOrganisations() {
    const options = [{ value: '', label: t('console.reg.organisationAny') }, ...organisations.map((o) => ({ value: o, label: o }))];
    if (state.organisation && !organisations.includes(state.organisation)) options.push({ value: state.organisation, label: state.organisation });
    organisationField.input.replaceChildren(
      ...options.map((o) => h('option', { value: o.value, selected: o.value === state.organisation }, o.label)),
    );
  }

  function readFilters() {
    const scopeBefore = state.scope;
    state.scope = scopeField.value();
    state.q = searchField.value();
    state.status = statusField.value();
    state.organisation = organisationField.value();
    state.member = memberField.value();
    state.sort = sortField.value();
    state.page = 1;
    cursors.clear();
    if (scopeBefore !== state.scope) fillStatus();
  }

  let searchTimer = null;
  searchField.input.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      readFilters();
      load();
    }, SEARCH_DELAY_MS);
  });
  for (const f of [scopeField, statusField, organisationField, memberField, sortField]) {
    f.input.addEventListener('change', () => {
      readFilters();
      load();
    });
  }

  function listPath() {
    const params = { ...filterParams(state), page: state.page, per_page: PER_PAGE };
    if (state.scope === 'event') {
      if (cursors.has(state.page)) params.after = cursors.get(state.page);
      return withQuery(`${ctx.base}/registrations`, params);
    }
    if (params.status === 'active') params.status = '';
    return withQuery(`${ctx.base}/sessions/${state.scope}/enrolments`, params);
  }

  function updateExports() {
    const params = filterParams(state);
    if (params.status === 'active') params.status = '';
    const registrationParams = state.scope === 'event' ? params : { ...params, status: '' };
    exportRegistrations.href = withQuery(`${ctx.base}/export/registrations.csv`, registrationParams);
    exportEnrolments.href = withQuery(`${ctx.base}/export/enrolments.csv`, {
      ...params,
      session: state.scope === 'event' ? '' : state.scope,
      status: state.scope === 'event' ? '' : params.status,
    });
  }

  function render(page) {
    organisations = page.organisations ?? [];
    fillOrganisations();
    const first = page.total === 0 ? 0 : (state.page - 1) * PER_PAGE + 1;
    const last = Math.min(page.total, state.page * PER_PAGE);
    summary.textContent = [
      t('console.reg.showing', { first, last, count: page.total }),
      t('console.reg.totals', { confirmed: page.counts.confirmed, waitlisted: page.counts.waitlisted, cancelled: page.counts.cancelled }),
    ].join(' ');

    const scope = state.scope === 'event' ? 'event' : 'session';
    const confirmedIds = scope === 'event' ? page.registrations.filter((r) => r.status === 'confirmed').map((r) => r.id) : [];
    printListed.hidden = confirmedIds.length === 0;
    printListed.textContent = t('console.reg.printListed', { count: confirmedIds.length });
    printListed.href = withQuery('/badges', { event: ctx.event.id, registrations: confirmedIds.join(',') });
    if (page.registrations.length === 0) {
      table.replaceChildren(h('p', { class: 'empty' }, t('console.reg.none')));
    } else {
      table.replaceChildren(
        h(
          'table',
          { class: 'console-table console-registrations' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('console.col.name')),
              h('th', { scope: 'col' }, t('console.col.organisation')),
              h('th', { scope: 'col' }, t('console.col.status')),
              h('th', { scope: 'col' }, scope === 'event' ? t('console.col.registered') : t('console.col.enrolled')),
              scope === 'event' ? h('th', { scope: 'col' }, t('console.col.sessions')) : null,
              h('th', { scope: 'col' }, t('console.col.actions')),
            ),
          ),
          h(
            'tbody',
            {},
            page.registrations.map((row) =>
              h(
                'tr',
                { 'data-registration-id': row.id },
                h('td', {}, h('span', { class: 'console-person__name' }, row.name), h('span', { class: 'console-person__email' }, row.email)),
                h(
                  'td',
                  {},
                  row.member_organisation?.name ?? row.organisation ?? '',
                  row.member ? [' ', h('span', { class: 'tag tag--open' }, t('console.reg.memberTag'))] : null,
                ),
                h('td', {}, statusTag(row, scope)),
                h('td', {}, h('time', { datetime: row.created_at }, wallClockText(row.created_at))),
                scope === 'event' ? h('td', {}, String(row.sessions)) : null,
                h('td', { class: 'console-actions' }, actions(row, scope)),
              ),
            ),
          ),
        ),
      );
    }

    if (state.scope === 'event' && page.next_after != null) cursors.set(state.page + 1, page.next_after);
    const pages = Math.max(1, Math.ceil(page.total / PER_PAGE));
    const previous = h('button', { type: 'button', class: 'button button--secondary button--small', disabled: state.page <= 1 }, t('console.reg.previous'));
    const next = h('button', { type: 'button', class: 'button button--secondary button--small', disabled: state.page >= pages }, t('console.reg.next'));
    previous.addEventListener('click', () => {
      state.page -= 1;
      load();
    });
    next.addEventListener('click', () => {
      state.page += 1;
      load();
    });
    pager.replaceChildren(previous, ' ', h('span', {}, t('console.reg.pageOf', { page: state.page, pages })), ' ', next);
  }

  function actions(row, scope) {
    const buttons = [];
    const button = (text, named, handler, danger = false) => {
      const b = h('button', { type: 'button', class: `button button--small ${danger ? 'button--danger' : 'button--secondary'}` }, text);
      b.setAttribute('aria-label', named);
      b.addEventListener('click', handler);
      buttons.push(b, ' ');
    };
    if (scope === 'event' && row.status === 'confirmed') {
      const badge = h(
        'a',
        { class: 'button button--small button--secondary', target: '_blank', rel: 'noopener', href: withQuery('/badges', { event: ctx.event.id, registrations: row.id }) },
        t('console.reg.badge'),
      );
      badge.setAttribute('aria-label', t('console.reg.badgeNamed', { name: row.name }));
      buttons.push(badge, ' ');
    }
    if (row.status === 'waitlisted') {
      button(t('console.reg.promote'), t('console.reg.promoteNamed', { name: row.name }), () => promoteDialog(row, scope));
    }
    if (scope === 'session' && row.status !== 'cancelled') {
      button(t('console.reg.move'), t('console.reg.moveNamed', { name: row.name }), () => moveDialog(row));
    }
    if (row.status !== 'cancelled') {
      const text = scope === 'event' ? t('console.reg.cancel') : t('console.reg.cancelPlace');
      button(text, t('console.reg.cancelNamed', { name: row.name }), () => cancelDialog(row, scope), true);
    }
    return buttons;
  }

  const reasonField = (hint) =>
    field({ name: 'reason', label: t('console.reason'), type: 'textarea', required: true, hint, attrs: { maxlength: 2000 } });
  const overrideField = () =>
    field({ name: 'override_capacity', label: t('console.reg.override'), type: 'checkbox', hint: t('console.reg.overrideHint') });
  const needReason = (v) => (v.reason.trim() ? {} : { reason: t('console.error.reasonRequired') });

  async function act(path, body, done) {
    const result = await post(path, body);
    ctx.feedback(done);
    ctx.onChanged?.();
    await load();
    return result;
  }

  function sessionPath(row) {
    return `${ctx.base}/sessions/${state.scope}/enrolments/${row.id}`;
  }

  function sessionTitle() {
    return ctx.event.sessions.find((s) => String(s.id) === String(state.scope))?.title ?? '';
  }

  function promoteDialog(row, scope) {
    return openDialog({
      title: t('console.reg.promoteTitle', { name: row.name }),
      intro: scope === 'event' ? t('console.reg.promoteIntro') : t('console.reg.promoteSessionIntro', { title: sessionTitle() }),
      fields: [reasonField(t('console.reg.reasonHint')), overrideField()],
      submitLabel: t('console.reg.promote'),
      validate: needReason,
      onSubmit: (v) =>
        act(
          scope === 'event' ? `${ctx.base}/registrations/${row.id}/promote` : `${sessionPath(row)}/promote`,
          { reason: v.reason.trim(), override_capacity: v.override_capacity },
          t('console.reg.promoted', { name: row.name }),
        ),
    });
  }

  function cancelDialog(row, scope) {
    return openDialog({
      title: scope === 'event' ? t('console.reg.cancelTitle', { name: row.name }) : t('console.reg.cancelPlaceTitle', { name: row.name, title: sessionTitle() }),
      intro: scope === 'event' ? t('console.reg.cancelIntro') : t('console.reg.cancelPlaceIntro'),
      fields: [reasonField(t('console.reg.reasonHint'))],
      submitLabel: scope === 'event' ? t('console.reg.cancelConfirm') : t('console.reg.cancelPlaceConfirm'),
      danger: true,
      validate: needReason,
      onSubmit: (v) =>
        act(
          scope === 'event' ? `${ctx.base}/registrations/${row.id}/cancel` : `${sessionPath(row)}/cancel`,
          { reason: v.reason.trim() },
          t('console.reg.cancelled', { name: row.name }),
        ),
    });
  }

  function moveDialog(row) {
    const others = ctx.event.sessions.filter((s) => String(s.id) !== String(state.scope) && s.status === 'scheduled');
    return openDialog({
      title: t('console.reg.moveTitle', { name: row.name, title: sessionTitle() }),
      intro: t('console.reg.moveIntro'),
      fields: [
        field({
          name: 'to_session_id',
          label: t('console.reg.moveTo'),
          type: 'select',
          required: true,
          options: [
            { value: '', label: t('console.reg.moveChoose') },
            ...others.map((s) => ({ value: s.id, label: `${wallClockText(s.starts_at)} · ${s.title}` })),
          ],
        }),
        reasonField(t('console.reg.reasonHint')),
        overrideField(),
      ],
      submitLabel: t('console.reg.move'),
      validate: (v) => ({ ...needReason(v), ...(v.to_session_id ? {} : { to_session_id: t('console.error.required') }) }),
      onSubmit: (v) =>
        act(
          `${sessionPath(row)}/move`,
          { to_session_id: Number(v.to_session_id), reason: v.reason.trim(), override_capacity: v.override_capacity },
          t('console.reg.moved', { name: row.name }),
        ),
    });
  }

  async function load() {
    updateExports();
    const path = listPath();
    stale = false;
    loadState.el.dataset.state = 'saving';
    loadState.el.textContent = t('loading');
    const mine = (loading = get(path));
    try {
      const page = await mine;
      if (loading !== mine) return; // a newer request is under way
      render(page);
      loadState.clear();
    } catch (err) {
      if (loading !== mine) return;
      loadState.failed(errorMessage(err));
    }
  }

  fillScope();
  fillStatus();
  fillOrganisations();

  return {
    refresh: load,
    /** Show one session's enrolments. */
    showSession(id) {
      state.scope = String(id);
      state.page = 1;
      cursors.clear();
      fillScope();
      fillStatus();
      load();
    },
    /** The event changed (new sessions, new titles): redraw the session list. */
    setEvent(event) {
      ctx.event = event;
      fillScope();
    },
    markStale() {
      stale = true;
    },
    isStale: () => stale,
  };
}
