import { checkSchema, OfferEventDefinitions, upcast } from '../src';

/** v2 of the events that carry publisher-facing messages: codes and parameters besides the English text. */
describe('events with message codes (v2)', () => {
  it('v1 problems, checks and regions are read with the code `text`, rendered as their English text', () => {
    const problems = upcast(OfferEventDefinitions.PrerequisitesRejected, 1, {
      problems: [{ path: 'title', code: 'required', message: 'Enter the offer title.' }],
    });
    expect(problems).toEqual({
      ok: true,
      data: {
        problems: [{ path: 'title', code: 'required', message: 'Enter the offer title.', messageCode: 'text', params: { text: 'Enter the offer title.' } }],
      },
    });
    const failed = upcast(OfferEventDefinitions.CertificationFailed, 1, {
      failures: [{ planId: 'p', imageVersion: '1.0.0', disk: 'os', check: 'sas-expiry', passed: false, message: 'expired' }],
      checksRun: 3,
    });
    expect(failed.ok && (failed.data.failures as Array<Record<string, unknown>>)[0]).toMatchObject({ messageCode: 'text', params: { text: 'expired' } });
    const regions = upcast(OfferEventDefinitions.ReplicationFailed, 1, {
      failedRegions: [
        { region: 'westeurope', status: 'failed', tries: 3, reason: 'quota' },
        { region: 'eastus', status: 'failed', tries: 0 },
      ],
      regionsReplicated: 1,
    });
    expect(regions.ok && regions.data.failedRegions).toEqual([
      { region: 'westeurope', status: 'failed', tries: 3, reason: 'quota', reasonCode: 'text', params: { text: 'quota' } },
      { region: 'eastus', status: 'failed', tries: 0 },
    ]);
  });

  it('a v1 stage failure keeps its texts and gains codes for both', () => {
    const v2 = upcast(OfferEventDefinitions.PackagingFailed, 1, { code: 'lead-endpoint-unreachable', reason: 'refused', action: 'check it' });
    expect(v2).toEqual({
      ok: true,
      data: {
        code: 'lead-endpoint-unreachable',
        reason: 'refused',
        action: 'check it',
        reasonCode: 'text',
        actionCode: 'text.action',
        params: { text: 'refused', action: 'check it' },
      },
    });
    expect(checkSchema(OfferEventDefinitions.PackagingFailed.schema, v2.ok ? v2.data : {})).toEqual([]);
  });

  it('v2 data with codes and parameters passes the schema; parameters must be an object', () => {
    const ok = { problems: [{ path: 'title', code: 'too-long', message: 'm', messageCode: 'validation.title.too-long', params: { max: 50 } }] };
    expect(checkSchema(OfferEventDefinitions.PrerequisitesRejected.schema, ok)).toEqual([]);
    const bad = { problems: [{ path: 'title', code: 'too-long', message: 'm', messageCode: 'validation.title.too-long', params: 'max=50' }] };
    expect(checkSchema(OfferEventDefinitions.PrerequisitesRejected.schema, bad).map((v) => v.path)).toEqual(['problems.0.params']);
  });
});
