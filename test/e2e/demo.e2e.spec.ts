/**
 * `npm run demo` (scripts/demo.ts) completes its four stories against a fresh stack: the six services as separate
 * processes, the mail catcher of `npm start` (MailDev, in this process on free ports), and the sample disk host.
 * Each story's mails are only those of its own offer (its own recipient).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_JWT_SECRET } from '../../services/offer-api/test/fixtures/harness';
import { runDemo, type StoryResult } from '../../scripts/demo';
import { SampleDiskHost } from '../../tools/sample-disks/src/host';
import { ensureDevelopmentTls } from '../../tools/sample-disks/src/tls';
import { Stack, type ServiceName } from './stack';

const SERVICES: ServiceName[] = ['validation', 'certification', 'provisioning', 'packaging', 'notification', 'offer-api'];
const folder = mkdtempSync(join(tmpdir(), 'demo-e2e-'));
let stack: Stack;
let disks: SampleDiskHost;
let maildev: { listen: (done: (error?: Error) => void) => void; close: (done: () => void) => void };
let mailUrl: string;

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const MailDev = require('maildev') as (config: Record<string, unknown>) => typeof maildev;
  maildev = MailDev({ smtp: smtpPort, web: webPort, ip: '127.0.0.1', silent: true });
  await new Promise<void>((resolve, reject) => maildev.listen((error) => (error ? reject(error) : resolve())));
  mailUrl = `http://127.0.0.1:${webPort}`;
  const tls = ensureDevelopmentTls(join(folder, 'tls'));
  disks = await SampleDiskHost.start({ directory: join(folder, 'disks'), tls, port: 0 });
  stack = await new Stack({
    DEVELOPMENT: 'true',
    NODE_EXTRA_CA_CERTS: tls.caFile,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    PROVISIONING_RETRY_BACKOFF_MS: '20',
  }).init();
  await stack.startAll(SERVICES);
});

afterAll(async () => {
  await stack?.teardown();
  await disks?.close();
  await new Promise<void>((resolve) => (maildev ? maildev.close(() => resolve()) : resolve()));
  rmSync(folder, { recursive: true, force: true });
});

test('the demo tells its four stories to their ends, each with the e-mails of its own offer only', async () => {
  const lines: string[] = [];
  const results: StoryResult[] = await runDemo({
    offerApiUrl: stack.services.get('offer-api')!.url,
    provisioningUrl: stack.services.get('provisioning')!.url,
    mailUrl,
    sampleDisksUrl: disks.origin,
    jwtSecret: TEST_JWT_SECRET,
    say: (line) => lines.push(line),
    stepTimeoutMs: 60_000,
    mailSettleMs: 1_500,
    mailWaitMs: 20_000,
  });
  const narration = lines.join('\n');
  expect(results.map((r) => [r.publisherId, r.stops])).toEqual([
    ['contoso', ['waitingForPublisherReview', 'succeeded']],
    ['fabrikam', ['failed', 'waitingForPublisherReview', 'succeeded']],
    ['contoso', ['failed', 'waitingForPublisherReview', 'succeeded']],
    ['fabrikam', ['waitingForPublisherReview', 'canceled']],
  ]);
  expect(results.every((r) => r.ok)).toBe(true);
  expect(narration).toContain('4 of 4 stories went as told.');
  // narrated step by step: the failing step of stories 2 and 3 with its message
  expect(narration).toMatch(/Certification\s+blocked .*vhd-disk-type/);
  expect(narration).toMatch(/westeurope/);
  for (const result of results) {
    expect(result.mails.length).toBeGreaterThan(0);
    for (const mail of result.mails) expect(mail.to).toEqual([result.recipient]);
  }
  // every attempt of a story mailed its recipient: more mails for the republished ones
  expect(results[1].mails.length).toBeGreaterThan(results[0].mails.length);
});
