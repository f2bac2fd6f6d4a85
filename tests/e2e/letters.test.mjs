// Browser tests of visa invitation letters (docs/letters.md): a delegate asks for a
// letter on /r/{code}; an organiser sets the letterhead and approves it in the console's
// "Letters" tab; the printable letter (/r/{code}/letter, one A4 page) shows the details
// and a QR code that zbarimg (Debian zbar-tools) reads back as the verification address;
// the public verification page says genuine, then revoked once the organiser revokes it,
// and "never issued" for an altered code. The server runs with a throwaway letters key.
//
// The tests run in order and share the delegate and the letter.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from './helpers/api.mjs';
import { startServer, congressBinary, REPO_ROOT } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

const HYDERABAD = 'hyderabad-2014';
const ORGANISER = { email: 'lia.letters@example.org', name: 'Lia Letters', password: 'letters are printed on A4' };
const PASSPORT = 'FP1234567';
const HOSTILE_ORG = 'Metropolis <img src=x onerror="window.__pwned=1">';

let server;
let browser;
let client;
let event;
let scratch;
let organiser; // { context, page, problems }
let delegate; // { context, page, problems, code }
let letter = {}; // what the tests learn: id, verification code and URL

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
      if (err?.code === 'ENOENT') reject(new Error('zbarimg is not installed: apt-get install zbar-tools (deploy/test installs it)'));
      else if (err) reject(new Error(`zbarimg could not read ${file}: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

async function newContext() {
  return newStrictContext(browser, { baseURL: server.baseURL, locale: 'en-GB', deviceScaleFactor: 2 });
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'congress-letters-'));
  const keyFile = join(scratch, 'letters.key');
  await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  browser = await launchBrowser();
  server = await startServer({ env: { CONGRESS_LETTERS_KEY_FILE: keyFile } });
  client = apiClient(server.baseURL);
  event = await client.getEvent(HYDERABAD);
  await congressWithInput(
    ['user', 'add', '--db', server.db, '--email', ORGANISER.email, '--name', ORGANISER.name, '--role', 'organiser', '--event', HYDERABAD],
    ORGANISER.password,
  );
  const context = await newContext();
  const login = await context.request.post('/api/staff/login', { data: { email: ORGANISER.email, password: ORGANISER.password } });
  assert.equal(login.status(), 200, `sign-in: ${await login.text()}`);
  const page = await context.newPage();
  organiser = { context, page, problems: watchPage(page) };

  const { status, body } = await client.api('POST', `/api/events/${event.id}/registrations`, {
    name: 'Ana Silva',
    email: 'ana.letters@example.org',
  });
  assert.equal(status, 201, JSON.stringify(body));
  assert.equal(body.registration.status, 'confirmed');
  const dcontext = await newContext();
  const dpage = await dcontext.newPage();
  delegate = { context: dcontext, page: dpage, problems: watchPage(dpage), code: body.registration.code };
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('a confirmed delegate asks for a letter on their registration page, with inline checks', async () => {
  const { page, code } = delegate;
  await page.goto(`/r/${code}`);
  const form = page.locator('#letter-view:not([hidden]) #letter-form');
  await form.waitFor();

  const first = event.starts_at.slice(0, 10);
  const last = event.ends_at.slice(0, 10);
  await page.fill('#letter-passport-name', 'ANA MARIA SILVA');
  await page.selectOption('#letter-nationality', 'BR');
  await page.fill('#letter-passport-number', 'AB1');
  await page.fill('#letter-birth-date', '1975-03-14');
  await page.fill('#letter-arrival', first);
  await page.fill('#letter-departure', last);
  await page.click('#letter-submit');
  // A passport number in a wrong format is refused at the field, and nothing is sent.
  const error = page.locator('#letter-passport-number-error');
  await error.waitFor({ state: 'visible' });
  assert.match(await text(error), /5 to 20 letters/);
  assert.equal(await page.locator('#letter-passport-number').getAttribute('aria-invalid'), 'true');
  const none = await client.api('GET', `/api/registrations/${code}/letter`);
  assert.equal(none.status, 200);
  assert.equal(none.body.letter, null, 'nothing was written');

  await page.fill('#letter-passport-number', 'fp-123 4567');
  await page.click('#letter-submit');
  await page.locator('#letter-state[data-status="requested"]').waitFor();
  assert.match(await text(page.locator('#letter-summary')), /•••567/);
  assert.equal((await page.content()).includes(PASSPORT), false, 'the delegate is never shown the whole number');
  const sent = await client.api('GET', `/api/registrations/${code}/letter`);
  assert.equal(sent.body.letter.status, 'requested');
  assert.equal(sent.body.letter.passport_number_last3, '567');
  letter.id = sent.body.letter.id;
  assert.deepEqual(delegate.problems(), []);
});

test('an organiser sets the letterhead, sees the passport number and approves the letter in the console', async () => {
  const { page } = organiser;
  await page.goto(`/console/events/${event.id}#letters`);
  const row = page.locator(`#panel-letters tr[data-letter-id="${letter.id}"]`);
  await row.waitFor();
  assert.equal(await text(row.locator('[data-status]')), 'Requested');
  assert.equal((await text(page.locator('#letters-table'))).includes(PASSPORT), false, 'no passport numbers in the list');

  // The letterhead: saved through the audited route.
  const form = page.locator('#letterhead-form');
  await form.waitFor();
  await form.locator('input[name="organisation"]').fill(HOSTILE_ORG);
  await form.locator('textarea[name="address"]').fill('Avinyó 15\n08002 Barcelona');
  await form.locator('input[name="signatory_name"]').fill('Alain Le Saux');
  await form.locator('input[name="signatory_title"]').fill('Secretary General');
  await form.locator('input[name="contact_email"]').fill('visa@metropolis.example.org');
  await form.locator('button[type="submit"]').click();
  await page.locator('#letterhead-note', { hasText: ORGANISER.email }).waitFor();

  // The one place the passport number shows.
  await row.getByRole('button', { name: 'Details of the request of ANA MARIA SILVA' }).click();
  const details = page.locator('#letter-details');
  await details.locator('[data-fact="passport-number"]').waitFor();
  assert.equal(await text(details.locator('[data-fact="passport-number"] dd')), PASSPORT);

  await row.getByRole('button', { name: 'Approve the letter of ANA MARIA SILVA' }).click();
  await page.locator(`#panel-letters tr[data-letter-id="${letter.id}"] [data-status="approved"]`).waitFor();
  const { body } = await client.api('GET', `/api/registrations/${delegate.code}/letter`);
  assert.equal(body.letter.status, 'approved');
  assert.match(body.letter.letter_number, /^HYD-\d{4}-000001$/);
  letter.number = body.letter.letter_number;
  letter.verification = body.letter.verification_code;
  letter.url = `${server.baseURL}/letters/verify/${letter.verification}`;
  assert.deepEqual(organiser.problems(), []);
});

