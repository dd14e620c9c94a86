import {
  afterDeliveryFailure,
  chooseLanguage,
  decideNotification,
  httpLink,
  messageIdFor,
  normalizeRecipients,
  offerLinks,
  type AttemptContacts,
  type NotificationSettings,
} from '../src/domain';
import { failedChecks, failedRegions, offerEvent, problems, stageFailure, submitted } from './fixtures';

const settings: NotificationSettings = { statusBaseUrl: 'https://portal.test/', languages: ['en', 'pt-BR', 'it'] };
const SUBJECT = 'contoso/vm-1';

function recorded(overrides: Partial<AttemptContacts> = {}): AttemptContacts {
  return {
    attempt: 2,
    publisherId: 'contoso',
    offerId: 'vm-1',
    recipients: ['ops@contoso.test'],
    language: 'pt-BR',
    offerTitle: 'Contoso VM',
    previewSubscriptionIds: ['sub-1', 'sub-2'],
    ...overrides,
  };
}

describe('OfferSubmitted', () => {
  test('a newer attempt is recorded and the "publishing started" mail goes to every valid address, once each', () => {
    const event = submitted('contoso', 'vm-1', {
      attempt: 3,
      emails: ['Ops@Contoso.test', 'ops@contoso.test ', 'dev@contoso.test', 'a@x.test, b@y.test', 'Bob <bob@x.test>'],
      language: 'it',
      title: '  Contoso <VM>  ',
      allowList: ['sub-9'],
    });

    const decision = decideNotification(event, recorded(), settings);

    expect(decision.save).toEqual({
      attempt: 3,
      publisherId: 'contoso',
      offerId: 'vm-1',
      recipients: ['ops@contoso.test', 'dev@contoso.test'],
      language: 'it',
      offerTitle: 'Contoso <VM>',
      previewSubscriptionIds: ['sub-9'],
    });
    expect(decision.mail?.recipients).toEqual(['ops@contoso.test', 'dev@contoso.test']);
    expect(decision.mail?.model).toMatchObject({
      template: 'submitted',
      language: 'it',
      aboutEventType: 'OfferSubmitted',
      values: {
        offerTitle: 'Contoso <VM>',
        attempt: 3,
        submittedBy: 'alice@contoso.test',
        statusUrl: 'https://portal.test/publishers/contoso/offers/vm-1/status',
      },
    });
  });

  test('an offer without a title is named by its id', () => {
    const event = submitted('contoso', 'vm-1', { title: '   ' });
    expect(decideNotification(event, undefined, settings).save?.offerTitle).toBe('vm-1');
  });

  test('the OfferSubmitted of the recorded or an older attempt sends nothing and changes nothing', () => {
    for (const attempt of [1, 2]) {
      const decision = decideNotification(submitted('contoso', 'vm-1', { attempt }), recorded({ attempt: 2 }), settings);
      expect(decision.save).toBeUndefined();
      expect(decision.mail).toBeUndefined();
      expect(decision.skipped).toMatch(/not newer/);
    }
  });

  test('without any valid address the attempt is recorded but no mail is sent', () => {
    const decision = decideNotification(submitted('contoso', 'vm-1', { emails: ['not-an-address'] }), undefined, settings);
    expect(decision.save?.recipients).toEqual([]);
    expect(decision.mail).toBeUndefined();
    expect(decision.skipped).toMatch(/no valid notification address/);
  });
});

