import { accepted } from '@mkt/stages';
import { eventOf, stageSpec, submittedOf } from '@mkt/testing';
import { packagingDecider, packagingSnapshot, type PackagingInput, type PackagingRun, type PackagingStage } from '../src/domain';

const NOW = new Date('2025-01-10T12:00:00.000Z');
const DURATIONS = { packagingDurationMs: 2_000, goLiveDelayMs: 5_000 };
const SUBJECT = 'contoso/web-vm';
const PAGE = { html: '<!doctype html><h1>Web VM</h1>', hash: 'sha256:abc' };
const PREVIEW_URL = 'http://127.0.0.1:3000/api/publishers/contoso/offers/web-vm/preview';
const CATALOG_URL = 'http://127.0.0.1:3000/api/catalog/offers/contoso/web-vm';
const OFFER = { title: 'Web VM' };

const spec = stageSpec(packagingDecider(DURATIONS), NOW);

function run(lead: PackagingRun['lead']): PackagingRun {
  return { page: PAGE, previewUrl: PREVIEW_URL, lead };
}

const submitted = (attempt: number, subject = SUBJECT) => submittedOf(attempt, { subject, offer: OFFER });
const replicated = (attempt: number) => eventOf('ImagesReplicated', { regions: [] }, attempt, SUBJECT);
const goLive = (attempt: number) => eventOf('GoLiveRequested', { requestedBy: 'alice' }, attempt, SUBJECT);
const canceled = (attempt: number) => eventOf('PublishCanceled', { canceledBy: 'alice' }, attempt, SUBJECT);
const packaged = (attempt: number, lead: PackagingRun['lead'] = { kind: 'not-configured' }): PackagingInput => ({
  type: 'PackagingDone',
  attempt,
  run: run(lead),
});
const wentLive = (attempt: number, page: typeof PAGE | 'page missing' = PAGE): PackagingInput => ({
  type: 'GoLiveDone',
  attempt,
  page: page === 'page missing' ? undefined : page,
  title: 'Web VM',
  catalogUrl: CATALOG_URL,
});
const LEAD_FAILURE = { code: 'lead-endpoint-unauthorized', reason: 'the lead endpoint answered 401', action: 'check the credentials' };

/** The inputs that bring attempt `attempt` to `stage`. */
function at(stage: PackagingStage, attempt = 2): PackagingInput[] {
  const toPreview = [submitted(attempt), replicated(attempt), packaged(attempt)];
  const paths: Record<PackagingStage, PackagingInput[]> = {
    'awaiting-images': [submitted(attempt)],
    packaging: [submitted(attempt), replicated(attempt)],
    'preview-ready': toPreview,
    'going-live': [...toPreview, goLive(attempt)],
    live: [...toPreview, goLive(attempt), wentLive(attempt)],
    'packaging-failed': [submitted(attempt), replicated(attempt), packaged(attempt, { kind: 'failed', failure: LEAD_FAILURE })],
    'go-live-failed': [...toPreview, goLive(attempt), wentLive(attempt, 'page missing')],
    canceled: [...toPreview, canceled(attempt)],
  };
  return paths[stage];
}

test('the inputs above reach the stages they are named after', () => {
  for (const stage of ['awaiting-images', 'packaging', 'preview-ready', 'going-live', 'live', 'packaging-failed', 'go-live-failed', 'canceled'] as const) {
    const inputs = at(stage);
    spec
      .given(inputs.slice(0, -1))
      .when(inputs[inputs.length - 1])
      .thenState({ attempt: 2, state: stage });
  }
});

const STORE_SNAPSHOT = {
  type: 'store-snapshot' as const,
  snapshot: { publisherId: 'contoso', offerId: 'web-vm', offer: packagingSnapshot(OFFER), submittedAt: NOW },
};

