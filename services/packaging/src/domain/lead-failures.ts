import type { FailureReport } from './stages';
import type { LeadTarget } from './test-lead';

export type LeadDestinationKind = LeadTarget['destination'];

/**
 * Why a test lead did not arrive, as the adapters observe it: the answer's HTTP status, or an error code
 * (safe-http's codes such as `timeout`, `network`, `dns-failed`, `address-not-allowed`, `redirect-refused`, `truncated-body`; Node's socket and
 * TLS codes such as `ECONNREFUSED`, `CERT_HAS_EXPIRED`; `invalid-connection-string`), or a missing setting.
 */
export type LeadFailure =
  | { destination: LeadDestinationKind; kind: 'status'; status: number; errorCode?: string }
  | { destination: LeadDestinationKind; kind: 'error'; code: string; detail?: string }
  | { destination: LeadDestinationKind; kind: 'misconfigured'; setting: string; problem: 'missing' | 'invalid' | 'unavailable' };

export interface ClassifiedLeadFailure extends FailureReport {
  /** Worth trying again (the endpoint may come back); otherwise the publisher has to fix something. */
  retryable: boolean;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
  /** safe-http reported a TLS problem without its code */
  'tls',
]);
const UNREACHABLE_CODES = new Set(['network', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'REQUEST_SEND_ERROR']);
const UNKNOWN_HOST_CODES = new Set(['dns-failed', 'ENOTFOUND', 'EAI_AGAIN']);

const RETRY_LATER = 'make sure it is up and reachable from the internet, then publish the offer again';

function report(code: string, reason: string, action: string, retryable: boolean): ClassifiedLeadFailure {
  return { code, reason, action, retryable };
}

function classifyEndpointStatus(status: number): ClassifiedLeadFailure {
  const answered = `the lead endpoint answered ${status}`;
  if (status === 401 || status === 403) {
    return report(
      'lead-endpoint-unauthorized',
      answered,
      'check the credentials: your endpoint must accept the Authorization value given in the lead settings',
      false,
    );
  }
  if (status === 404 || status === 405 || status === 410) {
    return report('lead-endpoint-not-found', answered, 'check the endpoint URL in the lead settings: it must accept POST requests', false);
  }
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    return report(
      'lead-endpoint-rejected-lead',
      `${answered}: it rejected the test lead`,
      'make your endpoint accept leads posted as JSON (application/json) in the documented lead format',
      false,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    return report('lead-endpoint-error', answered, `your endpoint must answer 2xx to a lead POST: ${RETRY_LATER}`, true);
  }
  return report(
    'lead-endpoint-unexpected-answer',
    answered,
    'your endpoint must answer a lead POST with a 2xx status (redirects are followed at most 3 times)',
    false,
  );
}

function classifyEndpointError(code: string, detail: string | undefined, timeoutMs: number): ClassifiedLeadFailure {
  if (code === 'timeout') {
    return report(
      'lead-endpoint-timeout',
      `the lead endpoint did not answer within ${formatDuration(timeoutMs)}`,
      `make your endpoint answer lead POSTs within ${formatDuration(timeoutMs)}: ${RETRY_LATER}`,
      true,
    );
  }
  if (code === 'ECONNREFUSED') {
    return report(
      'lead-endpoint-unreachable',
      'the lead endpoint refused the connection',
      `check the endpoint URL and that your server is running: ${RETRY_LATER}`,
      true,
    );
  }
  if (UNREACHABLE_CODES.has(code)) {
    const why = detail ? ` (${detail})` : '';
    return report(
      'lead-endpoint-unreachable',
      `the lead endpoint could not be reached${why}`,
      `check the endpoint URL and that your server is running: ${RETRY_LATER}`,
      true,
    );
  }
  if (UNKNOWN_HOST_CODES.has(code)) {
    return report(
      'lead-endpoint-unknown-host',
      'the host name of the lead endpoint could not be resolved',
      'check the host name of the endpoint URL in the lead settings',
      true,
    );
  }
  if (TLS_CODES.has(code)) {
    const why = code === 'tls' ? (detail ? ` (${detail})` : '') : ` (${code})`;
    return report(
      'lead-endpoint-tls',
      `the lead endpoint's TLS certificate was not accepted${why}`,
      'use a valid certificate from a public certificate authority that matches the host name of the endpoint',
      false,
    );
  }
  switch (code) {
    case 'invalid-url':
      return report(
        'lead-endpoint-invalid-url',
        'the lead endpoint URL is not a valid URL',
        'enter the full https:// URL of your endpoint, without user name or password in it',
        false,
      );
    case 'scheme-not-allowed':
      return report('lead-endpoint-not-https', 'the lead endpoint URL does not use https', 'use an https:// URL for the lead endpoint', false);
    case 'address-not-allowed':
      return report(
        'lead-endpoint-private-address',
        'the lead endpoint points to a private, loopback or reserved network address',
        'use an endpoint that is reachable on the public internet',
        false,
      );
    case 'too-large':
      return report(
        'lead-endpoint-answer-too-large',
        'the lead endpoint answered with a body that is too large',
        'answer a lead POST with a short body (or none)',
        false,
      );
    case 'too-many-redirects':
      return report(
        'lead-endpoint-redirects',
        'the lead endpoint redirected too many times',
        'enter the final URL of the endpoint, the one that accepts the POST',
        false,
      );
    case 'redirect-refused':
      return report(
        'lead-endpoint-redirected-elsewhere',
        'the lead endpoint redirected the lead POST to another host',
        'enter the final URL of the endpoint, the one that accepts the POST: a lead and its Authorization value are not sent on to another host',
        false,
      );
    case 'malformed-location':
      return report(
        'lead-endpoint-invalid-redirect',
        'the lead endpoint answered with a redirect whose Location is not a valid URL',
        'enter the final URL of the endpoint, the one that accepts the POST',
        false,
      );
    case 'truncated-body':
      return report(
        'lead-endpoint-answer-cut-off',
        'the lead endpoint closed the connection before its answer was complete',
        `make your endpoint send its whole answer (matching its Content-Length): ${RETRY_LATER}`,
        true,
      );
    default:
      return report('lead-endpoint-failed', `the test lead could not be sent (${detail ?? code})`, RETRY_LATER, true);
  }
}

