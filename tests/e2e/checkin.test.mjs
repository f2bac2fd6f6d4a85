// The check-in desk (/desk?event=ID, docs/checkin.md).
//
// A check-in member of staff for the Barcelona colloquium is made with `congress user add`
// and signed in; delegates register through the public API and fetch their own badge
// (GET /api/registrations/{code}/badge). The desk is driven as a USB scanner drives it: the
// badge token typed into the focused field, then Enter.
//
// On a server without the check-in routes yet (the stats route answers 404) the browser
// tests are skipped, with a note saying so. The token module's test needs no server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiClient } from './helpers/api.mjs';
import { startServer, REPO_ROOT } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';
import {
  addStaff,
  signIn,
  staffCall,
  delegateWithBadge,
  tamper,
  until,
  waitForText,
  waitForSelector,
  makeToken,
} from './helpers/desk.mjs';

const BARCELONA = 'barcelona-women-colloquium-2014'; // capacity 60
const SEOUL = 'seoul-miti-water-supply-2014'; // another event, for a badge of the wrong event
const STAFF = { email: 'carla.checkin@example.org', name: 'Carla Checkin', password: 'carla checks the badges' };
const SKIP_REASON = 'the check-in routes (GET /api/events/{id}/checkin/stats) are not on this server yet';

let server;
let browser;
let client;
let event;
let available = false;
let staffContext; // signed in as STAFF, for API checks

// Refusals the desk is expected to meet (409/422 from the check-in route), and, while the
// server is away, the requests and the live socket that cannot connect.
const CHECKIN_REFUSALS = [
  /HTTP (409|422): .*\/checkin$/,
  /console error: Failed to load resource: the server responded with a status of (409|422)/,
];
const SERVER_AWAY = [
  /request failed: .*(ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_NETWORK_CHANGED|ERR_INTERNET_DISCONNECTED)/,
  /console error: .*(WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource)/,
];
const unexpected = (problems, patterns) => problems().filter((p) => !patterns.some((re) => re.test(p)));

let serial = 0;
/** A delegate of the colloquium with their badge; distinct names and addresses per call. */
function delegate(label, organisation = 'Ajuntament de Girona', eventId = event.id) {
  serial += 1;
  return delegateWithBadge(client, eventId, {
    name: `${label} ${serial}`,
    email: `desk-${serial}-${label.toLowerCase().replace(/[^a-z]+/g, '-')}@example.org`,
    organisation,
  });
}

async function newContext() {
  return newStrictContext(browser, { baseURL: server.baseURL, locale: 'en-GB', timezoneId: 'America/Los_Angeles' });
}

/** A signed-in desk on the colloquium: { context, page, problems }. */
async function openDesk({ context } = {}) {
  const ctx = context ?? (await newContext());
  if (!context) assert.equal(await signIn(ctx, STAFF), 200, 'the check-in member of staff signs in');
  const page = await ctx.newPage();
  const problems = watchPage(page);
  await page.goto(`/desk?event=${event.id}`);
  await waitForSelector(page, '#desk:not([hidden])', 'the desk opening');
  await waitForSelector(page, '#desk-connection[data-state="online"]', 'the desk showing it is online');
  await waitForText(page.locator('#desk-count-place'), /\d+ of \d+/, 'the counters showing');
  return { context: ctx, page, problems };
}

/** Types the token as a scanner does, into whatever has the focus, then Enter. */
async function scan(page, text) {
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'desk-scan', 'the badge field has the focus');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Waits for the big answer: colour (green, amber, red) and a headline matching `pattern`. */
async function expectResult(page, colour, pattern, what, { offline = false } = {}) {
  const selector = `#desk-result[data-result="${colour}"][data-offline="${offline}"]`;
  await waitForText(page.locator(selector), pattern, what);
  return (await page.locator('#desk-result').textContent()).replace(/\s+/g, ' ').trim();
}

