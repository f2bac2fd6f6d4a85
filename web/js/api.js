// Fetch wrapper for the Congress JSON API.
//
// Errors come back as {"error": {"code", "message", …}}; they are thrown as
// ApiError with that code (and the whole error object as `details`, e.g.
// details.field for invalid_field). Network failures get the code "network".

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

async function readError(response) {
  try {
    const body = await response.json();
    if (body?.error?.code) return new ApiError(body.error.code, body.error.message, response.status, body.error);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(`http_${response.status}`, response.statusText, response.status);
}

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

async function request(method, path, { body, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    if (leaving) throw abandoned();
    throw new ApiError('network', err.message);
  }
  if (!response.ok) throw await readError(response);
  let text;
  try {
    text = await response.text();
  } catch (err) {
    // The body was cut off: by the page going away, or by the network.
    if (err.name === 'AbortError') throw err;
    if (leaving) throw abandoned();
    throw new ApiError('network', err.message);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('bad_response', 'The server sent an unreadable response.', response.status);
  }
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
  const headers = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
  return request('POST', path, { body, headers, signal });
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
