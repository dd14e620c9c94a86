/**
 * The publisher portal in Chromium against a fresh stack (test/browser/browser.ts): sign in with the development picker,
 * a draft with a missing field shows the warning beside it, fixed and published through the dialog, the Status tab
 * follows the steps live (server-sent events, no polling), the preview as an allow-listed customer, Go Live, the
 * catalog; another offer canceled at sign-off from the e-mail's Cancel link; a second publisher sees none of it; an
 * edit conflict between two tabs is shown. Then every link of every e-mail these offers caused, in en, pt-BR and it,
 * opens a portal page (after sign-in where needed) or the catalog. Screenshots go to test-output/browser.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from '@mkt/testing';
import { API_VERSION, OUTPUT, startPortalStack, type PortalStack } from './browser';

const CUSTOMER = '6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b'; // on the example offer's preview allow-list
let portal: PortalStack;
let contoso: string;

beforeAll(async () => {
  portal = await startPortalStack();
  contoso = await portal.token({ publisherId: 'contoso' });
}, 150_000);

afterAll(async () => {
  await portal?.close();
});

/** Every address a mail gives, as a link or in its text (the Go Live and Cancel addresses are in the text: "POST <url>"). */
function addressesIn(mail: { html: string; text: string }): string[] {
  const html = mail.html.replace(/&amp;/g, '&');
  return [...new Set([...`${html}\n${mail.text}`.matchAll(/https?:\/\/[^\s"'<>()]+/g)].map((m) => m[0].replace(/[.,;:]+$/, '')))];
}

const v = (path: string) => `${path}${path.includes('?') ? '&' : '?'}api-version=${API_VERSION}`;

async function signInWithPicker(page: Page, publisher: string): Promise<void> {
  await page.getByLabel(/^Other publisher id$|^Outro id de publicador$|^Altro id editore$/).fill(publisher);
  await page
    .locator('form', { has: page.locator('#dev-publisher') })
    .getByRole('button')
    .click();
}

async function putOffer(offerId: string, draft: Record<string, unknown>): Promise<void> {
  const response = await portal.api('PUT', v(`/api/publishers/contoso/offers/${offerId}`), contoso, draft, { 'if-none-match': '*' });
  expect(response.status).toBe(201);
}

async function statusOf(offerId: string): Promise<string> {
  const response = await portal.api('GET', v(`/api/publishers/contoso/offers/${offerId}/status`), contoso);
  return ((await response.json()) as { status: string }).status;
}

test('a publisher signs in, fixes a warned field, publishes, follows the steps live, previews, goes live and finds the offer in the catalog', async () => {
  const { summary: _missing, ...withoutSummary } = portal.exampleOffer();
  await putOffer('secure-linux', { ...withoutSummary, notificationLanguage: 'en' });

  const context = await portal.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await page.waitForURL(/\/signin/);
  await signInWithPicker(page, 'contoso');
  await page.waitForURL(/\/publishers\/contoso\/offers$/);
  await page.locator('tr[data-offer="secure-linux"]').waitFor();
  await page.screenshot({ path: join(OUTPUT, 'all-offers.png'), fullPage: true });

  // the editor: the summary is missing, and its warning (the validation rule's message) is beside the field
  await page.locator('tr[data-offer="secure-linux"]').getByRole('link', { name: 'Editor' }).click();
  const summary = page.locator('#f-summary');
  await summary.waitFor();
  const warning = page.locator('#f-summary-warning');
  await expect(warning.textContent()).resolves.toContain('Enter a summary of the offer.');
  expect(await summary.getAttribute('aria-describedby')).toBe('f-summary-warning');
  await page.screenshot({ path: join(OUTPUT, 'editor-warning.png'), fullPage: true });

  await summary.fill('A hardened Ubuntu image with Contoso monitoring built in.');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Every prerequisite is met.').waitFor();
  expect(await warning.count()).toBe(0);

  // Publish through the dialog: the notification e-mail and the language
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Notification e-mails (comma-separated)').fill('not-an-address');
  await dialog.getByRole('button', { name: 'Publish' }).click();
  await dialog.locator('#publish-emails-warning').waitFor(); // the e-mail rule, beside the field
  await dialog.getByLabel('Notification e-mails (comma-separated)').fill('ops@contoso.test');
  await dialog.getByLabel('Language of the e-mails').selectOption('en');
  const plainStatusReads: string[] = [];
  page.on('request', (request) => {
    if (/\/status\?/.test(request.url())) plainStatusReads.push(request.url());
  });
  await dialog.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/\/offers\/secure-linux\/status$/);
  await page.evaluate(() => ((globalThis as unknown as { stayed: boolean }).stayed = true));

  // the steps advance on the page by themselves: server-sent events, no reload and no polling of GET status
  await page.locator('[data-step="validate-prerequisites"][data-status="complete"]').waitFor({ timeout: 60_000 });
  await page.locator('[data-step="certification"][data-status="complete"]').waitFor({ timeout: 60_000 });
  await page.locator('[data-step="publisher-signoff"][data-status="waitingForPublisherReview"]').waitFor({ timeout: 90_000 });
  expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(plainStatusReads).toEqual([]);
  await page.getByText('Live updates on').waitFor();
  await page.screenshot({ path: join(OUTPUT, 'status-signoff.png'), fullPage: true });

  // the preview as an allow-listed customer (its own browser context: signed in as nobody)
  const customerContext = await portal.newContext({ width: 390 });
  const customer = await customerContext.newPage();
  await customer.goto('/preview/contoso/secure-linux');
  await customer.getByLabel('Subscription id (GUID)').fill(CUSTOMER);
  await customer.getByRole('button', { name: 'Sign in as customer' }).click();
  const frame = customer.frameLocator('iframe.product');
  await frame.getByText('Contoso Secure Linux').first().waitFor();
  // another customer is told there is no preview for it
  const strangerContext = await portal.newContext();
  const stranger = await strangerContext.newPage();
  await stranger.goto('/preview/contoso/secure-linux');
  await stranger.getByLabel('Subscription id (GUID)').fill('00000000-0000-4000-8000-000000000000');
  await stranger.getByRole('button', { name: 'Sign in as customer' }).click();
  await stranger.getByText(/There is no preview of this offer for you/).waitFor();
  await Promise.all([customerContext.close(), strangerContext.close()]);

  // Go Live, confirmed; the page follows it to Live
  await page.getByRole('button', { name: 'Go Live' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
  await page.locator('[data-testid="offer-status"]', { hasText: 'Succeeded' }).waitFor({ timeout: 90_000 });
  await page.locator('[data-step="live"][data-status="complete"]').waitFor();

  // the catalog lists it, and its product page opens
  await page.getByRole('navigation').first().getByRole('link', { name: 'Catalog' }).click();
  await page.locator('[data-offer="contoso/secure-linux"]').getByRole('link').click();
  await page.frameLocator('iframe.product').getByText('Contoso Secure Linux').first().waitFor();
  await context.close();
});

test("another offer is canceled at sign-off from the e-mail's Cancel link, after signing in (in Portuguese)", async () => {
  await putOffer('secure-linux-pt', { ...portal.exampleOffer(), title: 'Contoso Linux PT', notificationLanguage: 'pt-BR' });
  const published = await portal.api('POST', v('/api/publishers/contoso/offers/secure-linux-pt/publish'), contoso, {
    metadata: { 'notification-emails': 'pt@contoso.test' },
    language: 'pt-BR',
  });
  expect(published.status).toBe(202);
  await waitFor('sign-off of secure-linux-pt', async () => (await statusOf('secure-linux-pt')) === 'waitingForPublisherReview', { timeoutMs: 90_000 });
  const mail = await waitFor('the preview-ready mail in Portuguese', () =>
    portal.smtp.received.find((m) => m.to.includes('pt@contoso.test') && /\/golive/.test(m.text)),
  );
  const cancel = addressesIn(mail).find((address) => address.endsWith('/cancel'));
  expect(cancel).toBe(`${portal.url}/publishers/contoso/offers/secure-linux-pt/cancel`);

  const context = await portal.newContext({ language: 'pt-BR', width: 390 });
  const page = await context.newPage();
  await page.goto(cancel!);
  await page.getByText('Entre para abrir esta página.').waitFor();
  await signInWithPicker(page, 'contoso');
  // back on the Cancel link's page, which asks to confirm
  await page.getByText(/Cancelar esta tentativa de publicação de Contoso Linux PT/).waitFor();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Confirmar' }).click();
  await page.locator('[data-testid="offer-status"]', { hasText: 'Cancelada' }).waitFor({ timeout: 60_000 });
  // the API rendered the steps in the page's language
  await page.getByRole('heading', { name: 'Aprovação do publicador' }).waitFor();
  await context.close();
});

test("a second publisher never sees the first one's offers", async () => {
  const context = await portal.newContext();
  const page = await context.newPage();
  await page.goto('/signin');
  await signInWithPicker(page, 'fabrikam');
  await page.waitForURL(/\/publishers\/fabrikam\/offers$/);
  await page.getByText('No offers yet.').waitFor();
  await page.goto('/publishers/contoso/offers/secure-linux/status');
  await page.getByText('this page belongs to publisher contoso').waitFor();
  expect(await page.getByText('Contoso Secure Linux').count()).toBe(0);
  // and the API says what it says of a missing offer
  const fabrikam = await portal.token({ publisherId: 'fabrikam' });
  expect((await portal.api('GET', v('/api/publishers/contoso/offers/secure-linux/status/stream'), fabrikam)).status).toBe(404);
  await context.close();
});

test('an edit conflict between two tabs is shown, and what was typed is kept', async () => {
  await putOffer('conflict-demo', { title: 'Conflict demo' });
  const context = await portal.newContext();
  const first = await context.newPage();
  await first.goto('/signin?next=/publishers/contoso/offers/conflict-demo');
  await signInWithPicker(first, 'contoso');
  const second = await context.newPage(); // the same browser: signed in already
  await second.goto('/publishers/contoso/offers/conflict-demo');
  for (const page of [first, second]) await page.getByLabel('Title', { exact: true }).waitFor();

  await first.getByLabel('Title', { exact: true }).fill('Saved in the first tab');
  await first.getByRole('button', { name: 'Save', exact: true }).click();
  await first.getByText(/Saved \(version 2\)/).waitFor();

  await second.getByLabel('Title', { exact: true }).fill('Typed in the second tab');
  await second.getByRole('button', { name: 'Save', exact: true }).click();
  await second
    .getByRole('alert')
    .getByText(/Someone else saved this offer in the meantime \(now version 2\)/)
    .waitFor();
  expect(await second.getByLabel('Title', { exact: true }).inputValue()).toBe('Typed in the second tab');
  await second.getByRole('button', { name: 'Save mine over theirs' }).click();
  await second.getByText(/Saved \(version 3\)/).waitFor();
  await context.close();
});

test('every link of the e-mails these offers caused opens a portal page or the catalog, in en, pt-BR and it', async () => {
  // a third offer, in Italian, to Live through the API
  await putOffer('secure-linux-it', { ...portal.exampleOffer(), title: 'Contoso Linux IT', notificationLanguage: 'it' });
  await portal.api('POST', v('/api/publishers/contoso/offers/secure-linux-it/publish'), contoso, {
    metadata: { 'notification-emails': 'it@contoso.test' },
    language: 'it',
  });
  await waitFor('sign-off of secure-linux-it', async () => (await statusOf('secure-linux-it')) === 'waitingForPublisherReview', { timeoutMs: 90_000 });
  await portal.api('POST', v('/api/publishers/contoso/offers/secure-linux-it/golive'), contoso, {});
  await waitFor('secure-linux-it live', async () => (await statusOf('secure-linux-it')) === 'succeeded', { timeoutMs: 90_000 });
  // submitted, preview ready, then canceled (pt-BR) or live (en, it)
  const count = (to: string) => portal.smtp.received.filter((m) => m.to.includes(to)).length;
  await waitFor('three mails of each offer', () => count('pt@contoso.test') >= 3 && count('it@contoso.test') >= 3 && count('ops@contoso.test') >= 3, {
    timeoutMs: 30_000,
  });

  const links = new Map<string, string>(); // link -> language of the mail
  for (const mail of portal.smtp.received) {
    const language = mail.to.includes('pt@contoso.test') ? 'pt-BR' : mail.to.includes('it@contoso.test') ? 'it' : 'en';
    for (const link of addressesIn(mail)) {
      if (link.startsWith(portal.url)) links.set(link, language);
      else if (!link.startsWith(portal.disks.origin)) throw new Error(`a mail links outside the portal: ${link}`);
    }
  }
  const kinds = [...links.keys()].map((l) => new URL(l).pathname.replace(/secure-linux(-pt|-it)?/, 'o'));
  expect(new Set(kinds)).toEqual(
    new Set([
      '/publishers/contoso/offers/o/status',
      '/publishers/contoso/offers/o/golive',
      '/publishers/contoso/offers/o/cancel',
      '/preview/contoso/o',
      '/catalog/contoso/o',
    ]),
  );
  expect(new Set(links.values())).toEqual(new Set(['en', 'pt-BR', 'it']));

  const context = await portal.newContext();
  for (const [link, language] of links) {
    const page = await context.newPage();
    const response = await page.goto(link);
    expect([link, response?.status()]).toEqual([link, 200]);
    const path = new URL(link).pathname;
    if (!path.startsWith('/catalog')) {
      // signed in already (the context keeps the session), or the page asks to sign in first
      await page.locator('#dev-publisher, [data-testid="offer-status"], iframe.product, main [role=alert]').first().waitFor();
      if ((await page.locator('#dev-publisher').count()) > 0) await signInWithPicker(page, 'contoso');
    }
    // a portal page: its heading, never the API's 404 or 401 body
    await page.locator('main h1').first().waitFor();
    const text = await page.locator('main').innerText();
    expect([link, language, /This page does not exist|"statusCode"/.test(text)]).toEqual([link, language, false]);
    if (path.startsWith('/catalog')) await page.frameLocator('iframe.product').locator('body').first().waitFor();
    // the preview of an attempt that was canceled is gone: the page says so (a portal page, not the API's 404)
    else if (path.startsWith('/preview')) await page.locator('iframe.product, main [role=alert]').first().waitFor();
    else await page.locator('[data-testid="offer-status"]').waitFor();
    await page.close();
  }
  await context.close();
});
