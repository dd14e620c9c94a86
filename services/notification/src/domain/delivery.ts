/** How a failed SMTP delivery goes on: tried again later, or given up (and reported). */
export type DeliveryVerdict = { retry: true; delayMs: number } | { retry: false; reason: string };

export interface DeliveryFailure {
  /** SMTP reply code, when the server answered (421, 450, 550, ...); undefined when it could not be reached. */
  responseCode?: number;
  /** The server's reply, or the connection error. */
  message: string;
}

export interface RetryPolicy {
  maxTries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * A 5xx reply is permanent (the server refuses this message for good); no answer or a 4xx reply is
 * transient and is retried with exponential backoff (jitter from `random`) until `maxTries`.
 */
export function afterDeliveryFailure(failure: DeliveryFailure, tries: number, policy: RetryPolicy, random: () => number = Math.random): DeliveryVerdict {
  const code = failure.responseCode;
  if (code !== undefined && code >= 500 && code < 600) return { retry: false, reason: failure.message };
  if (tries >= policy.maxTries) return { retry: false, reason: `gave up: ${failure.message}` };
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(tries - 1, 30));
  return { retry: true, delayMs: Math.round(ceiling / 2 + (random() * ceiling) / 2) };
}
