// Live updates over the server's WebSocket channel /live (docs/live.md).
//
//   import { subscribe, onConnection } from './live.js';
//   const stop = subscribe('event:27', (message) => { … });
//   onConnection((state) => { … });  // "idle", "connecting", "live" or "reconnecting"
//
// One connection per page, shared by every subscriber. A handler receives the
// topic's snapshot (its new baseline, also after a reconnect), then its seats,
// schedule or registration messages in order, each once; and an error message
// if the server refuses the topic. The module keeps the epoch and the last seq
// of every topic, resubscribes with them after a reconnect (so that the server
// sends only what was missed) and drops any message it has already applied.
// It reconnects by itself with exponential backoff (1 s doubling to 30 s, with
// jitter), and at once when the page becomes visible or the network returns.
//
// No imports, so that it can be unit-tested under node with a fake WebSocket.

/** Reconnection delays: 1 s, doubling, at most 30 s. */
export const BACKOFF = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

/**
 * What the client allows itself to send: below the server's limit (20 messages
 * a second, bursts of 40), so that subscribing to many topics at once is
 * paced rather than refused.
 */
export const SEND_RATE = { perSecond: 15, burst: 30 };

// Close codes that mean the client itself is at fault (docs/live.md).
const CLIENT_FAULTS = new Set([1008, 1009]);

