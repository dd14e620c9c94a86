/**
 * safeRequest against real local servers (development mode, since they are on loopback): redirects
 * within and across origins, a malformed Location, a body cut short, and production mode's refusal of a
 * host name that resolves to loopback.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { safeRequest, SafeHttpError } from '../src';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A server that records what it receives and answers with `answer`. */
class RecordingServer {
  readonly received: Received[] = [];
  answer: (request: Received, response: http.ServerResponse) => void = (_, response) => response.end('ok');
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<RecordingServer> {
    const server = http.createServer();
    const recording = new RecordingServer(server);
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() };
        recording.received.push(received);
        recording.answer(received, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return recording;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A server speaking raw HTTP, to send what a well-behaved server library would not. */
async function rawServer(reply: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(reply));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const DEV = { allowPrivateNetwork: true, timeoutMs: 3000 };
const leadPost = {
  ...DEV,
  method: 'POST' as const,
  headers: { authorization: 'Bearer publisher-secret', 'content-type': 'application/json', 'x-ms-date': 'now', 'idempotency-key': 'lead-1' },
  body: '{"lead":"private data"}',
};

let first: RecordingServer;
let second: RecordingServer;

beforeAll(async () => {
  [first, second] = await Promise.all([RecordingServer.start(), RecordingServer.start()]);
});

afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
});

beforeEach(() => {
  first.received.length = 0;
  second.received.length = 0;
  first.answer = (_, response) => response.end('first');
  second.answer = (_, response) => response.end('second');
});

const redirectTo = (location: string, status: number) => (_: Received, response: http.ServerResponse) => {
  response.writeHead(status, { location });
  response.end();
};

describe('redirects', () => {
  it.each([301, 302, 307, 308])(
    'given a POST with Authorization redirected %i to another origin, then it is refused and the other server receives nothing',
    async (status) => {
      first.answer = redirectTo(`${second.origin}/collect`, status);
      await expect(safeRequest(`${first.origin}/leads`, leadPost)).rejects.toMatchObject({ code: 'redirect-refused' });
      expect(first.received).toHaveLength(1);
      expect(second.received).toEqual([]);
    },
  );

  it('given a POST answered 303 with another origin, then a GET follows there without Authorization, x-ms-* or body', async () => {
    first.answer = redirectTo(`${second.origin}/result`, 303);
    const response = await safeRequest(`${first.origin}/leads`, leadPost);
    expect(response).toMatchObject({ status: 200, url: `${second.origin}/result` });
    expect(response.body.toString()).toBe('second');
    const [followed] = second.received;
    expect(followed).toMatchObject({ method: 'GET', body: '' });
    expect(followed.headers).not.toHaveProperty('authorization');
    expect(followed.headers).not.toHaveProperty('x-ms-date');
    expect(followed.headers).not.toHaveProperty('content-type');
    expect(followed.headers['idempotency-key']).toBe('lead-1');
  });

  it('given a GET with credentials redirected to another origin, then the other server receives none of them', async () => {
    first.answer = redirectTo(`${second.origin}/blob`, 302);
    const headers = { authorization: 'SharedKey acct:sig', cookie: 'session=1', 'x-ms-version': '2019-02-02', 'x-api-key': 'k', range: 'bytes=0-511' };
    await safeRequest(`${first.origin}/blob`, { ...DEV, headers, credentialHeaders: ['X-Api-Key'] });
    expect(first.received[0].headers).toMatchObject({ authorization: 'SharedKey acct:sig', 'x-api-key': 'k' });
    const forwarded = second.received[0].headers;
    for (const name of ['authorization', 'cookie', 'x-ms-version', 'x-api-key']) expect(forwarded).not.toHaveProperty(name);
    expect(forwarded.range).toBe('bytes=0-511');
  });

  it.each([307, 308, 301])('given a POST redirected %i within the origin, then it is sent again with its body and Authorization', async (status) => {
    first.answer = (request, response) => (request.url === '/leads' ? redirectTo('/v2/leads', status)(request, response) : response.end('taken'));
    const response = await safeRequest(`${first.origin}/leads`, leadPost);
    expect(response.body.toString()).toBe('taken');
    expect(first.received.map((r) => `${r.method} ${r.url} ${r.headers.authorization} ${r.body}`)).toEqual([
      'POST /leads Bearer publisher-secret {"lead":"private data"}',
      'POST /v2/leads Bearer publisher-secret {"lead":"private data"}',
    ]);
  });

  it('given more redirects than allowed, then too-many-redirects', async () => {
    first.answer = redirectTo('/again', 302);
    await expect(safeRequest(`${first.origin}/loop`, { ...DEV, maxRedirects: 2 })).rejects.toMatchObject({ code: 'too-many-redirects' });
    expect(first.received).toHaveLength(3);
  });

  it('given a Location that is not a URL, then malformed-location, not an untyped error', async () => {
    first.answer = redirectTo('http://[not-an-address/x', 302);
    const failure = await safeRequest(`${first.origin}/blob`, DEV).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SafeHttpError);
    expect(failure).toMatchObject({ code: 'malformed-location', message: expect.stringContaining('"http://[not-an-address/x"') });
  });

  it('given a redirect to the metadata address, then it is refused even in development mode', async () => {
    first.answer = redirectTo('http://169.254.169.254/latest/meta-data', 302);
    await expect(safeRequest(`${first.origin}/blob`, DEV)).rejects.toMatchObject({ code: 'address-not-allowed' });
  });
});

describe('bodies cut short', () => {
  it('given Content-Length 100 and a connection closed after 10 bytes, then truncated-body', async () => {
    const server = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n0123456789');
    try {
      const failure = await safeRequest(`${server.origin}/blob`, DEV).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SafeHttpError);
      expect(failure).toMatchObject({ code: 'truncated-body', message: expect.stringMatching(/ended after 10 of the 100 announced bytes/) });
    } finally {
      await server.close();
    }
  });

  it('given a chunked body whose connection closes before the last chunk, then truncated-body', async () => {
    const server = await rawServer('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\na\r\n0123456789\r\n');
    try {
      await expect(safeRequest(`${server.origin}/blob`, DEV)).rejects.toMatchObject({ code: 'truncated-body' });
    } finally {
      await server.close();
    }
  });

  it('given a HEAD answered with a Content-Length and no body, then it is not taken for a truncated body', async () => {
    const response = await safeRequest(`${first.origin}/blob`, { ...DEV, method: 'HEAD' });
    expect(response.status).toBe(200);
  });
});

describe('production mode', () => {
  it('given a host name that resolves to loopback, then it is refused before any request is sent', async () => {
    const port = new URL(first.origin).port;
    const failure = await safeRequest(`https://localhost:${port}/blob`, { timeoutMs: 3000 }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'address-not-allowed', message: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1)/) });
    expect(first.received).toEqual([]);
  });
});
