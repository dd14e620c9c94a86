import {
  decideGoLiveDone,
  decideGoLiveExhausted,
  decideGoLiveRequested,
  decideImagesReplicated,
  decideOfferSubmitted,
  decidePackagingDone,
  decidePackagingExhausted,
  decidePublishCanceled,
  type AttemptState,
  type Decision,
  type PackagingRun,
  type PackagingStage,
} from '../src/domain';

const NOW = new Date('2025-01-10T12:00:00.000Z');
const DURATIONS = { packagingDurationMs: 2_000, goLiveDelayMs: 5_000 };
const IDENTITY = { subject: 'contoso/web-vm', publisherId: 'contoso', offerId: 'web-vm' };
const PAGE = { html: '<!doctype html><h1>Web VM</h1>', hash: 'sha256:abc' };
const PREVIEW_URL = 'http://127.0.0.1:3000/api/publishers/contoso/offers/web-vm/preview';
const CATALOG_URL = 'http://127.0.0.1:3000/api/catalog/offers/contoso/web-vm';

function at(stage: PackagingStage, attempt = 2): AttemptState {
  return { attempt, stage };
}

function accepted(decision: Decision) {
  if (decision.outcome !== 'accepted') throw new Error(`expected accepted, got ${decision.outcome}: ${decision.reason}`);
  return decision;
}

function run(lead: PackagingRun['lead']): PackagingRun {
  return { page: PAGE, previewUrl: PREVIEW_URL, lead };
}

describe('OfferSubmitted', () => {
  test('given a first submission, when it arrives, then the attempt is recorded with its snapshot and nothing is canceled', () => {
    const decision = accepted(decideOfferSubmitted(undefined, 1, IDENTITY));
    expect(decision.state).toEqual({ attempt: 1, stage: 'awaiting-images' });
    expect(decision.effects).toEqual([{ type: 'store-snapshot' }]);
    expect(decision.events).toEqual([]);
  });

  test('given attempt 2 at preview, when attempt 3 is submitted, then it supersedes attempt 2 and cancels its jobs', () => {
    const decision = accepted(decideOfferSubmitted(at('preview-ready', 2), 3, IDENTITY));
    expect(decision.state).toEqual({ attempt: 3, stage: 'awaiting-images' });
    expect(decision.effects).toEqual([{ type: 'store-snapshot' }, { type: 'cancel-jobs', range: { beforeAttempt: 3 } }]);
  });

  test('given attempt 3, when a stale OfferSubmitted of attempt 2 arrives, then nothing changes', () => {
    expect(decideOfferSubmitted(at('packaging', 3), 2, IDENTITY)).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('older') });
  });

  test('given attempt 2 recorded, when OfferSubmitted of attempt 2 arrives again, then nothing changes', () => {
    expect(decideOfferSubmitted(at('packaging', 2), 2, IDENTITY).outcome).toBe('ignored');
  });

  test('when the subject does not name the offer in the data, then the event is rejected', () => {
    const decision = decideOfferSubmitted(undefined, 1, { ...IDENTITY, subject: 'fabrikam/web-vm' });
    expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('fabrikam/web-vm') });
  });
});

