import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy the test controls, in front of a server (e.g. PostgreSQL on 127.0.0.1:5432): services
 * connect to the proxy's port. `down()` destroys every proxied connection and stops listening, so that
 * new connections are refused (ECONNREFUSED) as they would be by a server that went away; `up()` listens
 * again on the same port.
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<Socket>();
  private listenPort = 0;
  /** Connections accepted and connections dropped by `down()`, for the report. */
  readonly stats = { accepted: 0, dropped: 0, outages: 0 };

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    return this.listenPort;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** Starts listening (on `port`, or a free one the first time; the same one after a `down()`). */
  async up(port = this.listenPort): Promise<this> {
    if (this.server) return this;
    const server = net.createServer((client) => this.accept(client));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.listenPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Drops every connection and refuses new ones until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.stats.outages += 1;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) {
      this.stats.dropped += 1;
      socket.destroy();
    }
    this.sockets.clear();
    await closed;
  }

  async close(): Promise<void> {
    await this.down();
  }

  private accept(client: Socket): void {
    if (!this.server) {
      client.destroy();
      return;
    }
    this.stats.accepted += 1;
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
