// Browser tests of the organiser console (/console, /console/events/{id}).
//
// An organiser of the Barcelona colloquium is created with `congress user add`
// and signs in through POST /api/staff/login. The console needs staff sign-in:
// on a server without it (the login route answers 404) these tests are
// skipped, with a note saying so, rather than failing.
//
// Every test that waits for a live change sets a marker on `window` first:
// the marker still being there proves that the page was not reloaded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiClient } from './helpers/api.mjs';
import { startServer, congressBinary, REPO_ROOT } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const BARCELONA = 'barcelona-women-colloquium-2014'; // capacity 60; Auditorium (80) and Seminar room (30)
const ORGANISER = { email: 'olga.organiser@example.org', name: 'Olga Organiser', password: 'correct horse battery staple' };
const SKIP_REASON = 'staff sign-in (POST /api/staff/login) is not available on this server yet';

let server;
let browser;
let client;
let event; // the Barcelona colloquium as the public API shows it
let signInAvailable = false;
let organiser; // { context, page, problems } signed in as the organiser

/** Runs `congress` with a line on standard input (the password). */
function congressWithInput(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(congressBinary(), args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`congress ${args.join(' ')}: ${output}`))));
    child.stdin.end(`${input}\n`);
  });
}

async function newContext() {
  return newStrictContext(browser, {
    baseURL: server.baseURL,
    locale: 'en-GB',
    timezoneId: 'America/Los_Angeles', // far from Madrid: times must still read as Madrid's
    acceptDownloads: true,
  });
}

/** Signs the context in as the organiser; false when the server has no sign-in. */
async function signIn(context) {
  const response = await context.request.post('/api/staff/login', {
    data: { email: ORGANISER.email, password: ORGANISER.password },
  });
  if (response.status() === 404) return false;
  assert.equal(response.status(), 200, `sign-in: ${await response.text()}`);
  return true;
}

/** Calls the organiser API from the signed-in context (cookie and CSRF token). */
async function organiserCall(method, path, data) {
  const me = await (await organiser.context.request.get('/api/staff/me')).json();
  const response = await organiser.context.request.fetch(path, {
    method,
    data,
    headers: { 'X-CSRF-Token': me.csrf_token, 'Content-Type': 'application/json' },
  });
  return { status: response.status(), body: await response.json() };
}

const day = () => event.starts_at.slice(0, 10); // the colloquium's date, at the venue

async function text(locator) {
  return (await locator.textContent()).replace(/\s+/g, ' ').trim();
}

async function mark(page) {
  await page.evaluate(() => {
    window.__consoleMarker = 'still here';
  });
}

async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__consoleMarker), 'still here', 'the page was not reloaded');
}

