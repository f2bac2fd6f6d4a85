// Unit tests of the browser modules that need no DOM: date formatting in the
// event's time zone, the language files, and the fetch module (api.js: CSRF
// token, error shape, timeout, retries) with the layers over it, against a fake
// fetch. Runs under plain node.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, mkdtemp, cp, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
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

// ---- the fetch module (web/js/api.js) and the layers over it ---------------------------

// Modules with imports of their own (api.js imports i18n.js, which imports dom.js): copy
// web/js to a temporary folder marked as ES modules and import them from there, so that
// their relative imports resolve and every layer shares one api.js (one CSRF state).
let webCopy = null;
const pageEvents = new Map(); // the window events api.js listens to (beforeunload, pagehide, pageshow)
async function importWebModule(name) {
  if (!webCopy) {
    globalThis.addEventListener ??= (type, fn) => pageEvents.set(type, fn);
    const dir = await mkdtemp(join(tmpdir(), 'congress-web-'));
    after(() => rm(dir, { recursive: true, force: true }));
    await cp(join(WEB, 'js'), join(dir, 'js'), { recursive: true });
    await writeFile(join(dir, 'js', 'package.json'), '{"type": "module"}\n');
    webCopy = pathToFileURL(join(dir, 'js', '/')).href;
  }
  return import(new URL(name, webCopy).href);
}

