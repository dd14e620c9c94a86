/** HTTPS servers the stages call in end-to-end runs: the disks' blob store and publishers' lead endpoints. */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const TLS_DIR = join(__dirname, 'fixtures', 'tls');
/** Given to the services under test as NODE_EXTRA_CA_CERTS so that they trust the test servers. */
export const TEST_CA_FILE = join(TLS_DIR, 'cert.pem');
const tls = { key: readFileSync(join(TLS_DIR, 'key.pem')), cert: readFileSync(TEST_CA_FILE) };

async function listen(server: https.Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Terminates TLS in front of an http origin (the certification tests' VHD server). */
export class HttpsFront {
  private constructor(
    private readonly server: https.Server,
    readonly origin: string,
  ) {}

  /** With `signatures`, a request whose SAS `sig` is not one of them is refused with 403, as a blob store would. */
  static async start(target: string, options: { signatures?: ReadonlySet<string> } = {}): Promise<HttpsFront> {
    const upstream = new URL(target);
    const server = https.createServer(tls, (request, response) => {
      const signature = new URL(request.url ?? '/', 'https://x').searchParams.get('sig');
      if (options.signatures && !options.signatures.has(signature ?? '')) {
        response.writeHead(403, { 'content-type': 'application/xml' });
        response.end('<Error><Code>AuthenticationFailed</Code></Error>');
        return;
      }
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forward.on('error', () => response.destroy());
      response.on('close', () => forward.destroy());
      request.pipe(forward);
    });
    return new HttpsFront(server, await listen(server));
  }

  /** The https URL of what `http://...` points at on the origin. */
  url(originUrl: string): string {
    const u = new URL(originUrl);
    return `${this.origin}${u.pathname}${u.search}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface ReceivedLead {
  path: string;
  authorization?: string;
  idempotencyKey?: string;
  body: unknown;
}

/** A publisher's lead endpoint: /ok answers 201, /unauthorized 401, /slow never in time. */
export class LeadEndpoint {
  readonly leads: ReceivedLead[] = [];

  private constructor(
    private readonly server: https.Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<LeadEndpoint> {
    const ref: { self?: LeadEndpoint } = {};
    const server = https.createServer(tls, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const path = new URL(request.url ?? '/', 'https://x').pathname;
        let body: unknown = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
        } catch {
          body = Buffer.concat(chunks).toString();
        }
        if (path === '/slow') return; // never answers: the stage's timeout must fire
        ref.self?.leads.push({
          path,
          authorization: request.headers.authorization,
          idempotencyKey: request.headers['idempotency-key'] as string | undefined,
          body,
        });
        response.writeHead(path === '/unauthorized' ? 401 : path === '/ok' ? 201 : 404, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    ref.self = new LeadEndpoint(server, await listen(server));
    return ref.self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
