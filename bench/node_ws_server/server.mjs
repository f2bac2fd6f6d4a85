// Baseline for bench/live_fanout.sh: a minimal Node.js live-update server using the npm
// `ws` package, speaking the same /live protocol as Congress (docs/live.md) for one event.
//
//   GET  /live                              WebSocket; {"type":"subscribe","topic":"event:ID"}
//                                           is answered by "subscribed" and "snapshot"
//   POST /api/events/ID/registrations       no database: moves the event's count (confirmed
//                                           until capacity, then waitlisted), serialises one
//                                           "seats" message, ws.send()s it to every subscriber,
//                                           answers 201
//   GET  /api/health                        200
//
// Deliberately plain and idiomatic: one process, the ws defaults (no permessage-deflate on
// the server), a Set of subscribers, a for-of loop over it. No clustering, no cork tricks.
//
// Usage: node server.mjs [--address 127.0.0.1] [--port 0] [--port-file FILE] [--event ID]
//                        [--capacity 3000] [--confirmed 0] [--waitlisted 0]
// Node 18 or later.

import { randomBytes } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';

function parseArgs(argv) {
  const opts = { address: '127.0.0.1', port: 0, portFile: '', event: 1, capacity: 3000, confirmed: 0, waitlisted: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    switch (key) {
      case '--address': opts.address = value; break;
      case '--port': opts.port = Number(value); break;
      case '--port-file': opts.portFile = value; break;
      case '--event': opts.event = Number(value); break;
      case '--capacity': opts.capacity = Number(value); break;
      case '--confirmed': opts.confirmed = Number(value); break;
      case '--waitlisted': opts.waitlisted = Number(value); break;
      default: throw new Error(`unknown argument ${key}`);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const epoch = randomBytes(8).toString('hex');
const topic = `event:${opts.event}`;
const state = { seq: 0, capacity: opts.capacity, confirmed: opts.confirmed, waitlisted: opts.waitlisted };
const subscribers = new Set();
let registrations = 0;

function seats() {
  return {
    event: opts.event,
    session: null,
    capacity: state.capacity,
    confirmed: state.confirmed,
    waitlisted: state.waitlisted,
    seats_left: Math.max(0, state.capacity - state.confirmed),
  };
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (req.method === 'GET' && url === '/api/health') {
    sendJson(res, 200, { status: 'ok' });
    return;
  }
  if (req.method === 'GET' && url === '/live') {
    sendJson(res, 426, { error: { code: 'upgrade_required', message: 'Use a WebSocket.' } });
    return;
  }
  const match = /^\/api\/events\/(\d+)\/registrations$/.exec(url);
  if (req.method === 'POST' && match) {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let input;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        sendJson(res, 400, { error: { code: 'invalid_json', message: 'The body is not JSON.' } });
        return;
      }
      if (Number(match[1]) !== opts.event) {
        sendJson(res, 404, { error: { code: 'event_not_found', message: 'There is no such event.' } });
        return;
      }
      if (typeof input?.name !== 'string' || typeof input?.email !== 'string') {
        sendJson(res, 422, { error: { code: 'invalid_input', message: 'name and email are required.' } });
        return;
      }
      const status = state.confirmed < state.capacity ? 'confirmed' : 'waitlisted';
      if (status === 'confirmed') state.confirmed += 1; else state.waitlisted += 1;
      registrations += 1;
      state.seq += 1;
      // Serialised once, sent to every subscriber; "at" is when the broadcast began, as in Congress.
      const message = JSON.stringify({ type: 'seats', topic, epoch, seq: state.seq, at: new Date().toISOString(), ...seats() });
      for (const ws of subscribers) {
        if (ws.readyState === WebSocket.OPEN) ws.send(message);
      }
      sendJson(res, 201, {
        code: `bench${registrations}`,
        status,
        waitlist_position: status === 'waitlisted' ? state.waitlisted : null,
      });
    });
    return;
  }
  sendJson(res, 404, { error: { code: 'not_found', message: 'Not found.' } });
});

const wss = new WebSocketServer({ server, path: '/live', maxPayload: 4096 });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    let msg;
    try {
      msg = isBinary ? null : JSON.parse(data.toString('utf8'));
    } catch {
      msg = null;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') {
      ws.send(JSON.stringify({ type: 'error', code: 'invalid_message', message: 'Not a message.' }));
      return;
    }
    if (msg.type === 'subscribe' || msg.type === 'unsubscribe') {
      if (msg.topic !== topic) {
        ws.send(JSON.stringify({ type: 'error', code: 'unknown_topic', message: 'No such topic.', topic: msg.topic }));
        return;
      }
      if (msg.type === 'unsubscribe') {
        subscribers.delete(ws);
        return;
      }
      subscribers.add(ws);
      ws.send(JSON.stringify({ type: 'subscribed', topic, epoch, seq: state.seq }));
      ws.send(JSON.stringify({ type: 'snapshot', topic, epoch, seq: state.seq, schedule_version: 1, seats: [seats()] }));
      return;
    }
    ws.send(JSON.stringify({ type: 'error', code: 'invalid_message', message: 'Unknown type.' }));
  });
  ws.on('close', () => subscribers.delete(ws));
  ws.on('error', () => subscribers.delete(ws));
});

server.listen(opts.port, opts.address, () => {
  const { port } = server.address();
  if (opts.portFile) {
    writeFileSync(`${opts.portFile}.tmp`, `${port}\n`);
    renameSync(`${opts.portFile}.tmp`, opts.portFile);
  }
  console.log(`node ws server listening on ${opts.address}:${port}, topic ${topic}`);
});

function shutdown() {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
