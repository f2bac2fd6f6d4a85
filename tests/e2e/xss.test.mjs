// Stored cross-site scripting and SQL-shaped input (issue 22, item 6): every free-text field
// is stored and shown as text, on every page that shows it.
//
// Four events are made through the real API, one per payload:
//
//   <script>window.__pwned=1</script>
//   <img src=x onerror="window.__pwned=1">
//   javascript:window.__pwned=1
//   '; DROP TABLE registrations;--
//
// and every free-text field of that event is filled with its payload followed by " //" and
// the field's name (e.g. `<script>window.__pwned=1</script> //session1.title`), so that each
// field can be found on each page by its own text: the event (title, description), its new
// venue (name, address, city, country, the five notes), a track (name, description), a room
// (name, floor, equipment), sessions (title, description, a speaker; the reason given when
// one is added and when one is cancelled while the event page is open), an official hotel
// (name, address, distance, notes, the label of its room type), the letterhead
// (organisation, address, signatory's name and title), the organiser's staff account
// (display name, made by the admin with a reason), delegates (name and organisation, four
// through the API and one through the event page's form; the name in the passport; with
// whom the hotel room is shared), the reasons a letter is refused or revoked, a
// registration is cancelled by the organiser and a check-in is undone at the desk, and the
// desk's own name (typed at the desk). The room's floor (at most 40 characters) takes the
// bare payload: it is found beside the room's name. Everything goes through the API as an
// organiser, admin or delegate would send it, or is typed into the pages.
//
// Each page is then opened in Chromium and must (1) show every one of those texts exactly as
// typed (in the text of the page, or in the fields of an edit form filled from the server),
// (2) hold no element made from a payload (no inline <script>, no <img src="x">, no on…
// attribute, no javascript: address in href/src/action, no frame or object), (3) leave
// window.__pwned undefined, and (4) open no dialog, with no page error, console error or
// failed request. The pages: the home page; the event page (by day, by track, live programme
// updates with their reasons, the registration form); the delegate's page /r/{code} with
// their badge, hotel room and letter (requested, refused, revoked); the printable letter
// (delegate's and organisers' copies) and its verification page (genuine and revoked); the
// check-in desk (its event list, results, last check-ins before and after a reload, search,
// counters, the session picker, undo); the console (event list, and every tab of the event:
// programme, registrations, activity, details, rooms, check-in, hotels with the rooming
// list, letters with one request's details and the letterhead); the badge sheet (/badges);
// /admin (accounts, audit log by event and of the accounts made). Each page is checked for
// every payload, and a failure names each payload that failed.
//
// The server's Content-Security-Policy would stop an injected inline script or handler from
// running by itself, which would make "nothing runs" prove little about escaping. So these
// pages are loaded with the server's CSP header removed: a payload that reached the DOM as
// markup would run and set window.__pwned. One test checks that the server does send its CSP.
//
// Addresses that become links (the venue's map link, a hotel's map link, the letterhead's
// website) refuse a javascript: link with 422 invalid_field and keep what they had.
//
// The tests share the events and run in order. Changes made on a page (session 3 added and
// session 2 cancelled while the event page is open, delegate 5 registering with the form) are
// made by the API instead when a later test needs them and that page did not get to them;
// the desk's check-ins and undo are made only at the desk.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from './helpers/api.mjs';
import { startServer } from './helpers/server.mjs';
import { launchBrowser, watchPage } from './helpers/browser.mjs';
import { addStaff, WAIT_MS } from './helpers/desk.mjs';

const PAYLOADS = [
  { key: 'script', text: '<script>window.__pwned=1</script>' },
  { key: 'handler', text: '<img src=x onerror="window.__pwned=1">' },
  { key: 'jsurl', text: 'javascript:window.__pwned=1' },
  { key: 'sql', text: "'; DROP TABLE registrations;--" },
];
const JS_LINKS = ['javascript:window.__pwned=1', 'JavaScript:window.__pwned=1', ' javascript:window.__pwned=1'];

const ADMIN = { email: 'ada.admin@example.org', name: 'Ada Admin', password: 'admins read the audit log' };
const CREATOR = { email: 'cleo.creator@example.org', name: 'Cleo Creator', password: 'creators make the events' };
const PASSWORD = 'organisers type anything at all';

// The events' days (Europe/Madrid) and the hotel nights asked for (the letters travel from the 11th to the 15th).
const DAYS = { starts: '2031-05-12T09:00', ends: '2031-05-14T18:00' };
const NIGHTS = ['2031-05-12', '2031-05-13'];

let server;
let browser;
let client;
let scratch;
let admin; // { context, csrf, call }
const events = []; // one per payload: everything made for it (see makeEvent)

// Requests the desk is expected to have refused: the second scan of a badge (409).
const EXPECTED_PROBLEMS = [/HTTP 409: .*\/checkin$/, /console error: Failed to load resource: the server responded with a status of 409/];

/** "payload //field": what is typed into the field. */
const mark = (payload, field) => `${payload.text} //${field}`;

/**
 * A browser context like helpers/browser.mjs's newStrictContext, but with the server's
 * Content-Security-Policy header removed from every document, so that escaping alone is
 * under test: markup that reached the DOM would run.
 */
