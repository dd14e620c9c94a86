import {
  CE_HEADERS,
  createOfferEvent,
  decodeEvent,
  encodeEvent,
  OfferEventDefinitions,
  offerSubject,
  STRUCTURED_CONTENT_TYPE,
  TYPE_PREFIX,
  upcast,
  type OfferEventOf,
  type WireMessage,
} from '../src';

const fixedClock = { source: '/marketplace/test', now: () => new Date('2026-12-01T10:00:00.000Z'), newId: () => 'evt-1' };
const meta = { subject: offerSubject('contoso', 'web-server'), attempt: 2, correlationId: 'corr-1', causationId: 'cmd-1' };

function submitted(): OfferEventOf<'OfferSubmitted'> {
  return createOfferEvent(
    'OfferSubmitted',
    {
      publisherId: 'contoso',
      offerId: 'web-server',
      notificationEmails: ['ops@contoso.com'],
      language: 'it',
      submittedBy: 'alice',
      offer: { title: 'Web server', plans: [{ id: 'standard', imageVersions: [{ version: '1.0.0', osDiskUrl: 'https://x/os.vhd' }] }] },
    },
    meta,
    fixedClock,
  );
}

function wire(message: WireMessage, patch: { headers?: Record<string, string | undefined>; value?: string | null }): WireMessage {
  const headers = { ...message.headers };
  for (const [k, v] of Object.entries(patch.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  return { key: message.key, value: patch.value === undefined ? message.value : patch.value, headers };
}

describe('event codec (CloudEvents binary mode)', () => {
  it('given an event, when encoded, then the envelope is in ce_ headers, the data in the value and the offer id in the key', () => {
    const message = encodeEvent(submitted());
    expect(message.key).toBe('contoso/web-server');
    expect(message.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: 'evt-1',
      ce_type: `${TYPE_PREFIX}OfferSubmitted`,
      ce_source: '/marketplace/test',
      ce_time: '2026-12-01T10:00:00.000Z',
      ce_subject: 'contoso/web-server',
      ce_schemaversion: '3',
      ce_attempt: '2',
      ce_correlationid: 'corr-1',
      ce_causationid: 'cmd-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(message.value))).toEqual(submitted().data);
  });

  it('given an encoded event, when decoded, then the same event comes back', () => {
    const decoded = decodeEvent(encodeEvent(submitted()));
    expect(decoded).toEqual({ ok: true, event: submitted() });
  });

  it('given a structured-mode CloudEvent, when decoded, then it is read like a binary-mode one', () => {
    const event = submitted();
    const structured = {
      specversion: '1.0',
      id: event.id,
      type: `${TYPE_PREFIX}OfferSubmitted`,
      source: event.source,
      time: event.time,
      subject: event.subject,
      schemaversion: 3,
      attempt: 2,
      correlationid: 'corr-1',
      causationid: 'cmd-1',
      data: event.data,
    };
    const decoded = decodeEvent({ key: event.subject, value: JSON.stringify(structured), headers: { 'content-type': STRUCTURED_CONTENT_TYPE } });
    expect(decoded).toEqual({ ok: true, event });
  });

  it('given a value that is not JSON, then the error is not-json with the reason', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { value: '{"broken' }));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.code).toBe('not-json');
      expect(decoded.error.reason).toMatch(/value is not JSON/);
      expect(decoded.error.eventId).toBe('evt-1');
    }
  });

  it('given an unknown type, then the error is unknown-type naming it', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { headers: { ce_type: 'marketplace.offer.OfferExploded' } }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'unknown-type', reason: 'unknown event type "marketplace.offer.OfferExploded"' } });
  });

  it('given missing attributes, then the error lists every missing one', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { headers: { ce_id: undefined, ce_subject: undefined } }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'missing-attribute', reason: 'missing CloudEvents attribute(s): id, subject' } });
  });

  it('given an attempt that is not a positive integer, then the error is invalid-attribute', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { headers: { ce_attempt: 'zero' } }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'invalid-attribute' } });
  });

  it('given data that fails its schema, then the error is schema-invalid with every violation and its path', () => {
    const bad = { ...submitted().data, notificationEmails: [], offer: { plans: [{ id: 42 }] } };
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { value: JSON.stringify(bad) }));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.code).toBe('schema-invalid');
      expect(decoded.error.details.join('\n')).toMatch(/notificationEmails/);
      expect(decoded.error.details.join('\n')).toMatch(/offer\.plans\.0\.id/);
    }
  });

  it('given data that is an array, then the error is schema-invalid', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { value: '[]' }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'schema-invalid' } });
  });

  it('given a schema version newer than known, then the error is unsupported-version', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { headers: { [CE_HEADERS.schemaVersion]: '4' } }));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'unsupported-version' } });
  });

  it('never throws, whatever the bytes', () => {
    const samples: WireMessage[] = [
      { key: null, value: null, headers: {} },
      { key: null, value: Buffer.from([0xff, 0xfe, 0x00]), headers: {} },
      { key: null, value: 'null', headers: { 'content-type': STRUCTURED_CONTENT_TYPE } },
      { key: null, value: '"text"', headers: { ...encodeEvent(submitted()).headers } },
    ];
    for (const sample of samples) expect(decodeEvent(sample).ok).toBe(false);
  });
});

