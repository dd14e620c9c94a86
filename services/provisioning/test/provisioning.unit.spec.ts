import { render } from '@mkt/messages';
import type { OfferEventDraft } from '@mkt/events';
import { SimulatedReplicationBackend } from '../src/adapters/simulated-backend';
import { accepted } from '@mkt/stages';
import { eventOf, stageSpec, submittedOf } from '@mkt/testing';
import { AZURE_PUBLIC_REGIONS, REGION_NAMES } from '../src/domain/regions';
import { provisioningDecider, type ProvisioningInput } from '../src/domain/stage';
import {
  abandonedOutcome,
  imagesOf,
  initialProgress,
  recordRegion,
  regionsToDo,
  replicateRegion,
  replicateRegions,
  replicationOutcome,
  retryDelay,
  type RegionResult,
  type ReplicationBackend,
  type ReplicationImage,
  type ReplicationProgress,
  type RetryPolicy,
} from '../src/domain/replication';

const IMAGES: ReplicationImage[] = [
  { planId: 'standard', version: '1.0.0', osDiskUrl: 'https://a.blob/os1.vhd', dataDiskUrls: [] },
  { planId: 'standard', version: '1.1.0', osDiskUrl: 'https://a.blob/os2.vhd', dataDiskUrls: [] },
  { planId: 'premium', version: '2.0.0', osDiskUrl: 'https://a.blob/os3.vhd', dataDiskUrls: ['https://a.blob/d.vhd'] },
];
const POLICY: RetryPolicy = { maxTries: 3, initialBackoffMs: 100, maxBackoffMs: 1000 };

/** A back end scripted per region: how many calls fail before they succeed (Infinity: always). */
function scriptedBackend(failuresBeforeSuccess: Record<string, number> = {}) {
  const calls: string[] = [];
  const failed = new Map<string, number>();
  const backend: ReplicationBackend = {
    async replicate(image, region, signal) {
      signal.throwIfAborted();
      calls.push(`${image.planId}/${image.version}@${region}`);
      const key = `${image.planId}/${image.version}@${region}`;
      const count = failed.get(key) ?? 0;
      if (count < (failuresBeforeSuccess[region] ?? 0)) {
        failed.set(key, count + 1);
        throw new Error(`${region} is busy`);
      }
    },
  };
  return { backend, calls };
}

function recordingSleep() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

const never = new AbortController().signal;

describe('region catalog', () => {
  test('is the list of public regions: ~60 unique lowercase names', () => {
    expect(REGION_NAMES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(REGION_NAMES).size).toBe(REGION_NAMES.length);
    expect(REGION_NAMES.every((name) => /^[a-z0-9]+$/.test(name))).toBe(true);
    expect(REGION_NAMES).toEqual(expect.arrayContaining(['eastus', 'westeurope', 'brazilsouth', 'japaneast', 'australiaeast', 'southafricanorth']));
    expect(AZURE_PUBLIC_REGIONS.every((r) => r.displayName.length > 0 && r.geography.length > 0)).toBe(true);
  });
});

