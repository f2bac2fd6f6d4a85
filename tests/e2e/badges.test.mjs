// Browser tests of badges (docs/checkin.md): the organisers' print sheet
// (/badges), the console's "Badges & check-in" tab with its live counters,
// and the delegate's own badge on /r/{code}#badge.
//
// The QR codes on screen are read back with the real decoder, zbarimg (Debian
// zbar-tools, installed by deploy/test), from a screenshot of the page: what a
// desk's camera would see. On a server without the badge routes (GET
// /api/events/{id}/badges answers 404) the browser tests are skipped, with a
// note saying so. (The public registration answer has the code, not the id: the
// delegate's own badge gives each test registration's id.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from './helpers/api.mjs';
import { startServer, congressBinary, REPO_ROOT } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const BARCELONA = 'barcelona-women-colloquium-2014';
const ORGANISER = { email: 'bea.badges@example.org', name: 'Bea Badges', password: 'badges are printed on A4' };
const HOSTILE = '<img src=x onerror="window.__pwned=1">Zoë';
const SKIP_REASON = 'the badge routes (GET /api/events/{id}/badges) are not on this server yet';

let server;
let browser;
let client;
let event;
let available = false;
let organiser; // { context, page, problems, csrf }
let scratch; // a temporary directory for screenshots
const delegates = []; // registrations made for these tests

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

/** The text of the QR code in a PNG file, read by zbarimg. */
function zbar(file) {
  return new Promise((resolve, reject) => {
    execFile('zbarimg', ['--raw', '-q', file], (err, stdout, stderr) => {
      if (err?.code === 'ENOENT') {
        reject(new Error('zbarimg is not installed: apt-get install zbar-tools (deploy/test installs it)'));
      } else if (err) {
        reject(new Error(`zbarimg could not read ${file}: ${stderr || err.message}`));
      } else {
        resolve(stdout.trim());
      }
    });
  });
}

/** Screenshots one element and decodes the QR code in it. */
async function readQr(locator, name) {
  const file = join(scratch, `${name}.png`);
  await writeFile(file, await locator.screenshot());
  return zbar(file);
}

async function newContext(options = {}) {
  // Three device pixels per CSS pixel: a printed badge's QR code is 27 mm wide.
  return newStrictContext(browser, { baseURL: server.baseURL, locale: 'en-GB', deviceScaleFactor: 3, ...options });
}

async function organiserCall(method, path, data) {
  const response = await organiser.context.request.fetch(path, {
    method,
    data,
    headers: { 'X-CSRF-Token': organiser.csrf, 'Content-Type': 'application/json' },
  });
  return { status: response.status(), body: await response.json() };
}

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  client = apiClient(server.baseURL);
  scratch = await mkdtemp(join(tmpdir(), 'congress-badges-'));
  event = await client.getEvent(BARCELONA);
  await congressWithInput(
    ['user', 'add', '--db', server.db, '--email', ORGANISER.email, '--name', ORGANISER.name, '--role', 'organiser', '--event', BARCELONA],
    ORGANISER.password,
  );
  const context = await newContext();
  const login = await context.request.post('/api/staff/login', { data: { email: ORGANISER.email, password: ORGANISER.password } });
  assert.equal(login.status(), 200, `sign-in: ${await login.text()}`);
  const page = await context.newPage();
  organiser = { context, page, problems: watchPage(page), csrf: (await login.json()).csrf_token };

  for (const [i, name] of [HOSTILE, 'Ada Lovelace', 'Maria Salomea Skłodowska-Curie de la Universidad Complutense'].entries()) {
    const { status, body } = await client.api('POST', `/api/events/${event.id}/registrations`, {
      name,
      email: `badge-${i}@example.org`,
      organisation: i === 1 ? 'Analytical Engines Ltd' : undefined,
    });
    assert.equal(status, 201, JSON.stringify(body));
    delegates.push(body.registration);
  }
  // The public registration answer carries the code; the badge names the registration id.
  const own = await client.api('GET', `/api/registrations/${delegates[0].code}/badge`);
  if (own.status === 404 && own.body?.error?.code === 'not_found') {
    console.log(`# badges.test.mjs: skipped: ${SKIP_REASON}`);
    return;
  }
  for (const d of delegates) {
    const { status, body } = await client.api('GET', `/api/registrations/${d.code}/badge`);
    assert.equal(status, 200, JSON.stringify(body));
    d.id = body.badge.registration_id;
  }
  const probe = await organiserCall('GET', `/api/events/${event.id}/badges?registrations=${delegates[0].id}`);
  assert.equal(probe.status, 200, JSON.stringify(probe.body));
  available = true;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('the badges page has no inline scripts, styles or event handlers', async () => {
  const html = await readFile(join(REPO_ROOT, 'web', 'badges.html'), 'utf8');
  for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    assert.match(attrs, /\bsrc="\/[^"]+"/, 'every <script> has an absolute src');
    assert.equal(body.trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /\sstyle=|<style\b/i, 'no inline styles');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /(?:src|href)="(?!\/|https?:|#)/, 'asset paths are absolute');
});

