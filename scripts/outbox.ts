/**
 * Parked outbox rows: events a service wrote that the broker refuses for good (too large, invalid). Each
 * holds back the later events of its offer until it is released.
 *
 *   npm run outbox -- parked [--service validation,...]     list them (all services by default)
 *   npm run outbox -- release <service> <row id...> [--discard]
 *       retry (default): send them again, once the cause is fixed (e.g. the broker's limit raised)
 *       --discard: give them up for good (kept, marked discarded); the offer's later events go on
 *
 * Connects to each service's database as the service does (DATABASE_URL, DATABASE_PREFIX). The operators'
 * console will reach the same functions through each service's authenticated operator endpoints.
 */
import { Client } from 'pg';
import { databaseSettingsFromEnv, listParkedRows, releaseParkedRows, withDatabase, type SqlRunner } from '@mkt/messaging';

const SERVICES = ['validation', 'certification', 'provisioning', 'packaging', 'notification', 'offer-api'];

async function withService<T>(service: string, work: (db: SqlRunner) => Promise<T>): Promise<T> {
  const settings = databaseSettingsFromEnv(service);
  const client = new Client({ connectionString: withDatabase(settings.url, settings.database), application_name: 'marketplace-outbox-cli' });
  await client.connect();
  try {
    return await work(client as unknown as SqlRunner);
  } finally {
    await client.end();
  }
}

function usage(): never {
  process.stderr.write('usage: npm run outbox -- parked [--service a,b] | release <service> <row id...> [--discard]\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'parked') {
    const at = rest.indexOf('--service');
    const services = at >= 0 ? (rest[at + 1] ?? usage()).split(',') : SERVICES;
    let total = 0;
    for (const service of services) {
      const rows = await withService(service, listParkedRows).catch((error: Error) => {
        process.stderr.write(`${service}: ${error.message}\n`);
        return [];
      });
      total += rows.length;
      for (const row of rows) {
        process.stdout.write(
          `${service}\trow ${row.id}\t${row.parkedAt.toISOString()}\t${row.type ?? '-'} ${row.eventId ?? ''}\tkey ${row.key}\t${row.bytes} bytes\t${row.heldBack} held back\n  ${row.reason}\n`,
        );
      }
    }
    process.stdout.write(`${total} parked row(s)\n`);
    return;
  }
  if (command === 'release') {
    const [service, ...args] = rest;
    const ids = args.filter((a) => !a.startsWith('--'));
    if (!service || !SERVICES.includes(service) || ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) usage();
    const mode = args.includes('--discard') ? 'discard' : 'retry';
    const released = await withService(service, (db) => releaseParkedRows(db, ids, mode));
    const skipped = ids.filter((id) => !released.includes(id));
    process.stdout.write(
      `${mode === 'retry' ? 'sent again' : 'discarded'}: ${released.join(', ') || 'none'}${skipped.length ? `; not parked (left alone): ${skipped.join(', ')}` : ''}\n`,
    );
    return;
  }
  usage();
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
