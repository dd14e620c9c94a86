/**
 * The offers of a chaos run and how a publisher drives them through offer-api over HTTP: create the
 * draft, Publish, and at sign-off Go Live or Cancel. Requests are retried (same Idempotency-Key) on
 * whichever offer-api instance is up while instances are killed or the database is away.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { offerSubject, type OfferDraft, type OfferEventType } from '@mkt/events';
import { SignJWT } from 'jose';
import { sas, type VhdServer } from '../../../services/certification/test/vhd-fixtures';
import { completeOffer } from '../../../services/validation/test/offers';
import type { HttpsFront, LeadEndpoint } from '../servers';

export const PUBLISHER = 'contoso';
/** offer-api's development secret (services/offer-api/src/config.ts). */
/** The fleet's offer-api runs with it (run.ts) and the publisher client signs with it. */
export const CHAOS_JWT_SECRET = randomBytes(32).toString('base64url');

export type OfferKind = 'live' | 'invalid' | 'vhd' | 'region' | 'lead-down' | 'cancel';

const THROUGH_PROVISIONING: OfferEventType[] = [
  'OfferSubmitted',
  'PrerequisitesValidated',
  'CertificationStarted',
  'CertificationPassed',
  'ReplicationStarted',
];
const THROUGH_PACKAGING: OfferEventType[] = [...THROUGH_PROVISIONING, 'ImagesReplicated', 'PackagingStarted'];

/** The stage events each kind of offer must have on the log, in this order (progress and notification events aside). */
export const EXPECTED_EVENTS: Record<OfferKind, OfferEventType[]> = {
  live: [...THROUGH_PACKAGING, 'PreviewReady', 'GoLiveRequested', 'WentLive'],
  invalid: ['OfferSubmitted', 'PrerequisitesRejected'],
  vhd: ['OfferSubmitted', 'PrerequisitesValidated', 'CertificationStarted', 'CertificationFailed'],
  region: [...THROUGH_PROVISIONING, 'ReplicationFailed'],
  'lead-down': [...THROUGH_PACKAGING, 'PackagingFailed'],
  cancel: [...THROUGH_PACKAGING, 'PreviewReady', 'PublishCanceled'],
};

export const OUTCOME: Record<OfferKind, OfferEventType> = Object.fromEntries(
  Object.entries(EXPECTED_EVENTS).map(([kind, events]) => [kind, events[events.length - 1]]),
) as Record<OfferKind, OfferEventType>;

/** Event types that end an attempt (or wait at sign-off), whichever kind expected them. */
export const TERMINAL: OfferEventType[] = [
  'PrerequisitesRejected',
  'CertificationFailed',
  'ReplicationFailed',
  'PackagingFailed',
  'WentLive',
  'GoLiveFailed',
  'PublishCanceled',
];

/** Event types the publisher gets an e-mail about (services/notification MAIL_FOR_EVENT, as the product brief lists them). */
export const NOTIFIED: OfferEventType[] = [
  'OfferSubmitted',
  'PrerequisitesRejected',
  'CertificationFailed',
  'ReplicationFailed',
  'PackagingFailed',
  'PreviewReady',
  'WentLive',
  'GoLiveFailed',
  'PublishCanceled',
];

export interface PlannedOffer {
  index: number;
  kind: OfferKind;
  offerId: string;
  subject: string;
  draft: OfferDraft;
  emails: string[];
  /** A test lead is expected at the lead endpoint (lead destination /ok and the offer reaches packaging). */
  expectsLead: boolean;
}

export interface OfferProgress {
  plan: PlannedOffer;
  createdAt?: number;
  /** 202 to Publish. */
  acceptedAt?: number;
  signOffAt?: number;
  /** Why the driver gave up on a request (the offer then cannot be checked further). */
  refused?: string;
  httpRetries: number;
}

export interface Fixtures {
  vhds: VhdServer;
  blobs: HttpsFront;
  leads: LeadEndpoint;
}

const BROKEN_VHDS = ['bad-cookie.vhd', 'bad-checksum.vhd', 'dynamic.vhd', 'odd-size.vhd', 'small-os.vhd'];

