import { englishLeaks, render } from '@mkt/messages';
import { classifyLeadFailure, formatDuration, type LeadFailure } from '../src/domain';

const SETTINGS = { timeoutMs: 5_000 };

function classify(failure: LeadFailure) {
  return classifyLeadFailure(failure, SETTINGS);
}

describe('HTTPS lead endpoint failures', () => {
  test.each([
    [401, 'lead-endpoint-unauthorized', 'the lead endpoint answered 401', /check the credentials/, false],
    [403, 'lead-endpoint-unauthorized', 'the lead endpoint answered 403', /check the credentials/, false],
    [404, 'lead-endpoint-not-found', 'the lead endpoint answered 404', /check the endpoint URL/, false],
    [405, 'lead-endpoint-not-found', 'the lead endpoint answered 405', /POST/, false],
    [400, 'lead-endpoint-rejected-lead', 'the lead endpoint answered 400: it rejected the test lead', /JSON/, false],
    [422, 'lead-endpoint-rejected-lead', 'the lead endpoint answered 422: it rejected the test lead', /JSON/, false],
    [429, 'lead-endpoint-error', 'the lead endpoint answered 429', /2xx/, true],
    [500, 'lead-endpoint-error', 'the lead endpoint answered 500', /2xx/, true],
    [503, 'lead-endpoint-error', 'the lead endpoint answered 503', /reachable from the internet/, true],
    [302, 'lead-endpoint-unexpected-answer', 'the lead endpoint answered 302', /2xx/, false],
    [418, 'lead-endpoint-unexpected-answer', 'the lead endpoint answered 418', /2xx/, false],
  ])('given the endpoint answers %i, then the code is %s', (status, code, reason, action, retryable) => {
    const result = classify({ destination: 'https', kind: 'status', status });
    expect(result).toMatchObject({ code, reason, retryable });
    expect(result.action).toMatch(action);
  });

  test.each([
    ['timeout', 'lead-endpoint-timeout', 'the lead endpoint did not answer within 5 s', true],
    ['ECONNREFUSED', 'lead-endpoint-unreachable', 'the lead endpoint refused the connection', true],
    ['dns-failed', 'lead-endpoint-unknown-host', 'the host name of the lead endpoint could not be resolved', true],
    ['invalid-url', 'lead-endpoint-invalid-url', 'the lead endpoint URL is not a valid URL', false],
    ['scheme-not-allowed', 'lead-endpoint-not-https', 'the lead endpoint URL does not use https', false],
    ['address-not-allowed', 'lead-endpoint-private-address', 'the lead endpoint points to a private, loopback or reserved network address', false],
    ['too-large', 'lead-endpoint-answer-too-large', 'the lead endpoint answered with a body that is too large', false],
    ['too-many-redirects', 'lead-endpoint-redirects', 'the lead endpoint redirected too many times', false],
    ['redirect-refused', 'lead-endpoint-redirected-elsewhere', 'the lead endpoint redirected the lead POST to another host', false],
    ['malformed-location', 'lead-endpoint-invalid-redirect', 'the lead endpoint answered with a redirect whose Location is not a valid URL', false],
    ['truncated-body', 'lead-endpoint-answer-cut-off', 'the lead endpoint closed the connection before its answer was complete', true],
    ['CERT_HAS_EXPIRED', 'lead-endpoint-tls', "the lead endpoint's TLS certificate was not accepted (CERT_HAS_EXPIRED)", false],
    ['tls', 'lead-endpoint-tls', "the lead endpoint's TLS certificate was not accepted", false],
  ])('given the request fails with %s, then the code is %s', (errorCode, code, reason, retryable) => {
    expect(classify({ destination: 'https', kind: 'error', code: errorCode })).toMatchObject({ code, reason, retryable });
  });

  test('given a connection reset, then the reason carries the detail', () => {
    const result = classify({ destination: 'https', kind: 'error', code: 'ECONNRESET', detail: 'socket hang up' });
    expect(result).toMatchObject({ code: 'lead-endpoint-unreachable', reason: 'the lead endpoint could not be reached (socket hang up)', retryable: true });
  });

  test('given the timeout is configured lower, then the message says that timeout', () => {
    expect(classifyLeadFailure({ destination: 'https', kind: 'error', code: 'timeout' }, { timeoutMs: 1_500 }).reason).toBe(
      'the lead endpoint did not answer within 1.5 s',
    );
  });

  test('given an unknown error code, then it is reported with its detail and retried', () => {
    expect(classify({ destination: 'https', kind: 'error', code: 'EWHATEVER', detail: 'odd' })).toMatchObject({
      code: 'lead-endpoint-failed',
      reason: expect.stringContaining('odd'),
      retryable: true,
    });
  });

  test('given lead generation is on without a URL, then the publisher is told to fill it in', () => {
    const result = classify({ destination: 'https', kind: 'misconfigured', setting: 'leadDestination.https.url', problem: 'missing' });
    expect(result).toMatchObject({
      code: 'lead-settings-incomplete',
      reason: 'lead generation is on but leadDestination.https.url is missing',
      retryable: false,
    });
    expect(result.action).toMatch(/^fill in leadDestination.https.url/);
  });
});

