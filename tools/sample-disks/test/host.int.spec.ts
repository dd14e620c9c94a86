/** The sample disk host over real HTTPS, with a development CA made by openssl into a temporary folder. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SampleDiskHost } from '../src/host';
import { ensureDevelopmentTls } from '../src/tls';

const folder = mkdtempSync(join(tmpdir(), 'sample-disks-'));
let host: SampleDiskHost;
let ca: Buffer;

beforeAll(async () => {
  const tls = ensureDevelopmentTls(join(folder, 'tls'));
  ca = readFileSync(tls.caFile);
  host = await SampleDiskHost.start({ directory: join(folder, 'disks'), tls, port: 0 });
});

afterAll(async () => {
  await host.close();
  rmSync(folder, { recursive: true, force: true });
});

function request(
  url: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the certificate is signed by the development CA, and made once', () => {
  const again = ensureDevelopmentTls(join(folder, 'tls'));
  expect(readFileSync(again.caFile)).toEqual(ca);
});

test('a signed URL answers HEAD with the size and a range GET with the footer; the file is sparse', async () => {
  const url = host.url('os-1.0.0.vhd');
  const head = await request(url, 'HEAD');
  expect(head.status).toBe(200);
  const size = Number(head.headers['content-length']);
  expect(size).toBe(30 * 1024 ** 3 + 512);
  const tail = await request(url, 'GET', { range: `bytes=${size - 512}-${size - 1}` });
  expect(tail.status).toBe(206);
  expect(tail.body.subarray(0, 8).toString('latin1')).toBe('conectix');
  expect(statSync(join(folder, 'disks', 'os-1.0.0.vhd')).blocks * 512).toBeLessThan(1024 * 1024);
});

test('a changed token is 403, an unknown disk 404, and / lists the disks with their URLs', async () => {
  expect((await request(host.url('os-1.0.0.vhd').replace(/sig=[^&]+/, 'sig=0000'))).status).toBe(403);
  expect((await request(`${host.origin}/vhds/nope.vhd?sig=x`)).status).toBe(404);
  const list = JSON.parse((await request(`${host.origin}/`)).body.toString()) as { disks: Array<{ name: string; url: string }> };
  expect(list.disks.find((d) => d.name === 'data-1.0.0.vhd')?.url).toBe(host.url('data-1.0.0.vhd'));
});
