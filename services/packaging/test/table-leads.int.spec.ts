/**
 * Test leads written to an Azure Storage table (Azurite, the real emulator, on a free port), and a cancel
 * that arrives while go-live is still pending (this suite's service has a long go-live delay).
 */
import { TableClient } from '@azure/data-tables';
import { EventLog, TestDatabase, TestTopics, publishEvents, uniqueId, waitFor, waitForGroupCaughtUp, type ChildHandle } from '@mkt/testing';
import { testLeadId, testLeadTableKeys } from '../src/domain';
import { baseDraft, closedPort, events, newOffer, queryDb, startPackaging, type TestOffer } from './support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const azurite = require('../../../scripts/infra/azurite.js') as {
  start(options: { port: number; inMemory: boolean }): Promise<{ connectionString: string }>;
  stop(): Promise<boolean>;
};

const topics = new TestTopics();
let db: TestDatabase;
let topic: string;
let group: string;
let service: ChildHandle | undefined;
let log: EventLog;
let connectionString: string;

beforeAll(async () => {
  db = await new TestDatabase('packaging_tables').create();
  topic = await topics.create('packaging-tables');
  const deadLetterTopic = await topics.create('packaging-tables-dlq');
  group = uniqueId('packaging-tables-');
  ({ connectionString } = await azurite.start({ port: await closedPort(), inMemory: true }));
  log = await new EventLog(topic).start();
  service = await startPackaging({ db, topic, deadLetterTopic, group, env: { GO_LIVE_DELAY_MS: '600000' } });
});

afterAll(async () => {
  await service?.kill();
  await log?.stop();
  await azurite.stop();
  await db?.drop();
  await topics.cleanup();
});

async function submitAndReplicate(offer: TestOffer, draft = baseDraft()): Promise<void> {
  await publishEvents(topic, [events.submitted(offer, 1, draft), events.replicated(offer, 1)], { twice: true });
}

function tableLead(tableName: string, cs = connectionString) {
  return baseDraft({ leadDestination: { type: 'azure-table', azureTable: { connectionString: cs, tableName } } });
}

test('the test lead is an entity in the publisher table (created when missing), keyed by offer and attempt', async () => {
  const offer = newOffer('table');
  const tableName = `leads${uniqueId('')}`;
  await submitAndReplicate(offer, tableLead(tableName));

  const preview = await log.waitFor(offer.subject, 'PreviewReady');
  const leadId = testLeadId(offer.subject, 1);
  expect(preview.data.testLead).toEqual({ destination: 'azure-table', leadId });

  const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  const keys = testLeadTableKeys(offer.subject, 1);
  const entity = await table.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey);
  expect(entity).toMatchObject({
    LeadId: leadId,
    IsTest: true,
    PublisherId: offer.publisherId,
    OfferId: offer.offerId,
    OfferTitle: 'Contoso Web VM',
    Attempt: 1,
    FirstName: 'Test',
    LastName: 'Lead',
    Email: 'test.lead@example.com',
  });
  await waitForGroupCaughtUp(group, topic);
  const all: unknown[] = [];
  for await (const row of table.listEntities()) all.push(row);
  expect(all).toHaveLength(1);
  expect(log.of(offer.subject, 'PackagingStarted').map((e) => e.data)).toEqual([{ leadGeneration: true }]);
});

test('an unreachable table -> PackagingFailed pointing at the connection string', async () => {
  const offer = newOffer('tabledown');
  const unreachable = connectionString.replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, `TableEndpoint=http://127.0.0.1:${await closedPort()}`);
  await submitAndReplicate(offer, tableLead('leads', unreachable));

  const failed = await log.waitFor(offer.subject, 'PackagingFailed');
  expect(failed.data.code).toBe('lead-table-unreachable');
  expect(`${failed.data.reason}: ${failed.data.action}`).toMatch(/^the Azure table could not be reached: check the connection string/);
  await waitForGroupCaughtUp(group, topic);
  expect(log.of(offer.subject, 'PackagingFailed')).toHaveLength(1);
  expect(log.of(offer.subject, 'PreviewReady')).toHaveLength(0);
});

test('a wrong account key -> PackagingFailed about the credentials', async () => {
  const offer = newOffer('tablekey');
  const wrongKey = connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key').toString('base64')}`);
  await submitAndReplicate(offer, tableLead('leads', wrongKey));

  const failed = await log.waitFor(offer.subject, 'PackagingFailed');
  expect(failed.data).toMatchObject({ code: 'lead-table-unauthorized', reason: expect.stringMatching(/^the Azure table answered 403/) });
  expect(failed.data.action).toMatch(/account key/);
});

test('PublishCanceled while go-live is pending cancels the go-live: nothing reaches the catalog', async () => {
  const offer = newOffer('pendinglive');
  await submitAndReplicate(offer);
  await log.waitFor(offer.subject, 'PreviewReady');
  await publishEvents(topic, [events.goLive(offer, 1)], { twice: true });
  await waitFor('a pending go-live job', async () => {
    const rows = await queryDb<{ state: string }>(db, `SELECT state FROM jobs WHERE subject = $1 AND kind = 'go-live'`, [offer.subject]);
    return rows[0]?.state === 'pending';
  });

  await publishEvents(topic, [events.canceled(offer, 1)], { twice: true });
  await waitForGroupCaughtUp(group, topic);
  expect(await queryDb(db, `SELECT kind, state FROM jobs WHERE subject = $1 ORDER BY id`, [offer.subject])).toEqual([
    { kind: 'package', state: 'done' },
    { kind: 'go-live', state: 'canceled' },
  ]);
  expect(await queryDb(db, 'SELECT state FROM offer_attempts WHERE subject = $1', [offer.subject])).toEqual([{ state: 'canceled' }]);
  expect(await queryDb(db, 'SELECT 1 FROM catalog_entries WHERE subject = $1', [offer.subject])).toEqual([]);
  expect(log.of(offer.subject, 'WentLive')).toHaveLength(0);
});
