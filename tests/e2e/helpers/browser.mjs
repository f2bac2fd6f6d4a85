// Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download). $CHROMIUM_PATH overrides the path.

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Content-Security-Policy the server will send; tests enforce it now. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export async function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}. Install it with "apt-get install chromium" ` +
        'or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

/**
 * A browser context whose pages get the strict CSP on every HTML document,
 * so that an inline script, style or handler fails the test today.
 * Options are passed to browser.newContext().
 *
 * A document fulfilled by a route has no server address, so Chromium's Local
 * Network Access checks count it as public and block its WebSocket to the
 * loopback server (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS). Served
 * directly it would be a loopback page itself: grant the permission it would
 * not have needed.
 */
export async function newStrictContext(browser, options = {}) {
  const permissions = [...new Set([...(options.permissions ?? []), 'local-network-access'])];
  const context = await browser.newContext({ ...options, permissions });
  await context.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    return route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': STRICT_CSP },
    });
  });
  return context;
}

/**
 * Records what should never happen on a page: uncaught errors, console
 * errors (CSP violations land there), failed requests and HTTP errors.
 * Call problems() at the end and assert it is empty.
 */
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? '';
    // A request cut short by navigating away is not a fault of the page.
    if (!reason.includes('ERR_ABORTED')) problems.push(`request failed: ${req.url()} ${reason}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return () => problems;
}
