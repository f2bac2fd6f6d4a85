// Unit tests of web/js/live.js, the browser's live connection, under plain
// node: a fake WebSocket and a fake clock stand in for the browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/server.mjs';

// web/ has no package.json marking its .js files as ES modules: load the
// (import-free) source as a module of its own.
async function loadLive() {
  const source = await readFile(join(REPO_ROOT, 'web/js/live.js'), 'utf8');
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
}

/** A clock whose timers run only when the test advances it. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { fn, at: now + ms });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
    pending: () => [...timers.values()].map((t) => t.at - now),
  };
}

/** A WebSocket the test drives: open(), receive(), drop(). */
function fakeSockets() {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.closed = null;
      sockets.push(this);
    }
    send(text) {
      this.sent.push(JSON.parse(text));
    }
    close(code) {
      this.closed = code ?? 1005;
    }
    open() {
      this.onopen?.({});
    }
    receive(message) {
      this.onmessage?.({ data: JSON.stringify(message) });
    }
    drop(code = 1006, reason = '') {
      this.onclose?.({ code, reason });
    }
  }
  return { FakeSocket, sockets, last: () => sockets[sockets.length - 1] };
}

const quiet = { warn() {}, error(err) { throw err; } };

async function setup({ random = () => 0.5 } = {}) {
  const live = await loadLive();
  const clock = fakeClock();
  const { FakeSocket, sockets, last } = fakeSockets();
  const win = new EventTarget();
  const doc = new EventTarget();
  doc.visibilityState = 'visible';
  const states = [];
  const client = live.createLive({
    url: () => 'ws://example.test/live',
    WebSocket: FakeSocket,
    window: win,
    document: doc,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    now: clock.now,
    random,
    logger: quiet,
  });
  client.onState((s) => states.push(s));
  return { live, client, clock, sockets, last, win, doc, states };
}

const seats = (seq, confirmed, epoch = 'e1') => ({
  type: 'seats', topic: 'event:11', epoch, seq, event: 11, session: null,
  capacity: 60, confirmed, waitlisted: 0, seats_left: 60 - confirmed,
});

test('backoff: 1 s doubling to 30 s, with jitter', async () => {
  const { backoffDelay } = await loadLive();
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(n, () => 0.5)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  assert.equal(backoffDelay(0, () => 0), 800);
  assert.equal(backoffDelay(0, () => 0.999999), 1200);
  assert.equal(backoffDelay(10, () => 0.999999), 30000, 'never more than 30 s');
  assert.equal(backoffDelay(4, () => 0), 12800);
});

test('the address follows the page: wss: for https', async () => {
  const { liveURL } = await loadLive();
  assert.equal(liveURL({ protocol: 'https:', host: 'congress.example.org' }), 'wss://congress.example.org/live');
  assert.equal(liveURL({ protocol: 'http:', host: '127.0.0.1:8080' }), 'ws://127.0.0.1:8080/live');
});

test('a snapshot is the baseline; each later message is applied once, in order', async () => {
  const { client, last, states } = await setup();
  const got = [];
  client.subscribe('event:11', (m) => got.push(`${m.type}:${m.seq}`));
  assert.deepEqual(states, ['idle', 'connecting']);
  const ws = last();
  assert.equal(ws.url, 'ws://example.test/live');
  assert.deepEqual(ws.sent, [], 'nothing is sent before the socket opens');
  ws.open();
  assert.deepEqual(states, ['idle', 'connecting', 'live']);
  assert.deepEqual(ws.sent, [{ type: 'subscribe', topic: 'event:11' }]);

  ws.receive(seats(3, 1)); // before any baseline: ignored
  ws.receive({ type: 'subscribed', topic: 'event:11', epoch: 'e1', seq: 4 });
  ws.receive({ type: 'snapshot', topic: 'event:11', epoch: 'e1', seq: 4, schedule_version: 1, seats: [] });
  ws.receive(seats(4, 2)); // already in the snapshot
  ws.receive(seats(5, 3));
  ws.receive(seats(5, 3)); // twice
  ws.receive(seats(7, 5)); // a gap is fine: older counts were coalesced away
  ws.receive(seats(6, 4)); // late
  ws.receive(seats(8, 6, 'other-run')); // another server run, before its snapshot
  ws.receive({ type: 'seats', topic: 'event:99', epoch: 'e1', seq: 9 }); // not followed
  assert.deepEqual(got, ['snapshot:4', 'seats:5', 'seats:7']);
});

