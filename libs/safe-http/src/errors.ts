import type { AddressVerdict } from './address-rules';

export type SafeHttpErrorCode =
  | 'invalid-url'
  | 'scheme-not-allowed'
  | 'address-not-allowed'
  | 'dns-failed'
  | 'timeout'
  | 'too-large'
  | 'too-many-redirects'
  /** A redirect whose Location is not a URL. */
  | 'malformed-location'
  /** A redirect of a POST or PUT to another origin: its body and credentials are not sent on. */
  | 'redirect-refused'
  /** The connection ended before the announced Content-Length (or the chunked body's end) arrived. */
  | 'truncated-body'
  | 'network'
  | 'aborted';

export class SafeHttpError extends Error {
  constructor(
    readonly code: SafeHttpErrorCode,
    message: string,
    /** The system error code behind a `network` error (ECONNREFUSED, ECONNRESET, CERT_HAS_EXPIRED...). */
    readonly errno?: string,
    /** For `address-not-allowed`: the range the address is in, and the IPv4 it carries if it is a NAT64, 6to4, Teredo... address. */
    readonly refusedAddress?: AddressVerdict,
  ) {
    super(message);
  }
}
