/**
 * Test VHDs and the server that hosts them, with the behaviours tests need (slow, held, ranges ignored). The files
 * are sparse, made by the project's sample disk code (tools/sample-disks/src/vhd.ts: the footer is built there
 * independently of the service's parser, field by field per the VHD spec), so a 1 TiB "disk" takes a few bytes.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFooter, FOOTER_BYTES, GIB, writeSparseVhd, type FooterSpec } from '../../../tools/sample-disks/src/vhd';

export { buildFooter, GIB, MIB, writeSparseVhd, type FooterSpec } from '../../../tools/sample-disks/src/vhd';
const FOOTER = FOOTER_BYTES;

/** The disks the tests use, good and broken; names are file names under /disks/. */
export const FIXTURES = {
  'os-30g.vhd': { currentSize: 30 * GIB },
  'os-64g.vhd': { currentSize: 64 * GIB },
  'data-1g.vhd': { currentSize: 1 * GIB },
  'bad-cookie.vhd': { currentSize: 30 * GIB, cookie: 'cxsparse' },
  'bad-checksum.vhd': { currentSize: 30 * GIB, checksumError: 7 },
  'dynamic.vhd': { currentSize: 30 * GIB, diskType: 3 },
  'odd-size.vhd': { currentSize: 30 * GIB + 4096 },
  'small-os.vhd': { currentSize: 20 * GIB },
  'large-data.vhd': { currentSize: 1100 * GIB },
  'length-mismatch.vhd': { currentSize: 30 * GIB, fileLength: 31 * GIB + FOOTER },
} satisfies Record<string, FooterSpec & { fileLength?: number }>;
export type FixtureName = keyof typeof FIXTURES;

export interface SasSpec {
  now?: Date;
  expiresInDays?: number;
  permissions?: string;
  /** Parameters to leave out. */
  omit?: string[];
  /** Makes the URLs of one test recognisable in the server's request log. */
  signature?: string;
}

/** A blob SAS query string (the server does not verify it; certification judges it). */
export function sas(spec: SasSpec = {}): string {
  const now = spec.now ?? new Date();
  const expiry = new Date(now.getTime() + (spec.expiresInDays ?? 60) * 24 * 3600 * 1000);
  const parameters: Record<string, string> = {
    sv: '2022-11-02',
    sr: 'b',
    sp: spec.permissions ?? 'r',
    st: now.toISOString().slice(0, 19) + 'Z',
    se: expiry.toISOString().slice(0, 19) + 'Z',
    sig: spec.signature ?? randomBytes(8).toString('hex'),
  };
  for (const name of spec.omit ?? []) delete parameters[name];
  return new URLSearchParams(parameters).toString();
}

export interface ServedRequest {
  method: string;
  /** Path and query as requested. */
  url: string;
  range?: string;
  status?: number;
  bodyBytes: number;
  /** The client hung up before it got an answer. */
  abandoned: boolean;
  /** The exchange is over (answered, or the connection closed). */
  closed: boolean;
}

/**
 * Serves the fixtures like a blob store: HEAD with Content-Length, GET honouring `Range: bytes=a-b`
 * with 206. Path prefixes change behaviour:
 *   /disks/<file>         normal
 *   /ignore-range/<file>  answers every GET with 200 and the whole file
 *   /slow/<file>          answers only after `slowMs`
 *   /held/<file>          answers only once `release()` is called (or `holding` is false)
 * Anything else, or an unknown file, is 404.
 */
