import { render, type MessageCode, type MessageParams } from '@mkt/messages';
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

type Ref = [code: MessageCode, params?: MessageParams];

/**
 * A classified failure: its reason and action by code (texts in libs/messages, `lead.*` and
 * `lead-action.*`) with their parameters, and the English texts. Actions say what to fix, never "publish
 * again": the mail and the status view say that once, after the action.
 */
function report(code: string, [reasonCode, reasonParams = {}]: Ref, [actionCode, actionParams = {}]: Ref, retryable: boolean): ClassifiedLeadFailure {
  const params = { ...reasonParams, ...actionParams };
  return { code, reason: render(reasonCode, params, 'en'), action: render(actionCode, params, 'en'), reasonCode, actionCode, params, retryable };
}

function classifyEndpointStatus(status: number): ClassifiedLeadFailure {
  const answered: Ref = ['lead.endpoint-answered', { status }];
  if (status === 401 || status === 403) return report('lead-endpoint-unauthorized', answered, ['lead-action.check-credentials'], false);
  if (status === 404 || status === 405 || status === 410) return report('lead-endpoint-not-found', answered, ['lead-action.check-url-post'], false);
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    return report('lead-endpoint-rejected-lead', ['lead.endpoint-rejected-lead', { status }], ['lead-action.accept-json'], false);
  }
  if (status === 408 || status === 429 || status >= 500) return report('lead-endpoint-error', answered, ['lead-action.answer-2xx-retry'], true);
  return report('lead-endpoint-unexpected-answer', answered, ['lead-action.answer-2xx'], false);
}

function classifyEndpointError(code: string, detail: string | undefined, timeoutMs: number): ClassifiedLeadFailure {
  if (code === 'timeout') {
    const duration = formatDuration(timeoutMs);
    return report('lead-endpoint-timeout', ['lead.endpoint-timeout', { duration }], ['lead-action.answer-within', { duration }], true);
  }
  if (code === 'ECONNREFUSED') return report('lead-endpoint-unreachable', ['lead.endpoint-refused'], ['lead-action.check-server'], true);
  if (UNREACHABLE_CODES.has(code)) {
    const reason: Ref = detail ? ['lead.endpoint-unreachable.detail', { detail }] : ['lead.endpoint-unreachable'];
    return report('lead-endpoint-unreachable', reason, ['lead-action.check-server'], true);
  }
  if (UNKNOWN_HOST_CODES.has(code)) return report('lead-endpoint-unknown-host', ['lead.endpoint-unknown-host'], ['lead-action.check-host-name'], true);
  if (TLS_CODES.has(code)) {
    const why = code === 'tls' ? detail : code;
    return report('lead-endpoint-tls', why ? ['lead.endpoint-tls.detail', { detail: why }] : ['lead.endpoint-tls'], ['lead-action.valid-certificate'], false);
  }
  switch (code) {
    case 'invalid-url':
      return report('lead-endpoint-invalid-url', ['lead.endpoint-invalid-url'], ['lead-action.full-https-url'], false);
    case 'scheme-not-allowed':
      return report('lead-endpoint-not-https', ['lead.endpoint-not-https'], ['lead-action.use-https'], false);
    case 'address-not-allowed':
      return report('lead-endpoint-private-address', ['lead.endpoint-private-address'], ['lead-action.public-endpoint'], false);
    case 'too-large':
      return report('lead-endpoint-answer-too-large', ['lead.endpoint-answer-too-large'], ['lead-action.short-body'], false);
    case 'too-many-redirects':
      return report('lead-endpoint-redirects', ['lead.endpoint-redirects'], ['lead-action.final-url'], false);
    case 'redirect-refused':
      return report('lead-endpoint-redirected-elsewhere', ['lead.endpoint-redirected-elsewhere'], ['lead-action.final-url-same-host'], false);
    case 'malformed-location':
      return report('lead-endpoint-invalid-redirect', ['lead.endpoint-invalid-redirect'], ['lead-action.final-url'], false);
    case 'truncated-body':
      return report('lead-endpoint-answer-cut-off', ['lead.endpoint-answer-cut-off'], ['lead-action.whole-answer'], true);
    default:
      return report('lead-endpoint-failed', ['lead.endpoint-failed', { detail: detail ?? code }], ['lead-action.retry-later'], true);
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
  const answer = `${status}${errorCode ? ` ${errorCode}` : ''}`;
  if (status === 401 || status === 403 || (errorCode && TABLE_AUTH_CODES.has(errorCode))) {
    return report('lead-table-unauthorized', ['lead.table-unauthorized', { answer }], ['lead-action.table-check-key'], false);
  }
  if (errorCode === 'InvalidResourceName' || errorCode === 'OutOfRangeInput') {
    return report('lead-table-invalid-name', ['lead.table-invalid-name.answer', { answer }], ['lead-action.table-name-rules'], false);
  }
  if (status === 404) return report('lead-table-not-found', ['lead.table-not-found', { answer }], ['lead-action.table-check-account'], false);
  if (status === 408 || status === 429 || status >= 500)
    return report('lead-table-error', ['lead.table-answered', { answer }], ['lead-action.table-available'], true);
  return report('lead-table-rejected-lead', ['lead.table-rejected-lead', { answer }], ['lead-action.table-check-settings'], false);
}

function classifyTableError(code: string, detail: string | undefined, timeoutMs: number): ClassifiedLeadFailure {
  if (code === 'invalid-connection-string' || code === 'invalid-url') {
    return report('lead-table-invalid-connection-string', ['lead.table-invalid-connection-string'], ['lead-action.table-copy-connection-string'], false);
  }
  if (code === 'timeout') {
    return report('lead-table-timeout', ['lead.table-timeout', { duration: formatDuration(timeoutMs) }], ['lead-action.table-connection-available'], true);
  }
  if (UNREACHABLE_CODES.has(code) || UNKNOWN_HOST_CODES.has(code)) {
    const quiet = code === 'ECONNREFUSED' || code === 'network' || !detail;
    return report(
      'lead-table-unreachable',
      quiet ? ['lead.table-unreachable'] : ['lead.table-unreachable.detail', { detail: detail! }],
      ['lead-action.table-check-connection-string'],
      true,
    );
  }
  if (code === 'scheme-not-allowed') return report('lead-table-not-https', ['lead.table-not-https'], ['lead-action.table-use-https'], false);
  if (code === 'address-not-allowed') return report('lead-table-private-address', ['lead.table-private-address'], ['lead-action.table-public-endpoint'], false);
  if (TLS_CODES.has(code)) {
    const why = code === 'tls' ? detail : code;
    return report('lead-table-tls', why ? ['lead.table-tls.detail', { detail: why }] : ['lead.table-tls'], ['lead-action.table-standard-endpoint'], false);
  }
  return report('lead-table-failed', ['lead.table-failed', { detail: detail ?? code }], ['lead-action.table-connection-available'], true);
}

function classifyMisconfiguration(failure: Extract<LeadFailure, { kind: 'misconfigured' }>): ClassifiedLeadFailure {
  const { setting, problem } = failure;
  if (problem === 'unavailable')
    return report('lead-secret-unavailable', ['lead.secret-unavailable', { setting }], ['lead-action.give-secret-again', { setting }], false);
  if (setting.endsWith('tableName') && problem === 'invalid') {
    return report('lead-table-invalid-name', ['lead.table-invalid-name'], ['lead-action.table-name-rules'], false);
  }
  return report('lead-settings-incomplete', ['lead.settings-incomplete', { setting, problem }], ['lead-action.fix-settings', { setting, problem }], false);
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
