#!/usr/bin/env node
'use strict';
/**
 * Runs Azurite's Table service (the Azure Storage emulator, from node_modules/.bin/azurite-table) for the
 * lead tables of the packaging stage, waiting until it answers, and gives the connection string of the
 * emulator's well-known development account.
 *
 *   node scripts/infra/azurite.js start|stop|status [--port 10002] [--in-memory]
 *
 * As a module: `start({ port, inMemory })` resolves to `{ connectionString, port, pid, started }`, and
 * `stop()` stops what `start()` started in this process (tests call it in afterAll). From the CLI the
 * emulator is detached and remembered in .local/azurite/azurite-<port>.pid so that `stop` finds it.
 * Data is kept in .local/azurite/data-<port> unless it runs in memory; output goes to .local/azurite/azurite.log.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { alive, portOpen, readPid, terminate } = require('./processes');

const ROOT = path.resolve(__dirname, '..', '..');
const LOCAL = path.join(ROOT, '.local', 'azurite');
const BINARY = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'azurite-table.cmd' : 'azurite-table');
const DEFAULT_PORT = 10002;

/** Azurite's fixed development account (documented by Microsoft; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const SUPERVISOR = `
const { spawn } = require('node:child_process');
const [binary, ...args] = process.argv.slice(1);
const emulator = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const end = () => { emulator.kill('SIGTERM'); setTimeout(() => emulator.kill('SIGKILL'), 5000).unref(); };
process.stdin.on('end', end).on('close', end).on('error', end).resume();
process.on('SIGTERM', end).on('SIGINT', end);
emulator.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
`;

/** Emulators started by this process, by port. */
const running = new Map();

function say(message) {
  process.stderr.write(`[azurite] ${message}\n`);
}

function connectionString(port) {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_ACCOUNT_KEY}`,
    `TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT}`,
    '',
  ].join(';');
}

function pidFile(port) {
  return path.join(LOCAL, `azurite-${port}.pid`);
}

/**
 * Starts the Table service on 127.0.0.1:<port>; reuses one already listening there. `detached` (the CLI)
 * leaves it running after this process exits.
 */
async function start({ port = DEFAULT_PORT, inMemory = true, detached = false, timeoutMs = 30_000 } = {}) {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`invalid Azurite port ${port}`);
  if (await portOpen(port)) {
    say(`something already listens on 127.0.0.1:${port}; reusing it`);
    return { connectionString: connectionString(port), port, pid: null, started: false };
  }
  if (!fs.existsSync(BINARY)) throw new Error(`${BINARY} not found: run npm install (azurite is a dev dependency)`);
  fs.mkdirSync(LOCAL, { recursive: true });
  const args = ['--tableHost', '127.0.0.1', '--tablePort', String(port), '--skipApiVersionCheck', '--loose', '--silent'];
  if (inMemory) args.push('--inMemoryPersistence');
  else {
    const location = path.join(LOCAL, `data-${port}`);
    fs.mkdirSync(location, { recursive: true });
    args.push('--location', location);
  }
  const log = path.join(LOCAL, 'azurite.log');
  const logFd = fs.openSync(log, 'a');
  // Not detached: a small supervisor ends the emulator when our end of its stdin closes, so a test run
  // that dies without calling stop() leaves nothing behind.
  const child = detached
    ? spawn(BINARY, args, { cwd: ROOT, detached: true, stdio: ['ignore', logFd, logFd] })
    : spawn(process.execPath, ['-e', SUPERVISOR, BINARY, ...args], { cwd: ROOT, stdio: ['pipe', logFd, logFd] });
  fs.closeSync(logFd);
  let exit;
  child.once('exit', (code, signal) => (exit = { code, signal }));
  if (detached) child.unref();
  else running.set(port, child);
  // a persistent (development) emulator can be stopped from another process, e.g. `npm run stack down`
  if (detached || !inMemory) fs.writeFileSync(pidFile(port), String(child.pid));
  const began = Date.now();
  while (Date.now() - began < timeoutMs) {
    if (exit) {
      running.delete(port);
      throw new Error(`azurite-table exited during start-up (${exit.code ?? exit.signal}); see ${log}`);
    }
    if (await portOpen(port)) {
      say(`table service ready on 127.0.0.1:${port} in ${((Date.now() - began) / 1000).toFixed(1)} s (pid ${child.pid})`);
      return { connectionString: connectionString(port), port, pid: child.pid, started: true };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  running.delete(port);
  throw new Error(`azurite-table did not listen on ${port} within ${timeoutMs / 1000} s; see ${log}`);
}

function recordedPorts() {
  try {
    return fs
      .readdirSync(LOCAL)
      .map((name) => /^azurite-(\d+)\.pid$/.exec(name)?.[1])
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Stops the emulator(s) this process started (all, or the one on `port`). When it started none, the
 * persistent ones recorded in pid files (the CLI's and the development stack's) are stopped instead.
 */
async function stop({ port, timeoutMs = 10_000 } = {}) {
  const ports = port !== undefined ? [port] : running.size ? [...running.keys()] : recordedPorts();
  let stopped = 0;
  for (const p of ports) {
    const child = running.get(p);
    running.delete(p);
    const pid = child?.pid ?? readPid(pidFile(p));
    fs.rmSync(pidFile(p), { force: true });
    if (!pid || !alive(pid)) continue;
    await terminate(pid, timeoutMs);
    stopped += 1;
  }
  if (port !== undefined && stopped === 0) say(`no emulator of ours on port ${port}`);
  return stopped > 0;
}

async function status({ port = DEFAULT_PORT } = {}) {
  let pid = null;
  try {
    const recorded = Number(fs.readFileSync(pidFile(port), 'utf8'));
    if (alive(recorded)) pid = recorded;
  } catch {
    // not started by the CLI
  }
  return { port, pid, listening: await portOpen(port), connectionString: connectionString(port) };
}

module.exports = { start, stop, status, connectionString, portOpen, DEFAULT_PORT, DEV_ACCOUNT };

if (require.main === module) {
  const [command = 'status', ...rest] = process.argv.slice(2);
  const flag = rest.indexOf('--port');
  const port = flag >= 0 ? Number(rest[flag + 1]) : DEFAULT_PORT;
  const inMemory = rest.includes('--in-memory');
  const commands = {
    start: () => start({ port, inMemory, detached: true }).then((r) => console.log(r.connectionString)),
    stop: () => stop({ port }),
    status: () => status({ port }).then((s) => console.log(JSON.stringify(s))),
  };
  if (!commands[command]) {
    console.error('usage: node scripts/infra/azurite.js start|stop|status [--port 10002] [--in-memory]');
    process.exit(2);
  }
  commands[command]().catch((error) => {
    console.error(`[azurite] ${error.message}`);
    process.exit(1);
  });
}
