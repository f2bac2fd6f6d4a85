// Staff pages' access to the API, a thin layer over api.js: requests go with the session
// cookie (HttpOnly, set by POST /api/staff/login) and, when they change something, with
// the session's CSRF token in X-CSRF-Token (api.js sends it). The token is kept in memory
// only: after a reload the page asks for it again with GET /api/staff/me.
//
//   const me = await requireStaff();        // or null, after redirecting to /login
//   await staffPost('/api/admin/users', {…});

import { h } from './dom.js';
import { t } from './i18n.js';
import { ApiError, request, setCsrfToken } from './api.js';

let signedIn = null; // the staff member from login or me

/**
 * Any API call from a staff page; resolves to the parsed body, throws ApiError. The
 * session's CSRF token (api.js keeps it) goes with every changing request.
 */
export async function staffRequest(method, path, body) {
  try {
    return await request(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      fresh: true,
      leaveAware: false,
      bodyCutOff: 'bad_response',
    });
  } catch (err) {
    // Signed out elsewhere, expired or disabled: the page cannot go on.
    if (err instanceof ApiError && err.code === 'not_signed_in' && signedIn) goToLogin();
    throw err;
  }
}

export const staffGet = (path) => staffRequest('GET', path);
export const staffPost = (path, body = {}) => staffRequest('POST', path, body);
export const staffDelete = (path, body) => staffRequest('DELETE', path, body);

function remember(answer) {
  setCsrfToken(answer.csrf_token ?? '');
  signedIn = answer.staff ?? null;
  return signedIn;
}

/** Signs in; resolves to the staff member. Throws ApiError (invalid_credentials, too_many_attempts, busy, …). */
export async function signIn(email, password) {
  return remember(await staffRequest('POST', '/api/staff/login', { email, password }));
}

export async function signOut() {
  try {
    await staffRequest('POST', '/api/staff/logout', {});
  } finally {
    setCsrfToken('');
    signedIn = null;
  }
}

/**
 * A same-site path to go to after signing in: `next` if it is a path on this site,
 * else `fallback`. Never another origin ("//evil.example", "https://…", "/\\evil").
 */
export function safeNext(next, fallback = '/console') {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== location.origin || url.pathname.startsWith('//')) return fallback;
  return url.pathname + url.search + url.hash;
}

/** /login?next=<this page>. */
export function loginHref(next = location.pathname + location.search) {
  return `/login?next=${encodeURIComponent(next)}`;
}

function goToLogin() {
  location.assign(loginHref());
}

/**
 * The signed-in staff member (with the CSRF token remembered), or null after sending the
 * browser to the sign-in page.
 */
export async function requireStaff() {
  try {
    return remember(await staffRequest('GET', '/api/staff/me'));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_signed_in') {
      goToLogin();
      return null;
    }
    throw err;
  }
}

export function isAdmin(staff) {
  return Boolean(staff?.grants?.some((g) => g.role === 'admin'));
}

/**
 * Fills the header's #staff-bar: who is signed in and a sign-out button, which ends the
 * session and goes to the sign-in page.
 */
export function showStaffBar(staff) {
  const bar = document.getElementById('staff-bar');
  if (!bar || !staff) return;
  const button = h('button', { type: 'button', class: 'button button--small button--secondary', id: 'sign-out' }, t('staff.signOut'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await signOut();
    } catch {
      // The session is gone either way for this page.
    }
    location.assign('/login');
  });
  bar.replaceChildren(h('span', { class: 'staff-bar__who' }, t('staff.signedInAs', { name: staff.display_name })), ' ', button);
}