test('the print sheet lays out the unprinted badges, scannable, and marks them printed', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const { page } = organiser;
  const api = await organiserCall('GET', `/api/events/${event.id}/badges?unprinted=1`);
  assert.equal(api.status, 200, JSON.stringify(api.body));
  const expected = api.body.badges;
  assert.ok(expected.length >= delegates.length, 'our delegates are among the unprinted badges');

  await page.goto(`/badges?event=${event.id}`);
  await page.locator('#badges-toolbar:not([hidden])').waitFor();
  assert.equal(await page.locator('.badge').count(), expected.length);
  assert.equal(await page.locator('.badge-sheet').count(), Math.ceil(expected.length / 8), 'eight badges to a sheet');
  assert.match(await text(page.locator('#badges-summary')), new RegExp(`${expected.length} badges?`));
  assert.equal(await text(page.locator('#mark-printed')), expected.length === 1 ? 'Mark this badge as printed' : `Mark these ${expected.length} as printed`);

  // Names are text: the hostile one shows its markup and runs nothing.
  const hostile = page.locator(`.badge[data-registration-id="${delegates[0].id}"]`);
  assert.equal(await text(hostile.locator('.badge__name')), HOSTILE);
  assert.equal(await hostile.locator('img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  const ada = page.locator(`.badge[data-registration-id="${delegates[1].id}"]`);
  assert.equal(await text(ada.locator('.badge__organisation')), 'Analytical Engines Ltd');
  assert.equal(await text(ada.locator('.badge__event')), event.title);

  // The QR code on the sheet is the registration's token.
  const token = expected.find((b) => b.registration_id === delegates[1].id).token;
  assert.match(token, /^CB1[A-Z2-7]{116}$/);
  assert.equal(await readQr(ada.locator('.badge__qr'), 'sheet-ada'), token);

  // On paper: only the sheets, one A4 page per eight badges.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('#badges-toolbar').isVisible(), false, 'the toolbar is not printed');
  assert.equal(await page.locator('.site-header').isVisible(), false, 'the header is not printed');
  assert.equal(await ada.isVisible(), true);
  const box = await ada.boundingBox();
  // 90 × 60 mm at 96 CSS px per inch.
  assert.ok(Math.abs(box.width - (90 / 25.4) * 96) < 1.5 && Math.abs(box.height - (60 / 25.4) * 96) < 1.5, JSON.stringify(box));
  const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
  assert.equal(pdf.match(/\/Type\s*\/Page\b/g)?.length, Math.ceil(expected.length / 8), 'PDF pages');
  await page.emulateMedia({ media: 'screen' });

  await page.locator('#mark-printed').click();
  await page.locator('#feedback', { hasText: 'marked as printed' }).waitFor();
  assert.equal(await page.locator('#mark-printed').isDisabled(), true);
  const after = await organiserCall('GET', `/api/events/${event.id}/badges?unprinted=1`);
  assert.deepEqual(after.body.badges, [], 'nothing left to print');

  await page.reload();
  await page.locator('#badges-empty:not([hidden])').waitFor();
  assert.match(await text(page.locator('#badges-empty')), /Nothing to print/);

  // A chosen badge can be printed again, and says it was printed before.
  await page.goto(`/badges?event=${event.id}&registrations=${delegates[1].id}`);
  await page.locator('#badges-toolbar:not([hidden])').waitFor();
  assert.equal(await page.locator('.badge').count(), 1);
  assert.equal(await page.locator('.badge[data-printed-at]').count(), 1);
  assert.deepEqual(organiser.problems(), []);
});

test('the console tab counts check-ins live, per desk', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const { page } = organiser;
  await page.goto(`/console/events/${event.id}#checkin`);
  await page.locator('#checkin-total').waitFor();
  const stats = await organiserCall('GET', `/api/events/${event.id}/checkin/stats`);
  assert.equal(stats.status, 200);
  assert.equal(await text(page.locator('#checkin-total')), `Checked in ${stats.body.checked_in} / expected ${stats.body.expected}`);
  assert.equal(await page.locator('#print-unprinted').getAttribute('href'), `/badges?event=${event.id}&unprinted=1`);
  assert.equal(await page.locator('#open-desk').getAttribute('href'), `/desk?event=${event.id}`);
  await page.evaluate(() => {
    window.__marker = 'still here';
  });

  const badges = await organiserCall('GET', `/api/events/${event.id}/badges?registrations=${delegates[2].id}`);
  const scan = await organiserCall('POST', `/api/events/${event.id}/checkin`, { token: badges.body.badges[0].token, desk: 'Desk 7' });
  assert.equal(scan.status, 200, JSON.stringify(scan.body));
  await page.locator('#checkin-total', { hasText: `Checked in ${stats.body.checked_in + 1} / expected` }).waitFor();
  assert.equal(await text(page.locator('.checkin-desks tr[data-desk="Desk 7"] td')), '1');
  assert.equal(await page.evaluate(() => window.__marker), 'still here', 'the page was not reloaded');
  assert.deepEqual(organiser.problems(), []);
});