describe('ImagesReplicated', () => {
  test('given the current attempt awaits its images, when they are replicated, then a package job is due after the packaging duration', () => {
    const decision = accepted(decideImagesReplicated(at('awaiting-images'), 2, NOW, DURATIONS));
    expect(decision.state).toEqual(at('packaging'));
    expect(decision.effects).toEqual([{ type: 'enqueue-job', kind: 'package', runAfter: new Date('2025-01-10T12:00:02.000Z') }]);
  });

  test('given a zero duration (tests), then the job is due at once', () => {
    const decision = accepted(decideImagesReplicated(at('awaiting-images'), 2, NOW, { ...DURATIONS, packagingDurationMs: 0 }));
    expect(decision.effects).toEqual([{ type: 'enqueue-job', kind: 'package', runAfter: NOW }]);
  });

  test('given attempt 3, when ImagesReplicated of the older attempt 2 arrives, then it is ignored', () => {
    expect(decideImagesReplicated(at('awaiting-images', 3), 2, NOW, DURATIONS).outcome).toBe('ignored');
  });

  test('given a canceled attempt, when its ImagesReplicated arrives late, then nothing starts', () => {
    expect(decideImagesReplicated(at('canceled'), 2, NOW, DURATIONS).outcome).toBe('ignored');
  });

  test('given packaging already started, when ImagesReplicated arrives again, then no second job is asked for', () => {
    expect(decideImagesReplicated(at('packaging'), 2, NOW, DURATIONS).outcome).toBe('ignored');
  });

  test('given no submission seen, when ImagesReplicated arrives, then it is rejected (there is no snapshot to package)', () => {
    expect(decideImagesReplicated(undefined, 1, NOW, DURATIONS)).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('no OfferSubmitted') });
  });
});

describe('packaging (step 4) finishing', () => {
  test('given packaging without lead generation, when the page is rendered, then PreviewReady carries the page and no test lead', () => {
    const decision = accepted(decidePackagingDone(at('packaging'), 2, run({ kind: 'not-configured' })));
    expect(decision.state).toEqual(at('preview-ready'));
    expect(decision.events).toEqual([{ type: 'PreviewReady', data: { previewUrl: PREVIEW_URL, productPageHash: PAGE.hash, productPageHtml: PAGE.html } }]);
    expect(decision.effects).toEqual([{ type: 'store-product-page' }]);
  });

  test('given packaging with lead generation, when the test lead arrived, then PreviewReady reports the test lead', () => {
    const decision = accepted(decidePackagingDone(at('packaging'), 2, run({ kind: 'sent', result: { destination: 'https', leadId: 'test-lead-1' } })));
    expect(decision.events[0]).toMatchObject({ type: 'PreviewReady', data: { testLead: { destination: 'https', leadId: 'test-lead-1' } } });
  });

  test('given packaging with lead generation, when the test lead failed, then PackagingFailed says what to fix and the attempt ends', () => {
    const failure = { code: 'lead-endpoint-unauthorized', reason: 'the lead endpoint answered 401', action: 'check the credentials' };
    const decision = accepted(decidePackagingDone(at('packaging'), 2, run({ kind: 'failed', failure })));
    expect(decision.state).toEqual(at('packaging-failed'));
    expect(decision.events).toEqual([{ type: 'PackagingFailed', data: failure }]);
    expect(decision.effects).toEqual([]);
  });

  test('given the attempt was superseded while the job ran, then its result is dropped', () => {
    expect(decidePackagingDone(at('awaiting-images', 3), 2, run({ kind: 'not-configured' })).outcome).toBe('ignored');
  });

  test('given the attempt was canceled while the job ran, then its result is dropped', () => {
    expect(decidePackagingDone(at('canceled'), 2, run({ kind: 'not-configured' })).outcome).toBe('ignored');
  });

  test('given the job kept failing unexpectedly, then PackagingFailed tells the publisher to publish again', () => {
    const decision = accepted(decidePackagingExhausted(at('packaging'), 2, 'database unavailable'));
    expect(decision.events[0]).toMatchObject({ type: 'PackagingFailed', data: { code: 'packaging-error', reason: expect.stringContaining('database unavailable') } });
  });
});

