// The check-in desk's calls to the API, a thin layer over api.js, as the signed-in staff
// member (session cookie, and the session's CSRF token, kept by api.js, in X-CSRF-Token on
// writes).
//
// Unlike staff.js, an answer is returned whole whatever its status, because the check-in
// refusals carry more than the error (`result`, `registration`, the earlier `checkin`).
// Only an unreachable server (or one that does not answer in time) throws:
// ApiError('network'). A 5xx answer is returned, and the desk treats it as unreachable too.

import { ApiError, send, setCsrfToken } from './api.js';
import { loginHref } from './staff.js';

// A desk waits this long for the server before deciding by itself (not a test threshold: it
// only keeps the queue moving when the network hangs rather than fails).
const REQUEST_TIMEOUT_MS = 8000;

/** Resolves to { status, body } (body null when it is not JSON); throws ApiError('network'). */
export async function deskRequest(method, path, body, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const answer = await send(method, path, {
    body: body === undefined ? undefined : JSON.stringify(body),
    timeoutMs,
    fresh: true,
    leaveAware: false,
  });
  let parsed = null;
  try {
    if (answer.text !== null) parsed = JSON.parse(answer.text);
  } catch {
    // not JSON (a proxy's error page): the status says enough
  }
  if (answer.status === 401 && parsed?.error?.code === 'not_signed_in') location.assign(loginHref());
  return { status: answer.status, body: parsed };
}

/** The ApiError of a { status, body } answer that is not the one wanted. */
function answerError(answer) {
  const error = answer.body?.error ?? {};
  return new ApiError(error.code ?? `http_${answer.status}`, error.message ?? '', answer.status, error);
}

/** True when the answer means "the server could not decide" (so the desk decides itself). */
export function unreachable(answer) {
  return answer.status >= 500 || answer.status === 0;
}

/** A GET that must succeed: the body, or throws ApiError with the server's code. */
export async function deskGet(path) {
  const answer = await deskRequest('GET', path);
  if (answer.status >= 200 && answer.status < 300 && answer.body) return answer.body;
  throw answerError(answer);
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
  if (answer.status !== 200 || !answer.body) throw answerError(answer);
  setCsrfToken(answer.body.csrf_token ?? '');
  return answer.body.staff ?? null;
}
