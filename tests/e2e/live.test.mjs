// Browser tests: live updates over the /live WebSocket. Pages opened once
// follow seat counts, waiting lists and programme changes made elsewhere,
// without reloading, and say when the connection is lost and back.
//
// Every test sets a marker on `window` before the change it waits for: the
// marker still being there proves that the page was not reloaded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient } from './helpers/api.mjs';
import { startServer } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const BARCELONA = 'barcelona-women-colloquium-2014'; // capacity 60, one room, sessions back to back
const SEOUL = 'seoul-miti-water-supply-2014'; // capacity 40, with a waiting list
const E_GOVERNANCE = 'seoul-miti-e-governance-2014'; // capacity 40, with a waiting list
const ISTANBUL = 'istanbul-water-forum-2014'; // capacity 1500

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

async function cancelByApi(registration) {
  const { status, body } = await api('DELETE', `/api/registrations/${registration.code}`);
  assert.equal(status, 200, `cancel ${registration.code}: ${JSON.stringify(body)}`);
  return body.registration;
}

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

/** Waits until the header says the page is connected. */
async function waitLive(page) {
  await page.locator('#live-status[data-state="live"]').waitFor();
  assert.equal(await text(page.locator('#live-status')), 'Live');
  assert.equal(await page.locator('#live-status').getAttribute('role'), 'status');
}

/** Sets the no-reload marker. */
async function mark(page) {
  await page.evaluate(() => {
    window.__liveMarker = 'still here';
  });
}

async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__liveMarker), 'still here', 'the page was not reloaded');
}

/**
 * Records the elements matching `selector` (now or later, anywhere under
 * `root`) that get the "flash" class, the brief mark of a live change.
 */
async function watchFlashes(page, root, selector) {
  await page.evaluate(
    ([rootSelector, target]) => {
      window.__flashed = [];
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.target.matches?.(target) && r.target.classList.contains('flash')) window.__flashed.push(r.target.outerHTML);
        }
      }).observe(document.querySelector(rootSelector), { subtree: true, attributes: true, attributeFilter: ['class'] });
    },
    [root, selector],
  );
}

async function flashed(page) {
  return page.evaluate(() => window.__flashed.length);
}

function seatsText(left, capacity) {
  const n = new Intl.NumberFormat('en-GB');
  return `${n.format(left)} ${left === 1 ? 'seat' : 'seats'} left of ${n.format(capacity)}`;
}

test('a registration in one browser updates the seats left shown in another, without a reload', async () => {
  const event = await getEvent(BARCELONA);
  const watcher = await newPage();
  const registrant = await newPage();

  await watcher.page.goto(`/events/${BARCELONA}`);
  const seats = watcher.page.locator(`#event-overview [data-seats][data-event-id="${event.id}"]`);
  await seats.waitFor();
  assert.equal(await text(seats), seatsText(event.seats_left, event.capacity));
  await waitLive(watcher.page);
  await mark(watcher.page);
  await watchFlashes(watcher.page, '#event-overview', '[data-seats]');

  await registrant.page.goto(`/events/${BARCELONA}`);
  const form = registrant.page.getByRole('form', { name: 'Register' });
  await form.getByLabel('Full name').fill('Núria Vidal i Soler');
  await form.getByLabel('Email address').fill('nuria.vidal@example.org');
  await form.getByRole('button', { name: 'Register', exact: true }).click();
  await registrant.page.getByRole('heading', { level: 2, name: 'You are registered' }).waitFor();

  await watcher.page
    .locator(`#event-overview [data-seats][data-event-id="${event.id}"]`, {
      hasText: seatsText(event.seats_left - 1, event.capacity),
    })
    .waitFor();
  assert.equal(await text(seats), seatsText(event.seats_left - 1, event.capacity));
  await assertNotReloaded(watcher.page);
  assert.ok((await flashed(watcher.page)) > 0, 'the changed count was marked');
  // The registrant's own page is up to date too.
  await registrant.page
    .locator(`#event-overview [data-seats][data-event-id="${event.id}"]`, {
      hasText: seatsText(event.seats_left - 1, event.capacity),
    })
    .waitFor();

  for (const { context, problems } of [watcher, registrant]) {
    assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
    await context.close();
  }
});