describe('OfferSubmitted', () => {
  test('given a first submission, when it arrives, then the attempt is recorded with its snapshot and nothing is canceled', () => {
    spec
      .given([])
      .when(submitted(1))
      .then(accepted({ state: { attempt: 1, state: 'awaiting-images' }, effects: [STORE_SNAPSHOT] }));
  });

  test('given attempt 2 at preview, when attempt 3 is submitted, then it supersedes attempt 2 and cancels its jobs', () => {
    spec
      .given(at('preview-ready', 2))
      .when(submitted(3))
      .then(accepted({ state: { attempt: 3, state: 'awaiting-images' }, cancelJobs: { beforeAttempt: 3 }, effects: [STORE_SNAPSHOT] }));
  });

  test('given attempt 3, when a stale OfferSubmitted of attempt 2 arrives, then nothing changes', () => {
    spec.given(at('packaging', 3)).when(submitted(2)).thenIgnored(/older/);
  });

  test('given attempt 2 recorded, when OfferSubmitted of attempt 2 arrives again, then nothing changes', () => {
    spec.given(at('packaging', 2)).when(submitted(2)).thenIgnored();
  });

  test('when the subject does not name the offer in the data, then the event is rejected', () => {
    const misplaced = { ...submitted(1), subject: 'fabrikam/web-vm' };
    spec
      .given([])
      .when(misplaced)
      .thenMatches({ outcome: 'rejected', code: 'not-applicable', reason: expect.stringContaining('fabrikam/web-vm') });
  });
});

describe('ImagesReplicated', () => {
  test('given the current attempt awaits its images, when they are replicated, then a package job is due after the packaging duration', () => {
    spec
      .given(at('awaiting-images'))
      .when(replicated(2))
      .then(accepted({ state: { attempt: 2, state: 'packaging' }, jobs: [{ kind: 'package', runAfter: new Date('2025-01-10T12:00:02.000Z') }] }));
  });

  test('given a zero duration (tests), then the job is due at once', () => {
    stageSpec(packagingDecider({ ...DURATIONS, packagingDurationMs: 0 }), NOW)
      .given(at('awaiting-images'))
      .when(replicated(2))
      .thenMatches({ jobs: [{ kind: 'package', runAfter: NOW }] });
  });

  test('given attempt 3, when ImagesReplicated of the older attempt 2 arrives, then it is ignored', () => {
    spec.given(at('awaiting-images', 3)).when(replicated(2)).thenIgnored();
  });

  test('given a canceled attempt, when its ImagesReplicated arrives late, then nothing starts', () => {
    spec.given(at('canceled')).when(replicated(2)).thenIgnored();
  });

  test('given packaging already started, when ImagesReplicated arrives again, then no second job is asked for', () => {
    spec.given(at('packaging')).when(replicated(2)).thenIgnored();
  });

  test('given no submission seen, when ImagesReplicated arrives, then it is rejected (there is no snapshot to package)', () => {
    spec
      .given([])
      .when(replicated(1))
      .thenRejected(/no OfferSubmitted/);
  });
});

describe('packaging (step 4) finishing', () => {
  test('given packaging without lead generation, when the page is rendered, then PreviewReady carries the page and no test lead', () => {
    spec
      .given(at('packaging'))
      .when(packaged(2))
      .then(
        accepted({
          state: { attempt: 2, state: 'preview-ready' },
          events: [{ type: 'PreviewReady', data: { previewUrl: PREVIEW_URL, productPageHash: PAGE.hash, productPageHtml: PAGE.html } }],
          effects: [{ type: 'store-product-page', page: PAGE }],
        }),
      );
  });

  test('given packaging with lead generation, when the test lead arrived, then PreviewReady reports the test lead', () => {
    const result = { destination: 'https' as const, leadId: 'test-lead-1' };
    spec
      .given(at('packaging'))
      .when(packaged(2, { kind: 'sent', result }))
      .thenMatches({ events: [{ type: 'PreviewReady', data: { testLead: result } }], effects: [{ type: 'store-product-page', page: PAGE, testLead: result }] });
  });

  test('given packaging with lead generation, when the test lead failed, then PackagingFailed says what to fix and the attempt ends', () => {
    spec
      .given(at('packaging'))
      .when(packaged(2, { kind: 'failed', failure: LEAD_FAILURE }))
      .then(accepted({ state: { attempt: 2, state: 'packaging-failed' }, events: [{ type: 'PackagingFailed', data: LEAD_FAILURE }] }));
  });

  test('given the attempt was superseded while the job ran, then its result is dropped', () => {
    spec
      .given([...at('packaging', 2), submitted(3)])
      .when(packaged(2))
      .thenIgnored();
  });

  test('given the attempt was canceled while the job ran, then its result is dropped', () => {
    spec.given(at('canceled')).when(packaged(2)).thenIgnored();
  });

  test('given the job kept failing unexpectedly, then PackagingFailed tells the publisher to publish again', () => {
    spec
      .given(at('packaging'))
      .when({ type: 'PackagingExhausted', attempt: 2, error: 'database unavailable' })
      .thenMatches({ events: [{ type: 'PackagingFailed', data: { code: 'packaging-error', reason: expect.stringContaining('database unavailable') } }] });
  });
});

