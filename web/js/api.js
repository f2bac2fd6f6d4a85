// The one fetch module: every call the pages make to the Congress JSON API goes
// through send() here (staff.js, console-api.js and desk-api.js are thin layers
// over it). It owns:
//
// - the CSRF token: one per page, remembered at sign-in or when a staff page
//   asks who is signed in (setCsrfToken), and sent as X-CSRF-Token on every
//   request that changes something (anything but GET, HEAD and OPTIONS);
// - the error shape: errors come back as {"error": {"code", "message", …}};
//   they are thrown as ApiError with that code, the HTTP status and the whole
//   error object as `details` (e.g. details.field for invalid_field). An answer
//   that is not JSON gives the code http_<status>; network failures (and a
//   request that outlived its timeout) get the code "network";
// - the leaving-page handling: a request cancelled because the page is being
//   left rejects with an AbortError, not an error to show or log;
// - an optional timeout (the check-in desk's), and retries, allowed only for
//   requests that may be repeated as they are: GET and HEAD, or a request
//   carrying an Idempotency-Key.

import { t, has } from './i18n.js';

export class ApiError extends Error {
  constructor(code, message, status = 0, details = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

// ---- the CSRF token ---------------------------------------------------------------

let csrf = '';

/** Remember the session's CSRF token (from POST /api/staff/login or GET /api/staff/me); '' forgets it. */
export function setCsrfToken(token) {
  csrf = typeof token === 'string' ? token : '';
}

/** The CSRF token sent with changing requests ('' when none is known). */
export function csrfToken() {
  return csrf;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// ---- leaving the page -------------------------------------------------------------

// A page that is being left cancels its requests: what fails then is not an
// error to show or log. The flag is set when navigation starts and cleared if
// the page stays (a cancelled unload, or a page restored from the bfcache).
let leaving = false;
let stayTimer = 0;
if (typeof addEventListener === 'function') {
  addEventListener('beforeunload', () => {
    leaving = true;
    clearTimeout(stayTimer);
    stayTimer = setTimeout(() => { leaving = false; }, 5000);
  });
  addEventListener('pagehide', () => { leaving = true; });
  addEventListener('pageshow', () => { leaving = false; });
}

/** True while the browser is navigating away from this page. */
export function pageIsLeaving() {
  return leaving;
}

function abandoned() {
  return new DOMException('The page is being left.', 'AbortError');
}

// ---- the error shape --------------------------------------------------------------

/**
 * The ApiError for an answer that is not a success: the server's {"error": {…}} when the
 * body carries one, else http_<status> with the status text.
 */
export function errorFromAnswer(status, body, statusText = '') {
  const error = body?.error;
  if (error?.code) return new ApiError(error.code, error.message, status, error);
  return new ApiError(`http_${status}`, statusText, status);
}

function parseJSON(text) {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---- sending ----------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a request may be sent again as it is: GET/HEAD, or one with an Idempotency-Key. */
export function mayRepeat(method, headers = {}) {
  if (method === 'GET' || method === 'HEAD') return true;
  return Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key' && headers[name]);
}

/**
 * The one call to fetch. Resolves to the answer, whatever its status:
 *   { status, ok, statusText, text, bodyError }
 * (text null and bodyError set when the body could not be read to its end). Throws
 * ApiError('network') when no answer came (or none within timeoutMs), and rejects with an
 * AbortError when the caller's signal aborted it, or, with leaveAware, when the page is
 * being left.
 *
 * Options: body (an object, sent as JSON, or text already serialised), headers, signal,
 * idempotencyKey (sent as Idempotency-Key), timeoutMs (0: none; covers the body too),
 * fresh (cache: 'no-store'), leaveAware (default true), retries (how many times a
 * network failure or a 5xx answer is tried again, only for a request that may be
 * repeated: see mayRepeat), retryDelayMs.
 */
export async function send(method, path, options = {}) {
  const { retries = 0, retryDelayMs = 500, idempotencyKey } = options;
  const headers = { ...(options.headers ?? {}) };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const attempts = mayRepeat(method, headers) ? Math.max(0, retries) + 1 : 1;
  for (let attempt = 1; ; attempt += 1) {
    let answer;
    try {
      answer = await sendOnce(method, path, headers, options);
    } catch (err) {
      if (attempt >= attempts || !(err instanceof ApiError)) throw err;
      await sleep(retryDelayMs);
      continue;
    }
    if (answer.status >= 500 && attempt < attempts) {
      await sleep(retryDelayMs);
      continue;
    }
    return answer;
  }
}

async function sendOnce(method, path, extraHeaders, { body, signal, timeoutMs = 0, fresh = false, leaveAware = true }) {
  const headers = { Accept: 'application/json', ...extraHeaders };
  const init = { method, headers, credentials: 'same-origin' };
  if (fresh) init.cache = 'no-store';
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  if (!SAFE_METHODS.has(method) && csrf) headers['X-CSRF-Token'] = csrf;

  let timer = 0;
  let timedOut = false;
  let stopFollowing = () => {};
  if (timeoutMs > 0) {
    const controller = new AbortController();
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    if (signal) {
      const follow = () => controller.abort(signal.reason);
      if (signal.aborted) follow();
      else signal.addEventListener('abort', follow, { once: true });
      stopFollowing = () => signal.removeEventListener('abort', follow);
    }
    init.signal = controller.signal;
  } else if (signal) {
    init.signal = signal;
  }

  // Without leaveAware (the staff pages and the desk), anything that ends a request without
  // an answer is a network failure, unless the caller's own signal ended it.
  const failed = (err) => {
    if (timedOut) return new ApiError('network', 'The server did not answer in time.');
    if (err?.name === 'AbortError' && (leaveAware || signal?.aborted)) return err;
    if (leaveAware && leaving) return abandoned();
    return new ApiError('network', err?.message);
  };

  try {
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw failed(err);
    }
    let text = null;
    let bodyError = null;
    try {
      text = await response.text();
    } catch (err) {
      // The body was cut off: by the page going away, the timeout, or the network.
      bodyError = failed(err);
    }
    return { status: response.status, ok: response.ok, statusText: response.statusText, text, bodyError };
  } finally {
    clearTimeout(timer);
    stopFollowing();
  }
}

/**
 * Send and read a JSON answer: resolves to the parsed body of a success, throws the
 * ApiError of a refusal (see errorFromAnswer), ApiError('network') or
 * ApiError('bad_response') for a success whose body is not JSON. Takes send()'s options;
 * bodyCutOff says what a success whose body was cut off gives: 'network' (default: the
 * network error, or the AbortError when the page is being left) or 'bad_response'.
 */
export async function request(method, path, options = {}) {
  const answer = await send(method, path, options);
  if (!answer.ok) throw errorFromAnswer(answer.status, parseJSON(answer.text), answer.statusText);
  if (answer.bodyError) {
    if (options.bodyCutOff !== 'bad_response') throw answer.bodyError;
  } else {
    try {
      return JSON.parse(answer.text);
    } catch {
      // fall through
    }
  }
  throw new ApiError('bad_response', 'The server sent an unreadable response.', answer.status);
}

/** GET a JSON resource; resolves to the parsed body, throws ApiError. */
export function getJSON(path, { signal } = {}) {
  return request('GET', path, { signal });
}

/**
 * POST a JSON body (an object, or text already serialised). Options:
 * idempotencyKey (sent as Idempotency-Key), signal.
 */
export function postJSON(path, body, { idempotencyKey, signal } = {}) {
  return request('POST', path, { body, idempotencyKey, signal });
}

/** DELETE a resource; resolves to the parsed body. */
export function deleteJSON(path, { signal } = {}) {
  return request('DELETE', path, { signal });
}

/**
 * A fresh Idempotency-Key. crypto.randomUUID() only exists in secure
 * contexts (HTTPS or localhost); elsewhere build a version 4 UUID by hand.
 */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * True when the request may be repeated as it is: the server never answered
 * (network) or failed on its side (5xx), so nothing was decided.
 */
export function isRetryable(err) {
  return err instanceof ApiError && (err.code === 'network' || err.status >= 500);
}

/** A message fit to show a person, in the current language. */
export function friendlyMessage(err) {
  const code = err instanceof ApiError ? err.code : 'unexpected';
  const key = `error.${code}`;
  return has(key) ? t(key) : t('error.generic', { code });
}