/** Replaces globalThis.fetch with `answer(url, init, call)` for the length of `fn`; returns the calls. */
async function withFetch(answer, fn) {
  const calls = [];
  const real = globalThis.fetch;
  globalThis.fetch = async (url, init = {}) => {
    calls.push({ url, init, headers: { ...init.headers } });
    return answer(url, init, calls.length);
  };
  try {
    await fn(calls);
  } finally {
    globalThis.fetch = real;
  }
  return calls;
}

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const header = (call, name) => {
  const found = Object.entries(call.headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return found ? found[1] : undefined;
};

test('only web/js/api.js calls fetch', async () => {
  for (const file of await readdir(join(WEB, 'js'))) {
    if (!file.endsWith('.js') || file === 'api.js') continue;
    const source = await readFile(join(WEB, 'js', file), 'utf8');
    assert.doesNotMatch(source, /\bfetch\s*\(|XMLHttpRequest|sendBeacon/, `${file} goes through api.js`);
  }
});

test('the CSRF token goes with POST, PATCH and DELETE, never with GET, from every layer', async () => {
  const api = await importWebModule('api.js');
  const staff = await importWebModule('staff.js');
  const consoleApi = await importWebModule('console-api.js');
  const desk = await importWebModule('desk-api.js');
  await withFetch(() => json(200, { ok: true }), async (calls) => {
    api.setCsrfToken('');
    await api.postJSON('/api/x', { a: 1 });
    assert.equal(header(calls.at(-1), 'X-CSRF-Token'), undefined, 'no token known: none sent');

    api.setCsrfToken('tok-123');
    assert.equal(api.csrfToken(), 'tok-123');
    await api.getJSON('/api/x');
    await staff.staffGet('/api/x');
    await consoleApi.get('/api/x');
    await desk.deskRequest('GET', '/api/x');
    for (const call of calls.slice(-4)) {
      assert.equal(call.init.method, 'GET');
      assert.equal(header(call, 'X-CSRF-Token'), undefined, `GET ${call.url} carries no token`);
    }

    const before = calls.length;
    await api.postJSON('/api/x', { a: 1 }, { idempotencyKey: 'key-1' });
    await api.deleteJSON('/api/x');
    await staff.staffPost('/api/x', { a: 1 });
    await staff.staffDelete('/api/x');
    await consoleApi.post('/api/x', { a: 1 });
    await consoleApi.patch('/api/x', { a: 2 });
    await desk.deskRequest('POST', '/api/x', { a: 3 });
    const writes = calls.slice(before);
    assert.deepEqual(writes.map((c) => c.init.method), ['POST', 'DELETE', 'POST', 'DELETE', 'POST', 'PATCH', 'POST']);
    for (const call of writes) assert.equal(header(call, 'X-CSRF-Token'), 'tok-123', `${call.init.method} carries the token`);
    assert.equal(header(writes[0], 'Idempotency-Key'), 'key-1');
    assert.equal(writes[0].init.body, '{"a":1}');
    assert.equal(header(writes[0], 'Content-Type'), 'application/json');
    assert.equal(writes[5].init.body, '{"a":2}');
    assert.equal(writes[1].init.body, undefined, 'DELETE without a body sends none');
    // Staff and desk requests are never answered from the HTTP cache.
    assert.equal(writes[2].init.cache, 'no-store');
    assert.equal(writes[6].init.cache, 'no-store');
  });

  // Signing in remembers the session's token in the one state every layer reads.
  api.setCsrfToken('');
  await withFetch(
    (url) => (url === '/api/staff/login' ? json(200, { csrf_token: 'from-login', staff: { id: 1 } }) : json(200, {})),
    async (calls) => {
      await staff.signIn('ana@example.org', 'a long password');
      assert.equal(header(calls[0], 'X-CSRF-Token'), undefined);
      assert.equal(api.csrfToken(), 'from-login');
      await desk.deskRequest('POST', '/api/events/1/checkin', {});
      assert.equal(header(calls.at(-1), 'X-CSRF-Token'), 'from-login');
      await staff.signOut();
      assert.equal(header(calls.at(-1), 'X-CSRF-Token'), 'from-login', 'signing out shows the token');
      assert.equal(api.csrfToken(), '', 'and forgets it');
    },
  );
  await withFetch(
    () => json(200, { csrf_token: 'from-me', staff: { id: 2 } }),
    async () => {
      assert.deepEqual(await desk.deskSignedIn(), { id: 2 });
      assert.equal(api.csrfToken(), 'from-me');
    },
  );
  api.setCsrfToken('');
});

test('errors come back in one shape: ApiError with code, status and details', async () => {
  const api = await importWebModule('api.js');
  const staff = await importWebModule('staff.js');
  const desk = await importWebModule('desk-api.js');
  const refusal = { error: { code: 'invalid_field', message: 'The e-mail is not valid.', field: 'email' } };

  await withFetch(() => json(422, refusal), async () => {
    for (const call of [() => api.postJSON('/api/x', {}), () => staff.staffPost('/api/x', {}), () => desk.deskGet('/api/x')]) {
      await assert.rejects(call(), (err) => {
        assert.ok(err instanceof api.ApiError);
        assert.equal(err.code, 'invalid_field');
        assert.equal(err.status, 422);
        assert.equal(err.message, 'The e-mail is not valid.');
        assert.equal(err.details.field, 'email');
        assert.equal(api.isRetryable(err), false);
        return true;
      });
    }
    // The desk gets the whole answer, refusal included.
    assert.deepEqual(await desk.deskRequest('POST', '/api/x', {}), { status: 422, body: refusal });
  });

  // An answer that is not JSON (a proxy's error page): http_<status>.
  await withFetch(() => new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }), async () => {
    for (const call of [() => api.getJSON('/api/x'), () => staff.staffGet('/api/x'), () => desk.deskGet('/api/x')]) {
      await assert.rejects(call(), (err) => err instanceof api.ApiError && err.code === 'http_502' && err.status === 502);
    }
    await assert.rejects(api.getJSON('/api/x'), (err) => err.message === 'Bad Gateway' && api.isRetryable(err));
    const answer = await desk.deskRequest('GET', '/api/x');
    assert.deepEqual(answer, { status: 502, body: null });
    assert.equal(desk.unreachable(answer), true);
  });

  // A success that is not JSON.
  await withFetch(() => new Response('not json', { status: 200 }), async () => {
    await assert.rejects(api.getJSON('/api/x'), (err) => err.code === 'bad_response' && err.status === 200);
    await assert.rejects(staff.staffGet('/api/x'), (err) => err.code === 'bad_response');
  });

  // No answer at all: code "network", from every layer.
  await withFetch(() => Promise.reject(new TypeError('Failed to fetch')), async (calls) => {
    for (const call of [() => api.getJSON('/api/x'), () => staff.staffGet('/api/x'), () => desk.deskRequest('GET', '/api/x')]) {
      await assert.rejects(call(), (err) => {
        assert.ok(err instanceof api.ApiError);
        assert.equal(err.code, 'network');
        assert.equal(err.status, 0);
        assert.equal(api.isRetryable(err), true);
        return true;
      });
    }
    assert.equal(calls.length, 3, 'nothing is retried unless asked');
  });
});

