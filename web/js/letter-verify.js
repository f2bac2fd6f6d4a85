// Public page /letters/verify/{verification code}: what anyone holding a visa invitation
// letter (an embassy) may learn from GET /api/letters/verify/{code} — genuine or not, for
// whom, which event and its dates, the letter number, revoked or not — and nothing more.

import { h } from './dom.js';
import { initI18n, t, locale } from './i18n.js';
import { getJSON } from './api.js';
import { formatDateRange } from './format.js';

function codeFromPath() {
  const parts = location.pathname.split('/').filter(Boolean);
  return parts.length === 3 && parts[0] === 'letters' && parts[1] === 'verify' ? decodeURIComponent(parts[2]) : '';
}

function row(term, value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

function show(result) {
  const target = document.getElementById('letter-result');
  target.replaceChildren();
  if (!result) {
    target.append(h('p', { class: 'letter-verdict letter-verdict--bad', 'data-result': 'unknown' }, t('letter.unknown')));
    return;
  }
  const verdict = result.revoked ? t('letter.revoked') : t('letter.genuine');
  target.append(
    h(
      'p',
      {
        class: result.revoked ? 'letter-verdict letter-verdict--bad' : 'letter-verdict letter-verdict--good',
        'data-result': result.revoked ? 'revoked' : 'genuine',
      },
      verdict,
    ),
    h(
      'dl',
      { class: 'facts' },
      row(t('letter.number'), result.letter_number),
      row(t('letter.holder'), result.passport_name),
      row(t('letter.event'), result.event.title),
      row(
        t('letter.dates'),
        formatDateRange(result.event.starts_at, result.event.ends_at, result.event.timezone, locale()),
      ),
    ),
  );
}

async function main() {
  await initI18n();
  const code = codeFromPath();
  if (!code) return show(null);
  try {
    show(await getJSON(`/api/letters/verify/${encodeURIComponent(code)}`));
  } catch (err) {
    if (err.status === 404) return show(null);
    document.getElementById('letter-result').replaceChildren(
      h('p', { class: 'letter-verdict letter-verdict--bad', 'data-result': 'error' }, t('letter.unavailable')),
    );
  }
}

main();
