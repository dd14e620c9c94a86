/**
 * Token rules and the start-up checks of the signing secret: no built-in secret, none shorter than 32
 * bytes outside development mode, `exp` required, lifetimes bounded, `nbf`, `iss` and `aud` checked,
 * and the claims of each role.
 */
import { SignJWT } from 'jose';
import { offerApiConfigFromEnv, type OfferApiConfig } from '../src/config';
import { TokenVerifier } from '../src/http/auth';

const NAMES = ['DEVELOPMENT', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_MAX_TOKEN_LIFETIME_S'];
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));

afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function configWith(env: Record<string, string>): OfferApiConfig {
  for (const name of NAMES) delete process.env[name];
  Object.assign(process.env, env);
  return offerApiConfigFromEnv();
}

const SECRET = 'a-secret-of-exactly-thirty-two-b';

describe('the signing secret at start-up', () => {
  test('outside development mode, a secret shorter than 32 bytes refuses to start, naming the variable and the length', () => {
    expect(() => configWith({ AUTH_JWT_SECRET: 'change-me-in-production' })).toThrow(/AUTH_JWT_SECRET is 23 bytes; at least 32 are required/);
    expect(configWith({ AUTH_JWT_SECRET: SECRET }).auth.jwtSecret).toBe(SECRET);
  });

  test('without a secret or a JWKS URL offer-api does not start, in development mode neither (there is no built-in secret)', () => {
    expect(() => configWith({})).toThrow(/AUTH_JWT_SECRET .* or AUTH_JWKS_URL/);
    expect(() => configWith({ DEVELOPMENT: 'true' })).toThrow(/AUTH_JWT_SECRET .* or AUTH_JWKS_URL/);
  });

  test('development mode takes a short secret; a JWKS URL needs no secret', () => {
    expect(configWith({ DEVELOPMENT: 'true', AUTH_JWT_SECRET: 'dev' }).auth.jwtSecret).toBe('dev');
    expect(configWith({ AUTH_JWKS_URL: 'https://login.example.com/keys' }).auth.jwksUrl).toBe('https://login.example.com/keys');
  });

  test('the longest token lifetime is 24 h unless AUTH_MAX_TOKEN_LIFETIME_S says otherwise', () => {
    expect(configWith({ AUTH_JWT_SECRET: SECRET }).auth.maxTokenLifetimeSeconds).toBe(86_400);
    expect(configWith({ AUTH_JWT_SECRET: SECRET, AUTH_MAX_TOKEN_LIFETIME_S: '3600' }).auth.maxTokenLifetimeSeconds).toBe(3600);
  });
});

describe('bearer tokens', () => {
  const now = Math.floor(Date.now() / 1000);
  const verifierWith = (auth: Partial<OfferApiConfig['auth']> = {}) => new TokenVerifier({ jwtSecret: SECRET, maxTokenLifetimeSeconds: 3600, ...auth });
  const sign = (claims: Record<string, unknown>, build: (jwt: SignJWT) => SignJWT = (jwt) => jwt.setIssuedAt(now).setExpirationTime(now + 600)) =>
    build(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('someone')).sign(new TextEncoder().encode(SECRET));

  test('a customer proves its subscriptions with the subscriptions claim (GUIDs, kept lower-case)', async () => {
    const token = await sign({ role: 'customer', subscriptions: ['6F1E1B2A-3C4D-4E5F-8A9B-0C1D2E3F4A5B'] });
    expect(await verifierWith().verify(token)).toEqual({ sub: 'someone', role: 'customer', subscriptions: ['6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b'] });
  });

  test('publishers and operators carry no subscriptions, whatever their token says', async () => {
    const publisher = await sign({ role: 'publisher', publisherId: 'contoso', subscriptions: ['6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b'] });
    expect(await verifierWith().verify(publisher)).toEqual({ sub: 'someone', role: 'publisher', publisherId: 'contoso' });
  });

  test.each<[string, Record<string, unknown>, ((jwt: SignJWT) => SignJWT) | undefined, RegExp]>([
    ['no exp', { role: 'operator' }, (jwt) => jwt.setIssuedAt(now), /"exp"/],
    ['exp - iat over the maximum', { role: 'operator' }, (jwt) => jwt.setIssuedAt(now - 100).setExpirationTime(now + 3600), /lives 3700 s; at most 3600/],
    ['exp - now over the maximum, without iat', { role: 'operator' }, (jwt) => jwt.setExpirationTime(now + 7200), /at most 3600 s/],
    [
      'nbf in the future',
      { role: 'operator' },
      (jwt) =>
        jwt
          .setIssuedAt(now)
          .setNotBefore(now + 300)
          .setExpirationTime(now + 600),
      /nbf/,
    ],
    ['customer with no subscriptions', { role: 'customer', subscriptions: [] }, undefined, /subscriptions claim/],
    ['customer with a subscription that is not a GUID', { role: 'customer', subscriptions: ['contoso'] }, undefined, /subscriptions claim/],
    [
      'customer with the subscription as a string',
      { role: 'customer', subscriptions: '6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b' },
      undefined,
      /subscriptions claim/,
    ],
  ])('refused: %s', async (_name, claims, build, reason) => {
    await expect(verifierWith().verify(await sign(claims, build))).rejects.toThrow(reason);
  });

  test('iss and aud are checked when configured', async () => {
    const verifier = verifierWith({ issuer: 'https://login.example.com', audience: 'offer-api' });
    const right = (jwt: SignJWT) =>
      jwt
        .setIssuer('https://login.example.com')
        .setAudience('offer-api')
        .setIssuedAt(now)
        .setExpirationTime(now + 600);
    expect((await verifier.verify(await sign({ role: 'operator' }, right))).role).toBe('operator');
    await expect(verifier.verify(await sign({ role: 'operator' }))).rejects.toThrow(/iss/);
    await expect(verifier.verify(await sign({ role: 'operator' }, (jwt) => right(jwt).setAudience('another-api')))).rejects.toThrow(/aud/);
  });
});
