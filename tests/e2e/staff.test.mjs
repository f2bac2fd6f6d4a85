// Browser tests of the staff pages: the first admin (made with `congress user add`, the
// password piped in) signs in at /login, creates an organiser on /admin, signs out; the
// organiser signs in. A wrong password and a lock-out show what to do. The staff pages
// have no inline code, and ?next= never leads off the site.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiClient } from './helpers/api.mjs';
import { congressBinary, REPO_ROOT, startServer } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const ADMIN = { email: 'ana.admin@example.org', password: 'the first admin password' };
const ORGANISER = { email: 'orla@example.org', password: 'orla organises events' };
// Shown as text wherever it appears, never run.
const HOSTILE_NAME = 'Orla <img src=x id=xss-name> "Ní Bhriain"';

let server;
let browser;
let client;

/** `printf '%s\n' PASSWORD | congress user add …` on the test server's database. */
function addUser({ email, password }, name, role) {
  return new Promise((resolve, reject) => {
    const child = spawn(congressBinary(), ['user', 'add', '--db', server.db, '--email', email, '--name', name, '--role', role], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`congress user add: exit ${code}\n${output}`))));
    child.stdin.end(`${password}\n`);
  });
}

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  client = apiClient(server.baseURL);
  await addUser(ADMIN, 'Ana Admin', 'admin');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage() {
  const context = await newStrictContext(browser, { baseURL: server.baseURL, locale: 'en-GB' });
  const page = await context.newPage();
  return { context, page, problems: watchPage(page) };
}

async function signIn(page, { email, password }) {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** GET /api/staff/me with the context's cookies, outside the page. */
async function me(context) {
  const res = await context.request.get(`${server.baseURL}/api/staff/me`);
  return { status: res.status(), body: await res.json() };
}

// The expected refusals of a test, which watchPage reports like any other.
const expected = (problems, patterns) => problems().filter((p) => !patterns.some((re) => re.test(p)));

test('the admin signs in, creates an organiser, signs out, and the organiser signs in', async () => {
  const { events } = (await client.api('GET', '/api/events')).body;
  const event = events[0];
  const { context, page, problems } = await newPage();

  await page.goto('/login?next=%2Fadmin');
  await page.getByRole('heading', { level: 1, name: 'Staff sign-in' }).waitFor();
  await signIn(page, ADMIN);
  await page.waitForURL('**/admin');
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  await page.locator('#admin').waitFor({ state: 'visible' });
  await page.getByText('Signed in as Ana Admin').waitFor();
  const adminRow = page.locator(`#users-body tr[data-email="${ADMIN.email}"]`);
  await adminRow.getByText('Admin', { exact: true }).waitFor();

  // Create an organiser of one event.
  const create = page.locator('#create-form');
  await create.getByLabel('Email').fill(ORGANISER.email);
  await create.getByLabel('Name').fill(HOSTILE_NAME);
  await create.getByLabel('Password').fill(ORGANISER.password);
  await create.getByLabel('Role').selectOption('organiser');
  await create.getByLabel('Event').selectOption(String(event.id));
  await create.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#feedback').getByText(`Account created for ${HOSTILE_NAME}.`).waitFor();
  const row = page.locator(`#users-body tr[data-email="${ORGANISER.email}"]`);
  await row.getByText(`Organiser: ${event.title}`).waitFor();
  assert.equal(await row.locator('th').textContent(), HOSTILE_NAME, 'the name is shown as typed');
  assert.equal(await page.locator('#xss-name').count(), 0, 'no element was made from the name');

  // The audit log shows the change, by the admin.
  const created = page.locator('#audit-body tr[data-action="staff_user.create"]').first();
  await created.waitFor();
  assert.match(await created.textContent(), new RegExp(ADMIN.email.replace(/\./g, '\\.')));
  await page.locator('#audit-action').fill('staff_user.create');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#audit-range').getByText('Entries 1 to 2').waitFor();

  // Sign out: back to the sign-in page, and the session is over.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/login');
  assert.equal((await me(context)).status, 401);

  // A wrong password says so and keeps the visitor on the page.
  await page.goto('/login?next=%2F');
  await signIn(page, { email: ORGANISER.email, password: 'not my password at all' });
  await page.getByRole('alert').getByText('The email address or the password is not right.').waitFor();
  assert.match(page.url(), /\/login\?next=%2F$/);
  assert.equal(await page.getByLabel('Password').inputValue(), '', 'the wrong password is cleared');

  // The organiser signs in and is taken to ?next=.
  await signIn(page, ORGANISER);
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
  // The list is loaded (leaving while it loads would abort its request).
  await page.locator('#upcoming-events li').first().waitFor();
  const who = await me(context);
  assert.equal(who.status, 200);
  assert.equal(who.body.staff.email, ORGANISER.email);
  assert.deepEqual(who.body.staff.grants, [{ role: 'organiser', event_id: event.id }]);

  // The administration page is not for organisers.
  await page.goto('/admin');
  await page.getByText('This page is for admins.').waitFor();
  assert.equal(await page.locator('#admin').isHidden(), true);

  assert.deepEqual(expected(problems, [/HTTP 401: .*\/api\/staff\/login/, /console error: .*401/]), []);
  await context.close();
});

test('a locked account is told how long to wait', async () => {
  const locked = { email: 'locked.user@example.org', password: 'the right password, later' };
  await addUser(locked, 'Locked User', 'organiser');
  // Five failures are free; the sixth locks the account for 30 s.
  for (let i = 0; i < 6; i += 1) {
    const { status } = await client.api('POST', '/api/staff/login', { email: locked.email, password: `guess ${i}` });
    assert.equal(status, 401);
  }
  const { context, page, problems } = await newPage();
  await page.goto('/login');
  await signIn(page, locked);
  const alert = page.getByRole('alert');
  await alert.getByText(/^Too many attempts\. Try again in \d+ s\.$/).waitFor();
  const seconds = Number((await alert.textContent()).match(/(\d+) s/)[1]);
  assert.ok(seconds >= 1 && seconds <= 30, `${seconds} s`);
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).isDisabled(), true, 'the button waits too');
  assert.deepEqual(expected(problems, [/HTTP 429: .*\/api\/staff\/login/, /console error: .*429/]), []);
  await context.close();
});

