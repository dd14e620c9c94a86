/**
 * The draft's secrets are write-only (docs/secrets.md): a PUT's secrets go to the secret store, reads and
 * OfferSubmitted carry references; a reference sent back keeps its secret, a new value replaces it (the
 * old one destroyed), removing the field or the draft destroys it; another offer's reference is refused.
 */
import { secretReferenceIds, type OfferDraft } from '@mkt/events';
import { offerPath, OfferApiHarness, publisherToken, type Json } from './fixtures/harness';

const PUBLISHER = 'contoso';
const AUTHORIZATION = 'Bearer lead-token-7d1f0c';
const ACCOUNT_KEY = 'c2VjcmV0LWFjY291bnQta2V5LTQ0MQ==';
const OS_SIG = 'os-signature-5a2e%2B9%3D';
const DATA_SIG = 'data-signature-77c1';
const SECRETS = [AUTHORIZATION, ACCOUNT_KEY, OS_SIG, DATA_SIG, 'os-signature-5a2e+9=', 'lead-token-7d1f0c'];

let api: OfferApiHarness;
let owner: string;

beforeAll(async () => {
  api = await OfferApiHarness.start('offersecrets');
  owner = await publisherToken(PUBLISHER);
});

afterAll(async () => {
  await api?.stop();
});

function draft(
  lead: OfferDraft['leadDestination'] = { type: 'https', https: { url: 'https://leads.contoso.com/in', authorization: AUTHORIZATION } },
): OfferDraft {
  return {
    title: 'Contoso VM',
    leadDestination: lead,
    plans: [
      {
        id: 'standard',
        imageVersions: [
          {
            version: '1.0.0',
            osDiskUrl: `https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=${OS_SIG}`,
            dataDiskUrls: [`https://contoso.blob.core.windows.net/vhds/data.vhd?sv=2022-11-02&sp=r&sig=${DATA_SIG}`],
          },
        ],
      },
    ],
  };
}

const tableLead = (key = ACCOUNT_KEY): OfferDraft['leadDestination'] => ({
  type: 'azure-table',
  azureTable: { connectionString: `DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=${key};EndpointSuffix=core.windows.net`, tableName: 'leads' },
});

const put = (offerId: string, body: unknown, headers: Record<string, string>) =>
  api.request('PUT', offerPath(PUBLISHER, offerId), { token: owner, body, headers });
const get = (offerId: string) => api.request('GET', offerPath(PUBLISHER, offerId), { token: owner });

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

async function storedSecretIds(): Promise<string[]> {
  return (await api.query<{ id: string }>('SELECT id FROM secrets ORDER BY id')).map((r) => r.id);
}

function idsOf(body: Json): string[] {
  return secretReferenceIds(JSON.stringify(body)).sort();
}

test('a PUT stores the secrets and shows references; the row, the response and a read hold none of the values', async () => {
  const created = await put('write-only', draft(), { 'if-none-match': '*' });
  expect(created.status).toBe(201);
  expectNoSecret(created.text);
  const lead = created.body.draft.leadDestination;
  expect(lead.https).toEqual({ url: 'https://leads.contoso.com/in', authorization: expect.stringMatching(/^secret-ref\.[0-9a-f-]{36}$/) });
  expect(created.body.draft.plans[0].imageVersions[0].osDiskUrl).toMatch(
    /^https:\/\/contoso\.blob\.core\.windows\.net\/vhds\/os\.vhd\?sv=2022-11-02&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=secret-ref\.[0-9a-f-]{36}$/,
  );
  const read = await get('write-only');
  expectNoSecret(read.text);
  expect(read.body.draft).toEqual(created.body.draft);
  const [row] = await api.query<{ draft: unknown }>(`SELECT draft FROM offers WHERE offer_id = 'write-only'`);
  expectNoSecret(JSON.stringify(row.draft));
  // the store's rows are ciphertext
  const rows = await api.query<Record<string, unknown>>(`SELECT row_to_json(s)::text AS json FROM secrets s`);
  expect(rows.length).toBeGreaterThanOrEqual(3);
  expectNoSecret(rows.map((r) => String(r.json)).join('\n'));
});

