#!/usr/bin/env node
'use strict';
/**
 * Runs the local mail catcher (MailDev, from npm): an SMTP server that keeps every message and a web UI
 * to read them, so that the e-mails the notification service sends can be seen without a real mailbox.
 * Started as `node_modules/.bin/maildev`, detached, waiting until its SMTP port greets.
 *
 *   node scripts/infra/maildev.js start|stop|status [--smtp-port 1025] [--web-port 1080]
 *
 * Messages are kept in .local/maildev/mail (they survive a restart of the catcher); the log and pid
 * file are in .local/maildev. Point the service at it with SMTP_HOST=127.0.0.1 SMTP_PORT=1025 (the defaults).
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const processes = require('./processes');
const { alive } = processes;

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, '.local', 'maildev');
const PID_FILE = path.join(DIR, 'maildev.pid');
const LOG_FILE = path.join(DIR, 'maildev.log');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'maildev');
const HOST = '127.0.0.1';
const DEFAULTS = { smtpPort: 1025, webPort: 1080 };

function say(message) {
  process.stderr.write(`[maildev] ${message}\n`);
}

/** True when an SMTP server on the port sends its 220 greeting (an open port alone is not enough). */
function smtpGreets(port, host = HOST, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let greeting = '';
    const finish = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.on('data', (chunk) => {
      greeting += chunk.toString();
      if (greeting.includes('\n')) finish(greeting.startsWith('220'));
    });
  });
}

const readPid = () => processes.readPid(PID_FILE);
const logTail = (lines = 20) => processes.logTail(LOG_FILE, lines);

async function start({ smtpPort = DEFAULTS.smtpPort, webPort = DEFAULTS.webPort, timeoutMs = 30_000 } = {}) {
  const urls = { smtp: `${HOST}:${smtpPort}`, web: `http://${HOST}:${webPort}` };
  if (await smtpGreets(smtpPort)) {
    say(`an SMTP server already answers on ${urls.smtp}; reusing it (web UI, if it is MailDev: ${urls.web})`);
    return { ...urls, started: false };
  }
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} not found: run npm install (maildev is a dev dependency)`);
  const mailDirectory = path.join(DIR, 'mail');
  fs.mkdirSync(mailDirectory, { recursive: true });
  const log = fs.openSync(LOG_FILE, 'a');
  const args = ['--smtp', String(smtpPort), '--web', String(webPort), '--ip', HOST, '--web-ip', HOST, '--mail-directory', mailDirectory];
  const child = spawn(BIN, args, { cwd: ROOT, detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  fs.writeFileSync(PID_FILE, String(child.pid));
  say(`starting MailDev (pid ${child.pid}, log ${LOG_FILE})`);
  const began = Date.now();
  while (Date.now() - began < timeoutMs) {
    if (!alive(child.pid)) throw new Error(`MailDev exited during start-up:\n${logTail()}`);
    if (await smtpGreets(smtpPort)) {
      say(`SMTP on ${urls.smtp}, web UI on ${urls.web} (ready in ${((Date.now() - began) / 1000).toFixed(1)} s)`);
      return { ...urls, started: true, pid: child.pid };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`MailDev did not answer on ${urls.smtp} within ${timeoutMs / 1000} s:\n${logTail()}`);
}

async function stop({ timeoutMs = 10_000 } = {}) {
  const pid = readPid();
  if (!pid || !alive(pid)) {
    say('MailDev is not running');
    fs.rmSync(PID_FILE, { force: true });
    return false;
  }
  if (!(await processes.terminate(pid, timeoutMs))) say(`MailDev did not stop within ${timeoutMs / 1000} s; killed it`);
  fs.rmSync(PID_FILE, { force: true });
  say('MailDev stopped');
  return true;
}

async function status({ smtpPort = DEFAULTS.smtpPort, webPort = DEFAULTS.webPort } = {}) {
  const pid = readPid();
  return { smtp: `${HOST}:${smtpPort}`, web: `http://${HOST}:${webPort}`, pid: pid && alive(pid) ? pid : null, answering: await smtpGreets(smtpPort) };
}

module.exports = { start, stop, status, smtpGreets, DEFAULTS };

if (require.main === module) {
  const [command = 'status', ...rest] = process.argv.slice(2);
  const option = (name, fallback) => {
    const index = rest.indexOf(name);
    if (index < 0) return fallback;
    const value = Number(rest[index + 1]);
    if (!Number.isInteger(value) || value < 1 || value > 65_535) {
      console.error(`[maildev] ${name} needs a port number`);
      process.exit(2);
    }
    return value;
  };
  const ports = { smtpPort: option('--smtp-port', DEFAULTS.smtpPort), webPort: option('--web-port', DEFAULTS.webPort) };
  const commands = {
    start: () => start(ports),
    stop: () => stop(),
    status: () => status(ports).then((s) => console.log(JSON.stringify(s))),
  };
  if (!commands[command]) {
    console.error('usage: node scripts/infra/maildev.js start|stop|status [--smtp-port 1025] [--web-port 1080]');
    process.exit(2);
  }
  commands[command]().catch((error) => {
    console.error(`[maildev] ${error.message}`);
    process.exit(1);
  });
}