describe('replicating one region', () => {
  test('given a healthy region, then every image is copied once, in one try', async () => {
    const { backend, calls } = scriptedBackend();
    const { sleeps, sleep } = recordingSleep();
    expect(await replicateRegion(IMAGES, 'eastus', backend, POLICY, never, sleep)).toEqual({ region: 'eastus', status: 'replicated', tries: 1 });
    expect(calls).toEqual(['standard/1.0.0@eastus', 'standard/1.1.0@eastus', 'premium/2.0.0@eastus']);
    expect(sleeps).toEqual([]);
  });

  test('given a region that fails twice, then it is retried with backoff and succeeds on the third try', async () => {
    const { backend, calls } = scriptedBackend({ uksouth: 2 });
    const { sleeps, sleep } = recordingSleep();
    expect(await replicateRegion(IMAGES, 'uksouth', backend, POLICY, never, sleep)).toEqual({ region: 'uksouth', status: 'replicated', tries: 3 });
    expect(sleeps).toEqual([100, 200]);
    expect(calls).toHaveLength(9);
  });

  test('given a region that always fails, then it fails after the last try with the reason', async () => {
    const { backend } = scriptedBackend({ brazilsouth: Infinity });
    const { sleeps, sleep } = recordingSleep();
    const result = await replicateRegion(IMAGES, 'brazilsouth', backend, POLICY, never, sleep);
    expect(result).toEqual({
      region: 'brazilsouth',
      status: 'failed',
      tries: 3,
      reason: 'premium/2.0.0: brazilsouth is busy (and 2 more image(s) not replicated)',
      reasonCode: 'provisioning.images-failed',
      params: { image: 'premium/2.0.0', detail: 'brazilsouth is busy', more: 2 },
    });
    expect(render(result.reasonCode!, result.params, 'pt-BR')).toBe('premium/2.0.0: brazilsouth is busy (e mais 2 imagem(ns) não replicada(s))');
    expect(sleeps).toEqual([100, 200]);
  });

  test('given one image failing once, then only that image is tried again', async () => {
    const calls: string[] = [];
    let failedOnce = false;
    const backend: ReplicationBackend = {
      async replicate(image, region) {
        calls.push(`${image.version}@${region}`);
        if (image.version === '1.1.0' && !failedOnce) {
          failedOnce = true;
          throw new Error('timeout');
        }
      },
    };
    const { sleep } = recordingSleep();
    expect(await replicateRegion(IMAGES, 'westus', backend, POLICY, never, sleep)).toMatchObject({ status: 'replicated', tries: 2 });
    expect(calls).toEqual(['1.0.0@westus', '1.1.0@westus', '2.0.0@westus', '1.1.0@westus']);
  });

  test('given the job is canceled, then the region stops and throws instead of reporting a failure', async () => {
    const abort = new AbortController();
    const backend: ReplicationBackend = {
      async replicate() {
        abort.abort(new Error('canceled'));
        throw new Error('interrupted');
      },
    };
    await expect(replicateRegion(IMAGES, 'eastus', backend, POLICY, abort.signal, recordingSleep().sleep)).rejects.toThrow('canceled');
  });

  test('backoff doubles per try and is capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, POLICY))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('replicating every region', () => {
  test('given 20 regions and concurrency 4, then at most 4 run at once and results are recorded one at a time', async () => {
    let running = 0;
    let maxRunning = 0;
    let recording = 0;
    let maxRecording = 0;
    const recorded: string[] = [];
    await replicateRegions({
      regions: REGION_NAMES.slice(0, 20),
      concurrency: 4,
      signal: never,
      replicate: async (region) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 1 + (region.length % 3)));
        running -= 1;
        return { region, status: 'replicated', tries: 1 };
      },
      onResult: async (result) => {
        recording += 1;
        maxRecording = Math.max(maxRecording, recording);
        await new Promise((resolve) => setTimeout(resolve, 2));
        recorded.push(result.region);
        recording -= 1;
      },
    });
    expect(maxRunning).toBe(4);
    expect(maxRecording).toBe(1);
    expect([...recorded].sort()).toEqual([...REGION_NAMES.slice(0, 20)].sort());
  });

  test('given recording fails (the job was canceled), then no further region starts and the error is rethrown', async () => {
    const started: string[] = [];
    const run = replicateRegions({
      regions: REGION_NAMES,
      concurrency: 2,
      signal: never,
      replicate: async (region, signal) => {
        started.push(region);
        await new Promise((resolve) => setTimeout(resolve, 1));
        signal.throwIfAborted();
        return { region, status: 'replicated', tries: 1 };
      },
      onResult: async () => {
        if (started.length >= 3) throw new Error('job canceled');
      },
    });
    await expect(run).rejects.toThrow('job canceled');
    expect(started.length).toBeLessThanOrEqual(4);
  });

  test('given an aborted signal, then nothing starts', async () => {
    const abort = new AbortController();
    abort.abort(new Error('superseded'));
    const replicate = jest.fn();
    await expect(replicateRegions({ regions: REGION_NAMES, concurrency: 4, signal: abort.signal, replicate, onResult: async () => undefined })).rejects.toThrow(
      'superseded',
    );
    expect(replicate).not.toHaveBeenCalled();
  });
});