async function newOpenContext() {
  const context = await browser.newContext({ baseURL: server.baseURL, locale: 'en-GB', permissions: ['local-network-access'] });
  await context.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['content-security-policy'];
    return route.fulfill({ response, headers });
  });
  return context;
}

/** A signed-in staff context: { context, csrf, call(method, path, data) → {status, body} }. */
async function staffContext({ email, password }) {
  const context = await newOpenContext();
  const login = await context.request.post('/api/staff/login', { data: { email, password } });
  assert.equal(login.status(), 200, `${email} signs in: ${await login.text()}`);
  const csrf = (await login.json()).csrf_token;
  async function call(method, path, data) {
    const response = await context.request.fetch(path, {
      method,
      data,
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    return { status: response.status(), body };
  }
  return { context, csrf, call };
}

/** Asserts an API answer's status, showing the body otherwise; returns the body. */
function expectStatus(answer, status, what) {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

// ---- pages -------------------------------------------------------------------------------------

/** A page that records problems and dialogs: { page, problems(), dialogs }. */
async function openPage(context) {
  const page = await context.newPage();
  const problems = watchPage(page);
  const dialogs = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  return { page, problems, dialogs };
}

/**
 * Waits until the text of `root` (its textContent: what is shown as text, whatever the CSS)
 * contains every one of `expected`; fails naming the ones missing.
 */
async function expectTexts(page, expected, what, { root = 'body' } = {}) {
  try {
    await page.waitForFunction(
      ({ root: selector, expected: wanted }) => {
        const text = document.querySelector(selector)?.textContent ?? '';
        return wanted.every((s) => text.includes(s));
      },
      { root, expected },
      { timeout: WAIT_MS, polling: 100 },
    );
  } catch (err) {
    const text = await page.evaluate((selector) => document.querySelector(selector)?.textContent ?? '', root).catch(() => '');
    const missing = expected.filter((s) => !text.includes(s));
    // Say too whether a payload became markup or ran.
    const scan = await page.evaluate(scanForPayloads).catch(() => ({ found: [], pwned: '?' }));
    throw new Error(
      `${what}: not shown as typed:\n  ${missing.map((s) => JSON.stringify(s)).join('\n  ')}\n` +
        `window.__pwned: ${scan.pwned}; made from a payload: ${JSON.stringify(scan.found)}\n(${err.message.split('\n')[0]})`,
    );
  }
}

/** Asserts that form fields hold exactly these values (an edit form filled from the server). */
async function expectValues(page, expected, what) {
  const values = await page.evaluate(() => [...document.querySelectorAll('input, textarea')].map((el) => el.value));
  const missing = expected.filter((v) => !values.includes(v));
  assert.deepEqual(missing, [], `${what}: form fields do not hold these values as typed`);
}

/** What a payload would leave behind had it been taken as markup or as a link. */
function scanForPayloads() {
  const found = [];
  const describe = (el) => el.outerHTML.slice(0, 160);
  const LINKS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'srcdoc']);
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`an event-handler attribute: ${describe(el)}`);
      if (LINKS.has(name)) {
        let protocol = '';
        try {
          protocol = new URL(attr.value, location.href).protocol;
        } catch {
          protocol = '';
        }
        if (protocol === 'javascript:' || /^\s*javascript:/i.test(attr.value)) found.push(`a javascript: address: ${describe(el)}`);
      }
    }
    const tag = el.localName;
    if (tag === 'script' && (!el.hasAttribute('src') || el.textContent.includes('__pwned'))) found.push(`an inline script: ${describe(el)}`);
    if (tag === 'img' && el.getAttribute('src') === 'x') found.push(`an image from a payload: ${describe(el)}`);
    if (['iframe', 'object', 'embed', 'frame'].includes(tag)) found.push(`an embedded document: ${describe(el)}`);
  }
  return { found, pwned: window.__pwned === undefined ? 'undefined' : String(window.__pwned), title: document.title };
}

/**
 * Nothing ran and nothing was made from a payload: no element, no window.__pwned, no
 * dialog, no page error, console error or failed request (bar the expected refusals).
 */
async function expectInert(opened, what, allowed = []) {
  const { page, problems, dialogs } = opened;
  // An <img src=x> made from a payload fails to load a moment later: give its handler the time to run.
  await page.waitForTimeout(150);
  const { found, pwned } = await page.evaluate(scanForPayloads);
  const unexpected = problems().filter((p) => !allowed.some((re) => re.test(p)));
  assert.deepEqual(
    { 'window.__pwned': pwned, 'made from a payload': found, dialogs, 'page problems': unexpected },
    { 'window.__pwned': 'undefined', 'made from a payload': [], dialogs: [], 'page problems': [] },
    `${what}: a payload ran or became markup`,
  );
}

/**
 * Runs `check(e, opened)` for every event (payload), each on a new page of `contextOf(e)`,
 * and fails at the end with every payload's failure: one payload failing hides no other.
 */
async function eachEvent(contextOf, check) {
  const failures = [];
  for (const e of events) {
    const opened = await openPage(contextOf(e));
    try {
      await check(e, opened);
    } catch (err) {
      failures.push(`[${e.payload.key}] ${err.message}`);
    } finally {
      await opened.page.close();
    }
  }
  if (failures.length) throw new Error(`${failures.length} of ${events.length} payloads failed:\n\n${failures.join('\n\n')}`);
}

