// Browser tests of the official hotels (docs/hotels.md): a delegate asks for a
// room on their own page (/r/{code}) while the event page, open beside it,
// sees the rooms left change without a reload; a waiting delegate is told live
// that a cancellation gave them the room; an organiser adds a hotel and its
// rooms in the console's Hotels tab and downloads the rooming list; bad input
// gets a clear message and writes nothing.
//
// Every test that waits for a live change sets a marker on `window` first: the
// marker still being there proves that the page was not reloaded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { apiClient } from './helpers/api.mjs';
import { startServer } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';
import { addStaff, signIn, staffCall, waitForText, waitForSelector, until } from './helpers/desk.mjs';

const HYDERABAD = 'hyderabad-2014';
const ORGANISER = { email: 'hema.hotels@example.org', name: 'Hema Hotels', password: 'rooms for every delegate' };

let server;
let browser;
let client;
let event; // the Hyderabad congress as the public API shows it
let span; // { first, last }: the nights it offers
let organiser; // { context } signed in as the organiser of the congress

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  client = apiClient(server.baseURL);
  event = await client.getEvent(HYDERABAD);
  await addStaff(server, { ...ORGANISER, role: 'organiser', event: HYDERABAD });
  const context = await newContext();
  assert.equal(await signIn(context, ORGANISER), 200, 'the organiser signs in');
  organiser = { context };
  const listed = await client.api('GET', `/api/events/${event.id}/hotels`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  span = listed.body.event.nights;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function newContext(options = {}) {
  return newStrictContext(browser, {
    baseURL: server.baseURL,
    locale: 'en-GB',
    timezoneId: 'America/Los_Angeles', // far from Hyderabad: nights must still be Hyderabad's
    ...options,
  });
}

async function newPage(options) {
  const context = await newContext(options);
  const page = await context.newPage();
  return { context, page, problems: watchPage(page) };
}

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

function nextNight(night, n = 1) {
  const d = new Date(`${night}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function mark(page) {
  await page.evaluate(() => {
    window.__hotelsMarker = 'still here';
  });
}

async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.__hotelsMarker), 'still here', 'the page was not reloaded');
}

/** A hotel with `held` double rooms on each of `nights`, made through the organiser API. */
async function hotelWithRooms(name, held, nights) {
  const hotel = await staffCall(organiser.context, 'POST', `/api/events/${event.id}/hotels`, {
    name,
    address: 'Road No. 1, Banjara Hills',
    distance: '6 km from HICC',
    map_url: 'https://maps.example.org/taj',
  });
  assert.equal(hotel.status, 201, JSON.stringify(hotel.body));
  const blocks = await staffCall(organiser.context, 'POST', `/api/events/${event.id}/hotels/${hotel.body.hotel.id}/blocks`, {
    nights,
    room_type: 'double',
    room_label: 'Double room',
    held,
    rate_minor: 750000,
    currency: 'INR',
  });
  assert.equal(blocks.status, 201, JSON.stringify(blocks.body));
  return { hotel: hotel.body.hotel, blocks: blocks.body.blocks };
}

async function register(name) {
  const { status, body } = await client.api('POST', `/api/events/${event.id}/registrations`, {
    name,
    email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.org`,
  });
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.registration.status, 'confirmed');
  return body.registration.code;
}

async function accommodationOf(code) {
  const { status, body } = await client.api('GET', `/api/registrations/${code}/accommodation`);
  assert.equal(status, 200, JSON.stringify(body));
  return body.accommodation;
}

/** Opens the delegate's page and waits for the hotel form. */
async function openDelegate(code) {
  const delegate = await newPage();
  await delegate.page.goto(`/r/${code}`);
  await waitForSelector(delegate.page, '#hotel-view:not([hidden]) #hotel-request form', 'the hotel form showing');
  return delegate;
}

/** Fills the delegate's form: hotel, room type, arrival and departure, sharing. */
async function fillRequest(page, { hotelId, roomType = 'double', arrive, leave, sharing }) {
  const form = page.locator('#hotel-request form');
  await form.getByLabel('Hotel').selectOption(String(hotelId));
  await form.getByLabel('Room type').selectOption(roomType);
  await form.getByLabel('Arrival').fill(arrive);
  await form.getByLabel('Departure').fill(leave);
  if (sharing !== undefined) await form.getByLabel('Sharing with').fill(sharing);
  return form;
}

