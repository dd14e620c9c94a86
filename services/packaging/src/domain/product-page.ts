import { createHash } from 'node:crypto';
import sanitizeHtml from 'sanitize-html';
import type { Contact, OfferDraft, OpenPort, Plan } from '@mkt/events';
import { html, trustedHtml, type SafeHtml } from './html';

/** The rendered product page and its content hash (what PreviewReady carries and the catalog shows). */
export interface ProductPage {
  html: string;
  hash: string;
}

/**
 * The markup a publisher may use in the description: text structure and links, nothing that runs,
 * loads or styles anything. Script and style elements are dropped with their content.
 */
const DESCRIPTION_POLICY: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'b', 'em', 'i', 'u', 'ul', 'ol', 'li', 'h3', 'h4', 'blockquote', 'code', 'pre', 'a'],
  // rel and target are set by the transform below (it overwrites whatever the publisher wrote)
  allowedAttributes: { a: ['href', 'rel', 'target'] },
  allowedSchemes: ['https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer', target: '_blank' }) },
};

export function sanitizeDescription(description: string): string {
  return sanitizeHtml(description, DESCRIPTION_POLICY);
}

/** Only absolute https URLs without credentials end up in src/href attributes. */
export function httpsUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'https:' || url.username || url.password) return undefined;
    return url.toString();
  } catch {
    return undefined;
  }
}

function present(text: string | undefined): text is string {
  return text !== undefined && text.trim().length > 0;
}

function portLabel(port: OpenPort): string {
  const name = present(port.name) ? `${port.name} ` : '';
  return `${name}${port.port}/${port.protocol ?? 'TCP'}`;
}

function planSection(plan: Plan): SafeHtml {
  const os = [plan.osFamily, plan.osName].filter(present).join(' · ');
  const sizes = plan.recommendedVmSizes ?? [];
  const ports = plan.openPorts ?? [];
  return html`
      <article class="plan" id="plan-${plan.id}">
        <h3>${present(plan.title) ? plan.title : plan.id}</h3>
        <p class="plan-id">Plan ID: <code>${plan.id}</code></p>
        ${present(plan.summary) ? html`<p>${plan.summary}</p>` : ''}
        <dl>
          <dt>Operating system</dt><dd>${os || 'Not specified'}</dd>
          <dt>Recommended VM sizes</dt><dd>${sizes.length ? html`<ul>${sizes.map((s) => html`<li>${s}</li>`)}</ul>` : 'Any'}</dd>
          <dt>Open ports</dt><dd>${ports.length ? html`<ul>${ports.map((p) => html`<li>${portLabel(p)}</li>`)}</ul>` : 'None'}</dd>
        </dl>
      </article>`;
}

function contactSection(contact: Contact | undefined): SafeHtml | '' {
  if (!contact || ![contact.name, contact.email, contact.phone].some(present)) return '';
  const email = present(contact.email) ? contact.email.trim() : undefined;
  return html`
    <section class="support">
      <h2>Support</h2>
      <p>${contact.name ?? ''}${email ? html` <a href="mailto:${email}">${email}</a>` : ''}${present(contact.phone) ? html` ${contact.phone}` : ''}</p>
    </section>`;
}

/**
 * Combines the marketing content (title, summary, description, logos, screenshots, links) and the
 * technical content (plans: OS, VM sizes, ports) into one self-contained HTML page. Publisher text is
 * always escaped; the description is sanitised to a small allow-list; images are https URLs only.
 * Deterministic: the same offer gives the same page and hash.
 */
export function renderProductPage(offer: OfferDraft, ids: { publisherId: string; offerId: string }): ProductPage {
  const title = present(offer.title) ? offer.title : ids.offerId;
  const logo = httpsUrl(offer.logos?.wide) ?? httpsUrl(offer.logos?.large) ?? httpsUrl(offer.logos?.medium) ?? httpsUrl(offer.logos?.small);
  const screenshots = (offer.screenshots ?? []).map(httpsUrl).filter((u): u is string => u !== undefined);
  const categories = (offer.categories ?? []).filter(present);
  const privacy = httpsUrl(offer.privacyPolicyUrl);
  const description = present(offer.description) ? sanitizeDescription(offer.description) : '';
  const page = html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src https:; style-src 'unsafe-inline'">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${title}</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
      header img { max-height: 6rem; } .screenshots img { max-width: 100%; margin: .5rem 0; }
      .categories li { display: inline; margin-right: .75rem; } .plan { border-top: 1px solid #ddd; padding-top: .5rem; }
      .terms { white-space: pre-line; }
    </style>
  </head>
  <body>
    <header>
      ${logo ? html`<img class="logo" src="${logo}" alt="${title} logo">` : ''}
      <h1>${title}</h1>
      <p class="publisher">by ${ids.publisherId}</p>
      ${present(offer.summary) ? html`<p class="summary">${offer.summary}</p>` : ''}
      ${categories.length ? html`<ul class="categories">${categories.map((c) => html`<li>${c}</li>`)}</ul>` : ''}
    </header>
    ${description ? html`<section class="description">${trustedHtml(description)}</section>` : ''}
    ${screenshots.length ? html`<section class="screenshots"><h2>Screenshots</h2>${screenshots.map((src, i) => html`<img src="${src}" alt="Screenshot ${i + 1} of ${title}">`)}</section>` : ''}
    <section class="plans">
      <h2>Plans</h2>${(offer.plans ?? []).map(planSection)}
    </section>
    ${contactSection(offer.supportContact)}
    <footer>
      ${privacy ? html`<p><a href="${privacy}" rel="nofollow noopener noreferrer" target="_blank">Privacy policy</a></p>` : ''}
      ${present(offer.termsOfUse) ? html`<section class="terms"><h2>Terms of use</h2>${offer.termsOfUse}</section>` : ''}
    </footer>
  </body>
</html>
`;
  const markup = page.value;
  return { html: markup, hash: `sha256:${createHash('sha256').update(markup, 'utf8').digest('hex')}` };
}