// ---- set-up ------------------------------------------------------------------------------------

/** One event carrying `payload` in every free-text field, and its organiser, delegates and letters. */
async function makeEvent(creator, payload, index) {
  const m = (field) => mark(payload, field);
  const e = { payload, m, index };

  const created = await creator.call('POST', '/api/console/events', {
    slug: `xss-${index + 1}-${payload.key}`,
    title: m('event.title'),
    description: m('event.description'),
    kind: 'congress',
    timezone: 'Europe/Madrid',
    starts_at: DAYS.starts,
    ends_at: DAYS.ends,
    capacity: 100,
    waitlist_enabled: false,
    venue: { name: m('venue.name'), address: m('venue.address'), city: m('venue.city'), country: m('venue.country') },
  });
  e.event = expectStatus(created, 201, `creating the ${payload.key} event`).event;
  const base = `/api/events/${e.event.id}`;
  e.base = base;

  // The event's organiser, made by the admin with a hostile display name.
  e.staff = { email: `organiser-${index + 1}@example.org`, name: m('staff.name'), password: PASSWORD };
  const user = await admin.call('POST', '/api/admin/users', {
    email: e.staff.email,
    name: e.staff.name,
    password: PASSWORD,
    grants: [{ role: 'organiser', event_id: e.event.id }],
    reason: m('admin.reason'),
  });
  e.user = expectStatus(user, 201, `the admin creating the ${payload.key} organiser`).user;
  e.organiser = await staffContext(e.staff);
  const call = e.organiser.call;

  expectStatus(
    await call('PATCH', `${base}/venue`, {
      info: {
        en: {
          access: m('venue.access'),
          accessibility: m('venue.accessibility'),
          transport: m('venue.transport'),
          wifi: m('venue.wifi'),
          catering: m('venue.catering'),
        },
      },
    }),
    200,
    'the venue notes',
  );
  e.track = expectStatus(
    await call('POST', `${base}/tracks`, { name: m('track.name'), description: m('track.description') }),
    201,
    'a track',
  ).track;
  e.floor = payload.text; // at most 40 characters: the bare payload
  e.room = expectStatus(
    await call('POST', `${base}/rooms`, { name: m('room.name'), capacity: 50, floor: e.floor, equipment: [m('room.equipment')] }),
    201,
    'a room',
  ).room;
  const session = (n, day) => ({
    title: m(`session${n}.title`),
    description: m(`session${n}.description`),
    kind: 'parallel',
    track_id: e.track.id,
    room_id: e.room.id,
    starts_at: `${day}T10:00`,
    ends_at: `${day}T11:00`,
    capacity: 40,
    speakers: [m(`session${n}.speaker`)],
  });
  e.session1 = expectStatus(await call('POST', `${base}/sessions`, session(1, '2031-05-12')), 201, 'session 1').session;
  e.session2 = expectStatus(await call('POST', `${base}/sessions`, session(2, '2031-05-13')), 201, 'session 2').session;

  e.hotel = expectStatus(
    await call('POST', `${base}/hotels`, {
      name: m('hotel.name'),
      address: m('hotel.address'),
      distance: m('hotel.distance'),
      notes: m('hotel.notes'),
    }),
    201,
    'a hotel',
  ).hotel;
  expectStatus(
    await call('POST', `${base}/hotels/${e.hotel.id}/blocks`, {
      nights: NIGHTS,
      room_type: 'double',
      room_label: m('hotel.room_label'),
      held: 5,
      rate_minor: 12000,
      currency: 'EUR',
    }),
    201,
    'room blocks',
  );
  e.letterhead = expectStatus(
    await call('PATCH', `${base}/letterhead`, {
      organisation: m('letterhead.organisation'),
      address: m('letterhead.address'),
      signatory_name: m('letterhead.signatory_name'),
      signatory_title: m('letterhead.signatory_title'),
    }),
    200,
    'the letterhead',
  ).letterhead;

  // Delegates, through the public API as they would register.
  e.delegates = [];
  for (let n = 1; n <= 4; n += 1) {
    const made = await client.api('POST', `${base}/registrations`, {
      name: m(`d${n}.name`),
      email: `xss-${index + 1}-d${n}@example.org`,
      organisation: m(`d${n}.organisation`),
    });
    const registration = expectStatus(made, 201, `delegate ${n}`).registration;
    const badge = await client.api('GET', `/api/registrations/${registration.code}/badge`);
    const { registration_id: id, token } = expectStatus(badge, 200, `the badge of delegate ${n}`).badge;
    e.delegates.push({ n, code: registration.code, id, token, name: m(`d${n}.name`), organisation: m(`d${n}.organisation`) });
  }
  const [d1, d2, d3, d4] = e.delegates;
  expectStatus(await client.api('POST', `/api/registrations/${d1.code}/sessions`, { session_id: e.session1.id }), 201, 'd1 enrols');
  expectStatus(
    await client.api('POST', `/api/registrations/${d1.code}/accommodation`, {
      hotel_id: e.hotel.id,
      room_type: 'double',
      nights: NIGHTS,
      sharing_with: m('d1.sharing_with'),
    }),
    201,
    'd1 asks for a room',
  );
  for (const d of [d1, d2, d3]) {
    const asked = await client.api('POST', `/api/registrations/${d.code}/letter`, {
      passport_name: m(`d${d.n}.passport_name`),
      nationality: 'BR',
      passport_number: `FP12345${d.n}${index}`,
      birth_date: '1975-03-14',
      arrival: '2031-05-11',
      departure: '2031-05-15',
    });
    d.letter = expectStatus(asked, 201, `d${d.n} asks for a letter`).letter;
    d.passportName = m(`d${d.n}.passport_name`);
  }
  const approve = async (d) => {
    d.letter = expectStatus(await call('POST', `${base}/letters/${d.letter.id}/approve`, {}), 200, `approving d${d.n}'s letter`).letter;
  };
  await approve(d1);
  await approve(d3);
  e.refuseReason = m('letter.refuse_reason');
  e.revokeReason = m('letter.revoke_reason');
  expectStatus(await call('POST', `${base}/letters/${d2.letter.id}/refuse`, { reason: e.refuseReason }), 200, 'refusing d2');
  expectStatus(await call('POST', `${base}/letters/${d3.letter.id}/revoke`, { reason: e.revokeReason }), 200, 'revoking d3');
  e.cancelReason = m('registration.cancel_reason');
  expectStatus(await call('POST', `${base}/registrations/${d4.id}/cancel`, { reason: e.cancelReason }), 200, 'cancelling d4');

  // Typed later, while the pages are open: session 3 added with a reason, session 2 cancelled with
  // a reason, the desk's name and the reason a check-in is undone.
  e.session3 = { ...session(3, '2031-05-14'), reason: m('session3.reason') };
  e.deskName = m('desk');
  e.undoReason = m('checkin.undo_reason');
  e.sessionCancelReason = m('session2.cancel_reason');
  return e;
}