async function stats() {
  const { status, body } = await staffCall(staffContext, 'GET', `/api/events/${event.id}/checkin/stats`);
  assert.equal(status, 200, `GET stats: ${JSON.stringify(body)}`);
  return body;
}

async function checkinsOf(registrationId) {
  const { status, body } = await staffCall(staffContext, 'GET', `/api/events/${event.id}/checkins`);
  assert.equal(status, 200, `GET checkins: ${JSON.stringify(body)}`);
  return (body.checkins ?? []).filter((c) => (c.registration?.id ?? c.registration_id) === registrationId && !c.undone_at && !c.undone);
}

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  client = apiClient(server.baseURL);
  event = await client.getEvent(BARCELONA);
  await addStaff(server, { ...STAFF, role: 'checkin', event: BARCELONA });
  staffContext = await newContext();
  assert.equal(await signIn(staffContext, STAFF), 200, 'the check-in member of staff signs in');
  const probe = await staffCall(staffContext, 'GET', `/api/events/${event.id}/checkin/stats`);
  available = probe.status !== 404 || probe.body?.error?.code === 'event_not_found';
  if (!available) console.log(`# checkin.test.mjs: browser tests skipped: ${SKIP_REASON}`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the desk reads badges as docs/checkin.md describes them (token, signature, fingerprint, offline rules)', async () => {
  const source = await readFile(join(REPO_ROOT, 'web/js/desk-verify.js'), 'utf8');
  const verify = await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
  const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const raw = Buffer.from(await crypto.subtle.exportKey('raw', keys.publicKey)).toString('base64url');
  const key = await verify.importPublicKey(raw);
  const token = await makeToken(keys.privateKey, 3, 12);
  assert.equal(token.length, 119);

  const parsed = verify.parseToken(`  ${token.toLowerCase()} \n`); // any case, spaces around
  assert.equal(parsed.ok, true);
  assert.equal(parsed.eventId, 3);
  assert.equal(parsed.registrationId, 12);
  assert.equal(await verify.verifySignature(key, parsed), true);
  assert.equal(await verify.verifySignature(key, verify.parseToken(tamper(token))), false, 'a changed signature');
  for (const garbage of ['', 'hello', `CB2${token.slice(3)}`, token.slice(0, -1), `${token}A`, `${token.slice(0, -1)}1`]) {
    assert.equal(verify.parseToken(garbage).ok, false, `not a badge: ${garbage}`);
  }
  const print = await verify.fingerprint(token);
  assert.match(print, /^[0-9a-f]{16}$/);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  assert.equal(print, Buffer.from(digest.slice(0, 8)).toString('hex'));
  assert.equal(await verify.fingerprint(token.toLowerCase()), print, 'the fingerprint of the token as printed');

  const attendee = (id, status, extra = {}) => ({
    registration_id: id, name: `D${id}`, organisation: 'O', status, fingerprint: '', sessions: [], checked_in: null, ...extra,
  });
  const list = {
    event: { id: 3 },
    attendees: [
      attendee(12, 'confirmed', { fingerprint: print, sessions: [301] }),
      attendee(13, 'cancelled', { fingerprint: await verify.fingerprint(await makeToken(keys.privateKey, 3, 13)) }),
      attendee(14, 'waitlisted', { fingerprint: await verify.fingerprint(await makeToken(keys.privateKey, 3, 14)) }),
    ],
    sessions: [{ id: 301 }, { id: 302 }],
  };
  const decide = async (text, extra = {}) => (await verify.decideOffline({ text, list, key, ...extra }));
  assert.equal((await decide(token)).result, 'checked_in');
  assert.equal((await decide(token, { admitted: () => ({ at: 'x', desk: 'Desk 2' }) })).result, 'already_checked_in');
  assert.equal((await decide('garbage')).code, 'invalid_token');
  assert.equal((await decide(tamper(token))).code, 'forged_badge');
  assert.equal((await decide(await makeToken(keys.privateKey, 4, 12))).code, 'wrong_event');
  assert.equal((await decide(await makeToken(keys.privateKey, 3, 13))).code, 'registration_cancelled');
  assert.equal((await decide(await makeToken(keys.privateKey, 3, 14))).code, 'registration_waitlisted');
  assert.equal((await decide(await makeToken(keys.privateKey, 3, 15))).code, 'not_registered');
  assert.equal((await decide(token, { sessionId: 301 })).result, 'checked_in');
  assert.equal((await decide(token, { sessionId: 302 })).code, 'not_enrolled');
  assert.equal((await verify.decideOffline({ registrationId: 12, list, key })).result, 'checked_in');
  const other = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  assert.equal((await decide(await makeToken(other.privateKey, 3, 12))).code, 'forged_badge', 'signed with another key');
});

