import type { ExceededLimit, FieldProblem } from '../domain/limits';
import type { ExceededQuota } from '../domain/quotas';

/**
 * Why a use case refused, in its own terms; http/errors.ts gives each kind its status code and the
 * error body (`code`, `message`, then `details` in order).
 */
export type RefusalKind =
  'invalid-input' | 'not-found' | 'conflict' | 'precondition-failed' | 'precondition-required' | 'too-large' | 'unprocessable' | 'too-many-requests';

export class ApplicationError extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'offer') => new ApplicationError('not-found', 'not-found', `no such ${what}`);

export const invalidInput = (message: string, fields: FieldProblem[]) => new ApplicationError('invalid-input', 'validation-failed', message, { fields });

/** A draft over the limits of domain/limits.ts: the first limit, and every exceeded one as a field. */
export function draftTooLarge(exceeded: ExceededLimit[], kind: 'conflict' | 'too-large', message: string): ApplicationError {
  const [first] = exceeded;
  return new ApplicationError(kind, 'draft-too-large', `${message}: ${exceeded.map((e) => e.problem).join('; ')}`, {
    limit: { name: first.name, max: first.max, actual: first.actual },
    limits: exceeded.map(({ name, max, actual }) => ({ name, max, actual })),
    fields: exceeded.map((e) => ({ field: e.field, problems: [e.problem] })),
  });
}

/** The domain's precondition refusals (domain/drafts.ts) name their status; this is the kind each one is. */
export function refusal(decision: { status: 409 | 412 | 428; code: string; message: string }): ApplicationError {
  const kind = ({ 409: 'conflict', 412: 'precondition-failed', 428: 'precondition-required' } as const)[decision.status];
  return new ApplicationError(kind, decision.code, decision.message);
}

/** A publisher quota a write would break: the first one as `limit`, every one in `limits`. */
export function quotaExceeded(exceeded: ExceededQuota[]): ApplicationError {
  const [first] = exceeded;
  return new ApplicationError('conflict', 'quota-exceeded', `over the publisher's quota: ${exceeded.map((e) => e.problem).join('; ')}`, {
    limit: { name: first.name, max: first.max, actual: first.actual },
    limits: exceeded.map(({ name, max, actual }) => ({ name, max, actual })),
  });
}

/** Publishes per hour are a rate: the caller is told when the next one may start (Retry-After). */
export function publishRateExceeded(exceeded: ExceededQuota & { retryAfterSeconds: number }): ApplicationError {
  return new ApplicationError('too-many-requests', 'publish-quota-exceeded', `${exceeded.problem}; the next may start in ${exceeded.retryAfterSeconds} s`, {
    limit: { name: exceeded.name, max: exceeded.max, actual: exceeded.actual },
    retryAfterSeconds: exceeded.retryAfterSeconds,
  });
}
