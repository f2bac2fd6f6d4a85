// Browser test: the language switcher translates the UI and the choice sticks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { launchBrowser, newStrictContext, watchPage } from './helpers/browser.mjs';

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

test('the language switcher sets the page language and it is remembered', async () => {
  const context = await newStrictContext(browser, { baseURL: server.baseURL, locale: 'en-GB' });
  const page = await context.newPage();
  const problems = watchPage(page);
  const switcher = page.getByRole('navigation', { name: 'Language' });

  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
  assert.equal(await switcher.getByRole('link', { name: 'English' }).getAttribute('aria-current'), 'true');

  await switcher.getByRole('link', { name: 'Français' }).click();
  await page.getByRole('heading', { level: 1, name: 'Événements' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'À venir' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');

  // The choice carries over to a page opened without ?lang=.
  await page.locator('#upcoming-events a').first().click();
  await page.waitForURL('**/events/*');
  await page.getByRole('navigation', { name: 'Fil d’Ariane' }).getByRole('link', { name: 'Tous les événements' }).waitFor();
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');

  // ?lang= wins over the saved choice.
  await page.goto('/?lang=es');
  await page.getByRole('heading', { level: 1, name: 'Eventos' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'es');

  assert.deepEqual(problems(), [], 'no errors, CSP violations or failed requests');
  await context.close();
});

test('leaving a page while its data is still loading shows and logs no error', async () => {
  const context = await newStrictContext(browser, { baseURL: server.baseURL, locale: 'en-GB' });
  const page = await context.newPage();
  const problems = watchPage(page);
  // Hold the event list back until the visitor has already clicked away, as
  // on a slow network: the cancelled request must not be reported as a fault.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let asked;
  const requested = new Promise((resolve) => { asked = resolve; });
  await page.route('**/api/events', async (route) => {
    asked();
    await held;
    await route.continue().catch(() => {});
  });
  await page.goto('/');
  await requested;
  await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click();
  await page.getByRole('heading', { level: 1, name: 'Événements' }).waitFor();
  release();
  await page.unroute('**/api/events');
  await page.getByRole('heading', { level: 2, name: 'À venir' }).waitFor();
  assert.deepEqual(problems(), [], 'no errors logged for the request cut short by leaving');
  await context.close();
});