describe('failures say which step failed and every reason', () => {
  test('PrerequisitesRejected: step 1 with every field problem', () => {
    const decision = decideNotification(offerEvent('PrerequisitesRejected', { problems }, SUBJECT, 2), recorded(), settings);
    expect(decision.mail?.model).toMatchObject({
      template: 'failed',
      language: 'pt-BR',
      values: { failure: { stepId: 'validate-prerequisites', stepNumber: 1, problems } },
    });
    expect(decision.mail?.recipients).toEqual(['ops@contoso.test']);
  });

  test('CertificationFailed: step 2 with every failed check (passed ones left out) and the number of checks run', () => {
    const passed = { ...failedChecks[0], check: 'vhd-cookie', passed: true, message: 'ok' };
    const event = offerEvent('CertificationFailed', { failures: [...failedChecks, passed], checksRun: 12 }, SUBJECT, 2);
    expect(decideNotification(event, recorded(), settings).mail?.model.values.failure).toEqual({
      stepId: 'certification',
      stepNumber: 2,
      failedChecks,
      failedCheckCount: 2,
      checksRun: 12,
    });
  });

  test('ReplicationFailed: step 3 with every failed region and its reason', () => {
    const event = offerEvent('ReplicationFailed', { failedRegions, regionsReplicated: 40 }, SUBJECT, 2);
    expect(decideNotification(event, recorded(), settings).mail?.model.values.failure).toEqual({
      stepId: 'provisioning',
      stepNumber: 3,
      failedRegions,
      regionsReplicated: 40,
    });
  });

  test('PackagingFailed (step 4) and GoLiveFailed (step 7) carry the reason, code and action of the stage', () => {
    const packaging = decideNotification(offerEvent('PackagingFailed', stageFailure, SUBJECT, 2), recorded(), settings);
    const goLive = decideNotification(offerEvent('GoLiveFailed', stageFailure, SUBJECT, 2), recorded(), settings);
    expect(packaging.mail?.model.values.failure).toEqual({ stepId: 'packaging', stepNumber: 4, stageFailure });
    expect(goLive.mail?.model.values.failure).toEqual({ stepId: 'live', stepNumber: 7, stageFailure });
  });
});

describe('preview, live and cancel', () => {
  test('PreviewReady: the preview link, the allow-list of the snapshot, and where to go live or cancel', () => {
    const event = offerEvent(
      'PreviewReady',
      {
        previewUrl: 'https://api.test/api/publishers/contoso/offers/vm-1/preview',
        productPageHash: 'h',
        productPageHtml: '<p>x</p>',
        testLead: { destination: 'https', leadId: 'lead-7' },
      },
      SUBJECT,
      2,
    );
    expect(decideNotification(event, recorded(), settings).mail?.model).toMatchObject({
      template: 'preview-ready',
      values: {
        preview: {
          previewUrl: 'https://portal.test/preview/contoso/vm-1',
          subscriptionIds: ['sub-1', 'sub-2'],
          goLiveUrl: 'https://portal.test/publishers/contoso/offers/vm-1/golive',
          cancelUrl: 'https://portal.test/publishers/contoso/offers/vm-1/cancel',
          testLead: { destination: 'https', leadId: 'lead-7' },
        },
      },
    });
  });

  test("the preview link is the portal's preview page, never the event's URL (a javascript: one is not offered)", () => {
    const event = offerEvent('PreviewReady', { previewUrl: 'javascript:alert(1)', productPageHash: 'h', productPageHtml: '' }, SUBJECT, 2);
    expect(decideNotification(event, recorded(), settings).mail?.model.values.preview?.previewUrl).toBe('https://portal.test/preview/contoso/vm-1');
  });

  test("WentLive: where customers find the offer (the portal's catalog page)", () => {
    const event = offerEvent('WentLive', { catalogUrl: 'https://catalog.test/offers/contoso.vm-1' }, SUBJECT, 2);
    expect(decideNotification(event, recorded(), settings).mail?.model).toMatchObject({
      template: 'live',
      values: { catalogUrl: 'https://portal.test/catalog/contoso/vm-1' },
    });
  });

  test('PublishCanceled: who canceled and why', () => {
    const event = offerEvent('PublishCanceled', { canceledBy: 'bob@contoso.test', reason: 'wrong logo' }, SUBJECT, 2);
    expect(decideNotification(event, recorded(), settings).mail?.model).toMatchObject({
      template: 'canceled',
      values: { canceledBy: 'bob@contoso.test', cancelReason: 'wrong logo' },
    });
  });
});

describe('attempts', () => {
  test('events of an older attempt send nothing', () => {
    const decision = decideNotification(
      offerEvent('CertificationFailed', { failures: failedChecks, checksRun: 3 }, SUBJECT, 1),
      recorded({ attempt: 2 }),
      settings,
    );
    expect(decision.mail).toBeUndefined();
    expect(decision.skipped).toMatch(/attempt 1, the offer is at attempt 2/);
  });

  test('events of an attempt whose OfferSubmitted was not seen send nothing', () => {
    expect(decideNotification(offerEvent('WentLive', { catalogUrl: 'https://c.test' }, SUBJECT, 3), recorded({ attempt: 2 }), settings).mail).toBeUndefined();
    expect(decideNotification(offerEvent('WentLive', { catalogUrl: 'https://c.test' }, SUBJECT, 1), undefined, settings).skipped).toMatch(/no OfferSubmitted/);
  });
});

