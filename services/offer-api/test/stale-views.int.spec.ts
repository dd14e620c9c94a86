/**
 * Views folded by an older VIEW_VERSION are rebuilt from the log: each row records its version, and
 * StaleViews (run at start-up) starts a projection rebuild when one is older; the rebuilt rows are current.
 */
import { publishEvents, waitFor } from '@mkt/testing';
import { StaleViews } from '../src/application/stale-views';
import { VIEW_VERSION } from '../src/domain/status-view';
import { attemptEvents } from './fixtures/events';
import { OfferApiHarness } from './fixtures/harness';

let api: OfferApiHarness;

beforeAll(async () => {
  api = await OfferApiHarness.start('staleviews');
});

afterAll(async () => {
  await api?.stop();
});

const versions = () =>
  api.query<{ offer_id: string; view_version: number; live_time: string | null }>(
    'SELECT offer_id, view_version, live_time FROM offer_status_view ORDER BY offer_id',
  );

test('an older view (level info, no top-level messages, version 0) is re-folded by the rebuild started at start-up', async () => {
  const events = [
    ...attemptEvents({ subject: 'contoso/old-view', attempt: 1, outcome: 'live', idPrefix: 'old-1' }),
    ...attemptEvents({ subject: 'contoso/old-view', attempt: 2, outcome: 'certification-failed', idPrefix: 'old-2', start: new Date('2026-02-01T00:00:00Z') }),
  ];
  await publishEvents(api.topic, events, { twice: true });
  await waitFor('the view of attempt 2', async () => (await api.query(`SELECT 1 FROM offer_status_view WHERE attempt = 2 AND status = 'failed'`)).length === 1);
  const stale = api.app.get(StaleViews);
  expect(await stale.rebuildIfStale()).toBeUndefined();
  const [current] = await versions();
  expect(current).toMatchObject({ view_version: VIEW_VERSION, live_time: events.find((e) => e.type === 'WentLive')!.time });

  // as an older offer-api stored it
  await api.query(
    `UPDATE offer_status_view SET view_version = 0, live_time = NULL,
       view = jsonb_set(view - 'messages', '{steps,0,messages,0,level}', '"info"')`,
  );
  const id = await stale.rebuildIfStale();
  expect(id).toEqual(expect.any(String));
  await waitFor('the rebuild', async () => (await versions())[0]?.view_version === VIEW_VERSION, { timeoutMs: 60_000 });
  const [rebuilt] = await api.query<{ view: { messages: unknown[]; steps: Array<{ messages: Array<{ level: string }> }> }; live_time: string }>(
    'SELECT view, live_time FROM offer_status_view',
  );
  expect(rebuilt.view.messages.length).toBeGreaterThan(0);
  expect(rebuilt.view.steps[0].messages[0].level).toBe('information');
  expect(rebuilt.live_time).toBe(current.live_time);
});