/** Session 3, added with a reason (while the event page is open; else when a later test needs it). */
async function addSession3(e) {
  if (e.session3.id) return;
  const added = await e.organiser.call('POST', `${e.base}/sessions`, e.session3);
  e.session3.id = expectStatus(added, 201, 'adding session 3').session.id;
}

/** Delegate 5, who registers with the event page's form (else by the API, when a later test needs them). */
async function registerFormDelegate(e) {
  if (e.formDelegate) return;
  const d5 = { name: e.m('d5.name'), organisation: e.m('d5.organisation'), email: `xss-${e.index + 1}-d5@example.org` };
  expectStatus(await client.api('POST', `${e.base}/registrations`, d5), 201, 'delegate 5');
  e.formDelegate = d5;
}

/** Session 2, cancelled with a reason (as above). */
async function cancelSession2(e) {
  if (e.session2.status === 'cancelled') return;
  const cancelled = await e.organiser.call('POST', `${e.base}/sessions/${e.session2.id}/cancel`, { reason: e.sessionCancelReason });
  e.session2 = expectStatus(cancelled, 200, 'cancelling session 2').session;
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'congress-xss-'));
  const keyFile = join(scratch, 'letters.key');
  await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  browser = await launchBrowser();
  server = await startServer({ env: { CONGRESS_LETTERS_KEY_FILE: keyFile } });
  client = apiClient(server.baseURL);
  await addStaff(server, { ...ADMIN, role: 'admin' });
  await addStaff(server, { ...CREATOR, role: 'organiser' });
  admin = await staffContext(ADMIN);
  const creator = await staffContext(CREATOR);
  for (const [index, payload] of PAYLOADS.entries()) events.push(await makeEvent(creator, payload, index));
  await creator.context.close();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// ---- the tests ---------------------------------------------------------------------------------

test('the server stores every field exactly as typed (read back through the API)', async () => {
  for (const e of events) {
    const { m } = e;
    const ev = await client.getEvent(e.event.id);
    assert.equal(ev.title, m('event.title'));
    assert.equal(ev.description, m('event.description'));
    assert.deepEqual(
      [ev.venue.name, ev.venue.address, ev.venue.city, ev.venue.country],
      [m('venue.name'), m('venue.address'), m('venue.city'), m('venue.country')],
    );
    for (const note of ['access', 'accessibility', 'transport', 'wifi', 'catering']) assert.equal(ev.venue.info.en[note], m(`venue.${note}`));
    assert.deepEqual(ev.tracks.map((tr) => [tr.name, tr.description]), [[m('track.name'), m('track.description')]]);
    const room = ev.rooms.find((r) => r.id === e.room.id);
    assert.deepEqual([room.name, room.floor, room.equipment], [m('room.name'), e.floor, [m('room.equipment')]]);
    const s1 = ev.sessions.find((s) => s.id === e.session1.id);
    assert.deepEqual([s1.title, s1.description, s1.speakers.map((sp) => sp.name)], [m('session1.title'), m('session1.description'), [m('session1.speaker')]]);
    const { body: hotels } = await client.api('GET', `${e.base}/hotels`);
    const hotel = hotels.hotels[0];
    assert.deepEqual(
      [hotel.name, hotel.address, hotel.distance, hotel.notes, hotel.room_types[0].room_label],
      [m('hotel.name'), m('hotel.address'), m('hotel.distance'), m('hotel.notes'), m('hotel.room_label')],
    );
    assert.deepEqual(
      [e.letterhead.organisation, e.letterhead.address, e.letterhead.signatory_name, e.letterhead.signatory_title],
      [m('letterhead.organisation'), m('letterhead.address'), m('letterhead.signatory_name'), m('letterhead.signatory_title')],
    );
    assert.equal(e.user.display_name, m('staff.name'));
    for (const d of e.delegates) {
      const { body } = await client.api('GET', `/api/registrations/${d.code}`);
      assert.deepEqual([body.registration.name, body.registration.organisation], [d.name, d.organisation]);
    }
    const letters = await client.api('GET', `/api/registrations/${e.delegates[1].code}/letter`);
    assert.deepEqual([letters.body.letter.passport_name, letters.body.letter.reason], [e.delegates[1].passportName, e.refuseReason]);
    const room1 = await client.api('GET', `/api/registrations/${e.delegates[0].code}/accommodation`);
    assert.equal(room1.body.accommodation.sharing_with, m('d1.sharing_with'));
  }
});

