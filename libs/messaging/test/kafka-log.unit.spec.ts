import { logLevel, type LogEntry } from 'kafkajs';
import { isStartupRetriable, kafkaLogCreator, StartupPhase } from '../src/kafka';

function recorder() {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (text: string) => lines.push([level, text]);
  return { lines, logger: { error: at('error'), warn: at('warn'), log: at('log'), debug: at('debug') } };
}

const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}): LogEntry => ({
  namespace: 'Connection',
  level,
  label: 'ERROR',
  log: { timestamp: '2026-01-01T00:00:00Z', message, ...extra },
});

describe('kafkajs logs: the broker start-up retries are quiet while the client starts', () => {
  const coordinator = entry(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' });
  const leader = entry(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', { error: 'This server is not the leader for that topic-partition' });
  const real = entry(logLevel.ERROR, 'Connection error', { error: 'connect ECONNREFUSED 127.0.0.1:9092' });

  test('during start-up the coordinator and leader errors go to debug; other errors stay errors', () => {
    const { lines, logger } = recorder();
    const log = kafkaLogCreator(new StartupPhase(60_000), logger)();
    for (const e of [coordinator, leader, real]) log(e);
    expect(lines.map(([level]) => level)).toEqual(['debug', 'debug', 'error']);
    expect(lines[0][1]).toContain('The group coordinator is not available');
  });

  test('after start-up they are errors again', () => {
    const { lines, logger } = recorder();
    const log = kafkaLogCreator(new StartupPhase(0, Date.now() - 1), logger)();
    log(coordinator);
    log(entry(logLevel.WARN, 'Restarting the consumer', { error: 'This server is not the leader for that topic-partition' }));
    expect(lines.map(([level]) => level)).toEqual(['error', 'warn']);
  });

  test('a start-up step keeps the phase active until it ends', async () => {
    const phase = new StartupPhase(0, Date.now() - 1);
    expect(phase.active).toBe(false);
    let during = false;
    await phase.during(async () => {
      during = phase.active;
    });
    expect(during).toBe(true);
    expect(phase.active).toBe(false);
    await expect(
      phase.during(async () => {
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    expect(phase.active).toBe(false);
  });

  test('which errors are the broker starting', () => {
    expect(isStartupRetriable('KafkaJSNumberOfRetriesExceeded / The group coordinator is not available')).toBe(true);
    expect(isStartupRetriable("The coordinator is loading and hence can't process requests")).toBe(true);
    expect(isStartupRetriable('There is no leader for this topic-partition as we are in the middle of a leadership election')).toBe(true);
    expect(isStartupRetriable('Topic authorization failed')).toBe(false);
  });
});