describe('progress and outcome', () => {
  const replicated = (region: string): RegionResult => ({ region, status: 'replicated', tries: 1 });

  function finishAll(regions: readonly string[], every: number, from: ReplicationProgress = initialProgress()) {
    let progress = from;
    const events: OfferEventDraft[] = [];
    for (const region of regionsToDo(regions, progress)) {
      const step = recordRegion(progress, replicated(region), regions.length, every);
      progress = step.progress;
      if (step.event) events.push(step.event);
    }
    return { progress, events };
  }

  test('given 56 regions and a progress event every 10, then events come at 10, 20, 30, 40 and 50 regions, none at the end', () => {
    const regions = REGION_NAMES.slice(0, 56);
    const { events } = finishAll(regions, 10);
    expect(events).toEqual(
      [10, 20, 30, 40, 50].map((done) => ({
        type: 'ImageReplicationProgressed',
        data: { regionsDone: done, regionsTotal: 56, percentage: Math.round((done * 1000) / 56) / 10 },
      })),
    );
    expect(events[0]).toMatchObject({ data: { percentage: 17.9 } });
  });

  test('given a job resumed from a checkpoint, then it emits only the progress events it had not emitted', () => {
    const regions = REGION_NAMES.slice(0, 30);
    let progress = initialProgress();
    const before: OfferEventDraft[] = [];
    for (const region of regions.slice(0, 13)) {
      const step = recordRegion(progress, replicated(region), regions.length, 5);
      progress = step.progress;
      if (step.event) before.push(step.event);
    }
    // the checkpoint survives the crash; the resumed job starts from it
    const resumedFrom: ReplicationProgress = JSON.parse(JSON.stringify(progress));
    expect(regionsToDo(regions, resumedFrom)).toEqual(regions.slice(13));
    const after = finishAll(regions, 5, resumedFrom).events;
    const all = [...before, ...after].map((e) => (e.type === 'ImageReplicationProgressed' ? e.data.regionsDone : -1));
    expect(all).toEqual([5, 10, 15, 20, 25]);
  });

  test('a region recorded twice counts once', () => {
    const once = recordRegion(initialProgress(), replicated('eastus'), 10, 1).progress;
    const twice = recordRegion(once, replicated('eastus'), 10, 1);
    expect(twice.progress).toEqual(once);
    expect(twice.event).toBeUndefined();
  });

  test('given every region replicated, then ImagesReplicated lists each region in catalog order', () => {
    const regions = ['eastus', 'westeurope', 'brazilsouth'];
    const progress: ReplicationProgress = {
      started: true,
      reportedAt: 0,
      finished: [replicated('brazilsouth'), replicated('eastus'), { region: 'westeurope', status: 'replicated', tries: 2 }],
    };
    expect(replicationOutcome(regions, progress)).toEqual({
      type: 'ImagesReplicated',
      data: { regions: [replicated('eastus'), { region: 'westeurope', status: 'replicated', tries: 2 }, replicated('brazilsouth')] },
    });
  });

  test('given some regions failed, then ReplicationFailed names them with reason and tries, and counts the others', () => {
    const regions = ['eastus', 'westeurope', 'brazilsouth', 'japaneast'];
    const failed: RegionResult = { region: 'brazilsouth', status: 'failed', tries: 3, reason: 'quota exceeded' };
    const progress: ReplicationProgress = {
      started: true,
      reportedAt: 0,
      finished: [replicated('eastus'), failed, replicated('westeurope'), replicated('japaneast')],
    };
    expect(replicationOutcome(regions, progress)).toEqual({ type: 'ReplicationFailed', data: { failedRegions: [failed], regionsReplicated: 3 } });
  });

  test('given the job gave up, then the unfinished regions fail with its reason', () => {
    const regions = ['eastus', 'westeurope', 'brazilsouth'];
    const progress: ReplicationProgress = { started: true, reportedAt: 0, finished: [replicated('eastus')] };
    expect(abandonedOutcome(regions, progress, 'database unavailable')).toEqual({
      type: 'ReplicationFailed',
      data: {
        failedRegions: [
          {
            region: 'westeurope',
            status: 'failed',
            tries: 0,
            reason: 'replication stopped: database unavailable',
            reasonCode: 'provisioning.stopped',
            params: { detail: 'database unavailable' },
          },
          {
            region: 'brazilsouth',
            status: 'failed',
            tries: 0,
            reason: 'replication stopped: database unavailable',
            reasonCode: 'provisioning.stopped',
            params: { detail: 'database unavailable' },
          },
        ],
        regionsReplicated: 1,
      },
    });
  });

  test('the images of a submitted offer are every image version of every plan', () => {
    expect(
      imagesOf({
        plans: [
          {
            id: 'a',
            imageVersions: [
              { version: '1.0.0', osDiskUrl: 'https://x/os.vhd' },
              { version: '1.1.0', osDiskUrl: 'https://x/os2.vhd', dataDiskUrls: ['https://x/d'] },
            ],
          },
          { id: 'b' },
        ],
      }),
    ).toEqual([
      { planId: 'a', version: '1.0.0', osDiskUrl: 'https://x/os.vhd', dataDiskUrls: [] },
      { planId: 'a', version: '1.1.0', osDiskUrl: 'https://x/os2.vhd', dataDiskUrls: ['https://x/d'] },
    ]);
  });
});

