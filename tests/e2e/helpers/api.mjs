// Calls the server's API from node (not the browser), for test set-up and checks.
import assert from 'node:assert/strict';

export function apiClient(baseURL) {
  /** Resolves to { status, body }. */
  async function api(method, path, body) {
    const res = await fetch(`${baseURL}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async function getEvent(slug) {
    const { status, body } = await api('GET', `/api/events/${slug}`);
    assert.equal(status, 200, `GET /api/events/${slug}`);
    return body;
  }

  /** Registers delegate number n (unique per prefix); asserts 201 and returns the registration. */
  async function registerByApi(eventId, n, prefix) {
    const { status, body } = await api('POST', `/api/events/${eventId}/registrations`, {
      name: `${prefix} delegate ${n}`,
      email: `${prefix}-${n}@example.org`,
    });
    assert.equal(status, 201, `registration ${prefix} ${n}: ${JSON.stringify(body)}`);
    return body.registration;
  }

  return { api, getEvent, registerByApi };
}
