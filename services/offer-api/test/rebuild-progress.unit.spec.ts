import { replayProgress } from '../src/domain/rebuild-progress';

describe('replayProgress', () => {
  test('counts records across partitions from where each range starts, with rate and time left', () => {
    const progress = replayProgress(
      [
        { start: '0', end: '1000', next: '500' },
        { start: '100', end: '1100', next: '600' },
      ],
      2_000,
    );
    expect(progress).toEqual({ replayed: 1000, total: 2000, eventsPerSecond: 500, etaSeconds: 2 });
  });

  test('no rate yet: no estimate, unless there is nothing to do', () => {
    expect(replayProgress([{ start: '0', end: '10', next: '0' }], 0)).toEqual({ replayed: 0, total: 10, eventsPerSecond: 0, etaSeconds: null });
    expect(replayProgress([{ start: '5', end: '5', next: '5' }], 0)).toEqual({ replayed: 0, total: 0, eventsPerSecond: 0, etaSeconds: 0 });
  });

  test('offsets beyond 2^53 are subtracted exactly', () => {
    const big = 2n ** 60n;
    expect(replayProgress([{ start: String(big), end: String(big + 10n), next: String(big + 4n) }], 1_000).replayed).toBe(4);
  });
});
