/**
 * A newcomer reaches Live from the README alone: the shell lines of README "Using it" between the readme-walk
 * markers, run by bash as written, against a fresh stack (the six services as separate processes, their own topic
 * and databases) and the sample disk host of `npm start` (tools/sample-disks, its development CA trusted by the
 * services through NODE_EXTRA_CA_CERTS, as scripts/stack.mjs does). The only changes: API points at this stack's
 * offer-api and the example offer's disk URLs at this run's sample disk host (both listen on free ports here).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@mkt/testing';
import { TEST_JWT_SECRET } from '../../services/offer-api/test/fixtures/harness';
import { DEFAULT_SAMPLE_DISKS_PORT, SampleDiskHost } from '../../tools/sample-disks/src/host';
import { ensureDevelopmentTls } from '../../tools/sample-disks/src/tls';
import { Stack, type ServiceName } from './stack';

const SERVICES: ServiceName[] = ['validation', 'certification', 'provisioning', 'packaging', 'offer-api'];
const folder = mkdtempSync(join(tmpdir(), 'readme-walk-'));
let stack: Stack;
let disks: SampleDiskHost;

/** The shell block between `<!-- readme-walk:begin -->` and `<!-- readme-walk:end -->`. */
export function readmeWalk(readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')): string {
  const section = /<!-- readme-walk:begin -->([\s\S]*?)<!-- readme-walk:end -->/.exec(readme)?.[1];
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```sh block between the readme-walk markers');
  return block;
}

beforeAll(async () => {
  const tls = ensureDevelopmentTls(join(folder, 'tls'));
  disks = await SampleDiskHost.start({ directory: join(folder, 'disks'), tls, port: 0 });
  stack = await new Stack({ DEVELOPMENT: 'true', NODE_EXTRA_CA_CERTS: tls.caFile, AUTH_JWT_SECRET: TEST_JWT_SECRET }).init();
  await stack.startAll(SERVICES);
});

afterAll(async () => {
  await stack?.teardown();
  await disks?.close();
  rmSync(folder, { recursive: true, force: true });
});

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

test("the README's curl walk goes from PUT to Live, and the catalog has the offer", async () => {
  const example = readFileSync(join(REPO_ROOT, 'docs', 'examples', 'offer.json'), 'utf8');
  expect(example).toContain(`https://127.0.0.1:${DEFAULT_SAMPLE_DISKS_PORT}/vhds/`);
  const offerFile = join(folder, 'offer.json');
  writeFileSync(offerFile, example.split(`https://127.0.0.1:${DEFAULT_SAMPLE_DISKS_PORT}`).join(disks.origin));
  const walk = readmeWalk();
  expect(walk).toContain('-d @docs/examples/offer.json');
  const script = walk.split('@docs/examples/offer.json').join(`@${offerFile}`);

  const api = `${stack.services.get('offer-api')!.url}/api`;
  const { code, output } = await bash(script, { API: api, AUTH_JWT_SECRET: TEST_JWT_SECRET });
  if (code !== 0) throw new Error(`the README walk exited ${code}:\n${output}`);

  expect(output).toMatch(/^etag: /im);
  expect(output).toMatch(/^HTTP\/1\.1 202/m);
  expect(output).toMatch(/^waitingForPublisherReview$/m);
  expect(output).toContain('preview: 200');
  expect(output).toContain('preview for the customer: 200');
  expect(output).toContain('go live: 202');
  expect(output).toMatch(/^succeeded$/m);

  expect(output).toContain('product page: 200');
  // the last line is the catalog
  const catalog = JSON.parse(output.trim().split('\n').pop()!) as { value: Array<Record<string, unknown>> };
  expect(catalog.value).toEqual([expect.objectContaining({ publisherId: 'contoso', offerId: 'secure-linux', title: 'Contoso Secure Linux' })]);
});
