import { certificationConfigFromEnv } from '../src/config';

const NAMES = [
  'DEVELOPMENT',
  'MKT_DEV',
  'CERTIFICATION_ALLOW_PRIVATE_NETWORK',
  'CERTIFICATION_DURATION_MS',
  'CERTIFICATION_SAS_MIN_DAYS',
  'JOB_LEASE_MS',
  'CONSUMER_GROUP',
  'PORT',
];
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));

afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function withEnv(env: Record<string, string>) {
  for (const name of NAMES) delete process.env[name];
  Object.assign(process.env, env);
  return certificationConfigFromEnv();
}

test('given no settings, then production defaults: private network refused, 3 s duration, 21 days, port 3102', () => {
  expect(withEnv({})).toMatchObject({ allowPrivateNetwork: false, durationMs: 3000, sasMinDays: 21, port: 3102, jobLeaseMs: 30_000, messaging: undefined });
});

test('given DEVELOPMENT=true, then private network is allowed unless the certification flag says otherwise', () => {
  expect(withEnv({ DEVELOPMENT: 'true' }).allowPrivateNetwork).toBe(true);
  expect(withEnv({ DEVELOPMENT: 'true', CERTIFICATION_ALLOW_PRIVATE_NETWORK: 'false' }).allowPrivateNetwork).toBe(false);
  expect(withEnv({ CERTIFICATION_ALLOW_PRIVATE_NETWORK: 'true' }).allowPrivateNetwork).toBe(true);
  // the one reading of development mode (libs/messaging developmentModeFromEnv), shared with validation
  expect(withEnv({ MKT_DEV: 'yes' }).allowPrivateNetwork).toBe(true);
});

test('given overrides, then they are used; given nonsense, then startup fails with the variable name', () => {
  expect(withEnv({ CERTIFICATION_DURATION_MS: '0', JOB_LEASE_MS: '1500', CONSUMER_GROUP: 'g1' })).toMatchObject({
    durationMs: 0,
    jobLeaseMs: 1500,
    messaging: { consumer: { groupId: 'g1' } },
  });
  expect(() => withEnv({ CERTIFICATION_SAS_MIN_DAYS: 'three' })).toThrow(/CERTIFICATION_SAS_MIN_DAYS/);
});
