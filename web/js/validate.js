// Checks on the registration form before it is sent, mirroring the server's
// rules (docs/api.md, POST /api/events/{id}/registrations). No imports, so
// that it can be unit-tested outside the browser.

export const LIMITS = { name: 200, email: 254, organisation: 200 };

/** Length in characters (code points), as the server counts it. */
export function textLength(text) {
  return [...text].length;
}

// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Characters the server refuses anywhere in an address.
const NOT_IN_EMAIL = /[\s<>(),;:\\"[\]]/;

/** The server's notion of an email address: one "@", a dot in the domain, no odd characters. */
export function isEmail(text) {
  const at = text.indexOf('@');
  return (
    textLength(text) <= LIMITS.email &&
    at > 0 &&
    at <= 64 &&
    text.indexOf('@', at + 1) === -1 &&
    text.indexOf('.', at + 2) !== -1 &&
    !text.endsWith('.') &&
    !NOT_IN_EMAIL.test(text)
  );
}

function checkText(value, { required, max }) {
  if (value === '') return required ? 'required' : null;
  if (CONTROL.test(value)) return 'invalid';
  if (textLength(value) > max) return 'tooLong';
  return null;
}

/**
 * values: { name, email, organisation, member_organisation_id } as trimmed
 * strings. Returns { field: problem } with problem "required", "invalid" or
 * "tooLong"; an empty object when everything may be sent.
 */
export function validateRegistration(values, { memberRequired = false } = {}) {
  const problems = {};
  const name = checkText(values.name ?? '', { required: true, max: LIMITS.name });
  if (name) problems.name = name;
  const email = values.email ?? '';
  if (email === '') problems.email = 'required';
  else if (textLength(email) > LIMITS.email) problems.email = 'tooLong';
  else if (!isEmail(email)) problems.email = 'invalid';
  const organisation = checkText(values.organisation ?? '', { required: false, max: LIMITS.organisation });
  if (organisation) problems.organisation = organisation;
  if (memberRequired && !values.member_organisation_id) problems.member_organisation_id = 'required';
  return problems;
}
