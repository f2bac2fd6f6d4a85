// The "Letters" tab of the organiser console (docs/letters.md): the event's visa
// invitation letter requests, filtered by status; one request's details (the one place
// the passport number is shown); approve, refuse or revoke with a reason; the printable
// letter; and the letterhead the event's letters print. Every action is audited by the
// server (letter.approve, letter.refuse, letter.revoke, letterhead.update).

import { h } from './dom.js';
import { t } from './i18n.js';
import { field, createForm, openDialog, wallClockText, errorMessage } from './console-ui.js';
import { get, post, patch, withQuery } from './console-api.js';

const STATUSES = ['requested', 'approved', 'refused', 'revoked'];
const TONE = { requested: 'tag--waitlist', approved: 'tag--open', refused: 'tag--cancelled', revoked: 'tag--cancelled' };

function statusTag(status) {
  return h('span', { class: `tag ${TONE[status] ?? ''}`, 'data-status': status }, t(`console.letters.status.${status}`));
}

function fact(term, value, name) {
  return h('div', { 'data-fact': name }, h('dt', {}, term), h('dd', {}, value ?? '—'));
}

/**
 * The tab. ctx: { eventId, feedback(text) }. Returns { refresh() }; the list loads when the
 * tab is first shown.
 */
export function mountLetters(panel, ctx) {
  const base = `/api/events/${encodeURIComponent(ctx.eventId)}`;
  const state = { status: '', letters: [], loaded: false };

  const statusField = field({
    name: 'letters-status',
    label: t('console.letters.filter'),
    type: 'select',
    options: [{ value: '', label: t('console.letters.all') }, ...STATUSES.map((s) => ({ value: s, label: t(`console.letters.status.${s}`) }))],
  });
  const summary = h('p', { class: 'console-summary', id: 'letters-summary', role: 'status', 'aria-live': 'polite' });
  const errorLine = h('p', { class: 'status status--error', id: 'letters-error' });
  const table = h('div', { class: 'table-scroll', id: 'letters-table' });
  const details = h('div', { id: 'letter-details', 'aria-live': 'polite' });
  const letterheadSection = h('section', { class: 'console-section', id: 'letterhead', 'aria-labelledby': 'letterhead-heading' });

  statusField.input.addEventListener('change', () => {
    state.status = statusField.value();
    load();
  });

  panel.replaceChildren(
    h('h2', {}, t('console.tab.letters')),
    h('p', { class: 'console-intro' }, t('console.letters.intro')),
    h('div', { class: 'console-filters' }, statusField.wrapper),
    errorLine,
    summary,
    table,
    details,
    letterheadSection,
  );

  async function act(path, body, done) {
    const result = await post(path, body);
    ctx.feedback(done);
    await load();
    if (details.dataset.letterId === String(result.letter?.id)) await showDetails(result.letter.id);
    return result;
  }

  function reasonDialog(letter, kind) {
    const reason = field({
      name: 'reason',
      label: t('console.letters.reason'),
      type: 'textarea',
      required: true,
      hint: t('console.letters.reasonHint'),
      attrs: { maxlength: 500 },
    });
    return openDialog({
      title: t(`console.letters.${kind}Title`, { name: letter.passport_name }),
      fields: [reason],
      submitLabel: t(`console.letters.${kind}`),
      danger: true,
      validate: (v) => (v.reason.trim() ? {} : { reason: t('console.letters.reasonRequired') }),
      onSubmit: (v) =>
        act(`${base}/letters/${letter.id}/${kind}`, { reason: v.reason.trim() }, t(`console.letters.${kind}d`, { name: letter.passport_name })),
    });
  }

  function actions(letter) {
    const out = [];
    const button = (text, named, handler, kind = 'secondary') => {
      const tone = { primary: '', secondary: ' button--secondary', danger: ' button--danger' }[kind];
      const b = h('button', { type: 'button', class: `button button--small${tone}`, 'aria-label': named }, text);
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await handler();
        } catch (err) {
          errorLine.textContent = errorMessage(err);
        } finally {
          b.disabled = false;
        }
      });
      out.push(b, ' ');
    };
    const name = letter.passport_name;
    button(t('console.letters.show'), t('console.letters.showNamed', { name }), () => showDetails(letter.id));
    if (letter.status === 'requested') {
      button(t('console.letters.approve'), t('console.letters.approveNamed', { name }), () =>
        act(`${base}/letters/${letter.id}/approve`, {}, t('console.letters.approved', { name })),
      'primary');
      button(t('console.letters.refuse'), t('console.letters.refuseNamed', { name }), () => reasonDialog(letter, 'refuse'), 'danger');
    }
    if (letter.status === 'approved') {
      out.push(
        h(
          'a',
          {
            class: 'button button--small button--secondary',
            href: `/console/events/${encodeURIComponent(ctx.eventId)}/letters/${letter.id}`,
            target: '_blank',
            rel: 'noopener',
            'aria-label': t('console.letters.printNamed', { name }),
          },
          t('console.letters.print'),
        ),
        ' ',
      );
      button(t('console.letters.revoke'), t('console.letters.revokeNamed', { name }), () => reasonDialog(letter, 'revoke'), 'danger');
    }
    return out;
  }

  function drawTable() {
    const letters = state.letters;
    summary.textContent = t('console.letters.count', { count: letters.length });
    if (!letters.length) {
      table.replaceChildren(h('p', { class: 'empty' }, t('console.letters.none')));
      return;
    }
    table.replaceChildren(
      h(
        'table',
        { class: 'console-table letters-table' },
        h('caption', { class: 'visually-hidden' }, t('console.tab.letters')),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['delegate', 'passportName', 'nationality', 'travel', 'status', 'number', 'requested', 'actions'].map((c) =>
              h('th', { scope: 'col' }, t(`console.letters.col.${c}`)),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          letters.map((l) =>
            h(
              'tr',
              { 'data-letter-id': l.id },
              h('td', {}, l.delegate_name),
              h('th', { scope: 'row' }, l.passport_name),
              h('td', {}, l.nationality),
              h('td', {}, `${l.arrival} – ${l.departure}`),
              h('td', {}, statusTag(l.status), l.reason ? h('span', { class: 'letters-reason' }, ` ${l.reason}`) : null),
              h('td', {}, l.letter_number ?? ''),
              h('td', {}, wallClockText(l.requested_at)),
              h('td', { class: 'letters-actions' }, actions(l)),
            ),
          ),
        ),
      ),
    );
  }

  async function showDetails(id) {
    try {
      const { letter: l } = await get(`${base}/letters/${id}`);
      details.dataset.letterId = String(l.id);
      details.replaceChildren(
        h(
          'section',
          { class: 'console-section letter-details', 'aria-labelledby': 'letter-details-heading' },
          h('h3', { id: 'letter-details-heading', tabindex: '-1' }, t('console.letters.detailsTitle', { name: l.passport_name })),
          h(
            'dl',
            { class: 'facts' },
            fact(t('console.letters.col.delegate'), l.delegate_name, 'delegate'),
            fact(t('console.letters.col.passportName'), l.passport_name, 'passport-name'),
            fact(t('console.letters.col.nationality'), l.nationality, 'nationality'),
            fact(t('console.letters.passportNumber'), l.passport_number ?? t('console.letters.purged'), 'passport-number'),
            fact(t('console.letters.birthDate'), l.birth_date ?? t('console.letters.purged'), 'birth-date'),
            fact(t('console.letters.col.travel'), `${l.arrival} – ${l.departure}`, 'travel'),
            fact(t('console.letters.col.status'), statusTag(l.status), 'status'),
            fact(t('console.letters.col.number'), l.letter_number, 'number'),
            fact(t('console.letters.reason'), l.reason, 'reason'),
            fact(t('console.letters.decidedBy'), l.decided_by ? `${l.decided_by}, ${wallClockText(l.decided_at)}` : null, 'decided'),
          ),
        ),
      );
      details.querySelector('h3').focus();
    } catch (err) {
      errorLine.textContent = errorMessage(err);
    }
  }

  async function load() {
    try {
      const { letters } = await get(withQuery(`${base}/letters`, { status: state.status }));
      state.letters = letters;
      errorLine.textContent = '';
      drawTable();
    } catch (err) {
      errorLine.textContent = errorMessage(err);
    }
  }

  async function loadLetterhead() {
    try {
      const { letterhead } = await get(`${base}/letterhead`);
      drawLetterhead(letterhead);
    } catch (err) {
      letterheadSection.replaceChildren(h('h3', { id: 'letterhead-heading' }, t('console.letterhead.title')), h('p', { class: 'status status--error' }, errorMessage(err)));
    }
  }

  function drawLetterhead(head) {
    const names = ['organisation', 'address', 'signatory_name', 'signatory_title', 'contact_email', 'website'];
    const limits = { organisation: 200, address: 500, signatory_name: 200, signatory_title: 200, contact_email: 254, website: 200 };
    const fields = names.map((name) =>
      field({
        name,
        label: t(`console.letterhead.${name}`),
        type: name === 'address' ? 'textarea' : name === 'contact_email' ? 'email' : name === 'website' ? 'url' : 'text',
        required: name === 'organisation',
        value: head[name] ?? '',
        attrs: { maxlength: limits[name] },
      }),
    );
    const form = createForm(fields, {
      submitLabel: t('console.letterhead.save'),
      validate: (v) => {
        const errors = {};
        if (!v.organisation.trim()) errors.organisation = t('console.letterhead.organisationRequired');
        const email = v.contact_email.trim();
        if (email && !/^[^\s@<>(),;:\\"[\]]+@[^\s@<>(),;:\\"[\]]+\.[^\s@<>(),;:\\"[\]]+$/.test(email)) {
          errors.contact_email = t('console.letterhead.emailInvalid');
        }
        const website = v.website.trim();
        if (website && !/^https?:\/\//.test(website)) errors.website = t('console.letterhead.websiteInvalid');
        return errors;
      },
      onSubmit: async (v) => {
        const body = Object.fromEntries(names.map((name) => [name, v[name].trim()]));
        const { letterhead } = await patch(`${base}/letterhead`, body);
        ctx.feedback(t('console.letterhead.saved'));
        for (const f of fields) f.set(letterhead[f.name] ?? '');
        note.textContent = t('console.letterhead.customised', { by: letterhead.updated_by ?? '' });
      },
    });
    form.el.id = 'letterhead-form';
    const note = h(
      'p',
      { class: 'field__hint', id: 'letterhead-note' },
      head.customised ? t('console.letterhead.customised', { by: head.updated_by ?? '' }) : t('console.letterhead.defaults'),
    );
    letterheadSection.replaceChildren(h('h3', { id: 'letterhead-heading' }, t('console.letterhead.title')), note, form.el);
  }

  async function refresh() {
    if (!state.loaded) {
      state.loaded = true;
      loadLetterhead();
    }
    await load();
  }

  return { refresh };
}
