#!/usr/bin/env node
'use strict';
/**
 * Runs the real Apache Kafka broker (KRaft, broker + controller in one JVM) without Docker: fetches it
 * from Maven Central with mvn (infra/kafka/pom.xml), formats its storage and starts it as
 * `java -cp 'libs/*' kafka.Kafka server.properties`, waiting until it answers.
 *
 *   node scripts/infra/kafka.js start|stop|status [--instance dev|test]
 *
 * Instances: `dev` (port 9092, data kept in .local/kafka-dev) for `npm start`; `test` (port 19092,
 * data wiped at every start) for the test suites. Both share the broker jars in .local/kafka/libs.
 */
const { spawn, spawnSync } = require('node:child_process');
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const processes = require('./processes');
const { alive, portOpen } = processes;

const ROOT = path.resolve(__dirname, '..', '..');
const LOCAL = path.join(ROOT, '.local');
const LIBS = path.join(LOCAL, 'kafka', 'libs');
const POM = path.join(ROOT, 'infra', 'kafka', 'pom.xml');
const LOG4J = path.join(ROOT, 'infra', 'kafka', 'log4j.properties');

const INSTANCES = {
  dev: { port: 9092, controllerPort: 9093, ephemeral: false },
  test: { port: 19092, controllerPort: 19093, ephemeral: true },
  // the chaos test SIGKILLs and restarts its own broker, so it never shares one with other suites
  chaos: { port: 29092, controllerPort: 29093, ephemeral: true },
};

function say(message) {
  process.stderr.write(`[kafka] ${message}\n`);
}

function java() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function pidFile(dir) {
  return path.join(dir, 'kafka.pid');
}

function logTail(dir) {
  return processes.logTail(path.join(dir, 'kafka.log'));
}

function instanceDir(name) {
  return path.join(LOCAL, `kafka-${name}`);
}

/** Copies the broker jars out of the Maven cache once per pom version. */
function ensureLibs() {
  const stamp = createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  const marker = path.join(LIBS, '.complete');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === stamp) return;
  say('fetching the Kafka broker with Maven (first run downloads ~100 MB into ~/.m2; later runs reuse it)...');
  const staging = `${LIBS}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const started = Date.now();
  const result = spawnSync(
    'mvn',
    ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.error) throw new Error(`could not run mvn (${result.error.message}); install Maven or set KAFKA_BROKERS`);
  if (result.status !== 0) throw new Error(`mvn exited with ${result.status} while fetching Kafka`);
  fs.rmSync(LIBS, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(LIBS), { recursive: true });
  fs.renameSync(staging, LIBS);
  fs.writeFileSync(marker, stamp);
  say(`broker jars ready in ${LIBS} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function serverProperties(dir, { port, controllerPort }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=6',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=12',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'min.insync.replicas=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    'message.max.bytes=4194304',
    'num.network.threads=2',
    'num.io.threads=4',
    '',
  ].join('\n');
}

/** The broker is ready when it answers a metadata request, not merely when the port is open. */
async function brokerAnswers(port) {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller >= 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function start(name = 'dev', { timeoutMs = 120_000, keepData = false } = {}) {
  const instance = INSTANCES[name];
  if (!instance) throw new Error(`unknown Kafka instance "${name}" (${Object.keys(INSTANCES).join(', ')})`);
  const dir = instanceDir(name);
  const brokers = `127.0.0.1:${instance.port}`;
  if (await portOpen(instance.port)) {
    say(`broker already listening on ${brokers}; reusing it`);
    return { brokers, started: false };
  }
  ensureLibs();
  if (instance.ephemeral && !keepData) fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const properties = path.join(dir, 'server.properties');
  fs.writeFileSync(properties, serverProperties(dir, instance));
  const classpath = `${LIBS}${path.sep}*`;
  if (!fs.existsSync(path.join(dir, 'data', 'meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url');
    const format = spawnSync(
      java(),
      ['-cp', classpath, `-Dlog4j.configuration=file:${LOG4J}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties],
      {
        encoding: 'utf8',
      },
    );
    if (format.status !== 0) throw new Error(`formatting Kafka storage failed:\n${format.stdout}\n${format.stderr}`);
  }
  const log = fs.openSync(path.join(dir, 'kafka.log'), 'a');
  const heap = (process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx1g').split(/\s+/).filter(Boolean);
  // a one-node broker on a small machine: the serial collector and the first-tier compiler only spend less
  // CPU than the defaults (G1's concurrent threads, C2), a quarter of the broker's CPU per offer in the
  // pipeline benchmark; KAFKA_JVM_PERFORMANCE_OPTS (Kafka's own name for these) replaces them
  const jvm = (process.env.KAFKA_JVM_PERFORMANCE_OPTS ?? '-XX:+UseSerialGC -XX:TieredStopAtLevel=1').split(/\s+/).filter(Boolean);
  const child = spawn(java(), [...heap, ...jvm, `-Dlog4j.configuration=file:${LOG4J}`, '-cp', classpath, 'kafka.Kafka', properties], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  fs.closeSync(log);
  fs.writeFileSync(pidFile(dir), String(child.pid));
  say(`starting broker on ${brokers} (pid ${child.pid}, log ${path.join(dir, 'kafka.log')})`);
  const began = Date.now();
  while (Date.now() - began < timeoutMs) {
    if (!alive(child.pid)) throw new Error(`Kafka exited during start-up:\n${logTail(dir)}`);
    if ((await portOpen(instance.port)) && (await brokerAnswers(instance.port))) {
      say(`broker ready on ${brokers} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
      return { brokers, started: true, pid: child.pid };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka did not become ready within ${timeoutMs / 1000} s:\n${logTail(dir)}`);
}

async function stop(name = 'dev', { timeoutMs = 60_000 } = {}) {
  const dir = instanceDir(name);
  const pid = processes.readPid(pidFile(dir));
  if (!pid || !alive(pid)) {
    say(`broker "${name}" is not running`);
    return false;
  }
  const began = Date.now();
  if (!(await processes.terminate(pid, timeoutMs))) say(`broker did not stop within ${timeoutMs / 1000} s; killed it`);
  fs.rmSync(pidFile(dir), { force: true });
  say(`broker "${name}" stopped in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return true;
}

/** SIGKILLs the broker (chaos tests): no clean shutdown, its data stays for the next start. */
function kill(name) {
  const pid = processes.readPid(pidFile(instanceDir(name)));
  if (!pid || !alive(pid)) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}

async function status(name = 'dev') {
  const instance = INSTANCES[name];
  const pid = processes.readPid(pidFile(instanceDir(name)));
  const listening = await portOpen(instance.port);
  return { instance: name, brokers: `127.0.0.1:${instance.port}`, pid: pid && alive(pid) ? pid : null, listening };
}

module.exports = { start, stop, kill, status, ensureLibs, portOpen, INSTANCES };

if (require.main === module) {
  const [command = 'status', ...rest] = process.argv.slice(2);
  const flag = rest.indexOf('--instance');
  const name = flag >= 0 ? rest[flag + 1] : 'dev';
  const commands = { start: () => start(name), stop: () => stop(name), status: () => status(name).then((s) => console.log(JSON.stringify(s))) };
  if (!commands[command]) {
    console.error('usage: node scripts/infra/kafka.js start|stop|status [--instance dev|test|chaos]');
    process.exit(2);
  }
  commands[command]().catch((error) => {
    console.error(`[kafka] ${error.message}`);
    process.exit(1);
  });
}
