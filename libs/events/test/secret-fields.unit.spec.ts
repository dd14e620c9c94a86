import { mapPlainSecrets, plainSecretsIn, revealSecretReferences, scrubSecrets, secretReference, secretReferencesIn, type OfferDraft } from '../src';

const ID = '3f1c0d6e-1b2a-4c3d-8e9f-0a1b2c3d4e5f';
const REF = secretReference(ID);

function draft(overrides: Partial<OfferDraft> = {}): OfferDraft {
  return {
    title: 'Web server',
    leadDestination: { type: 'https', https: { url: 'https://leads.contoso.com/in?tenant=1', authorization: 'Basic dXNlcjpwYXNz' } },
    plans: [
      {
        id: 'standard',
        imageVersions: [
          {
            version: '1.0.0',
            osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=r&sig=os%2Fsig%3D',
            dataDiskUrls: ['https://contoso.blob.core.windows.net/vhds/d0.vhd?sv=2022-11-02&sig=d0sig', 'https://contoso.blob.core.windows.net/vhds/d1.vhd'],
          },
        ],
      },
    ],
    ...overrides,
  };
}

describe('the secret parts of offer fields', () => {
  it('given a draft, then the authorization, each SAS signature (as written) and nothing else is a plain secret, with its path', () => {
    expect(plainSecretsIn(draft())).toEqual([
      { path: 'leadDestination.https.authorization', kind: 'lead-authorization', value: 'Basic dXNlcjpwYXNz' },
      { path: 'plans[0].imageVersions[0].osDiskUrl', kind: 'sas-signature', value: 'os%2Fsig%3D' },
      { path: 'plans[0].imageVersions[0].dataDiskUrls[0]', kind: 'sas-signature', value: 'd0sig' },
    ]);
  });

  it.each([
    ['DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5PT0=;EndpointSuffix=core.windows.net', ['a2V5PT0=']],
    ['TableEndpoint=https://acct.table.core.windows.net;SharedAccessSignature=sv=2022&sp=a&sig=abc%3D', ['sv=2022&sp=a&sig=abc%3D']],
    ['UseDevelopmentStorage=true', []],
    ['a2V5PT0=', ['a2V5PT0=']], // a key pasted alone: secret as a whole
    ['', []],
  ])('given the connection string %s, then its secret parts are %j', (connectionString, secrets) => {
    const found = plainSecretsIn(draft({ leadDestination: { type: 'azure-table', azureTable: { connectionString, tableName: 'leads' } } }));
    expect(found.filter((s) => s.kind === 'storage-account-key').map((s) => s.value)).toEqual(secrets);
  });

  it('given references in place of the secrets, then nothing is plain, and the references are found with their paths', () => {
    const stored = mapPlainSecrets(draft(), () => REF);
    expect(plainSecretsIn(stored)).toEqual([]);
    expect(stored.leadDestination!.https!.authorization).toBe(REF);
    expect(stored.plans![0].imageVersions![0].osDiskUrl).toBe(`https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=r&sig=${REF}`);
    expect(stored.leadDestination!.https!.url).toBe('https://leads.contoso.com/in?tenant=1');
    expect(secretReferencesIn(stored).map((r) => r.path)).toEqual([
      'leadDestination.https.authorization',
      'plans[0].imageVersions[0].osDiskUrl',
      'plans[0].imageVersions[0].dataDiskUrls[0]',
    ]);
  });

  it('given a field with references, when revealed, then the values are back in place, byte for byte, and can be scrubbed from messages', async () => {
    const url = `https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sig=${REF}`;
    const revealed = await revealSecretReferences(url, async (id) => (id === ID ? 'os%2Fsig%3D' : 'wrong'));
    expect(revealed).toEqual({ text: 'https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sig=os%2Fsig%3D', secrets: ['os%2Fsig%3D'] });
    expect(scrubSecrets(`could not read ${revealed.text}`, revealed.secrets)).toBe(
      'could not read https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sig=(secret)',
    );
  });
});