test('addresses that become links refuse a javascript: link (422) and keep what they had', async () => {
  const e = events[0];
  const call = e.organiser.call;
  for (const link of JS_LINKS) {
    const venue = await call('PATCH', `${e.base}/venue`, { map_url: link });
    assert.equal(venue.status, 422, `venue map_url ${JSON.stringify(link)}: ${JSON.stringify(venue.body)}`);
    assert.deepEqual([venue.body.error.code, venue.body.error.field], ['invalid_field', 'map_url']);
    const hotel = await call('PATCH', `${e.base}/hotels/${e.hotel.id}`, { map_url: link });
    assert.equal(hotel.status, 422, `hotel map_url ${JSON.stringify(link)}: ${JSON.stringify(hotel.body)}`);
    assert.deepEqual([hotel.body.error.code, hotel.body.error.field], ['invalid_field', 'map_url']);
    const newHotel = await call('POST', `${e.base}/hotels`, { name: 'Hotel with a script link', map_url: link });
    assert.equal(newHotel.status, 422, `new hotel map_url ${JSON.stringify(link)}: ${JSON.stringify(newHotel.body)}`);
    const head = await call('PATCH', `${e.base}/letterhead`, { website: link });
    assert.equal(head.status, 422, `letterhead website ${JSON.stringify(link)}: ${JSON.stringify(head.body)}`);
    assert.deepEqual([head.body.error.code, head.body.error.field], ['invalid_field', 'website']);
  }
  const ev = await client.getEvent(e.event.id);
  assert.equal(ev.venue.map_url, null, 'the venue has no map link');
  const { body } = await client.api('GET', `${e.base}/hotels`);
  assert.deepEqual(body.hotels.map((h) => [h.name, h.map_url]), [[e.m('hotel.name'), null]], 'no hotel was added, none has a link');
  const head = await call('GET', `${e.base}/letterhead`);
  assert.equal(head.body.letterhead.website, '', 'the letterhead has no website');
});

test('the server sends its Content-Security-Policy (the second line of defence, removed for these pages)', async () => {
  const response = await fetch(`${server.baseURL}/events/${events[0].event.slug}`);
  assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
});

test('home page and event page: titles, venue, notes, programme by day and by track, hotels, live updates, the registration form', async () => {
  const context = await newOpenContext();
  const opened = await openPage(context);
  const { page } = opened;
  await page.goto('/');
  await expectTexts(page, events.map((e) => e.m('event.title')), 'the home page');
  await expectInert(opened, 'the home page');
  await page.close();

  await eachEvent(() => context, async (e, opened) => {
    const { page } = opened;
    const { m } = e;
    const what = `the event page (${e.payload.key})`;
    // The page's live subscription answers with a snapshot: from then on it gets every change.
    const snapshot = page
      .waitForEvent('websocket', { timeout: WAIT_MS })
      .then((ws) => ws.waitForEvent('framereceived', { predicate: (f) => /"type"\s*:\s*"snapshot"/.test(String(f.payload)), timeout: WAIT_MS }));
    await page.goto(`/events/${e.event.slug}`);
    await snapshot;

    // While the page is open an organiser adds session 3, then cancels session 2, each with a
    // reason: the live updates say why. (Made first, so that the later tests have them.)
    await addSession3(e);
    await expectTexts(page, [`“${m('session3.title')}” added on `, `(${m('session3.reason')})`], `${what}, live addition`, {
      root: '#programme-updates',
    });
    await cancelSession2(e);
    await expectTexts(page, [`“${m('session2.title')}” cancelled (${e.sessionCancelReason})`], `${what}, live cancellation`, {
      root: '#programme-updates',
    });
    await expectInert(opened, `${what}, after the live updates`);

    await page.reload();
    await expectTexts(
      page,
      [
        m('event.title'),
        m('event.description'),
        m('venue.name'),
        `${m('venue.address')}, ${m('venue.city')}, ${m('venue.country')}`,
        ...['access', 'accessibility', 'transport', 'wifi', 'catering'].map((n) => m(`venue.${n}`)),
        ...[1, 2, 3].flatMap((n) => [m(`session${n}.title`), m(`session${n}.description`), m(`session${n}.speaker`)]),
        m('track.name'),
        `${m('room.name')}, floor ${e.floor}`,
        m('hotel.name'),
        `${m('hotel.distance')} · ${m('hotel.address')}`,
        m('hotel.notes'),
        m('hotel.room_label'),
      ],
      `${what}, by day`,
    );
    assert.equal(await page.title(), `${m('event.title')} · Congress`, `${what}: the document's title`);
    await expectInert(opened, `${what}, by day`);
    await page.locator('.view-toggle__button[data-view="track"]').click();
    await expectTexts(page, [m('track.name'), m('track.description'), m('session1.title')], `${what}, by track`, { root: '#programme-body' });
    await expectInert(opened, `${what}, by track`);

    // A delegate registers with the page's own form, typing a payload as name and organisation.
    const d5 = { name: m('d5.name'), organisation: m('d5.organisation'), email: `xss-${e.index + 1}-d5@example.org` };
    await page.fill('#reg-name', d5.name);
    await page.fill('#reg-email', d5.email);
    await page.fill('#reg-organisation', d5.organisation);
    await page.locator('#register button[type="submit"]').click();
    await expectTexts(page, [`${d5.name}, your place is confirmed (${d5.email}).`], `${what}, registered with the form`, { root: '#register' });
    e.formDelegate = d5;
    await expectInert(opened, `${what}, registered with the form`);
  });
  await context.close();
});

