import { randomUUID } from 'node:crypto';
import { withLogContext } from '@mkt/messaging';
import type { FastifyInstance } from 'fastify';

export const CORRELATION_HEADER = 'x-correlation-id';

/** What a caller may choose as correlation id: 8 to 128 characters of letters, digits and `._:-`. */
const ACCEPTED = /^[A-Za-z0-9._:-]{8,128}$/;

const PROBE_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** The caller's correlation id when it is acceptable, otherwise a new one. */
export function correlationIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTED.test(value) ? value : randomUUID();
}

/**
 * Every request runs with a correlation id in the log context (the caller's `x-correlation-id` when
 * acceptable, a new one otherwise) and answers it in the same header. A publish takes it as the
 * correlation id of the attempt it starts, carried by every event of that attempt down to the e-mails.
 */
export function installCorrelation(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    // probes and scrapes start nothing: what they log (a broker reconnecting) must not look like a request's work
    if (PROBE_PATHS.has(request.url.split('?')[0])) return done();
    const correlationId = correlationIdOf(request.headers[CORRELATION_HEADER]);
    void reply.header(CORRELATION_HEADER, correlationId);
    withLogContext({ correlationId }, () => done());
  });
}