test('a delegate asks for a room and the event page open beside it sees the rooms left change', async () => {
  const nights = [span.first, nextNight(span.first)];
  const { hotel, blocks } = await hotelWithRooms('Taj Krishna', 2, nights);
  const code = await register('Ana Lima');

  // The public event page lists the hotel with 2 rooms left each night.
  const watcher = await newPage();
  await watcher.page.goto(`/events/${HYDERABAD}`);
  const cell = watcher.page.locator(`#hotels [data-block-id="${blocks[0].id}"]`);
  await waitForText(cell, /^2 rooms left$/, 'the event page showing the rooms left');
  const card = watcher.page.locator(`#hotels li.hotel[data-hotel-id="${hotel.id}"]`);
  assert.match(await text(card), /Taj Krishna/);
  assert.match(await text(card), /6 km from HICC/);
  assert.match(await text(card), /₹7,500\.00 per night/);
  await mark(watcher.page);

  // The delegate asks for both nights on their own page.
  const delegate = await openDelegate(code);
  const form = await fillRequest(delegate.page, { hotelId: hotel.id, arrive: nights[0], leave: nextNight(nights[1]), sharing: 'Ben Ortiz' });
  assert.match(await text(form.locator('#hotel-request-summary')), /2 nights, ₹15,000\.00 in total/);
  await form.getByRole('button', { name: 'Ask for this room' }).click();
  await waitForText(delegate.page.locator('#my-room-status'), /Room allotted/, 'the room allotted on the delegate page');
  assert.match(await text(delegate.page.locator('#my-room')), /Taj Krishna/);
  assert.match(await text(delegate.page.locator('#my-room')), /Sharing with\s*Ben Ortiz/);

  // The other page follows, without a reload.
  await waitForText(cell, /^1 room left$/, 'the event page showing one room left');
  await waitForText(watcher.page.locator(`#hotels [data-block-id="${blocks[1].id}"]`), /^1 room left$/, 'the second night too');
  await assertNotReloaded(watcher.page);

  const own = await accommodationOf(code);
  assert.equal(own.status, 'allotted');
  assert.deepEqual(own.nights, nights);
  assert.equal(own.sharing_with, 'Ben Ortiz');
  assert.deepEqual(watcher.problems(), [], 'no errors on the event page');
  assert.deepEqual(delegate.problems(), [], 'no errors on the delegate page');
  await watcher.context.close();
  await delegate.context.close();
});

test('a waiting delegate is promoted live when another cancels', async () => {
  const { hotel } = await hotelWithRooms('Golkonda Hotel', 1, [span.first]);
  const first = await register('Cid Moreau');
  const second = await register('Dee Okafor');
  const taken = await client.api('POST', `/api/registrations/${first}/accommodation`, {
    hotel_id: hotel.id,
    room_type: 'double',
    nights: [span.first],
  });
  assert.equal(taken.status, 201, JSON.stringify(taken.body));
  assert.equal(taken.body.accommodation.status, 'allotted');

  const delegate = await openDelegate(second);
  const form = await fillRequest(delegate.page, { hotelId: hotel.id, arrive: span.first, leave: nextNight(span.first) });
  assert.match(await text(form.locator('#hotel-request-summary')), /you will be on the waiting list/);
  await form.getByRole('button', { name: 'Join the waiting list' }).click();
  await waitForText(delegate.page.locator('#my-room-status'), /On the waiting list, position 1/, 'the delegate waiting');
  assert.equal((await accommodationOf(second)).status, 'waitlisted');
  await mark(delegate.page);

  // The first delegate cancels their registration: the room is the second's.
  assert.equal((await client.api('DELETE', `/api/registrations/${first}`)).status, 200);
  await waitForText(delegate.page.locator('#my-room-status'), /Room allotted/, 'the promotion shown live');
  await waitForText(delegate.page.locator('#hotel-news'), /A room came free/, 'the promotion announced');
  await assertNotReloaded(delegate.page);
  assert.equal((await accommodationOf(second)).status, 'allotted');

  // Cancelling from the page frees the room again.
  await delegate.page.getByRole('button', { name: 'Cancel my room' }).click();
  await delegate.page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await waitForText(delegate.page.locator('#hotel-news'), /has been cancelled/, 'the cancellation confirmed');
  await waitForSelector(delegate.page, '#hotel-request form', 'the form back');
  assert.equal(await accommodationOf(second), null);
  assert.deepEqual(delegate.problems(), [], 'no errors on the delegate page');
  await delegate.context.close();
});