test("delegate's page /r/{code}: registration, sessions, badge, hotel room, letters requested, refused and revoked", async () => {
  const context = await newOpenContext();
  await eachEvent(() => context, async (e, opened) => {
    const { page } = opened;
    const { m } = e;
    const [d1, d2, d3] = e.delegates;
    const what = `/r/{code} (${e.payload.key})`;
    await page.goto(`/r/${d1.code}`);
    await expectTexts(
      page,
      [
        m('event.title'),
        d1.name,
        d1.organisation,
        m('session1.title'),
        m('session2.title'),
        m('track.name'),
        m('room.name'),
        m('hotel.name'),
        m('hotel.room_label'),
        m('d1.sharing_with'),
        `${m('hotel.distance')} · ${m('hotel.address')}`,
        m('hotel.notes'),
        d1.passportName,
      ],
      what,
    );
    await expectInert(opened, what);

    await page.goto(`/r/${d1.code}#badge`);
    await expectTexts(page, [m('event.title'), d1.name, d1.organisation], `${what}: the badge`, { root: '.badge--own' });
    await expectInert(opened, `${what}: the badge`);

    await page.goto(`/r/${d2.code}`);
    await expectTexts(page, [d2.name, `Reason: ${e.refuseReason}`], `${what}: a refused letter`, { root: 'main' });
    await expectValues(page, [d2.passportName], `${what}: the refused letter's form, to ask again`);
    await expectInert(opened, `${what}: a refused letter`);

    await page.goto(`/r/${d3.code}`);
    await expectTexts(page, [d3.name, `Reason: ${e.revokeReason}`], `${what}: a revoked letter`, { root: 'main' });
    await expectValues(page, [d3.passportName], `${what}: the revoked letter's form, to ask again`);
    await expectInert(opened, `${what}: a revoked letter`);
  });
  await context.close();
});

test('printed letters (delegate and organiser copies) and the verification page', async () => {
  const visitor = await newOpenContext();
  await eachEvent(() => visitor, async (e, opened) => {
    const { page } = opened;
    const { m } = e;
    const [d1, , d3] = e.delegates;
    const letterTexts = [
      m('letterhead.organisation'),
      m('letterhead.address'),
      m('letterhead.signatory_name'),
      m('letterhead.signatory_title'),
      m('event.title'),
      `${m('venue.name')}, ${m('venue.city')}, ${m('venue.country')}`,
      d1.passportName,
    ];
    const what = `the printable letter (${e.payload.key})`;
    await page.goto(`/r/${d1.code}/letter`);
    await expectTexts(page, letterTexts, `${what}, delegate's copy`, { root: '#letter' });
    assert.equal(await page.title(), `Invitation letter ${d1.letter.letter_number} · ${m('event.title')}`, `${what}: the document's title`);
    await expectInert(opened, `${what}, delegate's copy`);

    await page.goto(`/letters/verify/${d1.letter.verification_code}`);
    await expectTexts(page, [d1.passportName, m('event.title')], `the verification page (${e.payload.key})`, { root: '#letter-result' });
    await expectInert(opened, `the verification page (${e.payload.key})`);
    await page.goto(`/letters/verify/${d3.letter.verification_code}`);
    await page.locator('[data-result="revoked"]').waitFor({ timeout: WAIT_MS });
    await expectTexts(page, [d3.passportName, m('event.title')], `the verification page of a revoked letter (${e.payload.key})`, { root: '#letter-result' });
    await expectInert(opened, `the verification page of a revoked letter (${e.payload.key})`);

    const organiser = await openPage(e.organiser.context);
    try {
      await organiser.page.goto(`/console/events/${e.event.id}/letters/${d1.letter.id}`);
      await expectTexts(organiser.page, letterTexts, `${what}, organisers' copy`, { root: '#letter' });
      await expectInert(organiser, `${what}, organisers' copy`);
    } finally {
      await organiser.page.close();
    }
  });
  await visitor.close();
});

