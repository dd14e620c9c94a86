/**
 * Secrets never enter the log (docs/secrets.md), end to end: offers carrying every kind of secret (SAS
 * disk URLs, an HTTPS lead endpoint's Authorization, an Azure table connection string with its
 * AccountKey) go in through offer-api and through every stage, as separate processes, to Live. The lead
 * arrives with its credentials and the SAS-protected disks are read; then the whole offer-events topic
 * and its dead-letter topic, every row of every table of every database of the run, every service's log
 * and every API response of the test are scanned: none holds any secret value.
 */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { Client } from 'pg';
import { offerSubject, secretReferenceIds, type OfferDraft } from '@mkt/events';
import { withDatabase } from '@mkt/messaging';
import { EventLog, produceRaw, TopicReader, testDatabaseUrl, waitFor } from '@mkt/testing';
import { sas, VhdServer } from '../../services/certification/test/vhd-fixtures';
import { TestSmtpServer } from '../../services/notification/test/smtp-test-server';
import { offerPath, operatorToken, publisherToken, TEST_JWT_SECRET } from '../../services/offer-api/test/fixtures/harness';
import { closedPort } from '../../services/packaging/test/support';
import { completeOffer } from '../../services/validation/test/offers';
import { HttpsFront, LeadEndpoint, TEST_CA_FILE } from './servers';
import { Stack, type ServiceName } from './stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const azurite = require('../../scripts/infra/azurite.js') as {
  start(options: { port: number; inMemory: boolean }): Promise<{ connectionString: string }>;
  stop(): Promise<boolean>;
};

const SERVICES: ServiceName[] = ['validation', 'certification', 'provisioning', 'packaging', 'notification', 'offer-api'];
const PUBLISHER = 'contoso';
const unique = (label: string) => `${label}${randomBytes(6).toString('hex')}`;

// Every secret of the run; URL-safe, so that each has one written form (plus the hex of bytea columns).
const HTTPS_OFFER_SIGNATURES = [unique('osSigA'), unique('dataSigA')];
const TABLE_OFFER_SIGNATURES = [unique('osSigB')];
const AUTHORIZATION = `Bearer ${unique('leadToken')}`;
const ROTATED_AUTHORIZATION = `Bearer ${unique('rotatedToken')}`;
let connectionString = '';
let accountKey = '';

let stack: Stack;
let log: EventLog;
let vhds: VhdServer;
let blobs: HttpsFront;
let leads: LeadEndpoint;
let smtp: TestSmtpServer;
let owner: string;
let operator: string;
const responses: string[] = [];

function secretValues(): string[] {
  return [...HTTPS_OFFER_SIGNATURES, ...TABLE_OFFER_SIGNATURES, AUTHORIZATION, AUTHORIZATION.slice('Bearer '.length), ROTATED_AUTHORIZATION, accountKey];
}

beforeAll(async () => {
  ({ connectionString } = await azurite.start({ port: await closedPort(), inMemory: true }));
  accountKey = /AccountKey=([^;]+)/.exec(connectionString)![1];
  vhds = await VhdServer.start();
  blobs = await HttpsFront.start(vhds.origin, { signatures: new Set([...HTTPS_OFFER_SIGNATURES, ...TABLE_OFFER_SIGNATURES]) });
  leads = await LeadEndpoint.start();
  smtp = await new TestSmtpServer().start();
  stack = await new Stack({
    DEVELOPMENT: 'true', // test servers live on 127.0.0.1
    NODE_EXTRA_CA_CERTS: TEST_CA_FILE,
    LOG_LEVEL: 'verbose', // the logs scanned are as talkative as they get
    NO_COLOR: '1', // plain lines: the "ready on <url>" line gives offer-api's address
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    AUTH_JWT_SECRET: TEST_JWT_SECRET, // the tokens below are signed with it
  }).init();
  await stack.startAll(SERVICES);
  log = await new EventLog(stack.topic).start();
  owner = await publisherToken(PUBLISHER);
  operator = await operatorToken();
});

afterAll(async () => {
  await log?.stop();
  await stack?.teardown();
  await Promise.all([vhds?.close(), blobs?.close(), leads?.close(), smtp?.stop(), azurite.stop()]);
});