test('the organiser adds a hotel and its rooms in the console and downloads the rooming list', async () => {
  const context = await newContext({ acceptDownloads: true });
  assert.equal(await signIn(context, ORGANISER), 200);
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`/console/events/${event.id}#hotels`);
  const panel = page.getByRole('tabpanel', { name: 'Hotels' });
  await panel.getByRole('button', { name: 'Add a hotel' }).waitFor();

  await panel.getByRole('button', { name: 'Add a hotel' }).click();
  let dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('Hotel Marigold');
  await dialog.getByLabel('Distance from the venue').fill('3 km from HICC');
  await dialog.getByLabel('Map link').fill('maps.example.org/marigold');
  await dialog.getByRole('button', { name: 'Add a hotel' }).click();
  await waitForText(dialog.locator('.field__error:not([hidden])').first(), /starts with http/, 'a map link without http refused');
  await dialog.getByLabel('Map link').fill('https://maps.example.org/marigold');
  await dialog.getByRole('button', { name: 'Add a hotel' }).click();
  await dialog.waitFor({ state: 'detached' });
  const section = panel.locator('section.hotel-admin', { hasText: 'Hotel Marigold' });
  await section.waitFor();

  await section.getByRole('button', { name: 'Add rooms: Hotel Marigold' }).click();
  dialog = page.getByRole('dialog');
  await dialog.getByLabel('Room type key').fill('Single Room');
  await dialog.getByLabel('Room label').fill('Single room');
  await dialog.getByLabel('First night').selectOption(span.first);
  await dialog.getByLabel('Last night').selectOption(nextNight(span.first));
  await dialog.getByLabel('Rooms held per night').fill('3');
  await dialog.getByLabel('Rate per room and night').fill('5000.00');
  await dialog.getByLabel('Currency').fill('INR');
  await dialog.getByRole('button', { name: 'Add rooms' }).click();
  await waitForText(dialog.locator('.field__error:not([hidden])').first(), /lower-case letters/, 'a room type key with capitals refused');
  await dialog.getByLabel('Room type key').fill('single');
  await dialog.getByRole('button', { name: 'Add rooms' }).click();
  await dialog.waitFor({ state: 'detached' });
  const rows = section.locator('table.hotel-blocks tbody tr');
  await until(async () => (await rows.count()) === 2, 'two nights of rooms listed');
  assert.match(await text(rows.first()), /Single room/);
  assert.match(await text(rows.first()), /₹5,000\.00/);

  const listed = await client.api('GET', `/api/events/${event.id}/hotels`);
  const hotel = listed.body.hotels.find((x) => x.name === 'Hotel Marigold');
  assert.ok(hotel, 'the hotel is public');
  assert.equal(hotel.map_url, 'https://maps.example.org/marigold');
  assert.deepEqual(hotel.blocks.map((b) => [b.night, b.room_type, b.held, b.rate_minor, b.currency]), [
    [span.first, 'single', 3, 500000, 'INR'],
    [nextNight(span.first), 'single', 3, 500000, 'INR'],
  ]);

  // A delegate takes a room; the console's counts follow live, and the rooming list has them.
  await mark(page);
  const code = await register('Eve Rooming');
  const asked = await client.api('POST', `/api/registrations/${code}/accommodation`, {
    hotel_id: hotel.id,
    room_type: 'single',
    nights: [span.first],
    sharing_with: 'Fay, "the colleague"',
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  await waitForText(rows.first().locator('[data-count="allotted"]'), /^1$/, 'the console counting the room live');
  await assertNotReloaded(page);
  // One more room on the first night: the block's own form, prefilled.
  await rows.first().getByRole('button', { name: /^Edit the “Single room” rooms of / }).click();
  dialog = page.getByRole('dialog');
  assert.equal(await dialog.getByLabel('Rate per room and night').inputValue(), '5000.00');
  await dialog.getByLabel('Rooms held per night').fill('4');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await waitForText(section.locator('table.hotel-blocks tbody tr').first().locator('[data-count="remaining"]'), /^3$/, 'the block saved');
  const saved = (await client.api('GET', `/api/events/${event.id}/hotels`)).body.hotels.find((x) => x.id === hotel.id);
  assert.deepEqual([saved.blocks[0].held, saved.blocks[0].rate_minor, saved.blocks[0].release_at], [4, 500000, null]);

  await section.getByRole('button', { name: 'Rooming list: Hotel Marigold' }).click();
  await waitForText(section.locator('table.rooming-list tbody tr').first(), /Eve Rooming/, 'the rooming list');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    section.getByRole('link', { name: 'Download the rooming list of Hotel Marigold (CSV)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${HYDERABAD}-hotel-${hotel.id}-rooming.csv`);
  const csv = await readFile(await download.path(), 'utf8');
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a byte-order mark');
  assert.match(csv, /eve\.rooming@example\.org/);
  assert.match(csv, /Single room/);
  assert.match(csv, /"Fay, ""the colleague"""/);
  // The refusals this test provoked were caught in the page: no request failed.
  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('bad input gets a clear message and writes nothing', async () => {
  const { hotel, blocks } = await hotelWithRooms('Park Hyatt', 1, [span.first]);
  const code = await register('Gil Badinput');
  const delegate = await openDelegate(code);
  const { page } = delegate;
  const posts = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().includes('/accommodation')) posts.push(req.url());
  });

  // A night outside the event's: refused at the field, before anything is sent.
  let form = await fillRequest(page, { hotelId: hotel.id, arrive: '2001-01-01', leave: '2001-01-02' });
  await form.getByRole('button', { name: /Ask for this room|Join the waiting list/ }).click();
  const arrivalError = form.locator('[data-field="check_in"] .field__error');
  await waitForText(arrivalError, /Choose an arrival date between/, 'the arrival refused');
  assert.equal(await form.getByLabel('Arrival').getAttribute('aria-invalid'), 'true');

  // A room type the hotel does not have (a stale or doctored form): refused too.
  form = await fillRequest(page, { hotelId: hotel.id, arrive: span.first, leave: nextNight(span.first) });
  await form.getByLabel('Room type').evaluate((select) => {
    const option = document.createElement('option');
    option.value = 'penthouse';
    option.textContent = 'Penthouse';
    select.append(option);
    select.value = 'penthouse';
  });
  await form.getByRole('button', { name: /Ask for this room|Join the waiting list/ }).click();
  await waitForText(form.locator('[data-field="room_type"] .field__error'), /has no rooms of this type/, 'the room type refused');
  assert.deepEqual(posts, [], 'nothing was sent');
  assert.equal(await accommodationOf(code), null, 'nothing was written');

  // Rooms released by the organiser while the page is open: shown live, and refused too.
  const released = await staffCall(organiser.context, 'PATCH', `/api/events/${event.id}/hotels/${hotel.id}/blocks/${blocks[0].id}`, {
    release_at: '2014-01-01T00:00',
  });
  assert.equal(released.status, 200, JSON.stringify(released.body));
  await waitForText(page.locator(`#hotel-list [data-block-id="${blocks[0].id}"]`), /^Released$/, 'the release shown live');
  form = await fillRequest(page, { hotelId: hotel.id, arrive: span.first, leave: nextNight(span.first) });
  await form.getByRole('button', { name: /Ask for this room|Join the waiting list/ }).click();
  await waitForText(form.locator('[data-field="check_in"] .field__error'), /gone back to the hotel/, 'the release explained');
  assert.deepEqual(posts, [], 'nothing was sent');
  assert.equal(await accommodationOf(code), null, 'nothing was written');
  // The server refuses it as well (a page that missed the news).
  const direct = await client.api('POST', `/api/registrations/${code}/accommodation`, {
    hotel_id: hotel.id,
    room_type: 'double',
    nights: [span.first],
  });
  assert.equal(direct.status, 409);
  assert.equal(direct.body.error.code, 'rooms_released');
  assert.equal(await accommodationOf(code), null, 'nothing was written');
  assert.deepEqual(delegate.problems(), [], 'no errors on the page');
  await delegate.context.close();
});
