/**
 * A guided run of the whole process against the stack `npm start` runs (run it in another terminal):
 *   npm run demo
 * Four stories by two publishers, each narrated step by step with the e-mails that offer caused (the mail catcher,
 * filtered by the story's own recipient address):
 *   1. contoso: an offer goes to Live (preview for an allow-listed customer, Go Live, public catalog);
 *   2. fabrikam: an offer fails certification (a dynamic VHD), is fixed (a fixed VHD) and republished to Live;
 *   3. contoso: replication fails in a region (provisioning's faults switched at run time, no restart), the region is
 *      healed and the offer republished to Live;
 *   4. fabrikam: an offer is canceled at sign-off.
 * The disks are the sample disk host's (tools/sample-disks), which `npm start` runs. Settings (for another stack):
 * OFFER_API_URL, PROVISIONING_URL, MAILDEV_URL, SAMPLE_DISKS_URL, AUTH_JWT_SECRET (else .local/auth-jwt-secret).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SAMPLE_DISKS_PORT, sampleDiskUrl, type SampleDiskName } from '../tools/sample-disks/src/host';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { signToken } = require('./token.js') as {
  signToken: (claims: Record<string, unknown>, subject: string, options?: Record<string, unknown>) => Promise<string>;
};

export interface DemoOptions {
  offerApiUrl: string;
  provisioningUrl: string;
  mailUrl: string;
  sampleDisksUrl: string;
  jwtSecret?: string;
  /** Where the narration goes. */
  say: (line: string) => void;
  /** How long one offer may take to reach the next stop. */
  stepTimeoutMs?: number;
  /** How long e-mails may take to arrive once the offer has stopped changing. */
  mailSettleMs?: number;
  /** How long to wait for the first e-mail of an offer. */
  mailWaitMs?: number;
  /** Makes offer ids and recipients of one run unique. */
  run?: string;
}

export interface StoryResult {
  story: string;
  publisherId: string;
  offerId: string;
  /** The statuses the offer stopped at, in order (e.g. failed, succeeded). */
  stops: string[];
  expected: string[];
  recipient: string;
  mails: Array<{ to: string[]; subject: string }>;
  ok: boolean;
}

const API_VERSION = 'api-version=2017-10-31';
const SUBSCRIPTION = '6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const FAILING_REGION = 'westeurope';

interface Step {
  id: string;
  stepName: string;
  status: string;
  progressPercentage?: number;
  messages: Array<{ text: string }>;
}

