import { createHash } from 'node:crypto';
import type { OfferDraft } from '@mkt/events';

/** Where the test lead of an offer goes, as configured in its lead destination. */
export type LeadTarget =
  { destination: 'https'; url: string; authorization?: string } | { destination: 'azure-table'; connectionString: string; tableName: string };

export type LeadPlan =
  | { leadGeneration: false }
  | { leadGeneration: true; target: LeadTarget }
  /** Lead generation is on but a setting is missing or unusable (validation should have caught it). */
  | { leadGeneration: true; destination: LeadTarget['destination']; setting: string; problem: 'missing' | 'invalid' };

/** Azure table names: 3 to 63 letters and digits, starting with a letter. */
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function planLead(offer: OfferDraft): LeadPlan {
  const lead = offer.leadDestination;
  if (!lead || lead.type === 'none') return { leadGeneration: false };
  if (lead.type === 'https') {
    const url = lead.https?.url?.trim();
    if (!url) return { leadGeneration: true, destination: 'https', setting: 'leadDestination.https.url', problem: 'missing' };
    return { leadGeneration: true, target: { destination: 'https', url, authorization: lead.https?.authorization || undefined } };
  }
  const connectionString = lead.azureTable?.connectionString?.trim();
  const tableName = lead.azureTable?.tableName?.trim();
  if (!connectionString)
    return { leadGeneration: true, destination: 'azure-table', setting: 'leadDestination.azureTable.connectionString', problem: 'missing' };
  if (!tableName) return { leadGeneration: true, destination: 'azure-table', setting: 'leadDestination.azureTable.tableName', problem: 'missing' };
  if (!TABLE_NAME.test(tableName))
    return { leadGeneration: true, destination: 'azure-table', setting: 'leadDestination.azureTable.tableName', problem: 'invalid' };
  return { leadGeneration: true, target: { destination: 'azure-table', connectionString, tableName } };
}

function digest(text: string, length = 32): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}

/**
 * The test lead's id: the same for every try of one attempt (so a retried job is recognisably the same
 * lead: idempotency key of the POST, row key of the table entity), different for the next attempt.
 */
export function testLeadId(subject: string, attempt: number): string {
  return `test-lead-${digest(`${subject}#${attempt}`)}`;
}

/** Table keys may not contain / \ # ? or control characters: hex digests never do. */
export function testLeadTableKeys(subject: string, attempt: number): { partitionKey: string; rowKey: string } {
  return { partitionKey: `offer-${digest(subject)}`, rowKey: testLeadId(subject, attempt) };
}

/** A lead with fake customer data, clearly marked as a test, identical on every try of one attempt. */
export interface TestLead {
  leadId: string;
  isTest: true;
  leadSource: string;
  offer: { publisherId: string; offerId: string; title: string; attempt: number };
  customer: { firstName: string; lastName: string; email: string; phone: string; company: string; title: string; country: string };
  description: string;
  createdAt: string;
}

export function buildTestLead(input: {
  publisherId: string;
  offerId: string;
  subject: string;
  attempt: number;
  offerTitle?: string;
  createdAt: Date;
}): TestLead {
  return {
    leadId: testLeadId(input.subject, input.attempt),
    isTest: true,
    leadSource: 'marketplace-publishing-test-lead',
    offer: { publisherId: input.publisherId, offerId: input.offerId, title: input.offerTitle ?? input.offerId, attempt: input.attempt },
    customer: {
      firstName: 'Test',
      lastName: 'Lead',
      email: 'test.lead@example.com',
      phone: '+1 555 0100',
      company: 'Contoso Test Customer',
      title: 'Cloud architect',
      country: 'US',
    },
    description: 'Test lead sent by the marketplace while publishing your offer, to check that leads reach you. It is not a real customer.',
    createdAt: input.createdAt.toISOString(),
  };
}

/** The lead as a flat table entity (table properties cannot be nested). */
export type TestLeadEntity = { partitionKey: string; rowKey: string } & Record<string, string | number | boolean>;

export function testLeadEntity(lead: TestLead, keys: { partitionKey: string; rowKey: string }): TestLeadEntity {
  return {
    partitionKey: keys.partitionKey,
    rowKey: keys.rowKey,
    LeadId: lead.leadId,
    IsTest: lead.isTest,
    LeadSource: lead.leadSource,
    PublisherId: lead.offer.publisherId,
    OfferId: lead.offer.offerId,
    OfferTitle: lead.offer.title,
    Attempt: lead.offer.attempt,
    FirstName: lead.customer.firstName,
    LastName: lead.customer.lastName,
    Email: lead.customer.email,
    Phone: lead.customer.phone,
    Company: lead.customer.company,
    Title: lead.customer.title,
    Country: lead.customer.country,
    Description: lead.description,
    CreatedAt: lead.createdAt,
  };
}