/** The delay before reconnection attempt `attempt` (0 for the first), with ±20 % jitter. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** Math.min(attempt, 30));
  const jittered = base * (1 - BACKOFF.jitter + 2 * BACKOFF.jitter * random());
  return Math.round(Math.min(BACKOFF.maxMs, jittered));
}

/** ws://host/live, or wss:// when the page itself came over https. */
export function liveURL(loc) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/live`;
}

/**
 * A live connection. Options (all but url and WebSocket have browser defaults):
 *   url: () => string                   where to connect, asked at every attempt
 *   WebSocket                           the WebSocket class
 *   window, document                    for the online/offline, visibility and page-cache events
 *   setTimeout, clearTimeout, now, random, logger
 * Returns { subscribe(topic, handler) → unsubscribe(), onState(fn) → off(), state(), wake() }.
 */
export function createLive({
  url,
  WebSocket: Socket,
  window: win = null,
  document: doc = null,
  setTimeout: later = (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: cancel = (id) => globalThis.clearTimeout(id),
  now = () => Date.now(),
  random = Math.random,
  logger = console,
  rate = SEND_RATE,
}) {
  // topic → { handlers: Set, epoch, seq (the baseline), state, fresh }
  // state: "pending" (to send), "sent", "subscribed" or "failed" (refused by the server).
  const topics = new Map();
  const listeners = new Set();
  const outbox = new Map(); // topic → "subscribe" | "unsubscribe", in order
  let socket = null;
  let state = 'idle';
  let attempt = 0;
  let retryTimer = null;
  let flushTimer = null;
  let tokens = rate.burst;
  let refilledAt = now();

  function setState(next) {
    if (state === next) return;
    state = next;
    for (const fn of [...listeners]) {
      try {
        fn(state);
      } catch (err) {
        logger.error(err);
      }
    }
  }

  function wanted() {
    for (const topic of topics.values()) if (topic.state !== 'failed') return true;
    return false;
  }

  // ---- connecting ------------------------------------------------------------

  function connect() {
    cancel(retryTimer);
    retryTimer = null;
    if (socket || !wanted()) return;
    let ws;
    try {
      ws = new Socket(url());
    } catch (err) {
      logger.warn('live: cannot open the connection', err);
      lost(null);
      return;
    }
    socket = ws;
    if (state === 'idle') setState('connecting');
    ws.onopen = () => {
      if (socket !== ws) return;
      tokens = rate.burst;
      refilledAt = now();
      setState('live');
      outbox.clear();
      for (const [name, topic] of topics) {
        if (topic.state === 'failed') continue;
        topic.state = 'pending';
        outbox.set(name, 'subscribe');
      }
      flush();
    };
    ws.onmessage = (e) => {
      if (socket === ws) receive(e.data);
    };
    ws.onclose = (e) => {
      if (socket !== ws) return;
      socket = null;
      lost(e);
    };
    ws.onerror = () => {}; // a close event follows
  }

  /** Close the socket ourselves, ignoring whatever it still reports. */
  function detach() {
    const ws = socket;
    socket = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(1000);
    } catch {
      // already closing
    }
  }

  function lost(closeEvent) {
    cancel(flushTimer);
    flushTimer = null;
    outbox.clear();
    for (const topic of topics.values()) if (topic.state !== 'failed') topic.state = 'pending';
    if (closeEvent && CLIENT_FAULTS.has(closeEvent.code)) {
      logger.warn(`live: the server closed the connection (${closeEvent.code} ${closeEvent.reason ?? ''})`);
    }
    if (!wanted()) {
      setState('idle');
      return;
    }
    setState('reconnecting');
    scheduleRetry();
  }

  function scheduleRetry() {
    cancel(retryTimer);
    retryTimer = later(connect, backoffDelay(attempt, random));
    attempt += 1;
  }

  /** Try again now (the page is visible again, or the network is back). */
  function wake() {
    if (socket || !wanted()) return;
    attempt = 0;
    connect();
  }

  // ---- sending ---------------------------------------------------------------

  function refill() {
    const t = now();
    tokens = Math.min(rate.burst, tokens + ((t - refilledAt) / 1000) * rate.perSecond);
    refilledAt = t;
  }

  function subscribeMessage(name) {
    const topic = topics.get(name);
    if (!topic || topic.state === 'failed') return null;
    const message = { type: 'subscribe', topic: name };
    if (topic.epoch !== null && topic.seq !== null && !topic.fresh) {
      message.epoch = topic.epoch;
      message.last_seq = topic.seq;
    }
    topic.fresh = false;
    topic.state = 'sent';
    return message;
  }

  function flush() {
    cancel(flushTimer);
    flushTimer = null;
    if (!socket || state !== 'live') return;
    refill();
    for (const [name, kind] of outbox) {
      if (tokens < 1) {
        flushTimer = later(flush, Math.ceil(((1 - tokens) / rate.perSecond) * 1000));
        return;
      }
      outbox.delete(name);
      const message = kind === 'subscribe' ? subscribeMessage(name) : { type: 'unsubscribe', topic: name };
      if (!message) continue;
      socket.send(JSON.stringify(message));
      tokens -= 1;
    }
  }

  function queue(name, kind) {
    outbox.delete(name); // the latest wish wins, in its new place
    outbox.set(name, kind);
    flush();
  }

  // ---- receiving -------------------------------------------------------------

  function deliver(topic, message) {
    for (const handler of [...topic.handlers]) {
      try {
        handler(message);
      } catch (err) {
        logger.error(err);
      }
    }
  }

  function receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!message || typeof message !== 'object') return;
    const topic = typeof message.topic === 'string' ? topics.get(message.topic) : undefined;
    switch (message.type) {
      case 'subscribed':
        attempt = 0; // the server is there and answering
        if (topic && topic.state !== 'failed') topic.state = 'subscribed';
        return;
      case 'snapshot':
        if (!topic) return;
        topic.epoch = message.epoch ?? null;
        topic.seq = typeof message.seq === 'number' ? message.seq : 0;
        if (topic.state !== 'failed') topic.state = 'subscribed';
        deliver(topic, message);
        return;
      case 'error':
        refused(message, topic);
        return;
      case 'pong':
        return;
      default:
        // Ordered messages: only after a baseline, from the same server run, and each once.
        if (!topic || topic.seq === null || message.epoch !== topic.epoch) return;
        if (typeof message.seq !== 'number' || message.seq <= topic.seq) return;
        topic.seq = message.seq;
        deliver(topic, message);
    }
  }

  function refused(message, topic) {
    if (message.code === 'rate_limited') {
      // The server does not say which message it dropped: send again every
      // subscription not yet answered, after a pause of about a second.
      refill();
      tokens = Math.min(tokens, 0) - rate.perSecond;
      for (const [name, t] of topics) {
        if (t.state === 'sent') {
          t.state = 'pending';
          outbox.set(name, 'subscribe');
        }
      }
      flush();
      return;
    }
    logger.warn(`live: ${message.code}${message.topic ? ` (${message.topic})` : ''}: ${message.message ?? ''}`);
    if (topic && (message.code === 'unknown_topic' || message.code === 'too_many_subscriptions')) {
      topic.state = 'failed';
      deliver(topic, message);
    }
  }

  // ---- the page's life -------------------------------------------------------

  function goneOffline() {
    if (!socket) return;
    detach();
    lost(null);
  }

  function frozen(e) {
    // Going into the back/forward cache: let go of the socket; pageshow brings it back.
    if (!e.persisted) return;
    cancel(retryTimer);
    retryTimer = null;
    detach();
    lost(null);
    cancel(retryTimer);
    retryTimer = null;
  }

  doc?.addEventListener('visibilitychange', () => {
    if (doc.visibilityState === 'visible') wake();
  });
  win?.addEventListener('online', wake);
  win?.addEventListener('offline', goneOffline);
  win?.addEventListener('pagehide', frozen);
  win?.addEventListener('pageshow', (e) => {
    if (e.persisted) wake();
  });

  // ---- the interface ---------------------------------------------------------

  function subscribe(name, handler) {
    let topic = topics.get(name);
    if (!topic) {
      topic = { handlers: new Set(), epoch: null, seq: null, state: 'pending', fresh: false };
      topics.set(name, topic);
    }
    const entry = (message) => handler(message);
    const newcomer = topic.handlers.size > 0;
    topic.handlers.add(entry);
    if (topic.state === 'failed') topic.state = 'pending';
    if (socket && state === 'live') {
      // A second handler on a topic already followed needs a snapshot of its own.
      if (newcomer) topic.fresh = true;
      if (newcomer || topic.state === 'pending') queue(name, 'subscribe');
    } else if (!socket && !retryTimer) {
      connect();
    }

    return function unsubscribe() {
      if (!topic.handlers.delete(entry) || topic.handlers.size > 0) return;
      if (topics.get(name) !== topic) return;
      topics.delete(name);
      if (outbox.get(name) === 'subscribe' && topic.state === 'pending') outbox.delete(name);
      else if (socket && state === 'live' && topic.state !== 'failed') queue(name, 'unsubscribe');
      if (!wanted()) {
        cancel(retryTimer);
        retryTimer = null;
        cancel(flushTimer);
        flushTimer = null;
        detach();
        outbox.clear();
        setState('idle');
      }
    };
  }

  function onState(fn) {
    listeners.add(fn);
    fn(state);
    return () => listeners.delete(fn);
  }

  return { subscribe, onState, state: () => state, wake };
}

// ---- the page's shared connection --------------------------------------------

let shared = null;

function browserLive() {
  if (!shared) {
    shared = createLive({
      url: () => liveURL(location),
      WebSocket,
      window,
      document,
    });
  }
  return shared;
}

/** Follow a topic ("event:27", "session:301", "registration:{code}"); returns the unsubscribe function. */
export function subscribe(topic, handler) {
  return browserLive().subscribe(topic, handler);
}

/** Be told the connection state now and at every change; returns a function that stops it. */
export function onConnection(listener) {
  return browserLive().onState(listener);
}
