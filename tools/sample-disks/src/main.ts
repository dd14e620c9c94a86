/**
 * Runs the sample disk host (host.ts); scripts/stack.mjs starts it with `npm start`.
 *   node -r @swc-node/register tools/sample-disks/src/main.ts          serve (prints "sample disks ready on https://...")
 *   node -r @swc-node/register tools/sample-disks/src/main.ts urls     the signed URLs of the disks, without serving
 * Settings: SAMPLE_DISKS_PORT (3443), SAMPLE_DISKS_DIR (.local/sample-disks), SAMPLE_DISKS_TLS_DIR (.local/tls: the
 * development CA and server certificate, made there on the first start).
 */
import { join } from 'node:path';
import { DEFAULT_SAMPLE_DISKS_PORT, SAMPLE_DISKS, SampleDiskHost, sampleDiskUrl, type SampleDiskName } from './host';
import { ensureDevelopmentTls } from './tls';

const ROOT = join(__dirname, '..', '..', '..');
const port = Number(process.env.SAMPLE_DISKS_PORT ?? DEFAULT_SAMPLE_DISKS_PORT);
const directory = process.env.SAMPLE_DISKS_DIR ?? join(ROOT, '.local', 'sample-disks');
const tlsDirectory = process.env.SAMPLE_DISKS_TLS_DIR ?? join(ROOT, '.local', 'tls');

async function main(): Promise<void> {
  if (process.argv[2] === 'urls') {
    for (const name of Object.keys(SAMPLE_DISKS) as SampleDiskName[]) process.stdout.write(`${sampleDiskUrl(`https://127.0.0.1:${port}`, name)}\n`);
    return;
  }
  const tls = ensureDevelopmentTls(tlsDirectory);
  const host = await SampleDiskHost.start({ directory, tls, port });
  process.stdout.write(`sample disks ready on ${host.origin} (CA ${tls.caFile}, disks in ${directory})\n`);
  const stop = () => void host.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sample disks: ${(error as Error).message}\n`);
  process.exit(1);
});