test('staff pages send a visitor who is not signed in to the sign-in page, and back', async () => {
  const { context, page, problems } = await newPage();
  await page.goto('/admin');
  await page.waitForURL('**/login?next=%2Fadmin');
  await signIn(page, ADMIN);
  await page.waitForURL('**/admin');
  await page.locator('#admin').waitFor({ state: 'visible' });
  assert.deepEqual(expected(problems, [/HTTP 401: .*\/api\/staff\/me/, /console error: .*401/]), []);
  await context.close();
});

test('?next= only ever leads to a page of this site', async () => {
  const { context, page } = await newPage();
  await page.goto('/login');
  const results = await page.evaluate(async () => {
    const { safeNext } = await import('/js/staff.js');
    const cases = ['/admin', '/events/3?lang=fr#x', '//evil.example/x', '/\\evil.example', 'https://evil.example/',
      'javascript:alert(1)', '/\t/evil.example', '/.//evil.example', '', null, 'admin'];
    return cases.map((c) => safeNext(c));
  });
  assert.deepEqual(results, ['/admin', '/events/3?lang=fr#x', '/console', '/console', '/console', '/console', '/console',
    '/console', '/console', '/console', '/console']);
  await context.close();
});

test('the staff pages have no inline scripts, styles or event handlers', async () => {
  for (const file of ['login.html', 'admin.html']) {
    const html = await readFile(join(REPO_ROOT, 'web', file), 'utf8');
    for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(attrs, /\bsrc="\/[^"]+"/, `${file}: every <script> has an absolute src`);
      assert.equal(body.trim(), '', `${file}: no inline script`);
    }
    assert.doesNotMatch(html, /\sstyle=|<style\b/i, `${file}: no inline styles`);
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${file}: no inline event handlers`);
    assert.doesNotMatch(html, /(?:src|href)="(?!\/|https?:|#)/, `${file}: asset paths are absolute`);
  }
});