describe('attempts', () => {
  const now = new Date('2024-05-01T10:00:00Z');
  const spec = stageSpec(provisioningDecider({ provisioningDurationMs: 3000 }), now);
  const offer = { plans: [{ id: 'gold', imageVersions: [{ version: '1.0.0', osDiskUrl: 'https://disks.test/os.vhd', dataDiskUrls: [] }] }] };
  const submitted = (attempt: number) => submittedOf(attempt, { offer });
  const certified = (attempt: number) => eventOf('CertificationPassed', { checks: [] }, attempt);
  const canceled = (attempt: number) => eventOf('PublishCanceled', { canceledBy: 'alice' }, attempt);
  const finished = (attempt: number, outcome: OfferEventDraft): ProvisioningInput => ({ type: 'ReplicationFinished', attempt, outcome });
  const ok: OfferEventDraft = { type: 'ImagesReplicated', data: { regions: [] } };

  test('given no attempt, when OfferSubmitted arrives, then the attempt waits for certification', () => {
    spec
      .given([])
      .when(submitted(1))
      .then(
        accepted({
          state: { attempt: 1, state: 'awaiting-certification' },
          cancelJobs: { beforeAttempt: 1 },
          effects: [{ type: 'keep-images', images: imagesOf(offer) }],
        }),
      );
  });

  test('given attempt 2 replicating, when OfferSubmitted of attempt 3 arrives, then attempt 2 is superseded', () => {
    spec
      .given([submitted(2), certified(2)])
      .when(submitted(3))
      .thenMatches({ outcome: 'accepted', cancelJobs: { beforeAttempt: 3 } });
  });

  test('given attempt 3, when OfferSubmitted of attempt 2 or 3 arrives, then nothing changes', () => {
    spec
      .given([submitted(3), certified(3)])
      .when(submitted(2))
      .thenIgnored();
    spec
      .given([submitted(3), certified(3)])
      .when(submitted(3))
      .thenIgnored();
  });

  test('given the attempt awaits certification, when CertificationPassed arrives, then replication is scheduled after the simulated duration', () => {
    spec
      .given([submitted(2)])
      .when(certified(2))
      .then(
        accepted({
          state: { attempt: 2, state: 'replicating' },
          jobs: [{ kind: 'replicate', runAfter: new Date('2024-05-01T10:00:03Z'), payload: { regions: [...REGION_NAMES] } }],
        }),
      );
  });

  test('given the attempt already replicating, when CertificationPassed arrives again, then it is ignored', () => {
    spec
      .given([submitted(2), certified(2)])
      .when(certified(2))
      .thenIgnored();
  });

  test('given attempt 3, when CertificationPassed of attempt 2 arrives, then it is ignored (stale)', () => {
    spec
      .given([submitted(3)])
      .when(certified(2))
      .thenIgnored();
  });

  test('given no OfferSubmitted of attempt 4 seen, when its CertificationPassed arrives, then it is an unknown attempt', () => {
    spec
      .given([submitted(3), certified(3), finished(3, ok)])
      .when(certified(4))
      .thenMatches({ outcome: 'rejected', code: 'unknown-attempt' });
    spec.given([]).when(certified(1)).thenMatches({ outcome: 'rejected', code: 'unknown-attempt' });
  });

  test('given attempt 2, when PublishCanceled of attempt 2 arrives, then its job is canceled; of attempt 1, ignored', () => {
    spec
      .given([submitted(2), certified(2)])
      .when(canceled(2))
      .then(accepted({ state: { attempt: 2, state: 'canceled' }, cancelJobs: { upToAttempt: 2 } }));
    spec
      .given([submitted(2), certified(2)])
      .when(canceled(1))
      .thenIgnored();
  });

  test('given attempt 2 replicating, when its job finishes, then the outcome is recorded', () => {
    const failed: OfferEventDraft = {
      type: 'ReplicationFailed',
      data: { failedRegions: [{ region: 'eastus', status: 'failed', tries: 3 }], regionsReplicated: 0 },
    };
    spec
      .given([submitted(2), certified(2)])
      .when(finished(2, ok))
      .then(accepted({ state: { attempt: 2, state: 'replicated' }, events: [ok] }));
    spec
      .given([submitted(2), certified(2)])
      .when(finished(2, failed))
      .thenMatches({ state: { state: 'failed' } });
  });

  test('given a superseded or canceled attempt, when its job finishes, then nothing is emitted', () => {
    spec
      .given([submitted(2), certified(2), submitted(3)])
      .when(finished(2, ok))
      .thenIgnored();
    spec
      .given([submitted(2), certified(2), canceled(2)])
      .when(finished(2, ok))
      .thenIgnored();
  });
});

