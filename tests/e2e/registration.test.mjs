// Browser tests: registering on the event page, the delegate's own page at
// /r/{code} (sessions, overlaps, waiting lists, cancelling) and the refusals.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient } from './helpers/api.mjs';
import { startServer } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const BARCELONA = 'barcelona-women-colloquium-2014';
const SEOUL = 'seoul-miti-water-supply-2014'; // capacity 40, with a waiting list
const HYDERABAD = 'hyderabad-2014'; // parallel sessions by track
const ASSEMBLY = 'hyderabad-2014-general-assembly'; // eligibility: dues paid for 2013 and 2014
const CODE_URL = /\/r\/[a-z2-7]{26}$/;

let server;
let browser;
let client; // calls the API from node, once the server is up

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  client = apiClient(server.baseURL);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const api = (...args) => client.api(...args);
const getEvent = (...args) => client.getEvent(...args);
const registerByApi = (...args) => client.registerByApi(...args);

async function newPage() {
  const context = await newStrictContext(browser, {
    baseURL: server.baseURL,
    locale: 'en-GB',
    timezoneId: 'America/Los_Angeles',
  });
  const page = await context.newPage();
  return { context, page, problems: watchPage(page) };
}

/** The text of an element with its whitespace collapsed. */
async function text(locator) {
  return (await locator.textContent()).replace(/\s+/g, ' ').trim();
}

