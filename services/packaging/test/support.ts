/** Shared pieces of the packaging integration tests: events as upstream services write them, a lead endpoint, the service. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createOfferEvent, offerSubject, type OfferDraft } from '@mkt/events';
import { startProcess, uniqueId, type ChildHandle, type TestDatabase } from '@mkt/testing';

export const PUBLIC_URL = 'http://marketplace.test';

export interface TestOffer {
  publisherId: string;
  offerId: string;
  subject: string;
  correlationId: string;
}

export function newOffer(label: string): TestOffer {
  const publisherId = uniqueId('pub-');
  const offerId = `${label}-${uniqueId('')}`;
  return { publisherId, offerId, subject: offerSubject(publisherId, offerId), correlationId: uniqueId('corr-') };
}

export function baseDraft(overrides: Partial<OfferDraft> = {}): OfferDraft {
  return {
    title: 'Contoso Web VM',
    summary: 'A hardened nginx server',
    description: '<p>Runs <strong>nginx</strong>.</p>',
    categories: ['Web'],
    logos: { wide: 'https://cdn.contoso.example/wide.png' },
    supportContact: { name: 'Contoso Support', email: 'support@contoso.example' },
    plans: [
      {
        id: 'standard',
        title: 'Standard',
        osFamily: 'Linux',
        osName: 'Ubuntu 22.04',
        recommendedVmSizes: ['Standard_D2s_v5'],
        openPorts: [{ name: 'HTTPS', port: 443, protocol: 'TCP' }],
        imageVersions: [{ version: '1.0.0', osDiskUrl: 'https://acct.blob.core.windows.net/vhds/os.vhd?sig=SECRET' }],
      },
    ],
    leadDestination: { type: 'none' },
    previewSubscriptionIds: ['00000000-0000-0000-0000-000000000001'],
    ...overrides,
  };
}

const meta = (offer: TestOffer, attempt: number) => ({ subject: offer.subject, attempt, correlationId: `${offer.correlationId}-${attempt}` });

export const events = {
  submitted: (offer: TestOffer, attempt: number, draft: OfferDraft) =>
    createOfferEvent(
      'OfferSubmitted',
      {
        publisherId: offer.publisherId,
        offerId: offer.offerId,
        notificationEmails: ['ops@contoso.example'],
        language: 'en',
        submittedBy: 'user-1',
        offer: draft,
      },
      meta(offer, attempt),
      { source: '/marketplace/offer-api' },
    ),
  replicated: (offer: TestOffer, attempt: number) =>
    createOfferEvent('ImagesReplicated', { regions: [{ region: 'eastus', status: 'replicated', tries: 1 }] }, meta(offer, attempt), {
      source: '/marketplace/provisioning',
    }),
  goLive: (offer: TestOffer, attempt: number) =>
    createOfferEvent('GoLiveRequested', { requestedBy: 'user-1' }, meta(offer, attempt), { source: '/marketplace/offer-api' }),
  canceled: (offer: TestOffer, attempt: number) =>
    createOfferEvent('PublishCanceled', { canceledBy: 'user-1' }, meta(offer, attempt), { source: '/marketplace/offer-api' }),
};

export interface RecordedRequest {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A publisher's lead endpoint. It keeps leads by Idempotency-Key, as a publisher honouring the key would,
 * so that `leads` shows what the publisher would see and `requests` shows every delivery.
 *   /ok/<tag>          201
 *   /lost-answer/<tag> stores the lead but answers 503 the first time (the answer is "lost"), 201 after
 *   /unauthorized/<tag> 401 unless the Authorization header is right
 *   /slow/<tag>        answers after 10 s
 */
export class LeadEndpoint {
  readonly requests: RecordedRequest[] = [];
  readonly leads = new Map<string, unknown>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly timers = new Set<NodeJS.Timeout>();

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      this.requests.push({ path, method: req.method ?? '', headers: req.headers, body });
      const key = String(req.headers['idempotency-key'] ?? '');
      const answer = (status: number) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
      if (path.startsWith('/slow/')) {
        const timer = setTimeout(() => answer(200), 10_000);
        this.timers.add(timer);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (path.startsWith('/unauthorized/') && req.headers.authorization !== 'Bearer right') return answer(401);
      const seen = this.leads.has(key);
      if (!seen) this.leads.set(key, JSON.parse(body));
      if (path.startsWith('/lost-answer/') && !seen) return answer(503);
      answer(201);
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServiceSetup {
  db: TestDatabase;
  topic: string;
  deadLetterTopic: string;
  group: string;
  env?: Record<string, string>;
}

/** Runs the packaging service as its own process, the way it runs in production, with test durations. */
export async function startPackaging(setup: ServiceSetup): Promise<ChildHandle> {
  const child = startProcess(
    'services/packaging/src/main.ts',
    {
      DATABASE_URL: setup.db.serverUrl,
      DATABASE_NAME: setup.db.name,
      OFFER_EVENTS_TOPIC: setup.topic,
      DEAD_LETTER_TOPIC: setup.deadLetterTopic,
      CONSUMER_GROUP: setup.group,
      PORT: '0',
      PACKAGING_DURATION_MS: '0',
      GO_LIVE_DELAY_MS: '0',
      OFFER_API_PUBLIC_URL: PUBLIC_URL,
      PACKAGING_ALLOW_PRIVATE_NETWORK: 'true',
      PACKAGING_LEAD_TIMEOUT_MS: '1000',
      PACKAGING_JOB_MAX_TRIES: '2',
      PACKAGING_RETRY_BACKOFF_MS: '50',
      PACKAGING_JOB_POLL_INTERVAL_MS: '100',
      RELAY_POLL_INTERVAL_MS: '50',
      CONSUMER_SESSION_TIMEOUT_MS: '6000',
      ...setup.env,
    },
    'packaging',
  );
  await child.waitForOutput(/packaging ready on/, { timeoutMs: 60_000 });
  return child;
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
