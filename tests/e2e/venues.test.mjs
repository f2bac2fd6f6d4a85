// Browser tests of venues and rooms (issue 7): the public page's "Getting
// there" section in the page's language and where each session is; the
// console's room timeline, which marks a double booking and a session above
// its room's places; and an organiser's edit of the venue's Wi-Fi note that
// the public page then shows.
//
// The edit checks refuse double bookings and over-capacity sessions, so the
// test writes them into the server's database with sqlite3 while the server
// is halted (as an import would), then serves again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { apiClient } from './helpers/api.mjs';
import { startServer, congressBinary, REPO_ROOT } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const BARCELONA = 'barcelona-women-colloquium-2014'; // Espai Bonnemaison: Auditorium (80), Seminar room (30)
const ORGANISER = { email: 'vera.venues@example.org', name: 'Vera Venues', password: 'correct horse battery staple' };

let server;
let browser;
let client;
let event; // the colloquium as the public API shows it, after the imported sessions

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

function sqlite(db, sql) {
  const r = spawnSync('sqlite3', ['-bail', db, sql], { encoding: 'utf8' });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout;
}

const utc = (iso) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
const quote = (text) => `'${String(text).replaceAll("'", "''")}'`;
const squash = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

async function newContext(options = {}) {
  return newStrictContext(browser, {
    baseURL: server.baseURL,
    locale: 'en-GB',
    timezoneId: 'America/Los_Angeles', // far from Madrid: times must still read as Madrid's
    ...options,
  });
}

async function signedInPage() {
  const context = await newContext();
  const response = await context.request.post('/api/staff/login', {
    data: { email: ORGANISER.email, password: ORGANISER.password },
  });
  assert.equal(response.status(), 200, `sign-in: ${await response.text()}`);
  const page = await context.newPage();
  return { context, page, problems: watchPage(page) };
}

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  client = apiClient(server.baseURL);
  const published = await client.getEvent(BARCELONA);
  await congressWithInput(
    ['user', 'add', '--db', server.db, '--email', ORGANISER.email, '--name', ORGANISER.name, '--role', 'organiser', '--event', BARCELONA],
    ORGANISER.password,
  );

  // Imported data the edit checks would refuse: a session in the Auditorium
  // during "Panel 1", and 45 places offered in the 30-place Seminar room.
  const panel = published.sessions.find((s) => s.title.startsWith('Panel 1'));
  const auditorium = published.rooms.find((r) => r.name.startsWith('Auditorium'));
  const seminar = published.rooms.find((r) => r.name === 'Seminar room');
  assert.ok(panel && auditorium && seminar, 'the demo colloquium has Panel 1, the Auditorium and the Seminar room');
  const start = Date.parse(panel.starts_at);
  await server.halt();
  sqlite(
    server.db,
    `INSERT INTO sessions (event_id, room_id, title, starts_at, ends_at, capacity) VALUES
       (${published.id}, ${auditorium.id}, 'Imported: press briefing', ${quote(utc(start + 30 * 60_000))}, ${quote(utc(start + 75 * 60_000))}, 20),
       (${published.id}, ${seminar.id}, 'Imported: network meeting', ${quote(utc(start))}, ${quote(utc(start + 60 * 60_000))}, 45);`,
  );
  await server.restart();
  event = await client.getEvent(BARCELONA);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the public page shows the venue in French, with the map link and each session’s room and floor', async () => {
  const context = await newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`/events/${BARCELONA}?lang=fr`);
  const venue = page.locator('#venue');
  await venue.locator('h2').waitFor();
  assert.equal(await squash(venue.locator('h2')), 'Comment venir');
  const access = venue.locator('[data-note="access"]');
  assert.equal(await squash(access.locator('dt')), 'Accès');
  assert.equal(await squash(access.locator('dd')), event.venue.info.fr.access);
  assert.equal(await access.locator('dd').getAttribute('lang'), 'fr');
  assert.match(await squash(venue.locator('[data-note="wifi"]')), /Réseau Bonnemaison-Guest/);
  assert.match(await squash(venue.locator('[data-note="transport"]')), /Métro L1 et L4/);
  assert.match(await squash(venue), /Carrer de Sant Pere més Baix 7/);

  const map = venue.getByRole('link', { name: /Ouvrir la carte/ });
  assert.equal(await map.getAttribute('href'), event.venue.map_url);
  assert.match(await map.getAttribute('rel'), /\bnoopener\b/);
  assert.equal(await map.getAttribute('target'), '_blank');

  // Where each session is: the room and its floor, in French.
  const welcome = event.sessions.find((s) => s.title.startsWith('Welcome'));
  const card = page.locator(`#programme-body article[data-session-id="${welcome.id}"]`);
  assert.match(await squash(card.locator('.session__meta')), /Auditorium \(Sala d'actes\), étage 0/);
  assert.deepEqual(problems(), []);
  await context.close();
});