/** A small deterministic PRNG (mulberry32), so that a seed reproduces a run's offers and faults. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function planOffers(count: number, mix: Record<OfferKind, number>, run: string, fixtures: Fixtures, random: () => number): PlannedOffer[] {
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  const kinds: OfferKind[] = [];
  for (const [kind, weight] of Object.entries(mix) as Array<[OfferKind, number]>) {
    for (let i = 0; i < Math.round((weight / total) * count); i += 1) kinds.push(kind);
  }
  while (kinds.length < count) kinds.push('live');
  kinds.length = count;
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const disk = (file: string) => fixtures.blobs.url(fixtures.vhds.url(file, sas()));
  return kinds.map((kind, index) => {
    const offerId = `chaos-${run.slice(-6)}-${String(index).padStart(4, '0')}-${kind}`;
    const base = completeOffer();
    const os = kind === 'vhd' ? BROKEN_VHDS[index % BROKEN_VHDS.length] : 'os-30g.vhd';
    const withLead = kind === 'lead-down' || ((kind === 'live' || kind === 'cancel') && index % 2 === 0);
    const draft: OfferDraft = {
      ...base,
      title: `Chaos offer ${index}`,
      plans: [{ ...base.plans![0], imageVersions: [{ version: '1.0.0', osDiskUrl: disk(os), dataDiskUrls: [disk('data-1g.vhd')] }] }],
      leadDestination: withLead
        ? { type: 'https', https: { url: kind === 'lead-down' ? 'https://127.0.0.1:1/leads' : `${fixtures.leads.origin}/ok` } }
        : { type: 'none' },
    };
    if (kind === 'invalid') Object.assign(draft, { title: '', privacyPolicyUrl: 'ftp://contoso.test/privacy' });
    const emails = [`owner-${index}@contoso.test`, `team-${index % 7}@contoso.test`];
    return { index, kind, offerId, subject: offerSubject(PUBLISHER, offerId), draft, emails, expectsLead: withLead && kind !== 'lead-down' };
  });
}

export async function publisherToken(): Promise<string> {
  return new SignJWT({ role: 'publisher', publisherId: PUBLISHER })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('chaos-publisher')
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(new TextEncoder().encode(CHAOS_JWT_SECRET));
}

interface Answer {
  status: number;
  text: string;
}

/** HTTP against offer-api with retries across instances: network errors and 5xx are tried again, anything else is the answer. */
export class PublisherClient {
  private next = 0;
  private inFlight = 0;
  private readonly queue: Array<() => void> = [];
  retries = 0;

  constructor(
    private readonly urls: () => string[],
    private readonly token: string,
    private readonly maxInFlight = 8,
    private readonly deadlineMs = 180_000,
  ) {}

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      this.queue.shift()?.();
    }
  }

  async call(method: string, path: string, body: unknown, headers: Record<string, string> = {}, progress?: OfferProgress): Promise<Answer> {
    const deadline = Date.now() + this.deadlineMs;
    let last = 'no offer-api instance up';
    for (;;) {
      const urls = this.urls();
      if (urls.length) {
        const base = urls[this.next++ % urls.length];
        try {
          const response = await this.slot(() =>
            fetch(`${base}${path}?api-version=2017-10-31`, {
              method,
              headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...headers },
              body: body === undefined ? undefined : JSON.stringify(body),
              signal: AbortSignal.timeout(15_000),
            }).then(async (r) => ({ status: r.status, text: await r.text() })),
          );
          if (response.status < 500) return response;
          last = `${response.status} ${response.text.slice(0, 200)}`;
        } catch (error) {
          last = (error as Error).message;
        }
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: gave up after ${this.deadlineMs} ms, last: ${last}`);
      this.retries += 1;
      if (progress) progress.httpRetries += 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** Creates the draft (a retry that finds it created by the first try is fine). */
  async create(progress: OfferProgress): Promise<void> {
    const { plan } = progress;
    const answer = await this.call('PUT', `/api/publishers/${PUBLISHER}/offers/${plan.offerId}`, plan.draft, { 'if-none-match': '*' }, progress);
    if (answer.status !== 201 && answer.status !== 412) throw new Error(`creating ${plan.offerId}: ${answer.status} ${answer.text.slice(0, 300)}`);
    progress.createdAt = Date.now();
  }

  async publish(progress: OfferProgress): Promise<void> {
    const { plan } = progress;
    const answer = await this.call(
      'POST',
      `/api/publishers/${PUBLISHER}/offers/${plan.offerId}/publish`,
      { metadata: { 'notification-emails': plan.emails.join(';') } },
      { 'idempotency-key': randomUUID() },
      progress,
    );
    if (answer.status !== 202) throw new Error(`publishing ${plan.offerId}: ${answer.status} ${answer.text.slice(0, 300)}`);
    progress.acceptedAt = Date.now();
  }

  /**
   * Go Live or Cancel once the preview is ready: 409 while offer-api's projection has not yet seen the
   * PreviewReady is tried again (with a new key: the answer to a key is kept) until `deadlineMs`.
   */
  async signOff(progress: OfferProgress, command: 'golive' | 'cancel'): Promise<void> {
    const { plan } = progress;
    const deadline = Date.now() + this.deadlineMs;
    for (;;) {
      const answer = await this.call(
        'POST',
        `/api/publishers/${PUBLISHER}/offers/${plan.offerId}/${command}`,
        {},
        { 'idempotency-key': randomUUID() },
        progress,
      );
      if (answer.status === 202) {
        progress.signOffAt = Date.now();
        return;
      }
      if (answer.status !== 409 || Date.now() > deadline) throw new Error(`${command} ${plan.offerId}: ${answer.status} ${answer.text.slice(0, 300)}`);
      progress.httpRetries += 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}