export class VhdServer {
  readonly requests: ServedRequest[] = [];
  slowMs = 5_000;
  holding = true;
  private readonly waiting = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    readonly directory: string,
    readonly origin: string,
  ) {}

  static async start(): Promise<VhdServer> {
    const directory = await mkdtemp(join(tmpdir(), 'certification-vhds-'));
    for (const [name, spec] of Object.entries(FIXTURES) as [string, FooterSpec & { fileLength?: number }][]) {
      await writeSparseVhd(join(directory, name), buildFooter(spec), spec.fileLength ?? spec.currentSize + FOOTER);
    }
    const ref: { self?: VhdServer } = {};
    const server = http.createServer((request, response) => {
      ref.self?.handle(request, response).catch(() => response.destroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    ref.self = new VhdServer(server, directory, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return ref.self;
  }

  /** URL of a disk: `route` is the behaviour prefix, `query` the SAS token (empty for none). */
  url(file: string, query: string = sas(), route = 'disks'): string {
    return `${this.origin}/${route}/${file}${query ? `?${query}` : ''}`;
  }

  /** Requests whose URL contains `marker` (a test's SAS signature). */
  requestsFor(marker: string): ServedRequest[] {
    return this.requests.filter((r) => r.url.includes(marker));
  }

  /** Lets held requests through (and the next ones, until `holding` is set again). */
  release(): void {
    this.holding = false;
    for (const go of this.waiting) go();
    this.waiting.clear();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.directory, { recursive: true, force: true });
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const record: ServedRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      range: request.headers.range,
      bodyBytes: 0,
      abandoned: false,
      closed: false,
    };
    this.requests.push(record);
    response.on('close', () => {
      if (!response.headersSent) record.abandoned = true;
      record.closed = true;
    });
    const [, route, file] = new URL(record.url, this.origin).pathname.split('/');
    if (route === 'slow') await this.delay(this.slowMs);
    if (route === 'held' && this.holding) await new Promise<void>((resolve) => this.waiting.add(resolve));
    if (response.destroyed) return;

    const known = Object.prototype.hasOwnProperty.call(FIXTURES, file ?? '') && ['disks', 'ignore-range', 'slow', 'held'].includes(route ?? '');
    if (!known) return this.answer(record, response, 404, { 'content-type': 'application/xml' }, '<Error><Code>BlobNotFound</Code></Error>');
    const path = join(this.directory, file);
    const size = (await stat(path)).size;
    const headers = { 'accept-ranges': 'bytes', 'x-ms-blob-type': 'PageBlob', 'content-type': 'application/octet-stream' };
    if (record.method === 'HEAD') return this.answer(record, response, 200, { ...headers, 'content-length': String(size) });
    if (record.method !== 'GET') return this.answer(record, response, 405, {}, '');

    const range = /^bytes=(\d+)-(\d+)$/.exec(record.range ?? '');
    if (route === 'ignore-range' || !record.range) return this.stream(record, response, path, 200, { ...headers, 'content-length': String(size) }, 0, size - 1);
    if (!range || Number(range[1]) > Number(range[2]) || Number(range[2]) >= size) {
      return this.answer(record, response, 416, { 'content-range': `bytes */${size}` }, '');
    }
    const first = Number(range[1]);
    const last = Number(range[2]);
    this.stream(
      record,
      response,
      path,
      206,
      { ...headers, 'content-length': String(last - first + 1), 'content-range': `bytes ${first}-${last}/${size}` },
      first,
      last,
    );
  }

  private answer(record: ServedRequest, response: http.ServerResponse, status: number, headers: Record<string, string>, body?: string): void {
    record.status = status;
    response.writeHead(status, headers);
    if (body) record.bodyBytes += Buffer.byteLength(body);
    response.end(body);
  }

  private stream(
    record: ServedRequest,
    response: http.ServerResponse,
    path: string,
    status: number,
    headers: Record<string, string>,
    first: number,
    last: number,
  ): void {
    record.status = status;
    response.writeHead(status, headers);
    const file = createReadStream(path, { start: first, end: last });
    file.on('data', (chunk) => {
      record.bodyBytes += chunk.length;
    });
    // a client that stops reading (the whole blob was never wanted) ends the stream
    response.on('close', () => file.destroy());
    file.on('error', () => response.destroy());
    file.pipe(response);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
