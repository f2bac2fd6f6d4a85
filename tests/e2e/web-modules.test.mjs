// Unit tests of the browser modules that need no DOM: date formatting in the
// event's time zone, and the language files. Runs under plain node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/server.mjs';

const WEB = join(REPO_ROOT, 'web');

// web/ has no package.json marking its .js files as ES modules, so load each
// (import-free) file's source as a module of its own.
async function importWeb(path) {
  const source = await readFile(join(WEB, path), 'utf8');
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
}

test('times are formatted in the event time zone, whatever the machine zone', async () => {
  const f = await importWeb('js/format.js');
  const tz = 'Asia/Kolkata';
  assert.equal(f.formatTime('2014-10-07T09:00:00+05:30', tz, 'en-GB'), '09:00');
  // The same instant written in UTC still shows Hyderabad's wall clock.
  assert.equal(f.formatTime('2014-10-07T03:30:00Z', tz, 'en-GB'), '09:00');
  assert.equal(f.dayKey('2014-10-07T23:30:00+05:30', tz), '2014-10-07');
  assert.equal(f.dayKey('2014-10-07T18:30:00Z', tz), '2014-10-08');
  assert.match(f.formatDay('2014-10-07T09:00:00+05:30', tz, 'en-GB'), /Tuesday.*7 October 2014/);
  assert.match(f.formatOffset('2014-10-07T09:00:00+05:30', tz, 'en-GB'), /5:30/);
});

test('a date range names both days and the year once', async () => {
  const f = await importWeb('js/format.js');
  const range = f.formatDateRange('2014-10-07T09:00:00+05:30', '2014-10-10T18:00:00+05:30', 'Asia/Kolkata', 'en-GB');
  assert.match(range, /Tue.*7.*Fri.*10 October 2014/);
  assert.equal(range.match(/2014/g).length, 1);
  const oneDay = f.formatDateRange('2014-11-20T09:30:00+01:00', '2014-11-20T18:00:00+01:00', 'Europe/Madrid', 'en-GB');
  assert.match(oneDay, /Thu.*20 November 2014/);
});

test('phase() places now before, during or after a window', async () => {
  const f = await importWeb('js/format.js');
  const start = '2014-10-07T09:00:00+05:30';
  const end = '2014-10-10T18:00:00+05:30';
  assert.equal(f.phase(start, end, new Date('2014-10-01T00:00:00Z')), 'before');
  assert.equal(f.phase(start, end, new Date('2014-10-08T00:00:00Z')), 'during');
  assert.equal(f.phase(start, end, new Date('2014-10-11T00:00:00Z')), 'after');
  assert.equal(f.phase(null, null, new Date()), 'during');
});

test('the registration form checks fields as the server does', async () => {
  const v = await importWeb('js/validate.js');
  for (const good of ['ada@example.org', 'a.b+c@sub.example.co.uk', 'x@a.bc']) {
    assert.equal(v.isEmail(good), true, good);
  }
  for (const bad of ['', 'ada', 'ada@example', '@example.org', 'ada@@example.org', 'ada@example.org.', 'a b@example.org',
    'ada@.org', `${'a'.repeat(65)}@example.org`, 'ada@exa,mple.org']) {
    assert.equal(v.isEmail(bad), false, bad);
  }
  assert.deepEqual(v.validateRegistration({ name: '', email: '' }), { name: 'required', email: 'required' });
  assert.deepEqual(v.validateRegistration({ name: 'Ada', email: 'ada@example' }), { email: 'invalid' });
  assert.deepEqual(v.validateRegistration({ name: 'x'.repeat(201), email: 'ada@example.org' }), { name: 'tooLong' });
  assert.deepEqual(v.validateRegistration({ name: 'Ada\u0007', email: 'ada@example.org' }), { name: 'invalid' });
  // Length is counted in characters, not UTF-16 units: 200 emoji are allowed.
  assert.deepEqual(v.validateRegistration({ name: '😀'.repeat(200), email: 'ada@example.org' }), {});
  assert.deepEqual(v.validateRegistration({ name: 'Ada', email: 'ada@example.org' }, { memberRequired: true }), {
    member_organisation_id: 'required',
  });
  assert.deepEqual(
    v.validateRegistration({ name: 'Ada', email: 'ada@example.org', member_organisation_id: '3' }, { memberRequired: true }),
    {},
  );
});

test('every language file has exactly the English keys and placeholders', async () => {
  const files = (await readdir(join(WEB, 'i18n'))).filter((name) => name.endsWith('.js'));
  assert.deepEqual(files.sort(), ['en.js', 'es.js', 'fr.js']);
  const en = (await importWeb('i18n/en.js')).default;
  const placeholders = (value) =>
    [...new Set([...JSON.stringify(value).matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

  for (const file of files) {
    const strings = (await importWeb(`i18n/${file}`)).default;
    assert.deepEqual(Object.keys(strings).sort(), Object.keys(en).sort(), `${file} keys`);
    for (const [key, value] of Object.entries(strings)) {
      assert.deepEqual(placeholders(value), placeholders(en[key]), `${file} "${key}" placeholders`);
      if (typeof value === 'object') assert.ok(value.other, `${file} "${key}" has an "other" plural form`);
    }
  }
});

test('pages have no inline scripts, styles or event handlers (CSP script-src \'self\')', async () => {
  for (const page of ['index.html', 'event.html', 'registration.html', 'letter-verify.html', 'letter-print.html', 'console-event.html']) {
    const html = await readFile(join(WEB, page), 'utf8');
    for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(attrs, /\bsrc="\/[^"]+"/, `${page}: every <script> has an absolute src`);
      assert.equal(body.trim(), '', `${page}: no inline script`);
    }
    assert.doesNotMatch(html, /\sstyle=|<style\b/i, `${page}: no inline styles`);
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${page}: no inline event handlers`);
    assert.doesNotMatch(html, /(?:src|href)="(?!\/|https?:|#)/, `${page}: asset paths are absolute`);
  }
});