test('after a drop it reconnects with backoff and resubscribes with its epoch and last seq', async () => {
  const { client, clock, sockets, last, states } = await setup();
  const got = [];
  client.subscribe('event:11', (m) => got.push(`${m.type}:${m.seq}`));
  let ws = last();
  ws.open();
  ws.receive({ type: 'subscribed', topic: 'event:11', epoch: 'e1', seq: 2 });
  ws.receive({ type: 'snapshot', topic: 'event:11', epoch: 'e1', seq: 2, seats: [] });
  ws.receive(seats(3, 1));

  ws.drop(1001, 'server shutting down');
  assert.equal(states.at(-1), 'reconnecting');
  assert.deepEqual(clock.pending(), [1000]);
  clock.advance(999);
  assert.equal(sockets.length, 1);
  clock.advance(1);
  assert.equal(sockets.length, 2);

  // The server is still away: 2 s, then 4 s.
  last().drop();
  assert.deepEqual(clock.pending(), [2000]);
  clock.advance(2000);
  last().drop();
  assert.deepEqual(clock.pending(), [4000]);
  clock.advance(4000);

  ws = last();
  ws.open();
  assert.equal(states.at(-1), 'live');
  assert.deepEqual(ws.sent, [{ type: 'subscribe', topic: 'event:11', epoch: 'e1', last_seq: 3 }]);
  ws.receive({ type: 'subscribed', topic: 'event:11', epoch: 'e1', seq: 5 });
  ws.receive(seats(3, 1)); // replayed overlap
  ws.receive(seats(4, 2));
  ws.receive(seats(5, 3));
  assert.deepEqual(got, ['snapshot:2', 'seats:3', 'seats:4', 'seats:5']);

  // Answered: the next drop starts again from 1 s.
  ws.drop(4001, 'too slow');
  assert.deepEqual(clock.pending(), [1000]);
  clock.advance(1000);
  ws = last();
  ws.open();
  assert.deepEqual(ws.sent, [{ type: 'subscribe', topic: 'event:11', epoch: 'e1', last_seq: 5 }]);
  // A restarted server has another epoch: it answers with a snapshot, the new baseline.
  ws.receive({ type: 'subscribed', topic: 'event:11', epoch: 'e2', seq: 0 });
  ws.receive(seats(1, 9, 'e2')); // cannot happen before the snapshot; ignored if it did
  ws.receive({ type: 'snapshot', topic: 'event:11', epoch: 'e2', seq: 0, seats: [] });
  ws.receive(seats(1, 4, 'e2'));
  assert.deepEqual(got.slice(-2), ['snapshot:0', 'seats:1']);
});

test('visible again or back online: it reconnects at once', async () => {
  const { client, clock, sockets, last, win, doc, states } = await setup();
  client.subscribe('event:11', () => {});
  last().open();
  last().drop();
  clock.advance(1000);
  last().drop();
  clock.advance(2000);
  last().drop();
  assert.deepEqual(clock.pending(), [4000]);
  const before = sockets.length;
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(sockets.length, before + 1, 'visible: a new attempt now');
  assert.deepEqual(clock.pending(), [], 'the timed attempt is cancelled');
  last().drop();
  assert.deepEqual(clock.pending(), [1000], 'and the backoff starts again');

  win.dispatchEvent(new Event('online'));
  assert.equal(sockets.length, before + 2, 'online: a new attempt now');
  last().open();
  assert.equal(states.at(-1), 'live');

  // Offline: the socket is let go and the page says so at once.
  const ws = last();
  win.dispatchEvent(new Event('offline'));
  assert.equal(ws.closed, 1000);
  assert.equal(states.at(-1), 'reconnecting');
});

