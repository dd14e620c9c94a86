'use strict';
/** What the infrastructure scripts (kafka.js, maildev.js, azurite.js) share: ports, pids, logs. */
const fs = require('node:fs');
const net = require('node:net');

/** True when something accepts TCP connections on host:port. */
function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function logTail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * SIGTERM, then waits up to `timeoutMs` for the process to exit, then SIGKILL.
 * Resolves to false when it was not running, else to whether it stopped by itself.
 */
async function terminate(pid, timeoutMs) {
  if (!pid || !alive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  const began = Date.now();
  while (alive(pid) && Date.now() - began < timeoutMs) await new Promise((r) => setTimeout(r, 100));
  if (!alive(pid)) return true;
  process.kill(pid, 'SIGKILL');
  return false;
}

module.exports = { portOpen, alive, readPid, logTail, terminate };