export function demoOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DemoOptions {
  return {
    offerApiUrl: (env.OFFER_API_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    provisioningUrl: (env.PROVISIONING_URL ?? 'http://127.0.0.1:3103').replace(/\/+$/, ''),
    mailUrl: (env.MAILDEV_URL ?? 'http://127.0.0.1:1080').replace(/\/+$/, ''),
    sampleDisksUrl: (env.SAMPLE_DISKS_URL ?? `https://127.0.0.1:${DEFAULT_SAMPLE_DISKS_PORT}`).replace(/\/+$/, ''),
    jwtSecret: env.AUTH_JWT_SECRET,
    say: (line) => process.stdout.write(`${line}\n`),
  };
}

class Demo {
  private readonly run: string;
  private readonly stepTimeoutMs: number;

  constructor(private readonly o: DemoOptions) {
    this.run = o.run ?? randomUUID().slice(0, 6);
    this.stepTimeoutMs = o.stepTimeoutMs ?? 180_000;
  }

  token(claims: Record<string, unknown>, subject: string): Promise<string> {
    return signToken(claims, subject, { expiresIn: '1h', secret: this.o.jwtSecret });
  }

  async call(bearer: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.o.offerApiUrl}${path}${path.includes('?') ? '&' : '?'}${API_VERSION}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, body: json as Record<string, unknown>, text };
  }

  async expect(what: string, answer: Promise<{ status: number; text: string }>, status: number) {
    const result = await answer;
    if (result.status !== status) throw new Error(`${what} answered ${result.status} (expected ${status}): ${result.text.slice(0, 500)}`);
    return result as Awaited<ReturnType<Demo['call']>>;
  }

  /** The example offer with the given disks (one plan, one image version), on this run's sample disk host. */
  offer(os: SampleDiskName): Record<string, unknown> {
    const example = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'examples', 'offer.json'), 'utf8')) as { plans: Array<Record<string, unknown>> };
    const disk = (name: SampleDiskName) => sampleDiskUrl(this.o.sampleDisksUrl, name);
    return { ...example, plans: [{ ...example.plans[0], imageVersions: [{ version: '1.0.0', osDiskUrl: disk(os), dataDiskUrls: [disk('data-1.0.0.vhd')] }] }] };
  }

  /**
   * Narrates the steps as they change until the offer's status is no longer running, nor still `leaving` (the status
   * before the command, which the status view shows until it has seen the command's event).
   */
  async follow(bearer: string, path: string, leaving: string): Promise<string> {
    const seen = new Map<string, string>();
    const deadline = Date.now() + this.stepTimeoutMs;
    for (;;) {
      const { body } = await this.call(bearer, 'GET', `${path}/status`);
      for (const step of (body.steps ?? []) as Step[]) {
        const line = `${step.status}${step.progressPercentage ? ` ${step.progressPercentage}%` : ''}`;
        if (seen.get(step.id) !== line && step.status !== 'notStarted') {
          seen.set(step.id, line);
          const last = step.messages[step.messages.length - 1]?.text ?? '';
          this.o.say(`     ${step.stepName.padEnd(34)} ${line.padEnd(14)} ${last.slice(0, 110)}`);
        }
      }
      const status = String(body.status);
      if (status !== 'running' && status !== 'notStarted' && status !== leaving) {
        this.o.say(`   → ${status}`);
        return status;
      }
      if (Date.now() > deadline) throw new Error(`${path} is still "${status}" after ${this.stepTimeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  async status(bearer: string, path: string): Promise<string> {
    return String((await this.call(bearer, 'GET', `${path}/status`)).body.status);
  }

  async publish(bearer: string, path: string, recipient: string): Promise<string> {
    const before = await this.status(bearer, path);
    const published = await this.expect(
      'Publish',
      this.call(bearer, 'POST', `${path}/publish`, { metadata: { 'notification-emails': recipient } }, { 'idempotency-key': randomUUID() }),
      202,
    );
    this.o.say(`   Publish accepted (202), notifications to ${recipient}; the steps:`);
    void published;
    return this.follow(bearer, path, before);
  }

  async goLive(bearer: string, path: string): Promise<string> {
    await this.expect('Go Live', this.call(bearer, 'POST', `${path}/golive`), 202);
    this.o.say('   the publisher signs off: Go Live accepted (202)');
    return this.follow(bearer, path, 'waitingForPublisherReview');
  }

  async faults(settings: Record<string, unknown>): Promise<void> {
    const bearer = await this.token({ role: 'operator' }, 'demo-operator');
    const response = await fetch(`${this.o.provisioningUrl}/operator/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    if (!response.ok) throw new Error(`provisioning's PUT /operator/faults answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }

  /** The e-mails to this story's own recipient, once no new one has arrived for mailSettleMs. */
  async mails(recipient: string): Promise<StoryResult['mails']> {
    const settle = this.o.mailSettleMs ?? 2_000;
    const deadline = Date.now() + (this.o.mailWaitMs ?? 30_000);
    let last = -1;
    let since = Date.now();
    for (;;) {
      const all = await fetch(`${this.o.mailUrl}/email`)
        .then((r) => r.json() as Promise<Array<{ subject: string; to: Array<{ address: string }>; date?: string }>>)
        .catch(() => undefined);
      if (!all) {
        this.o.say(`   (no mail catcher at ${this.o.mailUrl})`);
        return [];
      }
      const ours = all
        .filter((m) => m.to.some((t) => t.address.toLowerCase() === recipient.toLowerCase()))
        .map((m) => ({ to: m.to.map((t) => t.address), subject: m.subject, date: m.date ?? '' }))
        .sort((a, b) => a.date.localeCompare(b.date));
      if (ours.length !== last) {
        last = ours.length;
        since = Date.now();
      } else if ((ours.length > 0 && Date.now() - since >= settle) || Date.now() > deadline) {
        return ours.map(({ to, subject }) => ({ to, subject }));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async story(
    title: string,
    publisherId: string,
    slug: string,
    expected: string[],
    body: (ctx: { bearer: string; path: string; recipient: string; stops: string[] }) => Promise<void>,
  ): Promise<StoryResult> {
    const offerId = `${slug}-${this.run}`;
    const recipient = `${slug}-${this.run}@${publisherId}.test`;
    const path = `/api/publishers/${publisherId}/offers/${offerId}`;
    this.o.say('');
    this.o.say(`== ${title} (${publisherId}/${offerId})`);
    const bearer = await this.token({ role: 'publisher', publisherId }, `${publisherId}-demo-user`);
    const stops: string[] = [];
    await body({ bearer, path, recipient, stops });
    const mails = await this.mails(recipient);
    this.o.say(`   e-mails this offer caused (to ${recipient}, ${this.o.mailUrl}):`);
    for (const mail of mails) this.o.say(`     • ${mail.subject}`);
    if (mails.length === 0) this.o.say('     (none)');
    const ok = JSON.stringify(stops) === JSON.stringify(expected);
    if (!ok) this.o.say(`   ✗ expected ${expected.join(' → ')}, got ${stops.join(' → ')}`);
    return { story: title, publisherId, offerId, stops, expected, recipient, mails, ok };
  }

  async create(bearer: string, path: string, offer: Record<string, unknown>): Promise<string> {
    const created = await this.expect('creating the draft', this.call(bearer, 'PUT', path, offer, { 'if-none-match': '*' }), 201);
    this.o.say(`   draft created (PUT, 201, ETag ${created.headers.get('etag')})`);
    return created.headers.get('etag') ?? '';
  }

  async all(): Promise<StoryResult[]> {
    const health = await fetch(`${this.o.offerApiUrl}/health`).catch(() => undefined);
    if (!health?.ok) throw new Error(`offer-api does not answer at ${this.o.offerApiUrl}: start the system first with npm start`);
    this.o.say(`disks from the sample disk host at ${this.o.sampleDisksUrl}; offers of this run end in -${this.run}`);
    const results: StoryResult[] = [];

    results.push(
      await this.story(
        '1. An offer goes to Live',
        'contoso',
        'web-vm',
        ['waitingForPublisherReview', 'succeeded'],
        async ({ bearer, path, recipient, stops }) => {
          await this.create(bearer, path, this.offer('os-1.0.0.vhd'));
          stops.push(await this.publish(bearer, path, recipient));
          const customer = await this.token({ role: 'customer', subscriptions: [SUBSCRIPTION] }, 'demo-customer');
          const preview = await fetch(`${this.o.offerApiUrl}${path}/preview?${API_VERSION}`, { headers: { authorization: `Bearer ${customer}` } });
          this.o.say(`   preview for the allow-listed customer subscription ${SUBSCRIPTION}: ${preview.status}`);
          stops.push(await this.goLive(bearer, path));
          const catalog = await fetch(`${this.o.offerApiUrl}${path.replace('/api/publishers/', '/api/catalog/offers/').replace('/offers/', '/')}`);
          this.o.say(
            `   in the public catalog: ${this.o.offerApiUrl}${path.replace('/api/publishers/', '/api/catalog/offers/').replace('/offers/', '/')} (${catalog.status})`,
          );
        },
      ),
    );

    results.push(
      await this.story(
        '2. Certification fails, the disk is fixed, the offer is republished to Live',
        'fabrikam',
        'data-vm',
        ['failed', 'waitingForPublisherReview', 'succeeded'],
        async ({ bearer, path, recipient, stops }) => {
          const etag = await this.create(bearer, path, this.offer('os-dynamic.vhd'));
          this.o.say('   its OS disk is a dynamic VHD (certification wants fixed ones)');
          stops.push(await this.publish(bearer, path, recipient));
          await this.expect('fixing the draft', this.call(bearer, 'PUT', path, this.offer('os-1.0.0.vhd'), { 'if-match': etag }), 200);
          this.o.say('   the publisher uploads a fixed VHD and updates the draft (PUT with If-Match); Publish again:');
          stops.push(await this.publish(bearer, path, recipient));
          stops.push(await this.goLive(bearer, path));
        },
      ),
    );

    results.push(
      await this.story(
        `3. Replication fails in ${FAILING_REGION}, the region is healed at run time, the offer is republished to Live`,
        'contoso',
        'edge-vm',
        ['failed', 'waitingForPublisherReview', 'succeeded'],
        async ({ bearer, path, recipient, stops }) => {
          await this.create(bearer, path, this.offer('os-1.1.0.vhd'));
          await this.faults({ failingRegions: [FAILING_REGION] });
          this.o.say(`   operator: provisioning's simulated back end now refuses ${FAILING_REGION} (PUT /operator/faults, no restart)`);
          try {
            stops.push(await this.publish(bearer, path, recipient));
          } finally {
            await this.faults({ failingRegions: [] });
          }
          this.o.say(`   operator: ${FAILING_REGION} is healed (PUT /operator/faults failingRegions=[]); Publish again:`);
          stops.push(await this.publish(bearer, path, recipient));
          stops.push(await this.goLive(bearer, path));
        },
      ),
    );

    results.push(
      await this.story(
        '4. An offer is canceled at sign-off',
        'fabrikam',
        'trial-vm',
        ['waitingForPublisherReview', 'canceled'],
        async ({ bearer, path, recipient, stops }) => {
          await this.create(bearer, path, this.offer('os-1.0.0.vhd'));
          stops.push(await this.publish(bearer, path, recipient));
          await this.expect('Cancel', this.call(bearer, 'POST', `${path}/cancel`, {}), 202);
          this.o.say('   the publisher cancels instead of signing off (202)');
          stops.push(await this.follow(bearer, path, 'waitingForPublisherReview'));
        },
      ),
    );

    this.o.say('');
    const good = results.filter((r) => r.ok).length;
    this.o.say(`${good} of ${results.length} stories went as told.`);
    return results;
  }
}

/** Runs the four stories; resolves to what each did (a story that went otherwise has ok false). */
export function runDemo(options: DemoOptions): Promise<StoryResult[]> {
  return new Demo(options).all();
}

if (require.main === module) {
  runDemo(demoOptionsFromEnv())
    .then((results) => process.exit(results.every((r) => r.ok) ? 0 : 1))
    .catch((error: unknown) => {
      process.stderr.write(`demo: ${(error as Error).message}\n`);
      process.exit(1);
    });
}