const TABLE_AUTH_CODES = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'InsufficientAccountPermissions',
  'InvalidAuthenticationInfo',
]);

function classifyTableStatus(status: number, errorCode: string | undefined): ClassifiedLeadFailure {
  const answered = `the Azure table answered ${status}${errorCode ? ` ${errorCode}` : ''}`;
  if (status === 401 || status === 403 || (errorCode && TABLE_AUTH_CODES.has(errorCode))) {
    return report(
      'lead-table-unauthorized',
      `${answered}: the credentials were refused`,
      'check the account key (or SAS token) in the connection string; a SAS must allow adding and updating entities, and creating the table if it does not exist',
      false,
    );
  }
  if (errorCode === 'InvalidResourceName' || errorCode === 'OutOfRangeInput') {
    return report(
      'lead-table-invalid-name',
      `${answered}: the table name is not accepted`,
      'use a table name of 3 to 63 letters and digits, starting with a letter',
      false,
    );
  }
  if (status === 404) {
    return report(
      'lead-table-not-found',
      `${answered}: the storage account or table was not found`,
      'check the account name and table endpoint in the connection string',
      false,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    return report('lead-table-error', answered, 'check that the storage account is available, then publish the offer again', true);
  }
  return report('lead-table-rejected-lead', `${answered}: the test lead was not written`, 'check the connection string and the table settings', false);
}

function classifyTableError(code: string, detail: string | undefined, timeoutMs: number): ClassifiedLeadFailure {
  if (code === 'invalid-connection-string' || code === 'invalid-url') {
    return report(
      'lead-table-invalid-connection-string',
      'the Azure Storage connection string could not be read',
      "copy the connection string again from the storage account's Access keys page",
      false,
    );
  }
  if (code === 'timeout') {
    return report(
      'lead-table-timeout',
      `the Azure table did not answer within ${formatDuration(timeoutMs)}`,
      'check the connection string and that the storage account is available, then publish the offer again',
      true,
    );
  }
  if (UNREACHABLE_CODES.has(code) || UNKNOWN_HOST_CODES.has(code)) {
    const why = code === 'ECONNREFUSED' || code === 'network' || !detail ? '' : ` (${detail})`;
    return report(
      'lead-table-unreachable',
      `the Azure table could not be reached${why}`,
      'check the connection string: account name, endpoint suffix or table endpoint',
      true,
    );
  }
  if (code === 'scheme-not-allowed') {
    return report(
      'lead-table-not-https',
      'the connection string does not use https',
      'use DefaultEndpointsProtocol=https (and an https:// TableEndpoint) in the connection string',
      false,
    );
  }
  if (code === 'address-not-allowed') {
    return report(
      'lead-table-private-address',
      'the table endpoint points to a private, loopback or reserved network address',
      'use the public endpoint of your storage account in the connection string',
      false,
    );
  }
  if (TLS_CODES.has(code)) {
    const why = code === 'tls' ? (detail ? ` (${detail})` : '') : ` (${code})`;
    return report(
      'lead-table-tls',
      `the table endpoint's TLS certificate was not accepted${why}`,
      'use the standard endpoint of your storage account in the connection string',
      false,
    );
  }
  return report(
    'lead-table-failed',
    `the test lead could not be written to the Azure table (${detail ?? code})`,
    'check the connection string and that the storage account is available, then publish the offer again',
    true,
  );
}

function classifyMisconfiguration(failure: Extract<LeadFailure, { kind: 'misconfigured' }>): ClassifiedLeadFailure {
  if (failure.problem === 'unavailable') {
    return report(
      'lead-secret-unavailable',
      `the secret of ${failure.setting} is no longer stored (it was replaced or removed since this attempt was submitted)`,
      `give ${failure.setting} again, then publish the offer again`,
      false,
    );
  }
  const fix = failure.problem === 'missing' ? `fill in ${failure.setting}` : `correct ${failure.setting}`;
  if (failure.setting.endsWith('tableName') && failure.problem === 'invalid') {
    return report(
      'lead-table-invalid-name',
      'the table name of the lead destination is not valid',
      'use a table name of 3 to 63 letters and digits, starting with a letter',
      false,
    );
  }
  return report(
    'lead-settings-incomplete',
    `lead generation is on but ${failure.setting} is ${failure.problem}`,
    `${fix}, or turn lead generation off, then publish the offer again`,
    false,
  );
}

/** What went wrong with the test lead, in the publisher's terms, and what to do about it. */
export function classifyLeadFailure(failure: LeadFailure, settings: { timeoutMs: number }): ClassifiedLeadFailure {
  if (failure.kind === 'misconfigured') return classifyMisconfiguration(failure);
  if (failure.destination === 'https') {
    return failure.kind === 'status' ? classifyEndpointStatus(failure.status) : classifyEndpointError(failure.code, failure.detail, settings.timeoutMs);
  }
  return failure.kind === 'status'
    ? classifyTableStatus(failure.status, failure.errorCode)
    : classifyTableError(failure.code, failure.detail, settings.timeoutMs);
}
