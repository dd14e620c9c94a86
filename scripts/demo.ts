/**
 * A guided run of the whole process against the stack `npm start` runs (run it in another terminal):
 *   npm run demo
 * Serves two test VHDs (sparse: a few bytes on disk) over HTTPS on this machine, creates an offer that
 * points at them, publishes it, follows the seven steps, opens the preview, clicks Go Live, and shows
 * the offer in the public catalog and the e-mails in the mail catcher.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sas, VhdServer } from '../services/certification/test/vhd-fixtures';
import { HttpsFront } from '../test/e2e/servers';

const API = process.env.OFFER_API_URL ?? 'http://127.0.0.1:3000';
const MAIL = process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080';
const PUBLISHER = 'contoso';
const SUBSCRIPTION = '6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

/** A token from scripts/token.js, which signs with the secret the stack's offer-api runs with. */
function token(...args: string[]): string {
  return execFileSync(process.execPath, [join(__dirname, 'token.js'), ...args, '--expires-in', '1h'], { encoding: 'utf8' }).trim();
}

async function call(method: string, path: string, bearer: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${API}${path}${path.includes('?') ? '&' : '?'}api-version=2017-10-31`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, text };
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function followSteps(bearer: string, path: string, until: (status: string) => boolean): Promise<Record<string, unknown>> {
  const seen = new Map<string, string>();
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { body } = await call('GET', `${path}/status`, bearer);
    for (const step of body.steps as Array<{ id: string; stepName: string; status: string; progressPercentage: number; messages: Array<{ text: string }> }>) {
      const line = `${step.status}${step.progressPercentage ? ` ${step.progressPercentage}%` : ''}`;
      if (seen.get(step.id) !== line && step.status !== 'notStarted') {
        seen.set(step.id, line);
        const last = step.messages[step.messages.length - 1]?.text ?? '';
        say(`  ${step.stepName.padEnd(34)} ${line.padEnd(28)} ${last.slice(0, 90)}`);
      }
    }
    if (until(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`the offer is still "${body.status}" after 3 minutes`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const health = await fetch(`${API}/health`).catch(() => undefined);
  if (!health?.ok) throw new Error(`offer-api does not answer at ${API}: start the system first with npm start`);
  const vhds = await VhdServer.start();
  const disks = await HttpsFront.start(vhds.origin);
  try {
    const bearer = token('--publisher', PUBLISHER, '--sub', 'demo-user');
    const offerId = `demo-${randomUUID().slice(0, 8)}`;
    const path = `/api/publishers/${PUBLISHER}/offers/${offerId}`;
    const offer = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'examples', 'offer.json'), 'utf8'));
    offer.plans = [
      {
        ...offer.plans[0],
        imageVersions: [{ version: '1.0.0', osDiskUrl: disks.url(vhds.url('os-30g.vhd', sas())), dataDiskUrls: [disks.url(vhds.url('data-1g.vhd', sas()))] }],
      },
    ];
    say(`test disks served at ${disks.origin} (30 GiB OS disk, 1 GiB data disk, sparse)`);

    const created = await call('PUT', path, bearer, offer, { 'if-none-match': '*' });
    if (created.status !== 201) throw new Error(`creating the draft failed: ${created.status} ${created.text}`);
    say(`draft ${PUBLISHER}/${offerId} created (ETag ${created.headers.get('etag')})`);

    const published = await call(
      'POST',
      `${path}/publish`,
      bearer,
      { metadata: { 'notification-emails': 'publisher@contoso.test' } },
      { 'idempotency-key': randomUUID() },
    );
    if (published.status !== 202) throw new Error(`publish failed: ${published.status} ${published.text}`);
    say(`publish accepted (202), operation at ${published.headers.get('operation-location')}; following the steps:`);
    const atSignOff = await followSteps(bearer, path, (s) => s !== 'running' && s !== 'notStarted');
    if (atSignOff.status !== 'waitingForPublisherReview') throw new Error(`the attempt ended "${atSignOff.status}"; see the messages above`);

    // the allow-listed subscription of docs/examples/offer.json, proven by a customer token
    const customer = token('--customer', '--subscription', SUBSCRIPTION);
    const preview = await fetch(`${API}${path}/preview?api-version=2017-10-31`, { headers: { authorization: `Bearer ${customer}` } });
    say(`preview for customer subscription ${SUBSCRIPTION}: ${preview.status}, ${(await preview.text()).length} bytes of product page`);

    const live = await call('POST', `${path}/golive`, bearer);
    if (live.status !== 202) throw new Error(`go live failed: ${live.status} ${live.text}`);
    say('Go Live accepted (202):');
    const final = await followSteps(bearer, path, (s) => s === 'succeeded' || s === 'failed');
    if (final.status !== 'succeeded') throw new Error(`going live ended "${final.status}"`);
    const catalog = await fetch(`${API}/api/catalog/offers/${PUBLISHER}/${offerId}`);
    say(`public catalog: ${API}/api/catalog/offers/${PUBLISHER}/${offerId} (${catalog.status})`);
    const mails = await fetch(`${MAIL}/email`)
      .then((r) => r.json() as Promise<Array<{ subject: string; to: Array<{ address: string }> }>>)
      .catch(() => []);
    const ours = mails.filter((m) => m.subject.includes(offer.title));
    say(`e-mails to publisher@contoso.test so far (${MAIL}):`);
    for (const mail of ours.slice(-6)) say(`  ${mail.subject}`);
  } finally {
    await disks.close();
    await vhds.close();
  }
}

main().catch((error) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  process.exit(1);
});
