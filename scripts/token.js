#!/usr/bin/env node
// Mints bearer tokens for offer-api, HS256 with AUTH_JWT_SECRET or the development secret `npm start`
// generated (.local/auth-jwt-secret):
//   node scripts/token.js --publisher contoso [--sub alice] [--expires-in 12h]
//   node scripts/token.js --customer --subscription <guid> [--subscription <guid>]...
//   node scripts/token.js --operator [--sub ops]
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { SignJWT } = require('jose');

/** Where scripts/stack.mjs keeps the development secret it generates (the same path there). */
const DEV_SECRET_FILE = join(__dirname, '..', '.local', 'auth-jwt-secret');
const SLUG = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,49}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(
    'usage: node scripts/token.js (--publisher <publisherId> | --customer --subscription <guid>... | --operator)\n' +
      "         [--sub <subject>] [--expires-in <duration, e.g. 12h; at most offer-api's AUTH_MAX_TOKEN_LIFETIME_S, 24h by default>]\n" +
      '         [--issuer <iss>] [--audience <aud>] [--secret <secret>]\n',
  );
  process.exit(2);
}

function parse(argv) {
  const options = { subscriptions: [], expiresIn: '12h' };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) usage(`${arg} needs a value`);
      i += 1;
      return next;
    };
    if (arg === '--publisher') options.publisherId = value();
    else if (arg === '--customer') options.customer = true;
    else if (arg === '--operator') options.operator = true;
    else if (arg === '--subscription') options.subscriptions.push(value());
    else if (arg === '--sub') options.sub = value();
    else if (arg === '--expires-in') options.expiresIn = value();
    else if (arg === '--issuer') options.issuer = value();
    else if (arg === '--audience') options.audience = value();
    else if (arg === '--secret') options.secret = value();
    else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  const roles = [options.publisherId !== undefined, options.customer, options.operator].filter(Boolean).length;
  if (roles !== 1) usage('give exactly one of --publisher <id>, --customer or --operator');
  if (options.publisherId !== undefined && !SLUG.test(options.publisherId)) usage('the publisher id must be a lower-case slug');
  if (options.customer && options.subscriptions.length === 0) usage('a customer token needs at least one --subscription <guid>');
  if (!options.customer && options.subscriptions.length) usage('--subscription is for customer tokens: publishers and operators prove no subscriptions');
  const invalid = options.subscriptions.find((id) => !GUID.test(id));
  if (invalid) usage(`--subscription ${invalid} is not a subscription GUID`);
  return options;
}

function signingSecret(options) {
  const secret = options.secret ?? process.env.AUTH_JWT_SECRET ?? (existsSync(DEV_SECRET_FILE) ? readFileSync(DEV_SECRET_FILE, 'utf8').trim() : undefined);
  if (!secret) {
    throw new Error(
      `no signing secret: set AUTH_JWT_SECRET (the one the services run with) or start the stack once with npm start (it writes ${DEV_SECRET_FILE})`,
    );
  }
  return secret;
}

/** Signs a token as offer-api and every service verify it (the ops CLI mints its operator token with it). */
async function signToken(claims, subject, options = {}) {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h');
  const issuer = options.issuer ?? process.env.AUTH_ISSUER;
  const audience = options.audience ?? process.env.AUTH_AUDIENCE;
  if (issuer) jwt = jwt.setIssuer(issuer);
  if (audience) jwt = jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(signingSecret(options)));
}

async function main() {
  const options = parse(process.argv.slice(2));
  const claims = options.operator
    ? { role: 'operator' }
    : options.customer
      ? { role: 'customer', subscriptions: options.subscriptions.map((id) => id.toLowerCase()) }
      : { role: 'publisher', publisherId: options.publisherId };
  const subject =
    options.sub ?? (options.operator ? 'operator' : options.customer ? `customer-${options.subscriptions[0].toLowerCase()}` : `${options.publisherId}-user`);
  process.stdout.write(`${await signToken(claims, subject, options)}\n`);
}

module.exports = { signToken, DEV_SECRET_FILE };

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
