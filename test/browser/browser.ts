/**
 * The browser tests' Chromium (Debian's /usr/bin/chromium, driven by playwright-core; `npx playwright install` cannot
 * download one here) and the stack they open: the six services as separate processes against their own topic and
 * databases (test/e2e/stack.ts), the sample disk host of `npm start` (tools/sample-disks) and an SMTP test server.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from '@mkt/testing';
import { TestSmtpServer } from '../../services/notification/test/smtp-test-server';
import { TEST_JWT_SECRET } from '../../services/offer-api/test/fixtures/harness';
import { DEFAULT_SAMPLE_DISKS_PORT, SampleDiskHost } from '../../tools/sample-disks/src/host';
import { ensureDevelopmentTls } from '../../tools/sample-disks/src/tls';
import { Stack } from '../e2e/stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUTPUT = join(REPO_ROOT, 'test-output', 'browser');
export const API_VERSION = '2017-10-31';

export interface PortalStack {
  stack: Stack;
  url: string;
  smtp: TestSmtpServer;
  disks: SampleDiskHost;
  newContext: (options?: { language?: string; width?: number }) => Promise<BrowserContext>;
  token: (body: { publisherId: string } | { subscriptionIds: string[] }) => Promise<string>;
  api: (method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>;
  /** The example offer (docs/examples/offer.json) with its disks on this run's sample disk host. */
  exampleOffer: () => Record<string, unknown>;
  close: () => Promise<void>;
}

export async function startPortalStack(): Promise<PortalStack> {
  mkdirSync(OUTPUT, { recursive: true });
  const folder = mkdtempSync(join(tmpdir(), 'portal-e2e-'));
  const tls = ensureDevelopmentTls(join(folder, 'tls'));
  const disks = await SampleDiskHost.start({ directory: join(folder, 'disks'), tls, port: 0 });
  const smtp = await new TestSmtpServer().start(0);
  const stack = await new Stack({
    DEVELOPMENT: 'true',
    NODE_EXTRA_CA_CERTS: tls.caFile,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
  }).init();
  // offer-api first: the others name its address (preview and catalog URLs, the e-mails' links)
  const offerApi = await stack.start('offer-api');
  const url = offerApi.url;
  await stack.startAll(['validation', 'certification', 'provisioning', 'packaging', 'notification'], {
    packaging: { OFFER_API_PUBLIC_URL: url },
    notification: { NOTIFICATION_STATUS_BASE_URL: url },
  });
  // Playwright starts Chromium with a fresh --user-data-dir of its own (a new temporary profile, removed on close; it
  // refuses the flag in args); each test's context is new too, sharing no storage with the others
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  const api: PortalStack['api'] = (method, path, token, body, headers = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    stack,
    url,
    smtp,
    disks,
    newContext: ({ language = 'en', width = 1200 } = {}) => browser.newContext({ baseURL: url, locale: language, viewport: { width, height: 900 } }),
    token: async (body) => {
      const response = await fetch(`${url}/api/development/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`development token: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    },
    api,
    exampleOffer: () =>
      JSON.parse(
        readFileSync(join(REPO_ROOT, 'docs', 'examples', 'offer.json'), 'utf8')
          .split(`https://127.0.0.1:${DEFAULT_SAMPLE_DISKS_PORT}`)
          .join(disks.origin),
      ),
    close: async () => {
      await browser.close().catch(() => undefined);
      await stack.teardown();
      await smtp.stop();
      await disks.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
