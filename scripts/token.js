#!/usr/bin/env node
// Mints development bearer tokens for offer-api (HS256 with AUTH_JWT_SECRET, or the development secret).
//   node scripts/token.js --publisher contoso [--sub alice] [--subscription <guid>] [--expires 12h]
//   node scripts/token.js --operator [--sub ops]
const { SignJWT } = require('jose');

// Same value as DEV_JWT_SECRET in services/offer-api/src/config.ts.
const DEV_JWT_SECRET = 'offer-api-development-secret-do-not-use-in-production';
const SLUG = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,49}$/;

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(
    'usage: node scripts/token.js (--publisher <publisherId> | --operator) [--sub <subject>] [--subscription <id>]... [--expires <duration, e.g. 12h>] [--secret <secret>]\n',
  );
  process.exit(2);
}

function parse(argv) {
  const options = { subscriptions: [], expires: '12h' };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) usage(`${arg} needs a value`);
      i += 1;
      return next;
    };
    if (arg === '--publisher') options.publisherId = value();
    else if (arg === '--operator') options.operator = true;
    else if (arg === '--sub') options.sub = value();
    else if (arg === '--subscription') options.subscriptions.push(value());
    else if (arg === '--expires') options.expires = value();
    else if (arg === '--secret') options.secret = value();
    else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  if (Boolean(options.publisherId) === Boolean(options.operator)) usage('give exactly one of --publisher <id> or --operator');
  if (options.publisherId && !SLUG.test(options.publisherId)) usage('the publisher id must be a lower-case slug');
  return options;
}

async function main() {
  const options = parse(process.argv.slice(2));
  const secret = options.secret ?? process.env.AUTH_JWT_SECRET ?? DEV_JWT_SECRET;
  const claims = options.operator ? { role: 'operator' } : { role: 'publisher', publisherId: options.publisherId };
  if (options.subscriptions.length) claims.subscriptionIds = options.subscriptions;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? (options.operator ? 'operator' : `${options.publisherId}-user`))
    .setIssuedAt()
    .setExpirationTime(options.expires)
    .sign(new TextEncoder().encode(secret));
  process.stdout.write(`${token}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