test('the desk page has no inline scripts, styles or event handlers', async () => {
  const html = await readFile(join(REPO_ROOT, 'web', 'desk.html'), 'utf8');
  for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    assert.match(attrs, /\bsrc="\/[^"]+"/, 'every <script> has an absolute src');
    assert.equal(body.trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /\sstyle=|<style\b/i, 'no inline styles');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /(?:src|href)="(?!\/|https?:|#)/, 'asset paths are absolute');
});

test('without a session the desk sends to the sign-in page and back; without an event it lists the desk’s events', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`/desk?event=${event.id}`);
  await page.waitForURL(new RegExp(`/login\\?next=%2Fdesk%3Fevent%3D${event.id}$`));
  await context.close();

  const desk = await newContext();
  assert.equal(await signIn(desk, STAFF), 200);
  const listPage = await desk.newPage();
  const problems = watchPage(listPage);
  await listPage.goto('/desk');
  await waitForSelector(listPage, '#desk-choose:not([hidden])', 'the list of events');
  const links = listPage.locator('#desk-events a');
  await waitForText(links, new RegExp(event.title.slice(0, 20)), 'the colloquium being listed');
  assert.equal(await links.count(), 1, 'only the event this member of staff checks in at');
  await links.first().click();
  await waitForSelector(listPage, '#desk:not([hidden])', 'the desk opening from the list');
  assert.deepEqual(problems(), []);
  await desk.close();
});

test('a scanned badge is green, the same badge again amber, garbage and a forged badge red', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const ada = await delegate('Ada Lovelace', 'Analytical Engines SL');
  const other = await delegate('Grace Hopper');
  const before = await stats();
  const { context, page, problems } = await openDesk();

  await scan(page, ada.token);
  let text = await expectResult(page, 'green', /Checked in: Ada Lovelace/, 'the green answer for a good badge');
  assert.match(text, /Analytical Engines SL/, 'the organisation is shown');
  assert.equal(await page.locator('#desk-result').getAttribute('aria-live'), 'assertive');
  // The badge field is empty and keeps the focus: the next scan can follow at once.
  assert.equal(await page.locator('#desk-scan').inputValue(), '');

  await scan(page, ada.token);
  text = await expectResult(page, 'amber', /Already checked in: Ada Lovelace/, 'the amber answer for a second scan');
  assert.match(text, /at Desk 1 at \d{2}:\d{2}/, 'where and when the delegate was checked in');

  await scan(page, 'HELLO WORLD 123');
  await expectResult(page, 'red', /Not admitted: not a badge/, 'the red answer for garbage');

  await scan(page, tamper(other.token));
  await expectResult(page, 'red', /Not admitted: forged badge/, 'the red answer for a forged badge');

  // The counters follow (live or asked), and the server counted one check-in.
  const after = await stats();
  assert.equal(after.checked_in, before.checked_in + 1);
  await waitForText(page.locator('#desk-count-place'), new RegExp(`^${after.checked_in} of ${after.expected}`), 'the event counter');
  await waitForText(page.locator('#desk-count-desk'), /Desk 1: 1 checked in here/, 'the desk counter');
  // The last check-ins list the delegate, with an undo button.
  await waitForText(page.locator('#desk-recent li'), /Ada Lovelace/, 'Ada in the last check-ins');

  assert.deepEqual(unexpected(problems, CHECKIN_REFUSALS), []);
  await context.close();
});

