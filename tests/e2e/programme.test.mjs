// Browser test: from the home page to the Hyderabad congress programme.
//
// The browser runs in a different time zone (America/Los_Angeles) from the
// event (Asia/Kolkata), so the shown times prove that the page formats them in
// the event's own zone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const SLUG = 'hyderabad-2014';
const BROWSER_TIME_ZONE = 'America/Los_Angeles';

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(path) {
  const res = await fetch(`${server.baseURL}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

/** "2014-10-07T09:00:00+05:30" → "09:00", the wall-clock time as sent. */
function wallClock(rfc3339) {
  return /T(\d{2}:\d{2})/.exec(rfc3339)[1];
}

/** "2014-10-07T09:00:00+05:30" → "2014-10-07", the local calendar day. */
function wallDate(rfc3339) {
  return rfc3339.slice(0, 10);
}

test('the Hyderabad congress programme is shown by day and by track', async () => {
  const { events } = await api('/api/events');
  const summary = events.find((e) => e.slug === SLUG);
  assert.ok(summary, `the demo data has no event "${SLUG}"`);
  const event = await api(`/api/events/${summary.id}`);
  assert.equal(event.tracks.length, 4, 'the demo congress has four tracks');

  const context = await newStrictContext(browser, {
    baseURL: server.baseURL,
    locale: 'en-GB',
    timezoneId: BROWSER_TIME_ZONE,
  });
  const page = await context.newPage();
  const problems = watchPage(page);

  // Home page: the congress is among the upcoming events.
  await page.goto('/');
  const upcoming = page.locator('section', {
    has: page.getByRole('heading', { level: 2, name: 'Upcoming' }),
  });
  const link = upcoming.getByRole('link', { name: event.title, exact: true });
  await link.waitFor();

  // Event page.
  await link.click();
  await page.waitForURL(`**/events/${event.id}`);
  const h1 = page.getByRole('heading', { level: 1 });
  await h1.waitFor();
  assert.equal(await h1.count(), 1, 'exactly one h1');
  assert.equal((await h1.textContent()).trim(), event.title);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');

  // Keyboard: on the freshly loaded page, Tab reaches the language switcher.
  let reached = false;
  for (let i = 0; i < 10 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => Boolean(document.activeElement?.closest('nav.lang-switcher')));
  }
  assert.ok(reached, 'Tab reaches the language switcher within 10 presses');

  // By day: one h2 per local calendar day of the programme.
  const body = page.locator('#programme-body');
  const days = [...new Set(event.sessions.map((s) => wallDate(s.starts_at)))];
  assert.ok(days.length >= 2, 'the demo programme spans several days');
  const dayHeadings = body.getByRole('heading', { level: 2 });
  await dayHeadings.first().waitFor();
  assert.equal(await dayHeadings.count(), days.length, 'one heading per day');

  // A session shows its room and its start time in the event's time zone.
  const session = event.sessions.find((s) => s.room && s.status === 'scheduled');
  assert.ok(session, 'the demo programme has a scheduled session with a room');
  const card = body.locator(`article[data-session-id="${session.id}"]`);
  await card.waitFor();
  assert.equal((await card.getByRole('heading', { level: 3 }).textContent()).trim(), session.title);
  assert.match(await card.textContent(), new RegExp(escapeRegExp(session.room.name)));
  assert.equal(
    (await card.locator('.session__time time').first().textContent()).trim(),
    wallClock(session.starts_at),
    `session ${session.id} starts at ${session.starts_at}: the page must show the event's local time`,
  );
  // That day's heading is the one containing the session.
  const dayHeading = card.locator('xpath=ancestor::section[1]/h2');
  assert.match(await dayHeading.textContent(), new RegExp(`\\b${Number(wallDate(session.starts_at).slice(8))}\\b`));

  // By track: the four tracks become the headings.
  const byTrack = page.getByRole('button', { name: 'By track' });
  await byTrack.click();
  assert.equal(await byTrack.getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByRole('button', { name: 'By day' }).getAttribute('aria-pressed'), 'false');
  for (const track of event.tracks) {
    await body.getByRole('heading', { level: 2, name: track.name, exact: true }).waitFor();
  }

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