async function openEvent(tab = 'programme') {
  await organiser.page.goto(`/console/events/${event.id}#${tab}`);
  await organiser.page.locator('#console-event:not([hidden])').waitFor();
  await organiser.page.locator('#live-status[data-state="live"]').waitFor();
}

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  client = apiClient(server.baseURL);
  event = await client.getEvent(BARCELONA);
  await congressWithInput(
    ['user', 'add', '--db', server.db, '--email', ORGANISER.email, '--name', ORGANISER.name, '--role', 'organiser', '--event', BARCELONA],
    ORGANISER.password,
  );
  const context = await newContext();
  signInAvailable = await signIn(context);
  if (!signInAvailable) {
    console.log(`# console.test.mjs: skipped: ${SKIP_REASON}`);
    await context.close();
    return;
  }
  const page = await context.newPage();
  organiser = { context, page, problems: watchPage(page) };
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the console pages have no inline scripts, styles or event handlers', async () => {
  for (const page of ['console.html', 'console-event.html']) {
    const html = await readFile(join(REPO_ROOT, 'web', page), 'utf8');
    for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(attrs, /\bsrc="\/[^"]+"/, `${page}: every <script> has an absolute src`);
      assert.equal(body.trim(), '', `${page}: no inline script`);
    }
    assert.doesNotMatch(html, /\sstyle=|<style\b/i, `${page}: no inline styles`);
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${page}: no inline event handlers`);
  }
});

test('without a session, the console sends the visitor to sign in and back', async (t) => {
  if (!signInAvailable) return t.skip(SKIP_REASON);
  const context = await newContext();
  const page = await context.newPage();
  await page.goto('/console');
  await page.waitForURL(/\/login\?next=%2Fconsole/);
  await context.close();
});

test('the console lists the events the organiser organises and the programme by day and room', async (t) => {
  if (!signInAvailable) return t.skip(SKIP_REASON);
  const { page } = organiser;
  await page.goto('/console');
  const cards = page.locator('.event-card');
  await cards.first().waitFor();
  assert.equal(await cards.count(), 1, 'only the event this organiser organises');
  assert.match(await text(page.locator('#staff-bar')), /Olga Organiser/);
  await cards.first().getByRole('link').click();
  await page.locator('#console-event:not([hidden])').waitFor();
  assert.equal(await text(page.locator('#event-title')), event.title);
  const programme = page.getByRole('tabpanel', { name: 'Programme' });
  await programme.getByRole('heading', { level: 4, name: /Auditorium/ }).waitFor();
  // 09:30 at the venue, whatever the browser's own zone.
  assert.equal(await text(programme.locator('tbody tr').first().locator('td').first()), '09:30–10:00');
  assert.equal(await programme.locator('tbody tr').count(), event.sessions.length);
});

test('a session added in the console appears on a delegate’s open page without a reload', async (t) => {
  if (!signInAvailable) return t.skip(SKIP_REASON);
  const delegateContext = await newContext();
  const delegate = await delegateContext.newPage();
  const delegateProblems = watchPage(delegate);
  await delegate.goto(`/events/${BARCELONA}`);
  await delegate.locator('#live-status[data-state="live"]').waitFor();
  await mark(delegate);

  await openEvent('programme');
  const { page } = organiser;
  await page.getByRole('button', { name: 'Add a session' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Title').fill('Workshop: safe public transport at night');
  await dialog.getByLabel('Room').selectOption({ label: 'Seminar room (30 places)' });
  await dialog.getByLabel('Starts').fill(`${day()}T11:00`);
  await dialog.getByLabel('Ends').fill(`${day()}T11:45`);
  await dialog.getByLabel('Speakers').fill('Núria Vidal\nAda Ruiz');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.match(await text(page.locator('#feedback')), /added to the programme/);
  await page.locator('.console-session__title', { hasText: 'Workshop: safe public transport at night' }).waitFor();

  await delegate.getByText('Workshop: safe public transport at night').first().waitFor();
  await assertNotReloaded(delegate);
  assert.deepEqual(delegateProblems(), []);
  await delegateContext.close();
});

test('a double-booked room and too many places are refused at the field, and nothing is saved', async (t) => {
  if (!signInAvailable) return t.skip(SKIP_REASON);
  await openEvent('programme');
  const { page } = organiser;
  const before = (await client.getEvent(BARCELONA)).schedule_version;

  await page.getByRole('button', { name: 'Add a session' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Title').fill('Clashing session');
  await dialog.getByLabel('Room').selectOption({ label: "Auditorium (Sala d'actes) (80 places)" });
  await dialog.getByLabel('Starts').fill(`${day()}T10:30`);
  await dialog.getByLabel('Ends').fill(`${day()}T11:30`);
  await dialog.getByLabel('Places').fill('90');
  await dialog.getByRole('button', { name: 'Save' }).click();
  assert.match(await text(dialog.locator('.field', { has: page.getByLabel('Places') }).locator('.field__error')), /only 80 places/);
  await dialog.getByLabel('Places').fill('40');
  await dialog.getByRole('button', { name: 'Save' }).click();
  const roomError = dialog.locator('.field', { has: page.getByLabel('Room') }).locator('.field__error');
  assert.match(await text(roomError), /already booked.*Panel 1/);
  assert.equal(await dialog.getByLabel('Room').getAttribute('aria-invalid'), 'true');

  // A clash the page cannot know about (booked elsewhere meanwhile) is refused by the server.
  const created = await organiserCall('POST', `/api/events/${event.id}/sessions`, {
    title: 'Booked meanwhile',
    room_id: event.rooms.find((r) => r.name === 'Seminar room').id,
    starts_at: `${day()}T12:30`,
    ends_at: `${day()}T13:30`,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await dialog.getByLabel('Room').selectOption({ label: 'Seminar room (30 places)' });
  await dialog.getByLabel('Starts').fill(`${day()}T13:00`);
  await dialog.getByLabel('Ends').fill(`${day()}T14:00`);
  await dialog.getByLabel('Places').fill('20');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await roomError.filter({ hasText: 'Booked meanwhile' }).waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await client.getEvent(BARCELONA)).schedule_version, before + 1, 'only the API call changed the programme');
});

test('registrations: live counts, filters, a promotion with a reason, CSV export and the activity feed', async (t) => {
  if (!signInAvailable) return t.skip(SKIP_REASON);
  const { page } = organiser;
  // Two places, so that the third delegate waits.
  await openEvent('details');
  const details = page.getByRole('tabpanel', { name: 'Event details' });
  await details.getByLabel('Places').fill('2');
  await details.getByRole('button', { name: 'Save' }).click();
  await details.getByText('Saved.').waitFor();

  await page.getByRole('tab', { name: 'Registrations' }).click();
  await mark(page);
  const registrations = page.getByRole('tabpanel', { name: 'Registrations' });
  await client.api('POST', `/api/events/${event.id}/registrations`, { name: 'Ruiz, Ana', email: 'ana.ruiz@example.org' });
  await client.api('POST', `/api/events/${event.id}/registrations`, { name: '=1+1', email: 'formula@example.org' });
  await client.api('POST', `/api/events/${event.id}/registrations`, {
    name: '<img src=x onerror="window.__xss=1"> Núria',
    email: 'nuria@example.org',
    organisation: 'Ajuntament de Barcelona',
  });
  // The counts and the table follow without a reload.
  await page.locator('.console-event-header .console-counts', { hasText: '2 confirmed of 2 · 1 waiting' }).waitFor();
  await registrations.locator('tbody tr').nth(2).waitFor();
  await assertNotReloaded(page);
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'a name is shown as text');
  assert.match(await text(registrations.locator('tbody tr').nth(2)), /<img src=x onerror=/);

  await registrations.getByLabel('Status').selectOption('waitlisted');
  await registrations.getByText('1–1 of 1 shown.').waitFor();
  assert.equal(await registrations.locator('tbody tr').count(), 1);
  assert.match(await text(registrations.locator('tbody tr')), /Núria.*Waiting list, 1/);
  await registrations.getByLabel('Search').fill('ruiz');
  await registrations.getByText('No registrations match.').waitFor();
  await registrations.getByLabel('Search').fill('');
  await registrations.locator('tbody tr', { hasText: 'Núria' }).waitFor();

  await registrations.getByRole('button', { name: /Promote .*Núria/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  assert.match(await text(dialog.locator('.field__error').first()), /Give a reason/);
  await dialog.getByLabel('Reason').fill('Invited speaker');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await dialog.getByText(/No place is free/).waitFor();
  await dialog.getByLabel('If no place is free, add one').check();
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.console-event-header .console-counts', { hasText: '3 confirmed of 3' }).waitFor();

  await registrations.getByLabel('Status').selectOption('all');
  await registrations.locator('tbody tr').nth(2).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    registrations.getByRole('link', { name: 'Export registrations (CSV)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${BARCELONA}-registrations.csv`);
  const csv = await readFile(await download.path(), 'utf8');
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a byte-order mark');
  assert.match(csv, /"Ruiz, Ana"/);
  assert.match(csv, /\n\d+,'=1\+1,/);
  assert.match(csv, /Núria/);

  await page.getByRole('tab', { name: 'Activity' }).click();
  const activity = page.getByRole('tabpanel', { name: 'Activity' });
  const promotion = activity.locator('li', { hasText: /promoted .*Núria/ });
  await promotion.waitFor();
  assert.match(await text(promotion), /Olga Organiser|@example\.org/);
  assert.match(await text(promotion), /Reason: Invited speaker/);
  // Raising the capacity to make room was recorded too, with the same reason.
  await activity.locator('li', { hasText: 'raised the event’s capacity' }).waitFor();
  // The refusals this test provoked on purpose are the only HTTP errors.
  const expected = /^HTTP (409|422): .*\/api\/events\/|^console error: Failed to load resource: .* status of (409|422) /;
  const unexpected = organiser.problems().filter((p) => !expected.test(p));
  assert.deepEqual(unexpected, [], 'no errors, CSP violations or failed requests');
});

