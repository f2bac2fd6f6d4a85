// Starts a throwaway Congress server for browser tests.
//
//   const server = await startServer();        // fresh db with demo data
//   ... server.baseURL ...                      // "http://127.0.0.1:PORT"
//   await server.congress(['session', '--id', '21', '--cancel']);  // the CLI, on its database
//   await server.halt();                        // SIGTERM, await exit, keep the database
//   await server.restart();                     // serve again, same port and database
//   await server.stop();                        // SIGTERM, await exit, clean up
//
// The binary is $CONGRESS_BIN, else build/test/congress, else
// build/release/congress (relative to the repository root). It runs in the
// repository root, so its relative defaults (the demo file) resolve.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// Generous limits for a slow CI machine; they only stop a hung start.
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 25;
const OUTPUT_LIMIT = 64 * 1024;

/** The server binary to test, or throws with a clear message. */
export function congressBinary() {
  if (process.env.CONGRESS_BIN) {
    const bin = resolve(process.env.CONGRESS_BIN);
    if (!existsSync(bin)) throw new Error(`CONGRESS_BIN=${bin} does not exist.`);
    return bin;
  }
  const candidates = ['build/test/congress', 'build/release/congress'].map((p) => join(REPO_ROOT, p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `The congress server binary is missing: looked for ${candidates.join(' and ')}. ` +
        'Build it first (e.g. cmake --preset release && cmake --build build/release) or set CONGRESS_BIN.',
    );
  }
  return found;
}

/** Keeps the tail of a child's stdout+stderr for error messages. */
function captureOutput(child) {
  let text = '';
  const add = (chunk) => {
    text = (text + chunk).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text.trim();
}

/** Runs `congress ...args` to completion; rejects with its output on failure. */
export function runCongress(args, { bin = congressBinary(), env } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const output = captureOutput(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise(output());
      else reject(new Error(`congress ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output()}`));
    });
  });
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForPort(portFile, child, output, deadline) {
  while (Date.now() < deadline) {
    if (exited(child)) {
      throw new Error(`congress serve exited (${child.signalCode ?? `exit ${child.exitCode}`}) before listening:\n${output()}`);
    }
    const text = await readFile(portFile, 'utf8').catch(() => '');
    if (/^\d+\s*$/.test(text) && Number(text) > 0) return Number(text);
    await delay(POLL_MS);
  }
  throw new Error(`congress serve did not write ${portFile} in ${START_TIMEOUT_MS} ms:\n${output()}`);
}

async function waitForHealth(baseURL, child, output, deadline) {
  let last = '';
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`congress serve exited before becoming healthy:\n${output()}`);
    try {
      const res = await fetch(`${baseURL}/api/health`);
      const body = await res.json().catch(() => null);
      if (res.ok && body?.status === 'ok') return;
      last = `HTTP ${res.status} ${JSON.stringify(body)}`;
    } catch (err) {
      last = err.message;
    }
    await delay(POLL_MS);
  }
  throw new Error(`${baseURL}/api/health never answered {"status":"ok"} (last: ${last}):\n${output()}`);
}

/**
 * Start `congress serve` on a fresh database in a temporary directory.
 * Options: demo (load demo data, default true), webRoot (default web/),
 * logLevel (default "warn"), env (extra environment variables), bin.
 * Resolves to { baseURL, port, dir, db, output(), congress(args), halt(), restart(), stop() }.
 */
export async function startServer({
  demo = true,
  webRoot = join(REPO_ROOT, 'web'),
  logLevel = 'warn',
  env,
  bin = congressBinary(),
} = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'congress-e2e-'));
  const db = join(dir, 'congress.db');
  const portFile = join(dir, 'port');
  const cleanup = () => rm(dir, { recursive: true, force: true });

  try {
    await runCongress(['migrate', '--db', db], { bin, env });
    if (demo) await runCongress(['demo-load', '--db', db], { bin, env });
  } catch (err) {
    await cleanup();
    throw err;
  }

  let run = null; // the running server: { child, exit, output }
  let port = 0;
  let stopped = false;

  /** Spawn `congress serve` on `port` (0 picks one) and wait until it is healthy. */
  async function launch() {
    await rm(portFile, { force: true });
    const child = spawn(
      bin,
      ['serve', '--db', db, '--address', '127.0.0.1', '--port', String(port), '--port-file', portFile,
        '--web-root', webRoot, '--log-level', logLevel],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    const output = captureOutput(child);
    const exit = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
    // A server that dies under a test (not stopped by halt()) says why: its last output.
    exit.then(({ code, signal }) => {
      if (run?.child === child) {
        process.stderr.write(`congress serve on port ${port} exited unexpectedly (${signal ?? `exit ${code}`}):\n${output()}\n`);
      }
    });
    const spawnError = new Promise((_, reject) => child.on('error', reject));
    // Never leave a server behind if the test process dies.
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    run = { child, exit, output, killOnExit };

    const deadline = Date.now() + START_TIMEOUT_MS;
    port = await Promise.race([waitForPort(portFile, child, output, deadline), spawnError]);
    await Promise.race([waitForHealth(`http://127.0.0.1:${port}`, child, output, deadline), spawnError]);
  }

  /** SIGTERM the server and wait for it to exit; the database stays. */
  async function halt() {
    if (!run) return undefined;
    const { child, exit, killOnExit } = run;
    run = null;
    process.off('exit', killOnExit);
    if (!exited(child)) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const result = await exit;
    clearTimeout(timer);
    return result;
  }

  /** Serve again after halt(), on the same port and database (a new server run, a new live epoch). */
  async function restart() {
    if (stopped) throw new Error('the server was stopped');
    await halt();
    try {
      await launch();
    } catch (err) {
      await halt();
      throw err;
    }
  }

  async function stop() {
    if (stopped) return undefined;
    stopped = true;
    const result = await halt();
    await cleanup();
    return result;
  }

  /** Run a `congress` command (e.g. ['session', '--id', '21', '--cancel']) on this server's database. */
  function congress(args) {
    return runCongress([...args, '--db', db], { bin, env });
  }

  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  const output = () => run?.output() ?? '';
  return { baseURL: `http://127.0.0.1:${port}`, port, dir, db, output, congress, halt, restart, stop };
}