test('the console timeline marks the double booking and the session above its room’s places', async () => {
  const { context, page, problems } = await signedInPage();
  await page.goto(`/console/events/${event.id}#rooms`);
  await page.locator('#console-event:not([hidden])').waitFor();
  const panel = page.locator('#panel-rooms');
  await panel.locator('.timeline').waitFor();
  assert.equal(await page.locator('#tab-rooms').getAttribute('aria-selected'), 'true');
  // The tab sits right after "Event details".
  const tabs = await page.locator('.console-tabs [role="tab"]').evaluateAll((els) => els.map((e) => e.dataset.tab));
  assert.equal(tabs[tabs.indexOf('details') + 1], 'rooms');

  const imported = event.sessions.find((s) => s.title === 'Imported: press briefing');
  const panel1 = event.sessions.find((s) => s.title.startsWith('Panel 1'));
  const big = event.sessions.find((s) => s.title === 'Imported: network meeting');
  const clashed = panel.locator(`.timeline__block[data-session-id="${imported.id}"]`);
  const other = panel.locator(`.timeline__block[data-session-id="${panel1.id}"]`);
  const over = panel.locator(`.timeline__block[data-session-id="${big.id}"]`);

  // In words, not only colour.
  assert.match(await squash(clashed), new RegExp(`Double booking: overlaps “${panel1.title.slice(0, 20)}`));
  assert.match(await squash(other), /Double booking: overlaps “Imported: press briefing”/);
  assert.match(await squash(over), /Over capacity: offers 45 places, the room has 30/);
  assert.match(await clashed.getAttribute('class'), /timeline__block--double/);
  assert.match(await over.getAttribute('class'), /timeline__block--over/);
  const welcome = event.sessions.find((s) => s.title.startsWith('Welcome'));
  const fine = panel.locator(`.timeline__block[data-session-id="${welcome.id}"]`);
  assert.equal(await fine.getAttribute('data-problems'), '');
  assert.doesNotMatch(await squash(fine), /Double booking|Over capacity/);
  // The summary counts them: two blocks of the double booking and one above capacity.
  assert.equal(await panel.locator('.timeline__summary').getAttribute('data-conflicts'), '3');

  // Rows per room with their places; blocks placed by time on the grid (set
  // through the CSSOM under the strict CSP), overlapping ones on separate rows.
  const auditoriumRow = panel.locator(`.timeline__row:has(.timeline__block[data-session-id="${imported.id}"])`);
  assert.match(await squash(auditoriumRow.locator('.timeline__room')), /Auditorium.*80 places · Floor 0/);
  const place = (locator) =>
    locator.evaluate((el) => {
      const style = getComputedStyle(el);
      return { column: style.gridColumnStart, row: el.getBoundingClientRect().top };
    });
  const [a, b, w] = await Promise.all([place(clashed), place(other), place(fine)]);
  // The day starts at 09:00 (the hour of the first session, 09:30): 5-minute columns.
  assert.equal(w.column, '7', 'Welcome at 09:30 starts in column 7');
  assert.equal(Number(a.column), Number(b.column) + 6, 'the briefing starts 30 minutes after Panel 1');
  assert.notEqual(a.row, b.row, 'overlapping blocks are drawn on separate rows');
  assert.deepEqual(problems(), []);
  await context.close();
});

test('the organiser edits the venue’s Wi-Fi note in the console and the public page shows it', async () => {
  const { context, page, problems } = await signedInPage();
  await page.goto(`/console/events/${event.id}#rooms`);
  await page.locator('#console-event:not([hidden])').waitFor();
  const english = page.locator('#panel-rooms fieldset[data-lang="en"]');
  const wifi = english.getByLabel('Wi-Fi');
  assert.equal(await wifi.inputValue(), event.venue.info.en.wifi);
  await wifi.fill('Network Colloquium-2014, password on the back of your badge.');
  await page.getByRole('button', { name: 'Save the venue information' }).click();
  await page.locator('#feedback', { hasText: 'The venue information has been saved.' }).waitFor();

  // A bad map link is refused at the field and nothing is sent.
  const map = page.locator('#panel-rooms').getByLabel('Map link');
  await map.fill('javascript:alert(1)');
  await page.getByRole('button', { name: 'Save the venue information' }).click();
  await page.locator('#panel-rooms .field__error', { hasText: 'https://' }).waitFor();
  assert.deepEqual(problems(), []);
  await context.close();

  const reader = await newContext();
  const delegate = await reader.newPage();
  const readerProblems = watchPage(delegate);
  await delegate.goto(`/events/${BARCELONA}?lang=en`);
  const note = delegate.locator('#venue [data-note="wifi"]');
  await note.waitFor();
  assert.equal(await squash(note.locator('dd')), 'Network Colloquium-2014, password on the back of your badge.');
  assert.equal((await client.getEvent(BARCELONA)).venue.map_url, event.venue.map_url, 'the refused link was not saved');
  assert.deepEqual(readerProblems(), []);
  await reader.close();
});