test('registrations: Next and Previous page through a long list (keyset paging)', async (t) => {
  if (!signInAvailable) return t.skip(SKIP_REASON);
  const { page } = organiser;
  // Enough delegates for three pages of 50 (the event is full: most of them wait).
  for (let i = 0; i < 110; i += 1) {
    const { status } = await client.api('POST', `/api/events/${event.id}/registrations`, {
      name: `Pager Delegate ${String(i).padStart(3, '0')}`,
      email: `pager${i}@example.org`,
    });
    assert.equal(status, 201);
  }
  await openEvent('details');
  await page.getByRole('tab', { name: 'Registrations' }).click();
  const registrations = page.getByRole('tabpanel', { name: 'Registrations' });
  const shown = registrations.getByText(/1–50 of \d+ shown\./);
  await shown.waitFor();
  const total = Number((await text(shown)).match(/of (\d+)/)[1]);
  assert.ok(total >= 110, `${total} registrations listed`);
  const firstRow = await text(registrations.locator('tbody tr').first());

  const pagesRequested = [];
  page.on('request', (r) => {
    if (r.url().includes('/registrations?')) pagesRequested.push(new URL(r.url()).searchParams);
  });
  await registrations.getByRole('button', { name: 'Next' }).click();
  await registrations.getByText(`51–100 of ${total} shown.`).waitFor();
  await registrations.getByText(/Page 2 of \d+/).waitFor();
  assert.notEqual(await text(registrations.locator('tbody tr').first()), firstRow);
  // The second page was asked for by keyset: after the first page's last row.
  assert.ok(pagesRequested.some((p) => p.get('after')), 'Next sends after=');

  await registrations.getByRole('button', { name: 'Next' }).click();
  await registrations.getByText(`101–${Math.min(150, total)} of ${total} shown.`).waitFor();
  await registrations.getByRole('button', { name: 'Previous' }).click();
  await registrations.getByText(`51–100 of ${total} shown.`).waitFor();
  await registrations.getByRole('button', { name: 'Previous' }).click();
  await shown.waitFor();
  assert.equal(await text(registrations.locator('tbody tr').first()), firstRow);
});
