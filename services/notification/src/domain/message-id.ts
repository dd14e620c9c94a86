import { createHash } from 'node:crypto';

/**
 * The Message-ID of the one e-mail about `eventId` to `recipient`: the same every time it is computed, so
 * a message resent after a crash carries the same id and mail clients show it once.
 */
export function messageIdFor(eventId: string, recipient: string, domain: string): string {
  const digest = createHash('sha256').update(`${eventId}\n${recipient.toLowerCase()}`).digest('hex').slice(0, 40);
  return `<notification.${digest}@${domain}>`;
}
