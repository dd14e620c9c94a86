/**
 * Certification of one disk against a real HTTP server serving sparse VHDs: the HTTP side of the checks
 * (range requests only, timeouts, Range ignored, cancellation) and production mode's refusal of
 * loopback URLs. The full service, on Kafka and PostgreSQL, is in certification.int.spec.ts.
 */
import { certifyDisk, type DiskRef } from '../src/domain';
import { SafeBlobReader } from '../src/handlers/safe-blob-reader';
import { secretReference } from '@mkt/events';
import { MemorySecretStore } from '@mkt/secrets';
import { waitFor } from '@mkt/testing';
import { sas, VhdServer } from './vhd-fixtures';

let server: VhdServer;
const DEV = { sasMinDays: 21, allowHttp: true, timeoutMs: 1000 };
const OWNER = 'contoso/gold';
const secrets = new MemorySecretStore();
const devReader = (signal?: AbortSignal) => new SafeBlobReader({ timeoutMs: 1000, maxRedirects: 3, allowPrivateNetwork: true, signal, secrets, owner: OWNER });
const osDisk = (url: string): DiskRef => ({ planId: 'gold', imageVersion: '1.0.0', disk: 'os', role: 'os', url });

beforeAll(async () => {
  server = await VhdServer.start();
  server.slowMs = 3000;
});

afterAll(async () => {
  await server.close();
});

test('development mode: a good 30 GiB VHD passes every check, read with one HEAD and one 512-byte range', async () => {
  const marker = 'good-dev';
  const results = await certifyDisk(osDisk(server.url('os-30g.vhd', sas({ signature: marker }))), devReader(), new Date(), DEV);
  expect(results.filter((r) => !r.passed)).toEqual([]);
  expect(results).toHaveLength(12);
  const requests = server.requestsFor(marker);
  expect(requests.map((r) => `${r.method} ${r.range ?? ''} ${r.status}`)).toEqual(['HEAD  200', `GET bytes=${30 * 2 ** 30}-${30 * 2 ** 30 + 511} 206`]);
  expect(requests.reduce((sum, r) => sum + r.bodyBytes, 0)).toBe(512);
});

test('a URL whose signature is a reference is read with the stored signature; messages never quote it', async () => {
  const signature = 'stored-sig-0123456789';
  const ref = secretReference(await secrets.put(OWNER, 'sas-signature', signature));
  const url = server.url('os-30g.vhd', sas({ signature: 'placeholder' })).replace('sig=placeholder', `sig=${ref}`);
  const results = await certifyDisk(osDisk(url), devReader(), new Date(), DEV);
  expect(results.filter((r) => !r.passed)).toEqual([]);
  expect(server.requestsFor(signature).map((r) => r.method)).toEqual(['HEAD', 'GET']);
  expect(JSON.stringify(results)).not.toContain(signature);
});

test("a reference to a destroyed signature, or to another offer's, fails the disk with what to do, and reads nothing", async () => {
  const destroyed = await secrets.put(OWNER, 'sas-signature', 'gone-sig-0123456789');
  await secrets.destroy(destroyed);
  const foreign = await secrets.put('fabrikam/other', 'sas-signature', 'foreign-sig-0123456789');
  for (const id of [destroyed, foreign]) {
    const url = server.url('os-30g.vhd', sas({ signature: 'placeholder' })).replace('sig=placeholder', `sig=${secretReference(id)}`);
    const results = await certifyDisk(osDisk(url), devReader(), new Date(), DEV);
    expect(results.find((r) => !r.passed)).toMatchObject({
      check: 'vhd-reachable',
      message: expect.stringMatching(/no longer stored.*give the full SAS URL again/),
    });
  }
  expect(server.requestsFor('foreign-sig')).toEqual([]);
});

test('production mode refuses a loopback https URL before connecting, and an http URL outright', async () => {
  const production = new SafeBlobReader({ timeoutMs: 1000, maxRedirects: 3, allowPrivateNetwork: false, secrets, owner: OWNER });
  const rules = { ...DEV, allowHttp: false };
  const marker = 'prod-loopback';
  const loopback = server.url('os-30g.vhd', sas({ signature: marker })).replace('http://', 'https://');
  const results = await certifyDisk(osDisk(loopback), production, new Date(), rules);
  expect(results.at(-1)).toMatchObject({
    check: 'vhd-reachable',
    passed: false,
    message: expect.stringMatching(/private, loopback or reserved address \(127\.0\.0\.1/),
  });

  const plain = await certifyDisk(osDisk(server.url('os-30g.vhd', sas({ signature: marker }))), production, new Date(), rules);
  expect(plain).toEqual([
    expect.objectContaining({ check: 'disk-url', passed: false, message: 'The OS disk URL uses http; give an https:// blob URL of the VHD' }),
  ]);
  expect(server.requestsFor(marker)).toEqual([]);
});

test('a server that ignores Range fails the range check, and the download is cut off, not completed', async () => {
  const marker = 'ignore-range';
  const results = await certifyDisk(osDisk(server.url('os-30g.vhd', sas({ signature: marker }), 'ignore-range')), devReader(), new Date(), DEV);
  expect(results.at(-1)).toMatchObject({ check: 'vhd-range-read', passed: false, message: expect.stringMatching(/ignored the HTTP Range header/) });
  const get = await waitFor('the server to see the client hang up', () => server.requestsFor(marker).find((r) => r.method === 'GET' && r.closed));
  expect(get.status).toBe(200);
  expect(get.bodyBytes).toBeLessThan(16 * 1024 * 1024); // of 30 GiB
});

test('a server slower than the timeout fails the reachability check with the timeout in the message', async () => {
  const started = Date.now();
  const results = await certifyDisk(osDisk(server.url('os-30g.vhd', sas({ signature: 'slow' }), 'slow')), devReader(), new Date(), DEV);
  expect(results.at(-1)).toMatchObject({ check: 'vhd-reachable', passed: false, message: expect.stringMatching(/did not answer within 1000 ms/) });
  expect(Date.now() - started).toBeLessThan(2500);
});

test('a canceled job aborts its request: certifyDisk rejects with the reason and judges nothing', async () => {
  server.holding = true;
  const marker = 'abort';
  const abort = new AbortController();
  const run = certifyDisk(osDisk(server.url('os-30g.vhd', sas({ signature: marker }), 'held')), devReader(abort.signal), new Date(), DEV);
  await waitFor('the request to reach the server', () => server.requestsFor(marker).length === 1);
  const reason = new Error('job 7 was canceled');
  abort.abort(reason);
  await expect(run).rejects.toBe(reason);
  await waitFor('the server to see the request abandoned', () => server.requestsFor(marker)[0].abandoned);
});