test('a check-in at another desk moves this desk’s counter without a reload', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const bob = await delegate('Bob Elsewhere');
  const { context, page, problems } = await openDesk();
  await page.evaluate(() => {
    window.__deskMarker = 'still here';
  });
  const before = await stats();
  const answer = await staffCall(staffContext, 'POST', `/api/events/${event.id}/checkin`, { token: bob.token, desk: 'Desk 7' });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  await waitForText(page.locator('#desk-count-place'), new RegExp(`^${before.checked_in + 1} of `), 'the live counter moving');
  assert.equal(await page.evaluate(() => window.__deskMarker), 'still here', 'the page was not reloaded');
  assert.deepEqual(unexpected(problems, CHECKIN_REFUSALS), []);
  await context.close();
});

test('a delegate without a badge is found by name and checked in; a check-in is undone with a reason', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const zaynab = await delegate('Zaynab Quennell-Ortiz', 'Fundació Ciutat');
  const before = await stats();
  const { context, page, problems } = await openDesk();

  await page.getByLabel('Name, email or organisation').fill('quennell');
  await page.getByRole('button', { name: 'Find' }).click();
  const results = page.locator('#desk-search-results li');
  await waitForText(results, /Zaynab Quennell-Ortiz/, 'the search finding the delegate');
  assert.equal(await results.count(), 1);
  await results.getByRole('button', { name: /Check in Zaynab Quennell-Ortiz/ }).click();
  await expectResult(page, 'green', /Checked in: Zaynab Quennell-Ortiz/, 'the green answer for a delegate found by search');
  assert.equal((await stats()).checked_in, before.checked_in + 1);
  assert.equal((await checkinsOf(zaynab.registrationId)).length, 1, 'one check-in recorded');

  // Undo, with a reason.
  const item = page.locator('#desk-recent li', { hasText: 'Zaynab Quennell-Ortiz' });
  await item.getByRole('button', { name: /Undo the check-in of Zaynab/ }).click();
  await item.getByLabel(/Why undo the check-in of Zaynab/).fill('checked in the wrong person');
  await item.getByRole('button', { name: 'Undo check-in' }).click();
  await waitForText(page.locator('#desk-recent li', { hasText: 'Zaynab' }), /undone/, 'the check-in being marked undone');
  assert.equal((await stats()).checked_in, before.checked_in);
  assert.equal((await checkinsOf(zaynab.registrationId)).length, 0, 'no active check-in after undo');

  // Focus is back on the badge field: the delegate can be scanned in again, green.
  await scan(page, zaynab.token);
  await expectResult(page, 'green', /Checked in: Zaynab/, 'the green answer after an undo');
  assert.deepEqual(unexpected(problems, CHECKIN_REFUSALS), []);
  await context.close();
});

