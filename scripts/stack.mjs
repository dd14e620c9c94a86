// Runs the whole system on this machine, without Docker:
//   node scripts/stack.mjs up     (what `npm start` does after building)
//   node scripts/stack.mjs down   (stops what a previous `up` left running)
// Brings up the Kafka broker (from Maven Central, KRaft, 127.0.0.1:9092), checks PostgreSQL, starts the
// mail catcher (maildev, web UI on :1080), the Azure Table emulator (Azurite, :10002) and the sample disk host
// (tools/sample-disks: sparse VHDs over HTTPS on :3443, what docs/examples/offer.json points at), then every
// service in services/*/dist/main.js, each its own process. Ctrl-C stops everything cleanly.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const local = join(root, '.local');
const logs = join(local, 'logs');
const pids = join(local, 'stack');

const SERVICES = [
  { name: 'offer-api', port: 3000 },
  { name: 'validation', port: 3101 },
  { name: 'certification', port: 3102 },
  { name: 'provisioning', port: 3103 },
  { name: 'packaging', port: 3104 },
  { name: 'notification', port: 3105 },
];

const MAIL = { smtpPort: Number(process.env.MAILDEV_SMTP_PORT ?? 1025), webPort: Number(process.env.MAILDEV_WEB_PORT ?? 1080) };
const AZURITE_PORT = Number(process.env.AZURITE_TABLE_PORT ?? 10002);
const SAMPLE_DISKS_PORT = Number(process.env.SAMPLE_DISKS_PORT ?? 3443);
const TLS_DIR = join(local, 'tls');

function say(message) {
  process.stdout.write(`[stack] ${message}\n`);
}

function optional(path) {
  const full = join(root, path);
  return existsSync(full) ? require(full) : undefined;
}

async function checkPostgres(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${url} (${error.message}). Start it (on Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DATABASE_URL.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The CAs the machine already adds (NODE_EXTRA_CA_CERTS), plus the development CA (made once into .local/tls by
 * the sample disk host, tools/sample-disks/src/tls.ts) that signs the sample disk host's certificate.
 */
function developmentCaBundle() {
  const bundle = join(local, 'development-ca.pem');
  const parts = [process.env.NODE_EXTRA_CA_CERTS, join(TLS_DIR, 'ca.pem')].filter((f) => f && existsSync(f));
  mkdirSync(local, { recursive: true });
  writeFileSync(bundle, parts.map((f) => readFileSync(f, 'utf8').trim()).join('\n') + '\n');
  return bundle;
}

/** The sample disk host (tools/sample-disks), its own process; resolves to it and its origin once it serves. */
function startSampleDisks() {
  const name = 'sample-disks';
  mkdirSync(logs, { recursive: true });
  const log = createWriteStream(join(logs, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'tools', 'sample-disks', 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, SAMPLE_DISKS_PORT: String(SAMPLE_DISKS_PORT), SAMPLE_DISKS_TLS_DIR: TLS_DIR, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => log.write(chunk));
  mkdirSync(pids, { recursive: true });
  writeFileSync(join(pids, `${name}.pid`), String(child.pid));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s; see ${join(logs, `${name}.log`)}`)), 60_000);
    const watch = (chunk) => {
      output += chunk.toString();
      const ready = /sample disks ready on (https:\/\/\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, name, origin: ready[1] });
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (${code ?? signal}): ${output.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/**
 * The HS256 secret of the tokens every service verifies (offer-api's API, each service's operator routes):
 * AUTH_JWT_SECRET when set, otherwise one generated on the first
 * start and kept in .local/auth-jwt-secret, where scripts/token.js (and so `npm run demo`) reads it.
 */
function developmentJwtSecret() {
  if (process.env.AUTH_JWT_SECRET) return process.env.AUTH_JWT_SECRET;
  const file = join(local, 'auth-jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(local, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

function startService({ name, port }, env) {
  const main = join(root, 'services', name, 'dist', 'main.js');
  mkdirSync(logs, { recursive: true });
  const log = createWriteStream(join(logs, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--enable-source-maps', main], {
    cwd: root,
    // the output goes to .local/logs files (and is echoed here): plain text, never colour codes
    env: { ...process.env, ...env, PORT: String(port), NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}]`.padEnd(16);
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk);
      for (const line of chunk.toString().split('\n')) if (line.trim()) process.stdout.write(`${prefix} ${line}\n`);
    });
  }
  mkdirSync(pids, { recursive: true });
  writeFileSync(join(pids, `${name}.pid`), String(child.pid));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 90 s; see ${join(logs, `${name}.log`)}`)), 90_000);
    child.stdout.on('data', (chunk) => {
      if (/ready on http/.test(chunk.toString())) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (${code ?? signal}); see ${join(logs, `${name}.log`)}`));
    });
  });
}