/** Every answer of offer-api is kept for the scan. */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = owner) {
  const response = await fetch(stack.services.get('offer-api')!.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  responses.push(`${method} ${path} ${response.status} ${JSON.stringify([...response.headers])}\n${text}`);
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function disk(file: string, signature: string): string {
  return blobs.url(vhds.url(file, sas({ signature })));
}

function offerWith(signatures: string[], leadDestination: OfferDraft['leadDestination']): OfferDraft {
  const base = completeOffer();
  const [os, ...data] = signatures;
  const image = { version: '1.0.0', osDiskUrl: disk('os-30g.vhd', os), dataDiskUrls: data.map((sig) => disk('data-1g.vhd', sig)) };
  return { ...base, leadDestination, plans: [{ ...base.plans![0], imageVersions: [image] }] };
}

/** Through offer-api from PUT to Live, as a publisher's script does it. */
async function publishToLive(offerId: string, draft: OfferDraft): Promise<string> {
  const subject = offerSubject(PUBLISHER, offerId);
  expect((await call('PUT', offerPath(PUBLISHER, offerId), draft, { 'if-none-match': '*' })).status).toBe(201);
  expect((await call('POST', offerPath(PUBLISHER, offerId, '/publish'), { metadata: { 'notification-emails': 'ops@contoso.test' } })).status).toBe(202);
  await log.waitFor(subject, 'PreviewReady', () => true, { timeoutMs: 90_000 });
  // 409 until offer-api's projection has seen the preview
  await waitFor(`${offerId}: Go Live accepted`, async () => (await call('POST', offerPath(PUBLISHER, offerId, '/golive'), {})).status === 202);
  await log.waitFor(subject, 'WentLive');
  return subject;
}

async function query<T>(database: string, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: withDatabase(testDatabaseUrl(), database) });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every row of every table of every database of this run, as JSON (bytea as hex). */
async function everyRow(): Promise<{ databases: string[]; tables: number; rows: string[] }> {
  const databases = (
    await query<{ datname: string }>('postgres', 'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname', [`${stack.run}_`])
  ).map((d) => d.datname);
  const rows: string[] = [];
  let tables = 0;
  for (const database of databases) {
    const names = await query<{ schema: string; name: string }>(
      database,
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    for (const { schema, name } of names) {
      tables += 1;
      const found = await query<{ row: string }>(database, `SELECT row_to_json(t)::text AS row FROM "${schema}"."${name}" t`);
      rows.push(...found.map((r) => `${database}.${schema}.${name}: ${r.row}`));
    }
  }
  return { databases, tables, rows };
}

/** The places where `text` shows a secret, in any written form the scan knows. */
function leaks(where: string, texts: readonly string[]): string[] {
  const forms = secretValues().flatMap((secret) => [secret, encodeURIComponent(secret), Buffer.from(secret, 'utf8').toString('hex')]);
  return texts.flatMap((text) => forms.filter((form) => text.includes(form)).map((form) => `${where}: ${form} in ${text.slice(0, 300)}`));
}

test('offers with every kind of secret go to Live: the lead gets its credentials, the SAS disks are read, and no secret is anywhere else', async () => {
  const httpsOffer = unique('https-lead-');
  const tableOffer = unique('table-lead-');
  const tableName = unique('leads');
  const [httpsSubject, tableSubject] = await Promise.all([
    publishToLive(httpsOffer, offerWith(HTTPS_OFFER_SIGNATURES, { type: 'https', https: { url: `${leads.origin}/ok`, authorization: AUTHORIZATION } })),
    publishToLive(tableOffer, offerWith(TABLE_OFFER_SIGNATURES, { type: 'azure-table', azureTable: { connectionString, tableName } })),
  ]);

  // the stages used the secrets: the lead endpoint got the Authorization, the table the entity, the blob store each signature
  const preview = log.of(httpsSubject, 'PreviewReady')[0] as { data: { testLead?: { leadId: string } } };
  const received = leads.leads.filter((l) => l.idempotencyKey === preview.data.testLead?.leadId);
  expect(received.map((l) => l.authorization)).toEqual([AUTHORIZATION]);
  const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  const entities = [];
  for await (const entity of table.listEntities()) entities.push(entity);
  expect(entities).toHaveLength(1);
  for (const signature of [...HTTPS_OFFER_SIGNATURES, ...TABLE_OFFER_SIGNATURES]) {
    expect(vhds.requestsFor(signature).map((r) => `${r.method} ${r.status}`)).toEqual(['HEAD 200', 'GET 206']);
  }
  expect(log.of(tableSubject, 'CertificationPassed')).toHaveLength(1);

  // a replaced secret is destroyed: its reference in the events that carried it leads nowhere
  const before = (await call('GET', offerPath(PUBLISHER, httpsOffer))).json();
  const oldReference = secretReferenceIds(before.draft.leadDestination.https.authorization)[0];
  const rotated = await call(
    'PUT',
    offerPath(PUBLISHER, httpsOffer),
    { ...before.draft, leadDestination: { type: 'https', https: { url: `${leads.origin}/ok`, authorization: ROTATED_AUTHORIZATION } } },
    { 'if-match': `"${before.version}"` },
  );
  expect(rotated.status).toBe(200);
  expect(await query(stack.secretsDatabase, 'SELECT id FROM secrets WHERE id = $1', [oldReference])).toEqual([]);

  // every read a publisher or an operator has
  for (const offerId of [httpsOffer, tableOffer]) {
    await call('GET', offerPath(PUBLISHER, offerId));
    await call('GET', offerPath(PUBLISHER, offerId, '/status'));
    await call('GET', offerPath(PUBLISHER, offerId, '/events'));
    await call('GET', `/api/operator/offers/${PUBLISHER}/${offerId}/events?limit=500`, undefined, {}, operator);
  }
  await call('GET', offerPath(PUBLISHER));

  // a record no consumer can read, carrying a stored draft (references), dead-lettered by every service
  const storedDraft = (await call('GET', offerPath(PUBLISHER, tableOffer))).text;
  await produceRaw(stack.topic, [
    {
      key: tableSubject,
      value: `${storedDraft}{broken`,
      headers: { ce_id: unique('poison-'), ce_type: 'marketplace.offer.OfferSubmitted', ce_subject: tableSubject },
    },
  ]);
  const deadLettered = await new TopicReader(stack.deadLetterTopic).start();
  await deadLettered.waitForCount(SERVICES.length).finally(() => deadLettered.stop());
  await call('GET', '/api/operator/dead-letters', undefined, {}, operator);

  // the scan
  const topic = await new TopicReader(stack.topic).start();
  const deadLetters = await new TopicReader(stack.deadLetterTopic).start();
  try {
    await waitFor('the reader to have the whole topic', () => topic.messages.length >= log.raw.length);
    await deadLetters.waitForCount(SERVICES.length);
    const records = (reader: TopicReader) => reader.messages.map((m) => `${m.key} ${JSON.stringify(m.headers)} ${m.value}`);
    const { databases, tables, rows } = await everyRow();
    const logs = [...stack.services.values()].flatMap((s) => s.process.output.map((line) => `${s.name}: ${line}`));
    const mails = smtp.received.map((m) => JSON.stringify(m));
    const scanned = {
      topicRecords: topic.messages.length,
      deadLetters: deadLetters.messages.length,
      databases: databases.length,
      tables,
      rows: rows.length,
      logLines: logs.length,
      apiResponses: responses.length,
      mails: mails.length,
    };
    console.log(`secrets scan: ${JSON.stringify(scanned)}`);
    expect(databases).toEqual(expect.arrayContaining([...SERVICES.map((s) => stack.databaseOf(s)), stack.secretsDatabase]));
    expect(scanned.topicRecords).toBeGreaterThan(20);
    expect(scanned.rows).toBeGreaterThan(50);
    expect(scanned.logLines).toBeGreaterThan(SERVICES.length);
    expect(leaks('control', [`a ${ROTATED_AUTHORIZATION} b`, Buffer.from(accountKey).toString('hex')])).toHaveLength(2); // the scan does see them
    expect([
      ...leaks('topic', records(topic)),
      ...leaks('dead letters', records(deadLetters)),
      ...leaks('database', rows),
      ...leaks('log', logs),
      ...leaks('API', responses),
      ...leaks('mail', mails),
    ]).toEqual([]);
    // the references are there instead
    expect(records(topic).some((r) => secretReferenceIds(r).length > 0)).toBe(true);
  } finally {
    await topic.stop();
    await deadLetters.stop();
  }
});
