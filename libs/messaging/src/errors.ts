import { RpcException } from '@nestjs/microservices';

export interface PermanentFailurePayload {
  kind: 'permanent';
  code: string;
  reason: string;
}

/**
 * Thrown by a handler when the event can never be processed (retrying cannot help): the consumer
 * dead-letters it with `reason` and moves on. Any other error is treated as transient and retried.
 * It extends RpcException so that the reason survives Nest's RPC exception layer.
 */
export class PermanentEventError extends RpcException {
  constructor(
    readonly reason: string,
    readonly code = 'handler-rejected',
  ) {
    super({ kind: 'permanent', code, reason } satisfies PermanentFailurePayload);
  }
}

export function asPermanentFailure(error: unknown): PermanentFailurePayload | undefined {
  if (error instanceof PermanentEventError) return { kind: 'permanent', code: error.code, reason: error.reason };
  if (error && typeof error === 'object' && (error as { kind?: unknown }).kind === 'permanent') {
    const e = error as Partial<PermanentFailurePayload>;
    return { kind: 'permanent', code: String(e.code ?? 'handler-rejected'), reason: String(e.reason ?? 'rejected') };
  }
  return undefined;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}