describe('Azure table failures', () => {
  test.each([
    ['ECONNREFUSED', 'lead-table-unreachable', 'the Azure table could not be reached', true],
    ['network', 'lead-table-unreachable', 'the Azure table could not be reached', true],
    ['timeout', 'lead-table-timeout', 'the Azure table did not answer within 5 s', true],
    ['invalid-connection-string', 'lead-table-invalid-connection-string', 'the Azure Storage connection string could not be read', false],
    ['scheme-not-allowed', 'lead-table-not-https', 'the connection string does not use https', false],
    ['address-not-allowed', 'lead-table-private-address', 'the table endpoint points to a private, loopback or reserved network address', false],
  ])('given the table request fails with %s, then the code is %s', (errorCode, code, reason, retryable) => {
    const result = classify({ destination: 'azure-table', kind: 'error', code: errorCode });
    expect(result).toMatchObject({ code, reason, retryable });
  });

  test('given an unknown host, then the reason names it and the action points at the connection string', () => {
    const result = classify({ destination: 'azure-table', kind: 'error', code: 'dns-failed', detail: 'acct.table.core.windows.net could not be resolved' });
    expect(result.code).toBe('lead-table-unreachable');
    expect(result.reason).toBe('the Azure table could not be reached (acct.table.core.windows.net could not be resolved)');
    expect(result.action).toMatch(/^check the connection string/);
  });

  test.each([
    [403, 'AuthorizationFailure', 'lead-table-unauthorized', false],
    [403, 'AuthenticationFailed', 'lead-table-unauthorized', false],
    [400, 'InvalidResourceName', 'lead-table-invalid-name', false],
    [404, 'ResourceNotFound', 'lead-table-not-found', false],
    [503, 'ServerBusy', 'lead-table-error', true],
    [409, 'EntityAlreadyExists', 'lead-table-rejected-lead', false],
  ])('given the table answers %i %s, then the code is %s', (status, errorCode, code, retryable) => {
    const result = classify({ destination: 'azure-table', kind: 'status', status, errorCode });
    expect(result).toMatchObject({ code, retryable });
    expect(result.reason).toContain(`the Azure table answered ${status} ${errorCode}`);
  });

  test('given an invalid table name in the settings, then the publisher is told the naming rule', () => {
    const result = classify({ destination: 'azure-table', kind: 'misconfigured', setting: 'leadDestination.azureTable.tableName', problem: 'invalid' });
    expect(result).toMatchObject({ code: 'lead-table-invalid-name', action: expect.stringContaining('3 to 63 letters and digits') });
  });
});

test('durations read naturally', () => {
  expect([formatDuration(250), formatDuration(1000), formatDuration(5000), formatDuration(2500)]).toEqual(['250 ms', '1 s', '5 s', '2.5 s']);
});

describe('the texts of lead failures', () => {
  const FAILURES: LeadFailure[] = [
    ...[401, 404, 400, 503, 302].map((status): LeadFailure => ({ destination: 'https', kind: 'status', status })),
    ...['timeout', 'ECONNREFUSED', 'ECONNRESET', 'dns-failed', 'tls', 'CERT_HAS_EXPIRED', 'invalid-url', 'scheme-not-allowed', 'address-not-allowed'].map(
      (code): LeadFailure => ({ destination: 'https', kind: 'error', code, detail: 'x' }),
    ),
    ...['too-large', 'too-many-redirects', 'redirect-refused', 'malformed-location', 'truncated-body', 'weird'].map((code): LeadFailure => ({
      destination: 'https',
      kind: 'error',
      code,
    })),
    ...[403, 404, 500, 409].map((status): LeadFailure => ({ destination: 'azure-table', kind: 'status', status })),
    { destination: 'azure-table', kind: 'status', status: 400, errorCode: 'InvalidResourceName' },
    ...['invalid-connection-string', 'timeout', 'ENOTFOUND', 'scheme-not-allowed', 'address-not-allowed', 'tls', 'weird'].map((code): LeadFailure => ({
      destination: 'azure-table',
      kind: 'error',
      code,
      detail: 'x',
    })),
    { destination: 'https', kind: 'misconfigured', setting: 'leadDestination.https.url', problem: 'missing' },
    { destination: 'azure-table', kind: 'misconfigured', setting: 'leadDestination.azureTable.tableName', problem: 'invalid' },
    { destination: 'azure-table', kind: 'misconfigured', setting: 'leadDestination.azureTable.connectionString', problem: 'unavailable' },
  ];

  test('no action says to publish again (the mail and the status view say it once, after the action)', () => {
    for (const failure of FAILURES) expect(classify(failure).action).not.toMatch(/publish/i);
  });

  test('reason and action carry codes whose English rendering is the text, and render without English in pt-BR and it', () => {
    for (const failure of FAILURES) {
      const result = classify(failure);
      expect(render(result.reasonCode!, result.params, 'en')).toBe(result.reason);
      expect(render(result.actionCode!, result.params, 'en')).toBe(result.action);
      for (const language of ['pt-BR', 'it']) {
        const text = `${render(result.reasonCode!, result.params, language)} ${render(result.actionCode!, result.params, language)}`;
        expect(englishLeaks(text)).toEqual([]);
      }
    }
  });
});
