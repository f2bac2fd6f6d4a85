// Fetch wrapper for the Congress JSON API.
//
// Errors come back as {"error": {"code", "message"}}; they are thrown as
// ApiError with that code. Network failures get the code "network".

import { t, has } from './i18n.js';

export class ApiError extends Error {
  constructor(code, message, status = 0) {
    super(message || code);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

async function readError(response) {
  try {
    const body = await response.json();
    if (body?.error?.code) return new ApiError(body.error.code, body.error.message, response.status);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(`http_${response.status}`, response.statusText, response.status);
}

/** GET a JSON resource; resolves to the parsed body, throws ApiError. */
export async function getJSON(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError('network', err.message);
  }
  if (!response.ok) throw await readError(response);
  try {
    return await response.json();
  } catch {
    throw new ApiError('bad_response', 'The server sent an unreadable response.', response.status);
  }
}

/** A message fit to show a person, in the current language. */
export function friendlyMessage(err) {
  const code = err instanceof ApiError ? err.code : 'unexpected';
  const key = `error.${code}`;
  return has(key) ? t(key) : t('error.generic', { code });
}
