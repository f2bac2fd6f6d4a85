// The organiser console's calls to the API, as the signed-in staff member.
//
// The session cookie goes with every request by itself; a changing request
// must also carry the session's CSRF token (X-CSRF-Token), which
// GET /api/staff/me gives. Without a session (401) the page goes to the
// sign-in page, which brings the organiser back here afterwards (?next=).

import { ApiError, newIdempotencyKey } from './api.js';

let staff = null;
let csrfToken = '';

/** Where to sign in, coming back to this page afterwards. */
export function signInURL(loc = location) {
  return `/login?next=${encodeURIComponent(loc.pathname + loc.search + loc.hash)}`;
}

function goSignIn() {
  location.assign(signInURL());
  // The page is going away: stop whatever was waiting for this answer.
  return new ApiError('not_signed_in', 'Sign in to continue.', 401);
}

async function readError(response) {
  try {
    const body = await response.json();
    if (body?.error?.code) return new ApiError(body.error.code, body.error.message, response.status, body.error);
  } catch {
    // not JSON
  }
  return new ApiError(`http_${response.status}`, response.statusText, response.status);
}

async function send(method, path, body, { idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError('network', err.message);
  }
  if (response.status === 401) throw goSignIn();
  if (!response.ok) throw await readError(response);
  try {
    return await response.json();
  } catch {
    throw new ApiError('bad_response', 'The server sent an unreadable response.', response.status);
  }
}

async function call(method, path, body, options) {
  try {
    return await send(method, path, body, options);
  } catch (err) {
    // A token that no longer matches (signed in again in another tab): fetch the
    // session's token once more and repeat. The Idempotency-Key makes that safe.
    if (err instanceof ApiError && err.code === 'csrf_failed' && method !== 'GET') {
      await loadStaff();
      return send(method, path, body, options);
    }
    throw err;
  }
}

/** Who is signed in ({staff, csrf_token}); goes to the sign-in page if nobody is. */
export async function loadStaff() {
  const me = await send('GET', '/api/staff/me');
  staff = me.staff ?? null;
  csrfToken = me.csrf_token ?? '';
  return staff;
}

export function currentStaff() {
  return staff;
}

/** A name to show for the signed-in staff member. */
export function staffName(who = staff) {
  return who?.display_name || who?.name || who?.email || '';
}

export function get(path) {
  return call('GET', path);
}

/** POST with a fresh Idempotency-Key (a double click or a retry changes nothing twice). */
export function post(path, body, { idempotencyKey = newIdempotencyKey() } = {}) {
  return call('POST', path, body, { idempotencyKey });
}

export function patch(path, body) {
  return call('PATCH', path, body);
}

/** Sign out, then go to the sign-in page. */
export async function signOut() {
  try {
    await send('POST', '/api/staff/logout', {});
  } catch {
    // whatever happened, the sign-in page is where to go
  }
  location.assign('/login');
}

/** A URL with the given query parameters (empty ones left out). */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