test('check-in desk: desk name, results, last check-ins, undo reason, search, session picker, event list', async () => {
  await eachEvent((e) => e.organiser.context, async (e, opened) => {
    const { page } = opened;
    const { m } = e;
    const [d1, d2, d3] = e.delegates;
    const what = `the desk (${e.payload.key})`;

    await page.goto('/desk');
    await expectTexts(page, [m('event.title')], `${what}: the list of events`);
    await expectInert(opened, `${what}: the list of events`);

    await page.goto(`/desk?event=${e.event.id}`);
    await page.locator('#desk:not([hidden])').waitFor({ timeout: WAIT_MS });
    await page.locator('#desk-connection[data-state="online"]').waitFor({ timeout: WAIT_MS });
    await expectTexts(page, [m('event.title'), m('staff.name'), m('session1.title'), m('room.name')], `${what}: title, staff and session picker`);
    // The desk's name, typed as staff type it.
    await page.fill('#desk-name', e.deskName);
    await page.locator('#desk-name').dispatchEvent('change');
    const scan = async (token) => {
      await page.locator('#desk-scan').focus();
      await page.keyboard.insertText(token);
      await page.keyboard.press('Enter');
    };
    await scan(d1.token);
    await page.locator('#desk-result[data-result="green"]').waitFor({ timeout: WAIT_MS });
    await expectTexts(page, [`Checked in: ${d1.name}`, d1.organisation], `${what}: a green result`, { root: '#desk-result' });
    await scan(d1.token);
    await page.locator('#desk-result[data-result="amber"]').waitFor({ timeout: WAIT_MS });
    await expectTexts(page, [`Already checked in: ${d1.name}`, `at ${e.deskName} at `, ` by ${m('staff.name')}`], `${what}: an amber result`, {
      root: '#desk-result',
    });
    await scan(d3.token);
    await expectTexts(page, [`Checked in: ${d3.name}`], `${what}: d3 checked in`, { root: '#desk-result' });
    await expectTexts(page, [d1.name, d1.organisation, d3.name, d3.organisation], `${what}: the last check-ins`, { root: '#desk-recent' });
    await expectTexts(page, [`${e.deskName}: 2 checked in here`], `${what}: the desk's counter`);

    // Undo d3's check-in with a reason.
    const item = page.locator('#desk-recent li', { hasText: d3.name });
    await item.getByRole('button').click();
    await page.locator('#desk-recent form.desk-undo input').fill(e.undoReason);
    await page.locator('#desk-recent form.desk-undo button[type="submit"]').click();
    await expectTexts(page, [`Check-in undone: ${d3.name}`, e.undoReason], `${what}: the undo`, { root: '#desk-result' });

    // Search for d2 by the whole of their name, payload included.
    await page.fill('#desk-search-q', d2.name);
    await page.locator('#desk-search-form button[type="submit"]').click();
    await expectTexts(page, [d2.name, d2.organisation], `${what}: search`, { root: '#desk-search-results' });
    await expectInert(opened, what, EXPECTED_PROBLEMS);

    // After a reload, the desk's last check-ins come from the server (asked for by desk name).
    await page.reload();
    await page.locator('#desk-connection[data-state="online"]').waitFor({ timeout: WAIT_MS });
    await expectTexts(page, [d1.name, d1.organisation], `${what}, reloaded: the last check-ins`, { root: '#desk-recent' });
    await expectValues(page, [e.deskName], `${what}, reloaded: the desk's name`);
    await expectInert(opened, `${what}, reloaded`, EXPECTED_PROBLEMS);
  });
});

test('console: event list and every tab of the event', async () => {
  for (const e of events) {
    await addSession3(e);
    await cancelSession2(e);
    await registerFormDelegate(e);
  }
  await eachEvent((e) => e.organiser.context, async (e, opened) => {
    const { page } = opened;
    const { m } = e;
    const [d1, d2, d3, d4] = e.delegates;
    const what = `the console (${e.payload.key})`;

    await page.goto('/console');
    await expectTexts(page, [m('event.title'), m('venue.city'), m('staff.name')], `${what}: the event list`);
    await expectInert(opened, `${what}: the event list`);

    await page.goto(`/console/events/${e.event.id}`);
    await expectTexts(page, [m('event.title'), m('venue.name')], `${what}: the header`, { root: '#event-header' });
    await expectTexts(
      page,
      [m('session1.title'), m('session2.title'), m('track.name'), m('session1.speaker'), `${m('room.name')} (50 places)`],
      `${what}: programme`,
      { root: '#panel-programme' },
    );
    assert.equal(await page.title(), `${m('event.title')} · Organiser console`);

    const tab = async (name, root, texts) => {
      await page.locator(`#tab-${name}`).click();
      await expectTexts(page, texts, `${what}: ${name}`, { root });
    };
    const d5 = e.formDelegate;
    await tab('registrations', '#panel-registrations', [d1.name, d1.organisation, d2.name, d3.name, d4.name, d4.organisation, d5.name, d5.organisation]);
    await tab('activity', '#panel-activity', [
      `Reason: ${e.cancelReason}`,
      `Reason: ${e.sessionCancelReason}`,
      `Reason: ${e.undoReason}`,
      `Reason: ${m('session3.reason')}`,
      m('session3.title'),
      d1.name,
      d1.organisation,
    ]);
    await page.locator('#tab-details').click();
    await expectValues(page, [m('event.title'), m('event.description')], `${what}: details`);
    await tab('rooms', '#panel-rooms', [m('room.name'), m('room.equipment'), e.floor, m('session1.title'), m('venue.name')]);
    await expectValues(page, [m('venue.address'), ...['access', 'accessibility', 'transport', 'wifi', 'catering'].map((n) => m(`venue.${n}`))], `${what}: the venue form`);
    await tab('checkin', '#panel-checkin', [e.deskName, m('session1.title')]);
    await tab('hotels', '#panel-hotels', [m('hotel.name'), `${m('hotel.distance')} · ${m('hotel.address')}`, m('hotel.notes'), m('hotel.room_label')]);
    await page.locator('#panel-hotels .hotel-admin button', { hasText: 'Rooming list' }).click();
    await expectTexts(page, [`Rooming list: ${m('hotel.name')}`, d1.name, d1.organisation, m('d1.sharing_with'), m('hotel.room_label')], `${what}: the rooming list`, {
      root: '#panel-hotels',
    });
    await tab('letters', '#panel-letters', [d1.name, d1.passportName, d2.passportName, d3.passportName, e.refuseReason, e.revokeReason]);
    await page.locator(`#panel-letters tr[data-letter-id="${d2.letter.id}"] button`).first().click();
    await expectTexts(page, [d2.name, d2.passportName, e.refuseReason], `${what}: a letter's details`, { root: '#letter-details' });
    await page.locator('#letterhead-form').waitFor({ timeout: WAIT_MS });
    await expectValues(
      page,
      [m('letterhead.organisation'), m('letterhead.address'), m('letterhead.signatory_name'), m('letterhead.signatory_title')],
      `${what}: the letterhead form`,
    );
    await expectInert(opened, what);
  });
});