test('the printable letter is one A4 page with the details and a QR code of the verification address', async () => {
  const { page, code } = delegate;
  await page.goto(`/r/${code}`);
  await page.locator('#letter-state[data-status="approved"]').waitFor();
  await page.locator('#letter-open').click();
  await page.waitForURL(`**/r/${code}/letter`);
  const sheet = page.locator('#letter[data-copy="delegate"]');
  await sheet.waitFor();

  // The letterhead is text: the hostile organisation name shows its markup and runs nothing.
  assert.equal(await text(page.locator('#letter-organisation')), HOSTILE_ORG);
  assert.equal(await sheet.locator('img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await text(page.locator('#letter-signatory')), 'Alain Le Saux');
  assert.equal(await text(sheet.locator('[data-fact="passport-name"] dd')), 'ANA MARIA SILVA');
  assert.equal(await text(sheet.locator('[data-fact="nationality"] dd')), 'Brazil');
  assert.equal(await text(sheet.locator('[data-fact="birth-date"] dd')), '14 March 1975');
  assert.equal(await text(sheet.locator('[data-fact="event"] dd')), event.title);
  assert.equal(await text(sheet.locator('[data-fact="letter-number"] dd')), letter.number);
  // The delegate's copy never carries the passport number.
  assert.equal(await sheet.locator('[data-fact="passport-number"]').count(), 0);
  assert.equal((await page.content()).includes(PASSPORT), false);
  assert.equal(await page.locator('#letter-verify-link').getAttribute('href'), letter.url);

  const file = join(scratch, 'letter-qr.png');
  await writeFile(file, await page.locator('#letter-qr').screenshot());
  assert.equal(await zbar(file), letter.url);

  // On paper: only the letter, on one A4 page.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.letter-toolbar').isVisible(), false, 'the toolbar is not printed');
  assert.equal(await page.locator('.site-header').isVisible(), false, 'the header is not printed');
  const box = await sheet.boundingBox();
  assert.ok(Math.abs(box.width - (210 / 25.4) * 96) < 1.5, `210 mm wide: ${JSON.stringify(box)}`);
  const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
  assert.equal(pdf.match(/\/Type\s*\/Page\b/g)?.length, 1, 'one PDF page');
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(delegate.problems(), []);

  // The organisers' copy says so, and shows the passport number.
  const opage = organiser.page;
  await opage.goto(`/console/events/${event.id}/letters/${letter.id}`);
  await opage.locator('#letter[data-copy="organiser"]').waitFor();
  assert.equal(await text(opage.locator('[data-fact="passport-number"] dd')), PASSPORT);
  assert.match(await text(opage.locator('#letter-copy')), /Organisers’ copy/);
  assert.deepEqual(organiser.problems(), []);
});

test('the verification page shows genuine, then revoked after the organiser revokes; an altered code was never issued', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(letter.url);
  await page.locator('[data-result="genuine"]').waitFor();
  const facts = await text(page.locator('#letter-result'));
  assert.ok(facts.includes(letter.number) && facts.includes('ANA MARIA SILVA') && facts.includes(event.title), facts);
  assert.equal(facts.includes('567') || facts.includes('1975') || facts.includes('Brazil'), false, 'nothing more');

  // Revoked in the console, with a reason.
  const opage = organiser.page;
  await opage.goto(`/console/events/${event.id}#letters`);
  const row = opage.locator(`#panel-letters tr[data-letter-id="${letter.id}"]`);
  await row.getByRole('button', { name: 'Revoke the letter of ANA MARIA SILVA' }).click();
  const dialog = opage.locator('dialog[open]');
  await dialog.locator('textarea[name="reason"]').fill('The delegate will not travel.');
  await dialog.locator('button[type="submit"]').click();
  await opage.locator(`#panel-letters tr[data-letter-id="${letter.id}"] [data-status="revoked"]`).waitFor();
  assert.deepEqual(organiser.problems(), []);

  await page.reload();
  await page.locator('[data-result="revoked"]').waitFor();
  assert.match(await text(page.locator('#letter-result')), new RegExp(letter.number));

  // The delegate sees it revoked, with the reason, and may ask again.
  await delegate.page.goto(`/r/${delegate.code}`);
  await delegate.page.locator('#letter-state[data-status="revoked"]').waitFor();
  assert.match(await text(delegate.page.locator('#letter-reason')), /will not travel/);
  await delegate.page.locator('#letter-form').waitFor();
  assert.deepEqual(delegate.problems(), []);

  // One character changed: never issued (the 404 is the expected answer here).
  const last = letter.verification.at(-1);
  const altered = letter.verification.slice(0, -1) + (last === 'a' ? 'b' : 'a');
  await page.goto(`/letters/verify/${altered}`);
  await page.locator('[data-result="unknown"]').waitFor();
  assert.match(await text(page.locator('#letter-result')), /No letter with this verification code was ever issued/);
  assert.equal((await text(page.locator('#letter-result'))).includes('ANA MARIA SILVA'), false);
  await context.close();
});
