import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { QUOTA_ENV, takeToken, type Bucket } from '../domain/quotas';
import { bearerToken, TokenVerifier } from './auth';
import type { ErrorBody } from './errors';

/** Callers remembered at once; the least recently seen are forgotten first (a forgotten bucket is full). */
const MAX_BUCKETS = 100_000;

/** Probes must never be throttled: a 429 would make an orchestrator restart a healthy instance. */
const UNLIMITED_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * Requests per second of each caller: the subject of a valid token, or the client address without one
 * (so that made-up tokens do not each get a bucket). Buckets are per instance: with n instances a caller
 * may reach n times the rate; the persisted quotas (domain/quotas.ts) are what hold across instances.
 */
@Injectable()
export class RequestRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  /** First of the request hooks: a throttled request costs no body parsing, validation or query. */
  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      if (UNLIMITED_PATHS.has(request.url.split('?')[0])) return;
      const retryAfterMs = this.take(await this.callerOf(request), Date.now());
      if (retryAfterMs !== undefined) return this.refuse(reply, retryAfterMs);
    });
  }

  private async callerOf(request: FastifyRequest): Promise<string> {
    const token = bearerToken(request);
    const principal = token ? await this.verifier.verify(token).catch(() => undefined) : undefined;
    return principal ? `${principal.role}:${principal.sub}` : `address:${request.ip}`;
  }

  /** Undefined when the request may go on; otherwise how long until it could. */
  private take(caller: string, now: number): number | undefined {
    const result = takeToken(this.buckets.get(caller), this.config.rateLimit, now);
    this.buckets.delete(caller); // re-inserted last: the Map's order is then least recently seen first
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(caller, result.bucket);
    return result.allowed ? undefined : result.retryAfterMs;
  }

  private refuse(reply: FastifyReply, retryAfterMs: number): FastifyReply {
    const { perSecond, burst } = this.config.rateLimit;
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const body: ErrorBody = {
      statusCode: 429,
      code: 'rate-limited',
      message: `more than ${perSecond} requests per second (bursts of ${burst}) from this caller; retry after ${retryAfterSeconds} s`,
      limit: { name: QUOTA_ENV.perSecond, max: perSecond, burst },
      retryAfterSeconds,
    };
    return reply.status(429).header('retry-after', String(retryAfterSeconds)).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