describe('languages', () => {
  test.each([
    ['en', 'en'],
    ['pt-BR', 'pt-BR'],
    ['pt-br', 'pt-BR'],
    ['pt', 'pt-BR'],
    ['it', 'it'],
    ['it-IT', 'it'],
    ['fr', 'en'],
    ['de-DE', 'en'],
    ['', 'en'],
  ])('%j is written in %s', (requested, expected) => {
    expect(chooseLanguage(requested, ['en', 'pt-BR', 'it'])).toBe(expected);
  });

  test('a language with a template folder is used as soon as it exists', () => {
    expect(chooseLanguage('fr-CA', ['en', 'fr'])).toBe('fr');
  });
});

describe('recipients', () => {
  test('one plain address per entry; lists, display names and broken values are refused', () => {
    expect(normalizeRecipients(['A@B.test', 'a@b.test', 'c@d.test', 'x@y.test, z@w.test', 'Eve <eve@x.test>', 'bad\r\nBcc: e@x.test', ''])).toEqual({
      valid: ['a@b.test', 'c@d.test'],
      invalid: ['x@y.test, z@w.test', 'Eve <eve@x.test>', 'bad\r\nBcc: e@x.test', ''],
    });
  });
});

describe('Message-ID', () => {
  test('derived from the event id and the recipient only: the same on every computation', () => {
    const id = messageIdFor('event-1', 'ops@contoso.test', 'mail.test');
    expect(id).toMatch(/^<notification\.[0-9a-f]{40}@mail\.test>$/);
    expect(messageIdFor('event-1', 'OPS@contoso.test', 'mail.test')).toBe(id);
    expect(messageIdFor('event-1', 'dev@contoso.test', 'mail.test')).not.toBe(id);
    expect(messageIdFor('event-2', 'ops@contoso.test', 'mail.test')).not.toBe(id);
  });
});

describe('delivery failures', () => {
  const policy = { maxTries: 4, initialDelayMs: 1_000, maxDelayMs: 5_000 };

  test('a 5xx reply is given up at once, with the server reason', () => {
    expect(afterDeliveryFailure({ responseCode: 550, message: '550 5.1.1 no such mailbox' }, 1, policy)).toEqual({
      retry: false,
      reason: '550 5.1.1 no such mailbox',
    });
  });

  test('a 4xx reply or no answer is retried with growing, capped delays', () => {
    const half = () => 0.5;
    expect(afterDeliveryFailure({ responseCode: 421, message: '421 try later' }, 1, policy, half)).toEqual({ retry: true, delayMs: 750 });
    expect(afterDeliveryFailure({ message: 'connect ECONNREFUSED' }, 2, policy, half)).toEqual({ retry: true, delayMs: 1_500 });
    expect(afterDeliveryFailure({ message: 'connect ECONNREFUSED' }, 3, { ...policy, maxDelayMs: 2_000 }, half)).toEqual({ retry: true, delayMs: 1_500 });
  });

  test('after the last try it is given up, saying how often it was tried and why', () => {
    expect(afterDeliveryFailure({ responseCode: 451, message: '451 4.3.0 mailbox busy' }, 4, policy)).toEqual({
      retry: false,
      reason: 'gave up: 451 4.3.0 mailbox busy',
    });
  });
});

describe('links', () => {
  test('the status link escapes the ids and tolerates a trailing slash', () => {
    expect(offerLinks('https://portal.test///', { publisherId: 'a b', offerId: 'x/y' }).status).toBe(
      'https://portal.test/publishers/a%20b/offers/x%2Fy/status',
    );
  });

  test('only http(s) URLs are links', () => {
    expect(httpLink('https://a.test/x')).toBe('https://a.test/x');
    expect(httpLink('javascript:alert(1)')).toBeUndefined();
    expect(httpLink('not a url')).toBeUndefined();
  });
});