test('register on the Barcelona colloquium, choose a session, then cancel', async () => {
  const event = await getEvent(BARCELONA);
  const session = event.sessions.find((s) => s.status === 'scheduled' && s.kind === 'plenary');
  assert.ok(session, 'the colloquium has a plenary session');

  const { context, page, problems } = await newPage();
  await page.goto(`/events/${BARCELONA}`);
  const form = page.getByRole('form', { name: 'Register' });
  await form.waitFor();
  const name = form.getByLabel('Full name');
  const email = form.getByLabel('Email address');
  const submit = form.getByRole('button', { name: 'Register', exact: true });

  // Empty: inline errors on the two required fields, tied to them, focus on the first.
  await submit.click();
  const nameError = page.locator('#reg-name-error');
  await nameError.waitFor();
  assert.equal(await text(nameError), 'Enter your name.');
  assert.equal(await text(page.locator('#reg-email-error')), 'Enter your email address.');
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.match(await name.getAttribute('aria-describedby'), /\breg-name-error\b/);
  assert.match(await email.getAttribute('aria-describedby'), /\breg-email-error\b/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'reg-name');
  assert.match(await text(page.getByRole('alert')), /correct the 2 fields/);
  assert.doesNotMatch(await text(page.locator('#register')), /\b(null|undefined)\b/);

  // A malformed address is refused before sending; the name error clears.
  await name.fill('Ada Puig i Ferrer');
  await email.fill('ada.puig@example');
  await submit.click();
  await page.locator('#reg-email-error', { hasText: 'valid email address' }).waitFor();
  assert.equal(await nameError.isHidden(), true);
  assert.equal(await name.getAttribute('aria-invalid'), null);

  // The language defaults to the page language; there is no eligibility rule here.
  assert.equal(await form.getByLabel('Language').inputValue(), 'en');
  assert.equal(await form.getByLabel('Member organisation').evaluate((el) => el.required), false);

  await email.fill('ada.puig@example.org');
  await form.getByLabel('Organisation', { exact: true }).fill('Ajuntament de Barcelona');

  // Hold the request to see the sending state; a second submit must not send again.
  const keys = [];
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route('**/api/events/*/registrations', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    await held;
    await route.continue();
  });
  await submit.click();
  const sending = form.getByRole('button', { name: 'Registering…' });
  await sending.waitFor();
  assert.equal(await sending.isDisabled(), true);
  await form.evaluate((f) => f.requestSubmit()); // a double click or a second Enter
  release();

  const done = page.getByRole('heading', { level: 2, name: 'You are registered' });
  await done.waitFor();
  assert.equal(keys.length, 1, 'one request for one submission');
  assert.match(keys[0], /^[0-9a-f-]{36}$/, 'the request carried an Idempotency-Key (a UUID)');
  await page.unroute('**/api/events/*/registrations');

  const link = page.locator('#personal-link');
  const href = await link.getAttribute('href');
  assert.match(href, CODE_URL);
  assert.equal(await text(link), href, 'the whole personal link is shown');
  await page.getByRole('button', { name: 'Copy link' }).waitFor();
  assert.match(await text(page.locator('.personal-link')), /Keep this link/);

  // The delegate's page.
  await link.click();
  await page.waitForURL(CODE_URL);
  await page.getByRole('heading', { level: 1, name: 'My registration' }).waitFor();
  const status = page.locator('#reg-status');
  await status.waitFor();
  assert.equal(await text(status), 'Confirmed');
  assert.equal(await text(page.locator('.reg-summary__event')), event.title);
  await page.getByText('You have not chosen any sessions yet.').waitFor();

  // Enrol in a session: it becomes one of "your sessions".
  const card = page.locator(`#choose-sessions article[data-session-id="${session.id}"]`);
  await card.getByRole('button', { name: 'Add to my sessions' }).click();
  await page.locator('#feedback', { hasText: `You are enrolled in “${session.title}”.` }).waitFor();
  const mine = page.locator(`#my-sessions li[data-session-id="${session.id}"]`);
  await mine.waitFor();
  assert.match(await text(mine), /Place confirmed/);
  assert.match(await text(mine), new RegExp(escapeRegExp(session.title)));
  await card.getByRole('button', { name: 'Leave' }).waitFor();
  assert.match(await text(card), /Yours/);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent.trim()), 'Leave', 'focus stays on the card');

  // Cancel, through the confirmation dialog.
  await page.getByRole('button', { name: 'Cancel my registration' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel your registration?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Yes, cancel my registration' }).click();
  await page.locator('#reg-status[data-status="cancelled"]').waitFor();
  assert.equal(await text(status), 'Cancelled');
  await page.locator('#feedback', { hasText: 'Your registration has been cancelled.' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Cancel my registration' }).count(), 0);
  assert.equal(await page.locator('#my-sessions').count(), 0);

  // The server agrees.
  const code = href.split('/').pop();
  const { body } = await api('GET', `/api/registrations/${code}`);
  assert.equal(body.registration.status, 'cancelled');
  assert.equal(body.registration.email, 'ada.puig@example.org');
  assert.equal(body.registration.organisation, 'Ajuntament de Barcelona');
  assert.equal(body.registration.language, 'en');

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('a full event puts the delegate on the waiting list; a full session offers its own', async () => {
  const event = await getEvent(SEOUL);
  assert.equal(event.capacity, 40);
  assert.equal(event.waitlist_enabled, true);
  const delegates = [];
  for (let n = 1; n <= event.capacity - event.confirmed; n += 1) {
    const registration = await registerByApi(event.id, n, 'seoul');
    assert.equal(registration.status, 'confirmed', `delegate ${n} gets a seat`);
    delegates.push(registration);
  }

  const { context, page, problems } = await newPage();
  await page.goto(`/events/${SEOUL}`);
  const form = page.getByRole('form', { name: 'Register' });
  await form.waitFor();
  await page.locator(`[data-seats][data-event-id="${event.id}"]`, { hasText: 'waiting list open' }).waitFor();
  await page.getByText('The event is full: registering puts you on its waiting list.').waitFor();
  await form.getByLabel('Full name').fill('Min-jun Park');
  await form.getByLabel('Email address').fill('min-jun.park@example.org');
  await form.getByRole('button', { name: 'Join the waiting list' }).click();

  await page.getByRole('heading', { level: 2, name: 'You are on the waiting list, position 1' }).waitFor();
  const link = page.locator('#personal-link');
  assert.match(await link.getAttribute('href'), CODE_URL);

  await link.click();
  await page.waitForURL(CODE_URL);
  const status = page.locator('#reg-status');
  await status.waitFor();
  assert.equal(await text(status), 'On the waiting list, position 1');
  await page.getByText('Only delegates with a confirmed place can choose sessions.', { exact: false }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add to my sessions' }).count(), 0);

  // A session smaller than the event: fill it through the API, then a confirmed
  // delegate is offered its waiting list.
  const small = event.sessions
    .filter((s) => s.status === 'scheduled' && s.capacity < event.capacity)
    .sort((a, b) => a.capacity - b.capacity)[0];
  assert.ok(small, 'the workshop has a session smaller than the event');
  for (const r of delegates.slice(0, small.capacity)) {
    const { status: code } = await api('POST', `/api/registrations/${r.code}/sessions`, { session_id: small.id });
    assert.equal(code, 201);
  }
  const latecomer = delegates[small.capacity];
  await page.goto(`/r/${latecomer.code}`);
  const card = page.locator(`#choose-sessions article[data-session-id="${small.id}"]`);
  await card.waitFor();
  assert.match(await text(card.locator('[data-seats]')), /^Full$/);
  await card.getByRole('button', { name: 'Join the waiting list' }).click();
  await page.locator('#feedback', { hasText: 'position 1' }).waitFor();
  const mine = page.locator(`#my-sessions li[data-session-id="${small.id}"]`);
  await mine.waitFor();
  assert.match(await text(mine), /Waiting list, position 1/);

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('a session at the same time as one held is shown disabled, with the reason', async () => {
  const event = await getEvent(HYDERABAD);
  const slots = new Map();
  for (const s of event.sessions.filter((x) => x.status === 'scheduled')) {
    const key = `${s.starts_at}|${s.ends_at}`;
    slots.set(key, [...(slots.get(key) ?? []), s]);
  }
  const [first, second] = [...slots.values()].find((list) => list.length >= 2);
  const registration = await registerByApi(event.id, 1, 'hyderabad');

  const { context, page, problems } = await newPage();
  await page.goto(`/r/${registration.code}`);
  const firstCard = page.locator(`#choose-sessions article[data-session-id="${first.id}"]`);
  const secondCard = page.locator(`#choose-sessions article[data-session-id="${second.id}"]`);
  await firstCard.getByRole('button', { name: 'Add to my sessions' }).click();
  await page.locator(`#my-sessions li[data-session-id="${first.id}"]`).waitFor();

  const blocked = secondCard.getByRole('button', { name: 'Add to my sessions' });
  await secondCard.getByText(`At the same time as “${first.title}”, which you hold.`, { exact: false }).waitFor();
  assert.equal(await blocked.isDisabled(), true);
  const noteId = await blocked.getAttribute('aria-describedby');
  assert.match(await text(page.locator(`[id="${noteId}"]`)), /At the same time as/);

  // Leaving the first session frees the slot.
  await page.locator(`#my-sessions li[data-session-id="${first.id}"]`).getByRole('button', { name: 'Leave' }).click();
  await page.locator('#feedback', { hasText: `You have left “${first.title}”.` }).waitFor();
  await page.getByText('You have not chosen any sessions yet.').waitFor();
  assert.equal(await secondCard.getByRole('button', { name: 'Add to my sessions' }).isEnabled(), true);

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('refusals: eligibility, an address already registered, a lost answer retried', async () => {
  const { organisations } = (await api('GET', '/api/organisations')).body;
  // Caracas is a member whose 2014 dues are unpaid in the demo data.
  const unpaid = organisations.find((o) => o.member && o.name === 'Caracas');
  assert.ok(unpaid, 'the demo data has the member organisation Caracas');

  const { context, page, problems } = await newPage();
  await page.goto(`/events/${ASSEMBLY}`);
  const form = page.getByRole('form', { name: 'Register' });
  await form.waitFor();
  const member = form.getByLabel('Member organisation');
  assert.equal(await member.evaluate((el) => el.required), true, 'an eligibility rule makes it required');
  await form.getByLabel('Full name').fill('Carlos Rivas');
  await form.getByLabel('Email address').fill('carlos.rivas@example.org');
  await form.getByRole('button', { name: 'Register', exact: true }).click();
  await page.locator('#reg-member-error', { hasText: 'Choose the member organisation you represent.' }).waitFor();
  assert.equal(await member.getAttribute('aria-invalid'), 'true');

  await member.selectOption(String(unpaid.id));
  await form.getByRole('button', { name: 'Register', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'open only to delegates of member organisations' }).waitFor();
  assert.equal(await member.getAttribute('aria-invalid'), null);

  // Barcelona: an address already registered, after a first attempt whose answer is lost.
  const barcelona = await getEvent(BARCELONA);
  await registerByApi(barcelona.id, 1, 'twice');
  await page.goto(`/events/${BARCELONA}`);
  await form.waitFor();
  await form.getByLabel('Full name').fill('Twice Delegate');
  await form.getByLabel('Email address').fill('twice-1@example.org');

  const keys = [];
  await page.route('**/api/events/*/registrations', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (keys.length === 1) await route.abort('failed');
    else await route.continue();
  });
  await form.getByRole('button', { name: 'Register', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'could not be reached' }).waitFor();
  await form.getByRole('button', { name: 'Register', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'already registered for this event' }).waitFor();
  assert.equal(keys.length, 2);
  assert.equal(keys[1], keys[0], 'the retry repeats the Idempotency-Key');

  const expected = [
    /HTTP 409: .*\/api\/events\/\d+\/registrations$/,
    /request failed: .*\/api\/events\/\d+\/registrations net::ERR_FAILED/,
    /console error: Failed to load resource: net::ERR_FAILED/,
    /console error: Failed to load resource: the server responded with a status of 409/,
  ];
  const unexpected = problems().filter((p) => !expected.some((re) => re.test(p)));
  assert.deepEqual(unexpected, [], 'no errors beyond the refusals provoked');
  await context.close();
});

test('the form gives way to the reason when registration is not open or the event is full', async () => {
  const { context, page, problems } = await newPage();
  // The live channel would correct the faked counts (its snapshot has the real
  // ones, and the form follows them): keep it quiet, connected to nothing.
  await page.routeWebSocket('**/live', () => {});
  let change = null;
  await page.route(`**/api/events/${BARCELONA}`, async (route) => {
    const response = await route.fetch();
    const event = await response.json();
    await route.fulfill({ response, json: { ...event, ...change }, headers: { 'cache-control': 'no-store' } });
  });
  const section = page.locator('#register');

  change = { registration_opens_at: '2099-01-04T00:00:00+01:00' };
  await page.goto(`/events/${BARCELONA}`);
  await section.getByText(/^Registration opens on .*2099/).waitFor();
  assert.equal(await section.locator('form').count(), 0);

  change = { registration_closes_at: '2001-01-04T00:00:00+01:00' };
  await page.reload();
  await section.getByText('Registration for this event has closed.').waitFor();
  assert.equal(await section.locator('form').count(), 0);

  change = { seats_left: 0, confirmed: 60, waitlist_enabled: false };
  await page.reload();
  await section.getByText('This event is full and has no waiting list.').waitFor();
  assert.equal(await section.locator('form').count(), 0);

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('an unknown registration code gets a friendly page', async () => {
  const { context, page, problems } = await newPage();
  await page.goto('/r/aaaaaaaaaaaaaaaaaaaaaaaaaa');
  await page.getByRole('heading', { level: 1, name: 'Registration not found' }).waitFor();
  await page.getByText('There is no registration for this link.').waitFor();
  await page.getByRole('main').getByRole('link', { name: 'All events' }).last().waitFor();
  const unexpected = problems().filter(
    (p) => !/HTTP 404: .*\/api\/registrations\/a{26}$|status of 404/.test(p),
  );
  assert.deepEqual(unexpected, []);
  await context.close();
});

function escapeRegExp(value) {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
