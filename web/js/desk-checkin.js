// Checking a delegate in at the desk: the server decides while it can be reached, else the
// desk decides from its offline copy and queues what it admitted.

import { ApiError, friendlyMessage, newIdempotencyKey } from './api.js';
import { t } from './i18n.js';
import { deskRequest, unreachable } from './desk-api.js';
import { decideOffline, normaliseToken } from './desk-verify.js';
import { state, nowRfc3339, person } from './desk-state.js';
import { showResult, showGreen, showAmber, showRed } from './desk-result.js';
import { goOffline, admit, admittedLookup, countQueue } from './desk-connection.js';
import { showPlaceCounts, statsMayHaveChanged } from './desk-stats.js';
import { addRecent } from './desk-recent.js';

/** Scans are answered one after the other, in the order they were made. */
export function enqueueWork(fn) {
  state.work = state.work.then(fn).catch((err) => {
    console.error(err);
    showResult('red', t('desk.result.error'), friendlyMessage(err));
  });
  return state.work;
}

// ---- checking in ----------------------------------------------------------------------

/**
 * Check one delegate in: a scanned `text`, or a `registrationId` found by search.
 * The server decides while it can be reached; else the desk does.
 */
export async function checkIn({ text, registrationId }) {
  const scan = {
    scan_id: newIdempotencyKey(),
    scanned_at: nowRfc3339(),
    session_id: state.sessionId,
    desk: state.desk,
  };
  if (registrationId !== undefined) scan.registration_id = registrationId;
  else scan.token = normaliseToken(text);
  showResult('pending', t('desk.result.checking'));

  if (state.online) {
    const body = { desk: scan.desk, scan_id: scan.scan_id };
    if (scan.token !== undefined) body.token = scan.token;
    else body.registration_id = scan.registration_id;
    if (scan.session_id !== null) body.session_id = scan.session_id;
    try {
      const answer = await deskRequest('POST', `/api/events/${state.eventId}/checkin`, body);
      if (!unreachable(answer)) {
        await serverAnswered(answer, scan);
        return;
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'network')) throw err;
    }
    goOffline();
  }
  await decideHere(scan);
}

async function serverAnswered({ status, body }, scan) {
  const who = person(body?.registration);
  const registrationId = body?.registration?.id;
  switch (body?.result) {
    case 'checked_in': {
      const checkin = body.checkin ?? {};
      showGreen(who);
      await admit(registrationId, scan.session_id, { at: checkin.at, desk: checkin.desk, by: checkin.by, checkinId: checkin.id });
      addRecent({ checkinId: checkin.id, registrationId, ...who, at: checkin.at, sessionId: scan.session_id, state: 'done' });
      if (body.counts) showPlaceCounts(body.counts);
      statsMayHaveChanged();
      return;
    }
    case 'already_checked_in': {
      const checkin = body.checkin ?? {};
      showAmber(who, checkin);
      await admit(registrationId, scan.session_id, { at: checkin.at, desk: checkin.desk, by: checkin.by, checkinId: checkin.id });
      return;
    }
    default: {
      const error = body?.error ?? {};
      if (error.code === 'invalid_field' && error.field === 'desk') {
        showResult('red', t('desk.result.error'), t('desk.settings.nameInvalid'));
      } else {
        showRed(error.code ?? `http_${status}`, body?.registration ? who : null, error);
      }
    }
  }
}

/** The server cannot be reached: decide from the offline copy, and queue what was admitted. */
async function decideHere(scan) {
  if (!state.list) {
    showResult('red', t('desk.result.error'), t('desk.offline.noList'), { offline: true });
    return;
  }
  const decision = await decideOffline({
    text: scan.token,
    registrationId: scan.registration_id,
    list: state.list,
    key: state.key,
    sessionId: scan.session_id,
    admitted: admittedLookup(scan.session_id),
  });
  const who = person(decision.attendee);
  if (decision.result === 'checked_in') {
    const registrationId = decision.attendee.registration_id;
    await state.store.enqueue({ ...scan, event_id: state.eventId, name: who.name, organisation: who.organisation });
    await admit(registrationId, scan.session_id, { at: scan.scanned_at, desk: scan.desk });
    showGreen(who, { offline: true });
    addRecent({ scanId: scan.scan_id, registrationId, ...who, at: scan.scanned_at, sessionId: scan.session_id, state: 'queued' });
    await countQueue();
  } else if (decision.result === 'already_checked_in') {
    showAmber(who, decision.earlier, { offline: true });
  } else {
    showRed(decision.code, decision.attendee ? who : null, { event: decision.event }, { offline: true });
  }
}