test('the home page follows the seats left of upcoming events', async () => {
  const event = await getEvent(ISTANBUL);
  const { context, page, problems } = await newPage();
  await page.goto('/');
  const seats = page.locator(`#upcoming-events [data-seats][data-event-id="${event.id}"]`);
  await seats.waitFor();
  assert.equal(await text(seats), seatsText(event.seats_left, event.capacity));
  await waitLive(page);
  await mark(page);

  await registerByApi(event.id, 1, 'istanbul');
  await page
    .locator(`#upcoming-events [data-seats][data-event-id="${event.id}"]`, {
      hasText: seatsText(event.seats_left - 1, event.capacity),
    })
    .waitFor();
  await assertNotReloaded(page);

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('the delegate on the waiting list sees their place move up, then confirmed, without a reload', async () => {
  const event = await getEvent(SEOUL);
  assert.equal(event.capacity, 40);
  assert.equal(event.waitlist_enabled, true);
  const delegates = [];
  for (let n = 1; n <= event.capacity - event.confirmed; n += 1) {
    const registration = await registerByApi(event.id, n, 'seoul-live');
    assert.equal(registration.status, 'confirmed', `delegate ${n} gets a seat`);
    delegates.push(registration);
  }
  const first = await registerByApi(event.id, 'first', 'seoul-live-waiting');
  const second = await registerByApi(event.id, 'second', 'seoul-live-waiting');
  assert.equal(first.status, 'waitlisted');
  assert.equal(first.waitlist_position, 1);
  assert.equal(second.waitlist_position, 2);

  const { context, page, problems } = await newPage();
  await page.goto(`/r/${second.code}`);
  const status = page.locator('#reg-status');
  await status.waitFor();
  assert.equal(await text(status), 'On the waiting list, position 2');
  await waitLive(page);
  await mark(page);

  // The one ahead leaves the waiting list: second becomes first in line.
  await cancelByApi(first);
  await page.locator('#reg-status', { hasText: 'On the waiting list, position 1' }).waitFor();
  await page.locator('#feedback', { hasText: 'You are now number 1 on the waiting list.' }).waitFor();

  // A confirmed delegate cancels: the seat goes to the waiting list.
  await watchFlashes(page, '#registration', '#reg-status, #reg-notice');
  await cancelByApi(delegates[0]);
  await page.locator('#reg-status[data-status="confirmed"]').waitFor();
  assert.equal(await text(status), 'Confirmed');
  await page.locator('#reg-notice', { hasText: 'You have a place now' }).waitFor();
  await page.locator('#feedback', { hasText: 'You have a place now' }).waitFor();
  assert.ok((await flashed(page)) > 0, 'the new status was marked');
  // Now a confirmed delegate, they may choose sessions.
  await page.locator('#choose-sessions').getByRole('button', { name: 'Add to my sessions' }).first().waitFor();
  await assertNotReloaded(page);

  const { body } = await api('GET', `/api/registrations/${second.code}`);
  assert.equal(body.registration.status, 'confirmed');

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('the registration form follows the counts: waiting list when full, a freed seat offered again', async () => {
  const event = await getEvent(E_GOVERNANCE);
  assert.equal(event.waitlist_enabled, true);
  const delegates = [];
  for (let n = 1; n <= event.capacity - event.confirmed; n += 1) delegates.push(await registerByApi(event.id, n, 'egov'));

  const { context, page, problems } = await newPage();
  await page.goto(`/events/${E_GOVERNANCE}`);
  const form = page.getByRole('form', { name: 'Register' });
  await form.getByRole('button', { name: 'Join the waiting list' }).waitFor();
  const note = page.getByText('The event is full: registering puts you on its waiting list.');
  assert.equal(await note.isVisible(), true);
  await waitLive(page);
  await mark(page);
  await form.getByLabel('Full name').fill('Ji-woo Han');

  // A seat frees up and nobody is waiting: the form offers it.
  await cancelByApi(delegates[0]);
  await form.getByRole('button', { name: 'Register', exact: true }).waitFor();
  assert.equal(await note.isVisible(), false);
  assert.equal(await form.getByLabel('Full name').inputValue(), 'Ji-woo Han', 'what was typed stays');
  await page.locator(`#event-overview [data-seats][data-event-id="${event.id}"]`, { hasText: seatsText(1, event.capacity) }).waitFor();

  // Someone else takes it: back to the waiting list.
  await registerByApi(event.id, 'late', 'egov');
  await form.getByRole('button', { name: 'Join the waiting list' }).waitFor();
  assert.equal(await note.isVisible(), true);
  assert.equal(await form.getByLabel('Full name').inputValue(), 'Ji-woo Han');
  await assertNotReloaded(page);

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

/** "2027-04-30T12:00:00+02:00" plus minutes → the wall-clock "2027-04-30T11:45" the CLI takes. */
function shiftWallClock(rfc3339, minutes) {
  const d = new Date(`${rfc3339.slice(0, 16)}:00Z`);
  d.setUTCMinutes(d.getUTCMinutes() + minutes);
  return d.toISOString().slice(0, 16);
}

/**
 * A move that the server accepts: a session moved by a quarter or half hour
 * (the last session first) that stays within the event and double-books no
 * room. Returns { session, starts (wall clock), time ("HH:MM") }.
 */
function freeMove(event) {
  const at = (iso) => Date.parse(iso);
  const scheduled = event.sessions.filter((s) => s.status === 'scheduled');
  const byStartDesc = [...scheduled].sort((a, b) => at(b.starts_at) - at(a.starts_at));
  for (const session of byStartDesc) {
    for (const minutes of [-30, -15, 15, 30, -45, 45, -60, 60]) {
      const start = at(session.starts_at) + minutes * 60_000;
      const end = at(session.ends_at) + minutes * 60_000;
      if (start < at(event.starts_at) || end > at(event.ends_at)) continue;
      const clash = scheduled.some(
        (other) =>
          other.id !== session.id &&
          other.room?.id === session.room?.id &&
          start < at(other.ends_at) &&
          at(other.starts_at) < end,
      );
      if (clash) continue;
      const starts = shiftWallClock(session.starts_at, minutes);
      return { session, starts, time: starts.slice(11, 16) };
    }
  }
  throw new Error(`no free slot to move a session of ${event.slug}`);
}

test('a session moved with the CLI moves on the open programme, announced, without a reload', async () => {
  const event = await getEvent(BARCELONA);
  const move = freeMove(event);
  const reason = 'The speaker’s train is delayed';

  const { context, page, problems } = await newPage();
  await page.goto(`/events/${BARCELONA}`);
  const card = page.locator(`#programme-body article[data-session-id="${move.session.id}"]`);
  const start = card.locator('.session__time time').first();
  await start.waitFor();
  assert.equal(await text(start), move.session.starts_at.slice(11, 16));
  await waitLive(page);
  await mark(page);
  await watchFlashes(page, '#programme-body', `article[data-session-id="${move.session.id}"]`);

  await server.congress(['session', '--id', String(move.session.id), '--starts', move.starts, '--reason', reason]);

  await page
    .locator(`#programme-body article[data-session-id="${move.session.id}"] .session__time time`, { hasText: move.time })
    .first()
    .waitFor();
  assert.equal(await text(start), move.time);
  const updates = page.locator('#programme-updates');
  await updates.filter({ hasText: `moved to ${move.time}` }).waitFor();
  assert.equal(await updates.getAttribute('aria-live'), 'polite');
  assert.equal(
    await text(updates),
    `Programme updated: “${move.session.title}” moved to ${move.time} (${reason})`,
  );
  assert.ok((await flashed(page)) > 0, 'the moved session was marked');
  await assertNotReloaded(page);

  const after = await getEvent(BARCELONA);
  assert.equal(after.schedule_version, event.schedule_version + 1);
  assert.equal(after.sessions.find((s) => s.id === move.session.id).starts_at.slice(0, 16), move.starts);

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

// Last: it stops the server.
test('the header says "Reconnecting…" while the server is down, and the page catches up after', async () => {
  const event = await getEvent(BARCELONA);
  const { context, page, problems } = await newPage();
  await page.goto(`/events/${BARCELONA}`);
  const seats = page.locator(`#event-overview [data-seats][data-event-id="${event.id}"]`);
  await seats.waitFor();
  assert.equal(await text(seats), seatsText(event.seats_left, event.capacity));
  await waitLive(page);
  await mark(page);

  await server.halt();
  await page.locator('#live-status[data-state="reconnecting"]').waitFor();
  assert.equal(await text(page.locator('#live-status')), 'Reconnecting…');

  // The same port and database, a new server run: the page reconnects by itself,
  // resubscribes and takes the new run's snapshot.
  await server.restart();
  await waitLive(page);
  await registerByApi(event.id, 1, 'after-restart');
  await page
    .locator(`#event-overview [data-seats][data-event-id="${event.id}"]`, {
      hasText: seatsText(event.seats_left - 1, event.capacity),
    })
    .waitFor();
  await assertNotReloaded(page);

  // Connection attempts while the server was down are logged by the browser itself.
  const unexpected = problems().filter(
    (p) => !/console error: WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/live' failed/.test(p),
  );
  assert.deepEqual(unexpected, [], 'no errors beyond the refused connection attempts');
  await context.close();
});