test('a request can time out (the desk\'s does), and a caller can still abort its own', async () => {
  const api = await importWebModule('api.js');
  const desk = await importWebModule('desk-api.js');
  // A server that never answers, as fetch behaves: only the signal ends the wait.
  const hang = (url, init) =>
    new Promise((resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')));
    });
  await withFetch(hang, async () => {
    const started = Date.now();
    await assert.rejects(desk.deskRequest('GET', '/api/health', undefined, { timeoutMs: 50 }), (err) => {
      assert.ok(err instanceof api.ApiError);
      assert.equal(err.code, 'network');
      assert.match(err.message, /did not answer in time/);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'the timeout ended the wait');
    await assert.rejects(api.send('GET', '/api/x', { timeoutMs: 50 }), (err) => err.code === 'network');

    // The caller's own abort is not a network error, with or without a timeout.
    for (const timeoutMs of [0, 10_000]) {
      const controller = new AbortController();
      const pending = api.send('GET', '/api/x', { signal: controller.signal, timeoutMs });
      controller.abort();
      await assert.rejects(pending, (err) => err.name === 'AbortError' && !(err instanceof api.ApiError));
    }
  });
  // An answer in time is not touched by the timeout.
  await withFetch(() => json(200, { fine: true }), async () => {
    assert.deepEqual(await desk.deskRequest('GET', '/api/x', undefined, { timeoutMs: 50 }), { status: 200, body: { fine: true } });
  });
});

test('retries only what may be repeated: GET, or a request with an Idempotency-Key', async () => {
  const api = await importWebModule('api.js');
  const flaky = (url, init, n) => (n < 3 ? Promise.reject(new TypeError('Failed to fetch')) : json(200, { n }));
  let calls = await withFetch(flaky, async () => {
    assert.deepEqual(await api.request('GET', '/api/x', { retries: 2, retryDelayMs: 1 }), { n: 3 });
  });
  assert.equal(calls.length, 3);

  calls = await withFetch(flaky, async () => {
    await assert.rejects(api.request('POST', '/api/x', { body: {}, retries: 2, retryDelayMs: 1 }), (err) => err.code === 'network');
  });
  assert.equal(calls.length, 1, 'a POST without an Idempotency-Key is sent once');

  calls = await withFetch(flaky, async () => {
    assert.deepEqual(await api.request('POST', '/api/x', { body: {}, idempotencyKey: 'k', retries: 2, retryDelayMs: 1 }), { n: 3 });
  });
  assert.equal(calls.length, 3);
  assert.ok(calls.every((c) => header(c, 'Idempotency-Key') === 'k'), 'every attempt carries the same key');

  // A 5xx is tried again too; a refusal (4xx) is not.
  calls = await withFetch((url, init, n) => (n === 1 ? json(503, { error: { code: 'busy' } }) : json(200, {})), async () => {
    await api.request('GET', '/api/x', { retries: 1, retryDelayMs: 1 });
  });
  assert.equal(calls.length, 2);
  calls = await withFetch(() => json(409, { error: { code: 'conflict' } }), async () => {
    await assert.rejects(api.request('GET', '/api/x', { retries: 3, retryDelayMs: 1 }), (err) => err.code === 'conflict');
  });
  assert.equal(calls.length, 1);
  assert.equal(api.mayRepeat('DELETE', {}), false);
  assert.equal(api.mayRepeat('DELETE', { 'idempotency-key': 'k' }), true);
});

test('a request cut short by leaving the page is an AbortError, not an error to show', async () => {
  const api = await importWebModule('api.js');
  if (!pageEvents.has('pagehide')) return; // a node with window events of its own: not testable here
  await withFetch(() => Promise.reject(new TypeError('Failed to fetch')), async () => {
    pageEvents.get('pagehide')();
    assert.equal(api.pageIsLeaving(), true);
    await assert.rejects(api.getJSON('/api/x'), (err) => err.name === 'AbortError' && !(err instanceof api.ApiError));
    pageEvents.get('pageshow')();
    assert.equal(api.pageIsLeaving(), false);
    await assert.rejects(api.getJSON('/api/x'), (err) => err instanceof api.ApiError && err.code === 'network');
  });
});
