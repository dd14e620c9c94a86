/** Building the events upstream services would publish, and reading the certification database. */
import { Client } from 'pg';
import { createOfferEvent, offerSubject, type Envelope, type Plan } from '@mkt/events';
import type { TestDatabase } from '@mkt/testing';

export function offerEvents(publisherId: string, offerId: string, attempt: number, plans: Plan[]) {
  const subject = offerSubject(publisherId, offerId);
  const metadata = { subject, attempt, correlationId: `${subject}#${attempt}` };
  const submitted = createOfferEvent(
    'OfferSubmitted',
    { publisherId, offerId, notificationEmails: ['publisher@example.com'], language: 'en', submittedBy: 'publisher', offer: { title: offerId, plans } },
    metadata,
    { source: '/marketplace/offer-api' },
  );
  const validated = createOfferEvent(
    'PrerequisitesValidated',
    { rulesChecked: 42 },
    { ...metadata, causationId: submitted.id },
    { source: '/marketplace/validation' },
  );
  const canceled = createOfferEvent('PublishCanceled', { canceledBy: 'publisher' }, metadata, { source: '/marketplace/offer-api' });
  return { subject, submitted, validated, canceled, all: [submitted, validated] as Envelope[] };
}

export function plan(id: string, version: string, osDiskUrl: string, dataDiskUrls: string[] = []): Plan {
  return { id, title: id, imageVersions: [{ version, osDiskUrl, dataDiskUrls }] };
}

export async function queryDb<T>(db: TestDatabase, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function jobState(db: TestDatabase, subject: string, attempt: number): Promise<string | undefined> {
  const rows = await queryDb<{ state: string }>(db, `SELECT state FROM jobs WHERE kind = 'certify' AND subject = $1 AND attempt = $2`, [subject, attempt]);
  return rows[0]?.state;
}
