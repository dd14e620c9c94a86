import { isEmail } from 'class-validator';

export interface Recipients {
  /** Trimmed, lower-cased, each once, in the order given. */
  valid: string[];
  /** What was given but is not one plain address (these get no mail; validation reports them). */
  invalid: string[];
}

/**
 * One address per entry: anything else ("a@x.com, b@y.com", display names, line breaks) is refused so
 * that a value the publisher typed can never add recipients or headers to a message.
 */
export function normalizeRecipients(addresses: readonly string[]): Recipients {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const raw of addresses) {
    const address = raw.trim().toLowerCase();
    if (!isEmail(address) || /[\s,;<>"]/.test(address)) invalid.push(raw);
    else if (!valid.includes(address)) valid.push(address);
  }
  return { valid, invalid };
}