function stopChild(child, name, timeoutMs = 20_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      say(`${name} did not stop within ${timeoutMs / 1000} s; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      rmSync(join(pids, `${name}.pid`), { force: true });
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function up() {
  const kafka = require(join(root, 'scripts/infra/kafka.js'));
  const maildev = optional('scripts/infra/maildev.js');
  const azurite = optional('scripts/infra/azurite.js');
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const brokers = process.env.KAFKA_BROKERS ?? (await kafka.start('dev')).brokers;
  await checkPostgres(databaseUrl);
  say(`PostgreSQL reachable at ${databaseUrl.replace(/\/\/[^@]*@/, '//')} (one database per service, created on first start)`);
  if (maildev && !process.env.SMTP_HOST) await maildev.start(MAIL);
  let azuriteConnection;
  if (azurite) azuriteConnection = (await azurite.start({ port: AZURITE_PORT, inMemory: false }))?.connectionString;
  // before the services: it makes the development CA they are given (NODE_EXTRA_CA_CERTS) on the first start
  const disks = await startSampleDisks();
  say(`sample disks on ${disks.origin} (development CA ${join(TLS_DIR, 'ca.pem')})`);

  const env = {
    KAFKA_BROKERS: brokers,
    DATABASE_URL: databaseUrl,
    // local development: publishers' URLs may be http:// and point at this machine (sample disks, lead
    // endpoints), and the sample disk host's certificate (development CA) is trusted
    DEVELOPMENT: 'true',
    NODE_EXTRA_CA_CERTS: developmentCaBundle(),
    SMTP_HOST: process.env.SMTP_HOST ?? '127.0.0.1',
    SMTP_PORT: process.env.SMTP_PORT ?? String(MAIL.smtpPort),
    OFFER_API_PUBLIC_URL: process.env.OFFER_API_PUBLIC_URL ?? 'http://127.0.0.1:3000',
    NOTIFICATION_STATUS_BASE_URL: process.env.NOTIFICATION_STATUS_BASE_URL ?? 'http://127.0.0.1:3000',
  };
  const authEnv = { AUTH_JWT_SECRET: developmentJwtSecret() };
  for (const name of ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_MAX_TOKEN_LIFETIME_S']) if (process.env[name]) authEnv[name] = process.env[name];
  const present = SERVICES.filter((s) => existsSync(join(root, 'services', s.name, 'dist', 'main.js')));
  const missing = SERVICES.filter((s) => !present.includes(s)).map((s) => s.name);
  if (missing.length) say(`not built yet, skipped: ${missing.join(', ')}`);
  const children = [];
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping services (finishing batches, draining outboxes)...');
    await Promise.all(children.map(({ child, name }) => stopChild(child, name)));
    await stopChild(disks.child, disks.name, 5_000);
    if (azurite) await azurite.stop().catch(() => undefined);
    if (maildev && !process.env.SMTP_HOST) await maildev.stop().catch(() => undefined);
    if (!process.env.KAFKA_BROKERS) await kafka.stop('dev');
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  for (const service of present) {
    // every service verifies operator tokens (libs/auth) with the same settings as offer-api
    const child = await startService(service, { ...env, ...authEnv });
    children.push({ child, name: service.name });
    child.once('exit', (code, signal) => {
      if (!stopping) say(`${service.name} exited (${code ?? signal}); see ${join(logs, `${service.name}.log`)}`);
    });
  }
  say('');
  say('the publishing pipeline is running:');
  say(`  Kafka broker        ${brokers} (topic offer.events; data in .local/kafka-dev)`);
  for (const s of present)
    say(`  ${s.name.padEnd(18)}  http://127.0.0.1:${s.port}${s.name === 'offer-api' ? '  (API docs: /api/docs)' : '  (/health/ready, /metrics)'}`);
  if (maildev && !process.env.SMTP_HOST) say(`  mail catcher        http://127.0.0.1:${MAIL.webPort}  (every e-mail sent)`);
  if (azuriteConnection) say(`  Azure Table emulator 127.0.0.1:${AZURITE_PORT}`);
  say(`  sample disks        ${disks.origin}  (sparse VHDs with SAS URLs, listed at /; docs/examples/offer.json points here)`);
  say(`                      curl --cacert .local/tls/ca.pem ${disks.origin}/`);
  say('  a publisher token:  node scripts/token.js --publisher contoso');
  say('  a customer token:   node scripts/token.js --customer --subscription <subscription GUID>   (sees previews that allow-list it)');
  say('  a guided run:       npm run demo   (in another terminal)');
  say('Ctrl-C stops everything.');
}

async function down() {
  const kafka = require(join(root, 'scripts/infra/kafka.js'));
  for (const name of [...SERVICES.map((s) => s.name), 'sample-disks']) {
    const file = join(pids, `${name}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
      say(`stopped ${name} (pid ${pid})`);
    } catch {
      // already gone
    }
    rmSync(file, { force: true });
  }
  await optional('scripts/infra/azurite.js')
    ?.stop()
    .catch(() => undefined);
  await optional('scripts/infra/maildev.js')
    ?.stop()
    .catch(() => undefined);
  await kafka.stop('dev');
}

const command = process.argv[2] ?? 'up';
const commands = { up, down };
if (!commands[command]) {
  console.error('usage: node scripts/stack.mjs up|down');
  process.exit(2);
}
commands[command]().catch((error) => {
  console.error(`[stack] ${error.message}`);
  process.exit(1);
});
