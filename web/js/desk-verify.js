// Badge tokens on the check-in desk (docs/checkin.md, "The badge token"): reading one,
// checking its Ed25519 signature with the event's public key, and its fingerprint.
//
//   const parsed = parseToken(scannedText);     // { ok, eventId, registrationId, … } or { ok: false }
//   const key = await importPublicKey(list.key.public_key);
//   await verifySignature(key, parsed);         // true for a genuine badge
//   await fingerprint(parsed.token);            // "0123456789abcdef"
//
// No imports, so that it runs under plain node too (tests/e2e/checkin.test.mjs). `subtle` is
// WebCrypto's (globalThis.crypto.subtle); Ed25519 needs a secure context (https or localhost).

export const TOKEN_PREFIX = 'CB1';
export const TOKEN_LENGTH = 119; // "CB1" and 116 base32 characters (72 bytes)
const PAYLOAD_BYTES = 72;
const SIGNED_PREFIX = 'congress-badge-v1';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** What a scanner typed, as printed: surrounding spaces dropped, letters upper case. */
export function normaliseToken(text) {
  return String(text ?? '').trim().toUpperCase();
}

/** RFC 4648 base32 without padding → bytes, or null when it is not base32 of whole bytes. */
export function base32Decode(text) {
  const bytes = [];
  let buffer = 0;
  let bits = 0;
  for (const c of text) {
    const value = BASE32.indexOf(c);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
      buffer &= (1 << bits) - 1;
    }
  }
  if (bits >= 5 || buffer !== 0) return null; // a stray character, or non-zero padding bits
  return new Uint8Array(bytes);
}

/** base64url (with or without padding) → bytes, or null. */
export function base64urlDecode(text) {
  const clean = String(text ?? '').replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(clean)) return null;
  const base64 = clean.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function readUint32(bytes, offset) {
  return ((bytes[offset] << 24) >>> 0) + (bytes[offset + 1] << 16) + (bytes[offset + 2] << 8) + bytes[offset + 3];
}

/**
 * Reads a scanned badge. { ok: true, token, eventId, registrationId, signature, message } where
 * `message` is the 25 signed bytes; { ok: false } when the text is not a badge at all.
 */
export function parseToken(text) {
  const token = normaliseToken(text);
  if (token.length !== TOKEN_LENGTH || !token.startsWith(TOKEN_PREFIX)) return { ok: false, token };
  const payload = base32Decode(token.slice(TOKEN_PREFIX.length));
  if (!payload || payload.length !== PAYLOAD_BYTES) return { ok: false, token };
  const ids = payload.slice(0, 8);
  const message = new Uint8Array(SIGNED_PREFIX.length + ids.length);
  message.set(new TextEncoder().encode(SIGNED_PREFIX), 0);
  message.set(ids, SIGNED_PREFIX.length);
  return {
    ok: true,
    token,
    eventId: readUint32(payload, 0),
    registrationId: readUint32(payload, 4),
    signature: payload.slice(8),
    message,
  };
}

function subtleCrypto(subtle) {
  const s = subtle ?? globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto is not available here (it needs https or localhost).');
  return s;
}

/** The event's public key (32 raw bytes, base64url) as a WebCrypto key for verifying. */
export async function importPublicKey(publicKey, subtle) {
  const raw = base64urlDecode(publicKey);
  if (!raw || raw.length !== 32) throw new Error('The event public key is not 32 bytes of base64url.');
  return subtleCrypto(subtle).importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
}

/** True when the parsed badge's signature was made with the event's key. */
export async function verifySignature(key, parsed, subtle) {
  if (!parsed?.ok) return false;
  try {
    return await subtleCrypto(subtle).verify({ name: 'Ed25519' }, key, parsed.signature, parsed.message);
  } catch {
    return false;
  }
}

/** The first 16 hex digits of SHA-256 of the token as printed (upper case). */
export async function fingerprint(token, subtle) {
  const digest = await subtleCrypto(subtle).digest('SHA-256', new TextEncoder().encode(normaliseToken(token)));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The desk's own decision for a badge, from its offline copy (GET …/checkin/attendees), in
 * the words of the server's answers: { result, code?, attendee? }.
 *   list: { event: {id}, attendees: [...] }, key: the imported public key,
 *   sessionId: the session being checked in to (or null),
 *   admitted(attendee) → the earlier local check-in { at, desk } or null.
 */
export async function decideOffline({ text, registrationId, list, key, sessionId = null, admitted, subtle }) {
  let attendee;
  if (registrationId !== undefined && registrationId !== null) {
    attendee = list.attendees.find((a) => a.registration_id === registrationId);
    if (!attendee) return { result: 'refused', code: 'not_registered' };
  } else {
    const parsed = parseToken(text);
    if (!parsed.ok) return { result: 'refused', code: 'invalid_token' };
    // Only this event's key is here: a badge of another event cannot be verified, only named.
    if (parsed.eventId !== list.event.id) return { result: 'refused', code: 'wrong_event', event: parsed.eventId };
    if (!key || !(await verifySignature(key, parsed, subtle))) return { result: 'refused', code: 'forged_badge' };
    const print = await fingerprint(parsed.token, subtle);
    attendee = list.attendees.find((a) => a.fingerprint === print);
    if (!attendee) return { result: 'refused', code: 'not_registered' };
  }
  if (attendee.status === 'cancelled') return { result: 'refused', code: 'registration_cancelled', attendee };
  if (attendee.status === 'waitlisted') return { result: 'refused', code: 'registration_waitlisted', attendee };
  if (attendee.status !== 'confirmed') return { result: 'refused', code: 'not_registered', attendee };
  if (sessionId !== null) {
    const session = list.sessions?.find((s) => s.id === sessionId);
    if (!session) return { result: 'refused', code: 'session_not_found', attendee };
    if (session.status === 'cancelled') return { result: 'refused', code: 'session_cancelled', attendee };
    if (!(attendee.sessions ?? []).includes(sessionId)) return { result: 'refused', code: 'not_enrolled', attendee };
  }
  const earlier = admitted?.(attendee) ?? (sessionId === null ? attendee.checked_in : null);
  if (earlier) return { result: 'already_checked_in', code: 'already_checked_in', attendee, earlier };
  return { result: 'checked_in', attendee };
}
