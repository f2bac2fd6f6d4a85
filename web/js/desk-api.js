// The check-in desk's calls to the API, as the signed-in staff member (session cookie, and
// the session's CSRF token in X-CSRF-Token on writes, as in staff.js).
//
// Unlike staff.js, an answer is returned whole whatever its status, because the check-in
// refusals carry more than the error (`result`, `registration`, the earlier `checkin`).
// Only an unreachable server (or one that does not answer in time) throws:
// ApiError('network'). A 5xx answer is returned, and the desk treats it as unreachable too.

import { ApiError } from './api.js';
import { loginHref } from './staff.js';

// A desk waits this long for the server before deciding by itself (not a test threshold: it
// only keeps the queue moving when the network hangs rather than fails).
const REQUEST_TIMEOUT_MS = 8000;

let csrfToken = '';

/** Resolves to { status, body } (body null when it is not JSON); throws ApiError('network'). */
export async function deskRequest(method, path, body, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const headers = { Accept: 'application/json' };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  try {
    const response = await fetch(path, init);
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      // not JSON (a proxy's error page): the status says enough
    }
    if (response.status === 401 && parsed?.error?.code === 'not_signed_in') location.assign(loginHref());
    return { status: response.status, body: parsed };
  } catch (err) {
    throw new ApiError('network', err.name === 'AbortError' ? 'The server did not answer in time.' : err.message);
  } finally {
    clearTimeout(timer);
  }
}

/** True when the answer means "the server could not decide" (so the desk decides itself). */
export function unreachable(answer) {
  return answer.status >= 500 || answer.status === 0;
}

/** A GET that must succeed: the body, or throws ApiError with the server's code. */
export async function deskGet(path) {
  const answer = await deskRequest('GET', path);
  if (answer.status >= 200 && answer.status < 300 && answer.body) return answer.body;
  const error = answer.body?.error ?? {};
  throw new ApiError(error.code ?? `http_${answer.status}`, error.message ?? '', answer.status, error);
}

/**
 * The signed-in staff member, with the CSRF token remembered; null after sending the
 * browser to the sign-in page. Throws ApiError when the server cannot say.
 */
export async function deskSignedIn() {
  const answer = await deskRequest('GET', '/api/staff/me');
  if (answer.status === 401) {
    location.assign(loginHref());
    return null;
  }
  if (answer.status !== 200 || !answer.body) {
    const error = answer.body?.error ?? {};
    throw new ApiError(error.code ?? `http_${answer.status}`, error.message ?? '', answer.status, error);
  }
  csrfToken = answer.body.csrf_token ?? '';
  return answer.body.staff ?? null;
}