test('with the server away the desk checks badges itself, queues them, and sends them once when it is back', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const carmen = await delegate('Carmen Offline');
  const dolors = await delegate('Dolors Offline');
  const cancelled = await delegate('Celia Cancelled');
  assert.equal((await client.api('DELETE', `/api/registrations/${cancelled.registration.code}`)).status, 200);
  const seoul = await client.getEvent(SEOUL);
  const stranger = await delegate('Seo-yeon Elsewhere', 'Seoul', seoul.id);
  const before = await stats();

  const { context, page, problems } = await openDesk();
  const syncBodies = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/checkin/sync')) syncBodies.push(request.postData());
  });

  await server.halt();
  await scan(page, carmen.token);
  await expectResult(page, 'green', /Checked in: Carmen Offline/, 'Carmen admitted offline', { offline: true });
  assert.match(await page.locator('#desk-result').textContent(), /offline/);
  await waitForSelector(page, '#desk-connection[data-state="offline"]', 'the desk showing it is offline');
  await waitForText(page.locator('#desk-online'), /Offline/, 'the offline state in words');

  await scan(page, dolors.token);
  await expectResult(page, 'green', /Checked in: Dolors Offline/, 'Dolors admitted offline', { offline: true });
  await waitForSelector(page, '#desk-queue[data-count="2"]', 'two scans waiting');
  await waitForText(page.locator('#desk-queue'), /2 scans waiting to be sent/, 'the waiting count in words');

  // The desk's own rules while offline.
  await scan(page, carmen.token);
  await expectResult(page, 'amber', /Already checked in: Carmen Offline/, 'a second offline scan being amber', { offline: true });
  await scan(page, cancelled.token);
  await expectResult(page, 'red', /registration cancelled/, 'a cancelled registration refused offline', { offline: true });
  await scan(page, stranger.token);
  await expectResult(page, 'red', /badge of another event/, 'a badge of another event refused offline', { offline: true });
  await scan(page, tamper(dolors.token));
  await expectResult(page, 'red', /forged badge/, 'a forged badge refused offline', { offline: true });
  await scan(page, 'not a badge at all');
  await expectResult(page, 'red', /not a badge/, 'garbage refused offline', { offline: true });
  assert.equal(await page.locator('#desk-queue').getAttribute('data-count'), '2', 'only the two admitted scans wait');

  // Back on the same port and database: the desk sends its queue by itself.
  await server.restart();
  await waitForSelector(page, '#desk-queue[data-count="0"]', 'the queue being sent after the server came back');
  await waitForSelector(page, '#desk-connection[data-state="online"]', 'the desk showing it is online again');
  await waitForText(page.locator('#desk-queue'), /No scans waiting/, 'the waiting count at zero in words');

  const after = await stats();
  assert.equal(after.checked_in, before.checked_in + 2, 'exactly two more check-ins');
  assert.equal((await checkinsOf(carmen.registrationId)).length, 1, 'Carmen checked in once');
  assert.equal((await checkinsOf(dolors.registrationId)).length, 1, 'Dolors checked in once');

  // The same queue sent again changes nothing.
  assert.equal(syncBodies.length, 1, 'the queue was sent in one request');
  const replay = await staffCall(staffContext, 'POST', `/api/events/${event.id}/checkin/sync`, JSON.parse(syncBodies[0]));
  assert.equal(replay.status, 200, JSON.stringify(replay.body));
  assert.equal(replay.body.results.length, 2);
  for (const result of replay.body.results) assert.equal(result.replayed, true, `replayed: ${JSON.stringify(result)}`);
  assert.equal((await stats()).checked_in, after.checked_in, 'the replay counted nothing');

  assert.deepEqual(unexpected(problems, [...CHECKIN_REFUSALS, ...SERVER_AWAY]), []);
  await context.close();
});

test('scans queued offline survive closing the page and are sent by the next one', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const erik = await delegate('Erik Durable');
  const { context, page, problems } = await openDesk();
  await server.halt();
  await scan(page, erik.token);
  await expectResult(page, 'green', /Checked in: Erik Durable/, 'Erik admitted offline', { offline: true });
  await waitForSelector(page, '#desk-queue[data-count="1"]', 'one scan waiting');
  assert.deepEqual(unexpected(problems, [...CHECKIN_REFUSALS, ...SERVER_AWAY]), []);
  await page.close();

  await server.restart();
  assert.equal((await checkinsOf(erik.registrationId)).length, 0, 'nothing sent yet');
  const next = await openDesk({ context });
  await waitForSelector(next.page, '#desk-queue[data-count="0"]', 'the reopened desk sending the saved queue');
  await until(async () => (await checkinsOf(erik.registrationId)).length === 1, 'Erik’s offline check-in reaching the server');
  assert.deepEqual(unexpected(next.problems, CHECKIN_REFUSALS), []);
  await context.close();
});