describe('simulated back end', () => {
  const image = IMAGES[0];

  test('fails the configured regions every time, the flaky ones for their first tries, others never', async () => {
    const backend = new SimulatedReplicationBackend({ latencyMs: 0, failureRate: 0, failingRegions: ['brazilsouth'], flakyRegions: { uksouth: 2 } });
    await expect(backend.replicate(image, 'brazilsouth', never)).rejects.toThrow(/brazilsouth rejected/);
    await expect(backend.replicate(image, 'brazilsouth', never)).rejects.toThrow(/brazilsouth rejected/);
    await expect(backend.replicate(image, 'uksouth', never)).rejects.toThrow(/1 of 2/);
    await expect(backend.replicate(image, 'uksouth', never)).rejects.toThrow(/2 of 2/);
    await expect(backend.replicate(image, 'uksouth', never)).resolves.toBeUndefined();
    await expect(backend.replicate(image, 'eastus', never)).resolves.toBeUndefined();
  });

  test('fails at the configured rate', async () => {
    const draws = [0.05, 0.5, 0.09, 0.95];
    const backend = new SimulatedReplicationBackend({ latencyMs: 0, failureRate: 0.1, failingRegions: [], flakyRegions: {} }, () => draws.shift() ?? 1);
    const outcomes = await Promise.all(
      [0, 1, 2, 3].map(() =>
        backend.replicate(image, 'eastus', never).then(
          () => 'ok',
          () => 'failed',
        ),
      ),
    );
    expect(outcomes).toEqual(['failed', 'ok', 'failed', 'ok']);
  });

  test('stops waiting when the job is canceled', async () => {
    const backend = new SimulatedReplicationBackend({ latencyMs: 60_000, failureRate: 0, failingRegions: [], flakyRegions: {} });
    const abort = new AbortController();
    const call = backend.replicate(image, 'eastus', abort.signal);
    abort.abort(new Error('canceled'));
    await expect(call).rejects.toThrow('canceled');
  });
});