test('the registrations table prints one badge, or the badges of the delegates listed', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const { page } = organiser;
  await page.goto(`/console/events/${event.id}#registrations`);
  const ada = delegates[1];
  const row = page.locator(`tr[data-registration-id="${ada.id}"]`);
  await row.waitFor();
  const one = row.getByRole('link', { name: `Print ${ada.name}'s badge` });
  assert.equal(await one.getAttribute('href'), `/badges?event=${event.id}&registrations=${ada.id}`);
  const listed = page.locator('.console-toolbar a[href^="/badges"]');
  const href = await listed.getAttribute('href');
  const ids = new URL(href, 'http://x').searchParams.get('registrations').split(',').map(Number);
  assert.ok(ids.includes(ada.id), `${href} does not list ${ada.id}`);
  // Following it gives a sheet with exactly those badges.
  const sheet = await organiser.context.newPage();
  await sheet.goto(href);
  await sheet.locator('.badge').first().waitFor();
  assert.equal(await sheet.locator('.badge').count(), ids.length);
  await sheet.close();
  assert.deepEqual(organiser.problems(), []);
});

test('a confirmed delegate shows and prints their own badge; a cancelled one has none', async (t) => {
  if (!available) return t.skip(SKIP_REASON);
  const context = await newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const problems = watchPage(page);
  const ada = delegates[1];
  await page.goto(`/r/${ada.code}`);
  await page.locator('#show-badge').click();
  await page.locator('#badge-view:not([hidden]) .badge').waitFor();
  assert.match(page.url(), /#badge$/);
  assert.equal(await text(page.locator('#badge-view .badge__name')), 'Ada Lovelace');
  assert.equal(await page.locator('#registration').isVisible(), false, 'the badge is the page while shown');
  const own = await client.api('GET', `/api/registrations/${ada.code}/badge`);
  assert.equal(own.status, 200);
  assert.equal(await readQr(page.locator('#badge-view .badge__qr'), 'own-ada'), own.body.badge.token);

  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('#badge-print').isVisible(), false);
  assert.equal(await page.locator('.site-header').isVisible(), false);
  assert.equal(await page.locator('#badge-view .badge').isVisible(), true);
  await page.emulateMedia({ media: 'screen' });

  await page.locator('#badge-close').click();
  await page.locator('#badge-view[hidden]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('#registration').isVisible(), true);

  // Opened straight from its address.
  await page.goto(`/r/${ada.code}#badge`);
  await page.locator('#badge-view:not([hidden]) .badge').waitFor();

  // Cancelled: no badge, even from #badge.
  const gone = delegates[0];
  assert.equal((await client.api('DELETE', `/api/registrations/${gone.code}`)).status, 200);
  await page.goto(`/r/${gone.code}#badge`);
  await page.locator('#registration:not([hidden])').waitFor();
  assert.equal(await page.locator('#show-badge').count(), 0);
  assert.equal(await page.locator('#badge-view').isHidden(), true);
  assert.deepEqual(problems(), []);
  await context.close();
});