test('subscriptions are paced below the server rate limit', async () => {
  const { live, client, clock, last } = await setup();
  const n = 60;
  for (let i = 1; i <= n; i += 1) client.subscribe(`event:${i}`, () => {});
  const ws = last();
  ws.open();
  assert.equal(ws.sent.length, live.SEND_RATE.burst, 'a burst first');
  clock.advance(1000);
  assert.equal(ws.sent.length, live.SEND_RATE.burst + live.SEND_RATE.perSecond, 'then the rate');
  clock.advance(10_000);
  assert.equal(ws.sent.length, n);
  assert.deepEqual(new Set(ws.sent.map((m) => m.topic)).size, n, 'each topic once');
});

test('a rate_limited answer: what was not answered is sent again, later', async () => {
  const { client, clock, last } = await setup();
  client.subscribe('event:1', () => {});
  client.subscribe('event:2', () => {});
  const ws = last();
  ws.open();
  assert.equal(ws.sent.length, 2);
  ws.receive({ type: 'subscribed', topic: 'event:1', epoch: 'e1', seq: 0 });
  ws.receive({ type: 'error', code: 'rate_limited', message: 'Too many messages; this one was dropped.' });
  assert.equal(ws.sent.length, 2, 'not at once');
  clock.advance(3000);
  assert.deepEqual(ws.sent.slice(2), [{ type: 'subscribe', topic: 'event:2' }]);
});

test('a refused topic reaches its handler and is not asked for again', async () => {
  const { client, clock, last } = await setup();
  const got = [];
  client.subscribe('event:9999', (m) => got.push(m.code));
  client.subscribe('event:11', () => {});
  let ws = last();
  ws.open();
  ws.receive({ type: 'subscribed', topic: 'event:9999', epoch: 'e1', seq: 0 });
  ws.receive({ type: 'error', code: 'unknown_topic', message: 'No such event.', topic: 'event:9999' });
  assert.deepEqual(got, ['unknown_topic']);
  ws.drop(1001);
  clock.advance(1000);
  ws = last();
  ws.open();
  assert.deepEqual(ws.sent, [{ type: 'subscribe', topic: 'event:11' }]);
});

test('unsubscribing: the topic is left; with the last one the connection closes', async () => {
  const { client, clock, last, states } = await setup();
  const a = client.subscribe('event:1', () => {});
  const b = client.subscribe('event:2', () => {});
  const ws = last();
  ws.open();
  a();
  assert.deepEqual(ws.sent.at(-1), { type: 'unsubscribe', topic: 'event:1' });
  b();
  assert.equal(ws.closed, 1000);
  assert.equal(states.at(-1), 'idle');
  clock.advance(60_000);
  assert.equal(last(), ws, 'no reconnection for nothing');
});

test('a second handler on a followed topic gets a snapshot of its own', async () => {
  const { client, last } = await setup();
  const first = [];
  const second = [];
  client.subscribe('event:11', (m) => first.push(m.type));
  const ws = last();
  ws.open();
  ws.receive({ type: 'snapshot', topic: 'event:11', epoch: 'e1', seq: 1, seats: [] });
  client.subscribe('event:11', (m) => second.push(m.type));
  assert.deepEqual(ws.sent.at(-1), { type: 'subscribe', topic: 'event:11' }, 'without last_seq: a snapshot');
  ws.receive({ type: 'snapshot', topic: 'event:11', epoch: 'e1', seq: 1, seats: [] });
  ws.receive(seats(2, 1));
  assert.deepEqual(first, ['snapshot', 'snapshot', 'seats']);
  assert.deepEqual(second, ['snapshot', 'seats']);
});