describe('GoLiveRequested (step 6 -> 7)', () => {
  test('given the preview is ready, when Go Live is clicked, then a go-live job is due after the go-live delay', () => {
    const decision = accepted(decideGoLiveRequested(at('preview-ready'), 2, NOW, DURATIONS));
    expect(decision.state).toEqual(at('going-live'));
    expect(decision.effects).toEqual([{ type: 'enqueue-job', kind: 'go-live', runAfter: new Date('2025-01-10T12:00:05.000Z') }]);
  });

  test.each(['awaiting-images', 'packaging'] as const)('given packaging is at %s, when Go Live arrives before PreviewReady, then it is rejected with the reason', (stage) => {
    const decision = decideGoLiveRequested(at(stage), 2, NOW, DURATIONS);
    expect(decision).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('before PreviewReady') });
  });

  test('given the attempt failed packaging, when Go Live arrives, then it is rejected', () => {
    expect(decideGoLiveRequested(at('packaging-failed'), 2, NOW, DURATIONS)).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('published again') });
  });

  test('given the attempt was canceled at sign-off, when Go Live of that attempt arrives, then nothing happens', () => {
    expect(decideGoLiveRequested(at('canceled'), 2, NOW, DURATIONS).outcome).toBe('ignored');
  });

  test('given go-live already pending, when Go Live arrives again, then no second job is asked for', () => {
    expect(decideGoLiveRequested(at('going-live'), 2, NOW, DURATIONS).outcome).toBe('ignored');
  });

  test('given attempt 3, when Go Live of the older attempt 2 arrives, then it is ignored', () => {
    expect(decideGoLiveRequested(at('preview-ready', 3), 2, NOW, DURATIONS).outcome).toBe('ignored');
  });
});

describe('go-live (step 7) finishing', () => {
  test('given go-live is pending with the page stored, when the job runs, then the page goes to the catalog and WentLive names its URL', () => {
    const decision = accepted(decideGoLiveDone(at('going-live'), 2, PAGE, CATALOG_URL));
    expect(decision.state).toEqual(at('live'));
    expect(decision.events).toEqual([{ type: 'WentLive', data: { catalogUrl: CATALOG_URL } }]);
    expect(decision.effects).toEqual([{ type: 'publish-to-catalog' }]);
  });

  test('given the page is missing, then GoLiveFailed says so', () => {
    const decision = accepted(decideGoLiveDone(at('going-live'), 2, undefined, CATALOG_URL));
    expect(decision.state).toEqual(at('go-live-failed'));
    expect(decision.events[0]).toMatchObject({ type: 'GoLiveFailed', data: { code: 'product-page-missing' } });
  });

  test('given the go-live was canceled, when the job finishes anyway, then nothing is published', () => {
    expect(decideGoLiveDone(at('canceled'), 2, PAGE, CATALOG_URL).outcome).toBe('ignored');
  });

  test('given the catalog kept failing, then GoLiveFailed is emitted', () => {
    expect(accepted(decideGoLiveExhausted(at('going-live'), 2, 'timeout')).events[0]).toMatchObject({ type: 'GoLiveFailed', data: { code: 'catalog-unavailable' } });
  });
});

describe('PublishCanceled', () => {
  test('given the preview is ready (sign-off), when the publisher cancels, then the attempt is canceled with its jobs', () => {
    const decision = accepted(decidePublishCanceled(at('preview-ready'), 2));
    expect(decision.state).toEqual(at('canceled'));
    expect(decision.effects).toEqual([{ type: 'cancel-jobs', range: { upToAttempt: 2 } }]);
  });

  test('given go-live is pending, when the attempt is canceled, then the pending go-live is canceled too', () => {
    expect(accepted(decidePublishCanceled(at('going-live'), 2)).effects).toEqual([{ type: 'cancel-jobs', range: { upToAttempt: 2 } }]);
  });

  test.each(['live', 'packaging-failed', 'canceled'] as const)('given the attempt is %s, when a cancel arrives, then nothing changes', (stage) => {
    expect(decidePublishCanceled(at(stage), 2).outcome).toBe('ignored');
  });

  test('given attempt 3, when a cancel of attempt 2 arrives, then attempt 3 goes on', () => {
    expect(decidePublishCanceled(at('packaging', 3), 2).outcome).toBe('ignored');
  });
});
