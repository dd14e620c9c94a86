import { validationConfigFromEnv } from '../src/config';

const NAMES = ['DEVELOPMENT', 'MKT_DEV', 'NODE_ENV'];
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));

function withEnv(env: Record<string, string>) {
  for (const name of NAMES) delete process.env[name];
  Object.assign(process.env, env);
  return validationConfigFromEnv();
}

afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

test('given no development setting, then disk URLs must be https', () => {
  expect(withEnv({}).allowPrivateNetwork).toBe(false);
  expect(withEnv({ DEVELOPMENT: 'false' }).allowPrivateNetwork).toBe(false);
});

test('given DEVELOPMENT (or MKT_DEV, or NODE_ENV=development), then http and local disk URLs are allowed, read as certification reads it', () => {
  expect(withEnv({ DEVELOPMENT: 'true' }).allowPrivateNetwork).toBe(true);
  expect(withEnv({ MKT_DEV: '1' }).allowPrivateNetwork).toBe(true);
  expect(withEnv({ NODE_ENV: 'development' }).allowPrivateNetwork).toBe(true);
});