test('a desk at a session’s door admits the delegates enrolled in it and refuses the others', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const session = event.sessions.find((s) => s.status === 'scheduled' && s.seats_left > 0);
  assert.ok(session, 'the colloquium has a session with places');
  const enrolled = await delegate('Elena Enrolled');
  const enrolment = await client.api('POST', `/api/registrations/${enrolled.registration.code}/sessions`, { session_id: session.id });
  assert.equal(enrolment.status, 201, JSON.stringify(enrolment.body));
  assert.equal(enrolment.body.enrolment.status, 'confirmed');
  const outsider = await delegate('Oscar Outsider');

  const { context, page, problems } = await openDesk();
  await page.getByLabel('Checking in for').selectOption(String(session.id));
  await waitForText(page.locator('#desk-count-place'), new RegExp(`of \\d+ · ${session.title.slice(0, 15)}`), 'the session counter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'desk-scan', 'the badge field has the focus again');

  await scan(page, enrolled.token);
  await expectResult(page, 'green', /Checked in: Elena Enrolled/, 'the enrolled delegate admitted to the session');
  await scan(page, outsider.token);
  await expectResult(page, 'red', /not enrolled in this session/, 'a delegate without a place refused at the door');

  const session_stats = (await stats()).sessions.find((s) => s.id === session.id);
  assert.equal(session_stats.checked_in, 1, 'one check-in to the session');
  await waitForText(page.locator('#desk-count-place'), new RegExp(`^1 of ${session_stats.expected} · `), 'the session counter moving');
  // The event entrance has not counted Elena.
  assert.equal((await checkinsOf(enrolled.registrationId)).filter((c) => c.session_id === null || c.session_id === undefined).length, 0);

  // The choice is remembered for this event; set it back for the other tests.
  await page.reload();
  await waitForSelector(page, '#desk:not([hidden])', 'the desk opening again');
  assert.equal(await page.getByLabel('Checking in for').inputValue(), String(session.id));
  await page.getByLabel('Checking in for').selectOption('');
  assert.deepEqual(unexpected(problems, CHECKIN_REFUSALS), []);
  await context.close();
});

test('the camera reads a badge’s QR code (BarcodeDetector, or jsQR where the browser has none)', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  // Headless Chromium on Linux has no BarcodeDetector: the desk uses jsQR, which deploy/test
  // fetches into web/vendor/ (ensure_web_vendor in deploy/lib/common.sh).
  if (!existsSync(join(REPO_ROOT, 'web/vendor/jsqr/jsQR.js'))) {
    return t.skip('web/vendor/jsqr/jsQR.js is missing: run deploy/test (or ensure_web_vendor) first');
  }
  const fatima = await delegate('Fatima Camera');
  const context = await newContext();
  assert.equal(await signIn(context, STAFF), 200);
  // The camera is a canvas showing the delegate's badge PNG (GET /api/registrations/{code}/badge.png).
  await context.addInitScript((src) => {
    navigator.mediaDevices.getUserMedia = async () => {
      const image = new Image();
      image.src = src;
      await image.decode();
      const size = 480;
      const canvas = document.createElement('canvas');
      canvas.width = size;
      canvas.height = size;
      const g = canvas.getContext('2d');
      g.imageSmoothingEnabled = false;
      const draw = () => {
        g.fillStyle = '#ffffff';
        g.fillRect(0, 0, size, size);
        g.drawImage(image, 40, 40, size - 80, size - 80);
      };
      draw();
      setInterval(draw, 100);
      return canvas.captureStream(10);
    };
  }, `/api/registrations/${fatima.registration.code}/badge.png`);
  const { page, problems } = await openDesk({ context });
  const camera = page.getByRole('button', { name: 'Use the camera' });
  await camera.click();
  await expectResult(page, 'green', /Checked in: Fatima Camera/, 'the camera reading the badge');
  await page.getByRole('button', { name: 'Stop the camera' }).click();
  await until(() => page.locator('#desk-camera-view').isHidden(), 'the camera view closing');
  assert.equal((await checkinsOf(fatima.registrationId)).length, 1, 'one check-in from the camera');
  assert.deepEqual(unexpected(problems, CHECKIN_REFUSALS), []);
  await context.close();
});
