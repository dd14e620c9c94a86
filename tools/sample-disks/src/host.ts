/**
 * The sample disk host: serves sparse fixed VHDs over HTTPS like a blob store, with SAS-style URLs (sas.ts), so that a
 * newcomer's offer (docs/examples/offer.json) passes certification on this machine. `npm start` runs it
 * (scripts/stack.mjs, main.ts); the end-to-end tests and `npm run demo` use the same disks.
 *
 *   GET  /                    the disks and their signed URLs (JSON)
 *   HEAD /vhds/<name>?<sas>   Content-Length of the blob
 *   GET  /vhds/<name>?<sas>   the blob; `Range: bytes=a-b` answers 206 with that part
 * A wrong or missing SAS token is 403 (AuthenticationFailed), an unknown disk 404 (BlobNotFound).
 */
import { once } from 'node:events';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { signedQuery, verifySas } from './sas';
import { buildFooter, FOOTER_BYTES, GIB, writeSparseVhd, type FooterSpec } from './vhd';

/** The sample disks: the four of docs/examples/offer.json, and one that certification refuses (not a fixed VHD). */
export const SAMPLE_DISKS = {
  'os-1.0.0.vhd': { currentSize: 30 * GIB, about: 'OS disk, 30 GiB, fixed' },
  'data-1.0.0.vhd': { currentSize: 1 * GIB, about: 'data disk, 1 GiB, fixed' },
  'os-1.1.0.vhd': { currentSize: 30 * GIB, about: 'OS disk, 30 GiB, fixed' },
  'win-2.0.1.vhd': { currentSize: 127 * GIB, about: 'Windows OS disk, 127 GiB, fixed' },
  'os-dynamic.vhd': { currentSize: 30 * GIB, diskType: 3, about: 'OS disk, 30 GiB, dynamic: certification refuses it (not a fixed VHD)' },
} satisfies Record<string, FooterSpec & { about: string }>;
export type SampleDiskName = keyof typeof SAMPLE_DISKS;

export const CONTAINER = 'vhds';
export const DEFAULT_SAMPLE_DISKS_PORT = 3443;

export interface SampleDiskHostOptions {
  /** Where the sparse files are written (kept between runs). */
  directory: string;
  tls: { certFile: string; keyFile: string };
  /** 0: any free port. */
  port?: number;
  host?: string;
}

/** Writes the disks that are not in `directory` yet (a few bytes each on disk). */
export async function writeSampleDisks(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  for (const [name, spec] of Object.entries(SAMPLE_DISKS) as [string, FooterSpec][]) {
    const path = join(directory, name);
    const expected = spec.currentSize + FOOTER_BYTES;
    if (existsSync(path) && (await stat(path)).size === expected) continue;
    await writeSparseVhd(path, buildFooter(spec), expected);
  }
}

/** The signed URL of a sample disk on the host at `origin`. */
export function sampleDiskUrl(origin: string, name: SampleDiskName): string {
  const path = `/${CONTAINER}/${name}`;
  return `${origin.replace(/\/+$/, '')}${path}?${signedQuery(path)}`;
}

export class SampleDiskHost {
  private constructor(
    private readonly server: https.Server,
    readonly origin: string,
  ) {}

  static async start(options: SampleDiskHostOptions): Promise<SampleDiskHost> {
    await writeSampleDisks(options.directory);
    const tls = { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) };
    const ref: { origin?: string } = {};
    const server = https.createServer(tls, (request, response) => {
      serve(options.directory, ref.origin ?? '', request, response).catch(() => response.destroy());
    });
    const host = options.host ?? '127.0.0.1';
    server.listen(options.port ?? DEFAULT_SAMPLE_DISKS_PORT, host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    ref.origin = `https://${host}:${(server.address() as AddressInfo).port}`;
    return new SampleDiskHost(server, ref.origin);
  }

  url(name: SampleDiskName): string {
    return sampleDiskUrl(this.origin, name);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function answer(response: http.ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  response.writeHead(status, headers);
  response.end(body);
}

function blobError(response: http.ServerResponse, status: number, code: string, reason: string): void {
  answer(
    response,
    status,
    { 'content-type': 'application/xml' },
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${reason}</Message></Error>`,
  );
}

async function serve(directory: string, origin: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'https://sample-disks');
  const method = request.method ?? 'GET';
  if (url.pathname === '/' && method === 'GET') {
    const disks = Object.entries(SAMPLE_DISKS).map(([name, spec]) => ({ name, about: spec.about, url: sampleDiskUrl(origin, name as SampleDiskName) }));
    return answer(response, 200, { 'content-type': 'application/json' }, JSON.stringify({ disks }, null, 2));
  }
  const [, container, name, ...rest] = url.pathname.split('/');
  if (container !== CONTAINER || rest.length > 0 || !Object.prototype.hasOwnProperty.call(SAMPLE_DISKS, name ?? '')) {
    return blobError(response, 404, 'BlobNotFound', 'The specified blob does not exist.');
  }
  if (method !== 'GET' && method !== 'HEAD') return answer(response, 405, { allow: 'GET, HEAD' });
  const verdict = verifySas(url.pathname, url.searchParams);
  if (!verdict.ok) return blobError(response, 403, verdict.code, verdict.reason);

  const path = join(directory, name);
  const size = (await stat(path)).size;
  const headers = { 'accept-ranges': 'bytes', 'x-ms-blob-type': 'PageBlob', 'content-type': 'application/octet-stream' };
  if (method === 'HEAD') return answer(response, 200, { ...headers, 'content-length': String(size) });
  const rangeHeader = request.headers.range;
  let first = 0;
  let last = size - 1;
  let status = 200;
  if (rangeHeader) {
    const range = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader);
    if (!range || Number(range[1]) > Number(range[2]) || Number(range[2]) >= size) return answer(response, 416, { 'content-range': `bytes */${size}` });
    first = Number(range[1]);
    last = Number(range[2]);
    status = 206;
  }
  response.writeHead(status, {
    ...headers,
    'content-length': String(last - first + 1),
    ...(status === 206 ? { 'content-range': `bytes ${first}-${last}/${size}` } : {}),
  });
  const file = createReadStream(path, { start: first, end: last });
  // a client that stops reading (the whole blob was never wanted) ends the stream
  response.on('close', () => file.destroy());
  file.on('error', () => response.destroy());
  file.pipe(response);
}