test('sending back what a read showed keeps every secret; the same values again keep them too; a new value replaces one and destroys the old', async () => {
  const first = await put('keep', draft(), { 'if-none-match': '*' });
  const ids = idsOf(first.body.draft);
  expect(ids).toHaveLength(3);

  const echoed = await put('keep', first.body.draft, { 'if-match': first.headers.get('etag')! });
  expect(echoed.status).toBe(200);
  expect(idsOf(echoed.body.draft)).toEqual(ids);

  const again = await put('keep', draft(), { 'if-match': echoed.headers.get('etag')! });
  expect(idsOf(again.body.draft)).toEqual(ids);

  const before = await storedSecretIds();
  const replaced = await put('keep', draft({ type: 'https', https: { url: 'https://leads.contoso.com/in', authorization: 'Bearer rotated-value-1' } }), {
    'if-match': again.headers.get('etag')!,
  });
  expect(replaced.status).toBe(200);
  const oldAuthorization = secretReferenceIds(first.body.draft.leadDestination.https.authorization)[0];
  const newAuthorization = secretReferenceIds(replaced.body.draft.leadDestination.https.authorization)[0];
  expect(newAuthorization).not.toBe(oldAuthorization);
  const after = await storedSecretIds();
  expect(after).not.toContain(oldAuthorization);
  expect(after).toContain(newAuthorization);
  expect(after).toHaveLength(before.length);
});

test('switching the lead destination to a table stores its key and destroys the authorization; removing the destination destroys the key', async () => {
  const first = await put('switch', draft(), { 'if-none-match': '*' });
  const authorization = secretReferenceIds(first.body.draft.leadDestination.https.authorization)[0];
  const table = await put('switch', draft(tableLead()), { 'if-match': first.headers.get('etag')! });
  expectNoSecret(table.text);
  expect(table.body.draft.leadDestination.azureTable.connectionString).toMatch(
    /^DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=secret-ref\.[0-9a-f-]{36};EndpointSuffix=core\.windows\.net$/,
  );
  const key = secretReferenceIds(table.body.draft.leadDestination.azureTable.connectionString)[0];
  expect(await storedSecretIds()).not.toContain(authorization);
  const none = await put('switch', draft({ type: 'none' }), { 'if-match': table.headers.get('etag')! });
  expect(none.status).toBe(200);
  expect(await storedSecretIds()).not.toContain(key);
});

test("another offer's reference is refused, naming the field; nothing is stored", async () => {
  const theirs = await put('theirs', draft(), { 'if-none-match': '*' });
  const before = await storedSecretIds();
  const stolen = await put('mine', { ...draft(), leadDestination: theirs.body.draft.leadDestination }, { 'if-none-match': '*' });
  expect(stolen.status).toBe(400);
  expect(stolen.body).toMatchObject({ code: 'validation-failed', fields: [{ field: 'leadDestination.https.authorization' }] });
  expect(await storedSecretIds()).toEqual(before);
  expect((await get('mine')).status).toBe(404);
});

test('OfferSubmitted carries the references, never the values; deleting a never-published draft destroys its secrets', async () => {
  const created = await put('submitted', draft(tableLead()), { 'if-none-match': '*' });
  const published = await api.request('POST', offerPath(PUBLISHER, 'submitted', '/publish'), {
    token: owner,
    body: { metadata: { 'notification-emails': 'ops@contoso.com' } },
  });
  expect(published.status).toBe(202);
  const [outbox] = await api.query<{ payload: string }>(`SELECT convert_from(payload, 'UTF8') AS payload FROM outbox WHERE message_key = $1`, [
    `${PUBLISHER}/submitted`,
  ]);
  expectNoSecret(outbox.payload);
  expect(idsOf(JSON.parse(outbox.payload))).toEqual(idsOf(created.body.draft));

  const doomed = await put('doomed', draft(), { 'if-none-match': '*' });
  const ids = idsOf(doomed.body.draft);
  expect((await api.request('DELETE', offerPath(PUBLISHER, 'doomed'), { token: owner })).status).toBe(204);
  const left = await storedSecretIds();
  expect(ids.filter((id) => left.includes(id))).toEqual([]);
});

test('a draft stored with plain secrets before they were kept apart cannot be published until it is PUT again', async () => {
  const created = await put('legacy', { title: 'Legacy' }, { 'if-none-match': '*' });
  expect(created.status).toBe(201);
  await api.query(`UPDATE offers SET draft = $1 WHERE offer_id = 'legacy'`, [JSON.stringify(draft())]);
  const refused = await api.request('POST', offerPath(PUBLISHER, 'legacy', '/publish'), {
    token: owner,
    body: { metadata: { 'notification-emails': 'ops@contoso.com' } },
  });
  expect(refused.status).toBe(409);
  expect(refused.body.code).toBe('draft-has-plain-secrets');
  expectNoSecret(refused.text);
});