describe('GoLiveRequested (step 6 -> 7)', () => {
  test('given the preview is ready, when Go Live is clicked, then a go-live job is due after the go-live delay', () => {
    spec
      .given(at('preview-ready'))
      .when(goLive(2))
      .then(accepted({ state: { attempt: 2, state: 'going-live' }, jobs: [{ kind: 'go-live', runAfter: new Date('2025-01-10T12:00:05.000Z') }] }));
  });

  test.each(['awaiting-images', 'packaging'] as const)(
    'given packaging is at %s, when Go Live arrives before PreviewReady, then it is rejected with the reason',
    (stage) => {
      spec
        .given(at(stage))
        .when(goLive(2))
        .thenMatches({ outcome: 'rejected', code: 'not-applicable', reason: expect.stringContaining('before PreviewReady') });
    },
  );

  test('given the attempt failed packaging, when Go Live arrives, then it is rejected', () => {
    spec
      .given(at('packaging-failed'))
      .when(goLive(2))
      .thenRejected(/published again/);
  });

  test('given the attempt was canceled at sign-off, when Go Live of that attempt arrives, then nothing happens', () => {
    spec.given(at('canceled')).when(goLive(2)).thenIgnored();
  });

  test('given go-live already pending, when Go Live arrives again, then no second job is asked for', () => {
    spec.given(at('going-live')).when(goLive(2)).thenIgnored();
  });

  test('given attempt 3, when Go Live of the older attempt 2 arrives, then it is ignored', () => {
    spec.given(at('preview-ready', 3)).when(goLive(2)).thenIgnored();
  });
});

describe('go-live (step 7) finishing', () => {
  test('given go-live is pending with the page stored, when the job runs, then the page goes to the catalog and WentLive names its URL', () => {
    spec
      .given(at('going-live'))
      .when(wentLive(2))
      .then(
        accepted({
          state: { attempt: 2, state: 'live' },
          events: [{ type: 'WentLive', data: { catalogUrl: CATALOG_URL } }],
          effects: [{ type: 'publish-to-catalog', title: 'Web VM', page: PAGE, catalogUrl: CATALOG_URL }],
        }),
      );
  });

  test('given the page is missing, then GoLiveFailed says so', () => {
    spec
      .given(at('going-live'))
      .when(wentLive(2, 'page missing'))
      .thenMatches({ state: { attempt: 2, state: 'go-live-failed' }, events: [{ type: 'GoLiveFailed', data: { code: 'product-page-missing' } }] });
  });

  test('given the go-live was canceled, when the job finishes anyway, then nothing is published', () => {
    spec.given(at('canceled')).when(wentLive(2)).thenIgnored();
  });

  test('given the catalog kept failing, then GoLiveFailed is emitted', () => {
    spec
      .given(at('going-live'))
      .when({ type: 'GoLiveExhausted', attempt: 2, error: 'timeout' })
      .thenMatches({ events: [{ type: 'GoLiveFailed', data: { code: 'catalog-unavailable' } }] });
  });
});

describe('PublishCanceled', () => {
  test('given the preview is ready (sign-off), when the publisher cancels, then the attempt is canceled with its jobs', () => {
    spec
      .given(at('preview-ready'))
      .when(canceled(2))
      .then(accepted({ state: { attempt: 2, state: 'canceled' }, cancelJobs: { upToAttempt: 2 } }));
  });

  test('given go-live is pending, when the attempt is canceled, then the pending go-live is canceled too', () => {
    spec
      .given(at('going-live'))
      .when(canceled(2))
      .thenMatches({ cancelJobs: { upToAttempt: 2 } });
  });

  test.each(['live', 'packaging-failed', 'canceled'] as const)('given the attempt is %s, when a cancel arrives, then nothing changes', (stage) => {
    spec.given(at(stage)).when(canceled(2)).thenIgnored();
  });

  test('given attempt 3, when a cancel of attempt 2 arrives, then attempt 3 goes on', () => {
    spec.given(at('packaging', 3)).when(canceled(2)).thenIgnored();
  });
});
