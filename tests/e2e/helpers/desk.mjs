// Helpers for the check-in desk tests (checkin.test.mjs): staff accounts made with
// `congress user add`, signed-in browser contexts, delegates with badges, bounded waits
// that say what did not happen, and badge tokens made in node (for the token module).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { congressBinary, REPO_ROOT } from './server.mjs';

// Bounds on waiting, not expectations of speed: they only turn a hang into a clear failure.
export const WAIT_MS = 20_000;
const POLL_MS = 50;

/** `printf '%s\n' PASSWORD | congress user add …` on the server's database. */
export function addStaff(server, { email, name, password, role, event }) {
  const args = ['user', 'add', '--db', server.db, '--email', email, '--name', name, '--role', role];
  if (event) args.push('--event', String(event));
  return new Promise((resolve, reject) => {
    const child = spawn(congressBinary(), args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`congress ${args.join(' ')}: exit ${code}\n${output}`))));
    child.stdin.end(`${password}\n`);
  });
}

/** Signs a browser context in (POST /api/staff/login); resolves to the HTTP status. */
export async function signIn(context, { email, password }) {
  const response = await context.request.post('/api/staff/login', { data: { email, password } });
  return response.status();
}

/** An API call with the context's staff session (cookie and CSRF token): { status, body }. */
export async function staffCall(context, method, path, data) {
  const me = await (await context.request.get('/api/staff/me')).json();
  const response = await context.request.fetch(path, {
    method,
    data,
    headers: { 'X-CSRF-Token': me.csrf_token ?? '', 'Content-Type': 'application/json' },
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status(), body };
}

/**
 * Registers a delegate (POST /api/events/{id}/registrations) and fetches their badge
 * (GET /api/registrations/{code}/badge). Resolves to { registration, registrationId, token }
 * (the public registration has no id: the badge names it).
 */
export async function delegateWithBadge(client, eventId, { name, email, organisation }) {
  const made = await client.api('POST', `/api/events/${eventId}/registrations`, { name, email, organisation });
  assert.equal(made.status, 201, `registering ${name}: ${JSON.stringify(made.body)}`);
  const registration = made.body.registration;
  const badge = await client.api('GET', `/api/registrations/${registration.code}/badge`);
  assert.equal(badge.status, 200, `the badge of ${name}: ${JSON.stringify(badge.body)}`);
  assert.match(badge.body.badge.token, /^CB1[A-Z2-7]{116}$/, `the badge token of ${name}`);
  return { registration, registrationId: badge.body.badge.registration_id, token: badge.body.badge.token };
}

/** The same token with one character of its signature changed (still base32, same length). */
export function tamper(token) {
  const at = 60; // inside the signature (it starts at character 3 + 13)
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + replacement + token.slice(at + 1);
}

/** Polls fn() until it returns a truthy value; fails with "what" and the last value otherwise. */
export async function until(fn, what, { timeoutMs = WAIT_MS } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await delay(POLL_MS);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** Waits until the locator (one element) has text matching `pattern`; fails saying what did not happen. */
export async function waitForText(locator, pattern, what, { timeoutMs = WAIT_MS } = {}) {
  try {
    await locator.filter({ hasText: pattern }).first().waitFor({ timeout: timeoutMs });
  } catch (err) {
    const text = await locator
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => '(no element)');
    throw new Error(`${what} did not happen: expected ${pattern}, the page shows "${String(text).replace(/\s+/g, ' ').trim()}"\n${err.message}`);
  }
}

/** Waits for a CSS selector to match; fails saying what did not happen. */
export async function waitForSelector(page, selector, what, { timeoutMs = WAIT_MS } = {}) {
  try {
    await page.locator(selector).first().waitFor({ timeout: timeoutMs });
  } catch (err) {
    throw new Error(`${what} did not happen (waited for ${selector})\n${err.message}`);
  }
}

// ---- badge tokens made here, for testing web/js/desk-verify.js under node ----------------------

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes) {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** A badge token as docs/checkin.md describes it, signed with `privateKey` (WebCrypto Ed25519). */
export async function makeToken(privateKey, eventId, registrationId) {
  const ids = new Uint8Array(8);
  const view = new DataView(ids.buffer);
  view.setUint32(0, eventId);
  view.setUint32(4, registrationId);
  const message = new Uint8Array([...new TextEncoder().encode('congress-badge-v1'), ...ids]);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, message));
  return `CB1${base32Encode(new Uint8Array([...ids, ...signature]))}`;
}