describe('upcasting OfferSubmitted v1 -> v3', () => {
  const v1 = {
    publisherId: 'contoso',
    offerId: 'web-server',
    // v1 had the Cloud Partner Portal's comma-separated string and no language
    notificationEmails: 'ops@contoso.com, dev@contoso.com;',
    submittedBy: 'alice',
    offer: { title: 'Web server' },
  };

  it('given v1 data, when upcast, then the e-mails become a list and the language defaults to English', () => {
    expect(upcast({ ...OfferEventDefinitions.OfferSubmitted, version: 2 }, 1, v1)).toEqual({
      ok: true,
      data: { ...v1, notificationEmails: ['ops@contoso.com', 'dev@contoso.com'], language: 'en' },
    });
  });

  it('given a v1 message on the wire, when decoded, then the consumer receives a valid v3 event', () => {
    const message = encodeEvent(submitted());
    const decoded = decodeEvent(wire(message, { headers: { ce_schemaversion: '1' }, value: JSON.stringify(v1) }));
    expect(decoded.ok).toBe(true);
    if (decoded.ok && decoded.event.type === 'OfferSubmitted') {
      expect(decoded.event.schemaVersion).toBe(3);
      expect(decoded.event.data.notificationEmails).toEqual(['ops@contoso.com', 'dev@contoso.com']);
      expect(decoded.event.data.language).toBe('en');
    }
  });

  it('given a message without a schema version, then it is read as v1', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { headers: { ce_schemaversion: undefined }, value: JSON.stringify(v1) }));
    expect(decoded).toMatchObject({ ok: true, event: { schemaVersion: 3, data: { language: 'en' } } });
  });
});

describe('upcasting OfferSubmitted v2 -> v3: the secrets it carried are dropped on read', () => {
  const offer = {
    title: 'Web server',
    leadDestination: {
      type: 'azure-table',
      https: { url: 'https://leads.contoso.com/in', authorization: 'Bearer v2-token' },
      azureTable: {
        connectionString: 'DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=djJrZXk=;EndpointSuffix=core.windows.net',
        tableName: 'leads',
      },
    },
    plans: [
      {
        id: 'standard',
        imageVersions: [
          {
            version: '1.0.0',
            osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=v2sig%2Babc%3D',
            dataDiskUrls: ['https://contoso.blob.core.windows.net/vhds/data.vhd?sig=v2datasig&sv=2022-11-02&sp=r', 'https://x/no-sas.vhd'],
          },
        ],
      },
    ],
  };
  const v2 = { publisherId: 'contoso', offerId: 'web-server', notificationEmails: ['ops@contoso.com'], language: 'en', submittedBy: 'alice', offer };

  it('given v2 data, when decoded, then every secret is a reference marked unavailable and everything else is kept', () => {
    const decoded = decodeEvent(wire(encodeEvent(submitted()), { headers: { ce_schemaversion: '2' }, value: JSON.stringify(v2) }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok || decoded.event.type !== 'OfferSubmitted') return;
    const text = JSON.stringify(decoded.event.data);
    for (const secret of ['v2-token', 'djJrZXk=', 'v2sig', 'v2datasig']) expect(text).not.toContain(secret);
    const lead = decoded.event.data.offer.leadDestination!;
    expect(lead.https!.authorization).toBe('secret-ref.unavailable');
    expect(lead.azureTable!.connectionString).toBe(
      'DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=secret-ref.unavailable;EndpointSuffix=core.windows.net',
    );
    const image = decoded.event.data.offer.plans![0].imageVersions![0];
    expect(image.osDiskUrl).toBe('https://contoso.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=secret-ref.unavailable');
    expect(image.dataDiskUrls).toEqual([
      'https://contoso.blob.core.windows.net/vhds/data.vhd?sig=secret-ref.unavailable&sv=2022-11-02&sp=r',
      'https://x/no-sas.vhd',
    ]);
  });
});
