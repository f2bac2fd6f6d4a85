// The organiser console's calls to the API, as the signed-in staff member: the
// session cookie goes with every request, api.js (through staff.js) adds the
// session's CSRF token (X-CSRF-Token) to those that change something, and
// staff.js sends the browser to the sign-in page (/login?next=…) when the
// session is gone.

import { requireStaff, staffRequest, showStaffBar } from './staff.js';

/** Who is signed in, or null once the browser is on its way to the sign-in page. */
export async function loadStaff() {
  const staff = await requireStaff();
  if (staff) showStaffBar(staff);
  return staff;
}

export const get = (path) => staffRequest('GET', path);
export const post = (path, body = {}) => staffRequest('POST', path, body);
export const patch = (path, body) => staffRequest('PATCH', path, body);

/** A URL with the given query parameters (empty ones left out). */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