test('badge sheet (/badges): event, names and organisations of every badge', async () => {
  await eachEvent((e) => e.organiser.context, async (e, opened) => {
    const { page } = opened;
    const { m } = e;
    const [d1, d2, d3] = e.delegates;
    const what = `the badge sheet (${e.payload.key})`;
    await page.goto(`/badges?event=${e.event.id}&registrations=${[d1.id, d2.id, d3.id].join(',')}`);
    await expectTexts(page, [m('event.title'), d1.name, d1.organisation, d2.name, d2.organisation, d3.name, d3.organisation], what, { root: '#badge-sheets' });
    await expectTexts(page, [m('event.title')], `${what}: heading`, { root: '#badges-heading' });
    assert.equal(await page.locator('#badge-sheets .badge').count(), 3);
    await expectInert(opened, what);
  });
});

test('admin: staff accounts and the audit log (reasons, people, the values before and after)', async () => {
  const opened = await openPage(admin.context);
  const { page } = opened;
  for (const e of events) {
    await addSession3(e);
    await cancelSession2(e);
  }
  await page.goto('/admin');
  await page.locator('#admin:not([hidden])').waitFor({ timeout: WAIT_MS });
  await expectTexts(page, events.map((e) => e.m('staff.name')), '/admin: the accounts');
  const failures = [];
  for (const e of events) {
    const { m } = e;
    const what = `/admin, the audit log of the ${e.payload.key} event`;
    await page.locator('#audit-form select[name="event"]').selectOption(String(e.event.id));
    await page.locator('#audit-form button[type="submit"]').click();
    await expectTexts(
      page,
      [
        m('event.title'),
        e.cancelReason,
        e.undoReason,
        e.sessionCancelReason,
        m('session3.reason'),
        // Values before and after, as the page writes them (JSON); a letter's decision
        // keeps its reason there.
        JSON.stringify(e.refuseReason),
        JSON.stringify(e.revokeReason),
        JSON.stringify(m('hotel.name')),
        JSON.stringify(m('letterhead.organisation')),
        JSON.stringify(m('room.name')),
      ],
      what,
      { root: '#audit-body' },
    ).catch((err) => failures.push(err.message));
  }
  assert.deepEqual(failures, [], failures.join('\n\n'));
  await page.locator('#audit-form select[name="event"]').selectOption('');
  await page.locator('#audit-form input[name="action"]').fill('staff_user.create');
  await page.locator('#audit-form button[type="submit"]').click();
  await expectTexts(
    page,
    events.flatMap((e) => [e.m('admin.reason'), JSON.stringify(e.m('staff.name'))]),
    '/admin, the audit log of the accounts made',
    { root: '#audit-body' },
  );
  await expectInert(opened, '/admin');
  await page.close();
});

test("SQL-shaped input changed nothing: the registrations table is whole and takes registrations", async () => {
  const e = events.find((x) => x.payload.key === 'sql');
  await registerFormDelegate(e);
  const { status, body } = await client.api('POST', `${e.base}/registrations`, { name: 'Late Delegate', email: 'late@example.org' });
  assert.equal(status, 201, JSON.stringify(body));
  const list = await e.organiser.call('GET', `${e.base}/registrations?per_page=200`);
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.registrations.map((r) => r.name).sort(),
    [...e.delegates.map((d) => d.name), e.formDelegate.name, 'Late Delegate'].sort(),
  );
  // A search with the payload finds exactly the delegates whose names carry it.
  const search = await e.organiser.call('GET', `${e.base}/registrations?q=${encodeURIComponent(e.payload.text)}`);
  assert.equal(search.status, 200, JSON.stringify(search.body));
  assert.deepEqual(
    search.body.registrations.map((r) => r.name).sort(),
    [...e.delegates.map((d) => d.name), e.formDelegate.name].sort(),
  );
});
