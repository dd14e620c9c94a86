import { MAX_LISTED } from '@mkt/events';
import {
  certificationOutcome,
  certifyDisk,
  disksOf,
  imageListOf,
  imageListProblems,
  type BlobReader,
  type CheckResult,
  type DiskRef,
  type FetchOutcome,
} from '../src/domain';
import { buildFooter, GIB } from './vhd-fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');
const RULES = { sasMinDays: 21, allowHttp: false, timeoutMs: 5000 };
const SAS = 'sv=2022-11-02&sr=b&sp=r&se=2027-03-01T00:00:00Z&sig=abc';
const disk = (url: string, overrides: Partial<DiskRef> = {}): DiskRef => ({ planId: 'gold', imageVersion: '1.0.0', disk: 'os', role: 'os', url, ...overrides });

/** A blob store in memory: answers HEAD and ranged GETs of one blob, and records what was asked. */
function fakeBlob(size: number, footer: Buffer, behaviour: { head?: FetchOutcome; range?: FetchOutcome } = {}) {
  const calls: string[] = [];
  const reader: BlobReader = {
    async probe() {
      calls.push('HEAD');
      return behaviour.head ?? { kind: 'response', status: 200, headers: { 'content-length': String(size) }, body: Buffer.alloc(0) };
    },
    async readRange(_url, first, last) {
      calls.push(`GET ${first}-${last}`);
      return behaviour.range ?? { kind: 'response', status: 206, headers: { 'content-range': `bytes ${first}-${last}/${size}` }, body: footer };
    },
  };
  return { reader, calls };
}

const summary = (results: CheckResult[]) => results.map((r) => `${r.check}:${r.passed ? 'pass' : 'FAIL'}`);

describe('certifyDisk', () => {
  test('given a good fixed 30 GiB VHD, when certified, then it reads only the size and the last 512 bytes, and all 12 checks pass', async () => {
    const size = 30 * GIB + 512;
    const blob = fakeBlob(size, buildFooter({ currentSize: 30 * GIB }));
    const results = await certifyDisk(disk(`https://contoso.blob.core.windows.net/v/os.vhd?${SAS}`), blob.reader, NOW, RULES);
    expect(blob.calls).toEqual(['HEAD', `GET ${size - 512}-${size - 1}`]);
    expect(results).toHaveLength(12);
    expect(results.every((r) => r.passed && r.planId === 'gold' && r.imageVersion === '1.0.0' && r.disk === 'os')).toBe(true);
  });

  test('given an expired SAS token, when certified, then nothing is fetched and the expiry check fails', async () => {
    const blob = fakeBlob(30 * GIB + 512, buildFooter({ currentSize: 30 * GIB }));
    const results = await certifyDisk(disk('https://contoso.blob.core.windows.net/v/os.vhd?sv=1&sp=r&se=2026-01-01&sig=x'), blob.reader, NOW, RULES);
    expect(blob.calls).toEqual([]);
    expect(summary(results)).toEqual(['disk-url:pass', 'sas-token:pass', 'sas-read-permission:pass', 'sas-expiry:FAIL']);
  });

  test('given a blob that is not there, when certified, then the footer is not requested', async () => {
    const blob = fakeBlob(0, Buffer.alloc(0), { head: { kind: 'response', status: 404, headers: {}, body: Buffer.alloc(0) } });
    const results = await certifyDisk(disk(`https://contoso.blob.core.windows.net/v/none.vhd?${SAS}`), blob.reader, NOW, RULES);
    expect(blob.calls).toEqual(['HEAD']);
    expect(summary(results).at(-1)).toBe('vhd-reachable:FAIL');
  });

  test('given a server that ignores Range, when certified, then the footer checks are not run', async () => {
    const blob = fakeBlob(30 * GIB + 512, Buffer.alloc(0), { range: { kind: 'error', code: 'too-large', message: 'more than 1024 bytes' } });
    const results = await certifyDisk(disk(`https://contoso.blob.core.windows.net/v/os.vhd?${SAS}`), blob.reader, NOW, RULES);
    expect(summary(results).slice(-2)).toEqual(['vhd-reachable:pass', 'vhd-range-read:FAIL']);
  });

  test('given a data disk of 1100 GiB, when certified, then only its size limit fails', async () => {
    const blob = fakeBlob(1100 * GIB + 512, buildFooter({ currentSize: 1100 * GIB }));
    const results = await certifyDisk(disk(`https://contoso.blob.core.windows.net/v/d.vhd?${SAS}`, { disk: 'data-0', role: 'data' }), blob.reader, NOW, RULES);
    expect(results.filter((r) => !r.passed).map((r) => [r.disk, r.check])).toEqual([['data-0', 'vhd-size-limits']]);
  });

  test('given a cancellation thrown by the reader, when certified, then it propagates (nothing is judged)', async () => {
    const reader: BlobReader = {
      probe: () => Promise.reject(new Error('job canceled')),
      readRange: () => Promise.reject(new Error('unreachable')),
    };
    await expect(certifyDisk(disk(`https://contoso.blob.core.windows.net/v/os.vhd?${SAS}`), reader, NOW, RULES)).rejects.toThrow('job canceled');
  });
});

describe('image list', () => {
  const offer = {
    plans: [
      { id: 'gold', imageVersions: [{ version: '1.0.0', osDiskUrl: 'https://a/os', dataDiskUrls: ['https://a/d0', 'https://a/d1'] }] },
      { id: 'silver', imageVersions: [{ version: '2.0.0' }] },
      { id: 'empty', imageVersions: [] },
    ],
  };

  test('given plans with image versions, when listed, then every OS and data disk is a disk to certify, by LUN', () => {
    expect(disksOf(imageListOf(offer).images).map((d) => `${d.planId}/${d.imageVersion}/${d.disk}:${d.url}`)).toEqual([
      'gold/1.0.0/os:https://a/os',
      'gold/1.0.0/data-0:https://a/d0',
      'gold/1.0.0/data-1:https://a/d1',
      'silver/2.0.0/os:',
    ]);
  });

  test('given a plan without image versions, then it is a failed check of its own', () => {
    expect(imageListProblems(imageListOf(offer))).toEqual([expect.objectContaining({ planId: 'empty', check: 'image-version-present', passed: false })]);
  });

  test('given an offer without plans, then it fails for having no image at all', () => {
    expect(imageListProblems(imageListOf({}))).toEqual([
      expect.objectContaining({ check: 'image-version-present', message: expect.stringMatching(/no plan with a VM image/) }),
    ]);
  });
});

describe('certificationOutcome', () => {
  const check = (passed: boolean, name: CheckResult['check'] = 'vhd-cookie'): CheckResult => ({
    planId: 'p',
    imageVersion: '1',
    disk: 'os',
    check: name,
    passed,
    message: 'm',
  });

  test('given only passed checks, then CertificationPassed carries all of them', () => {
    expect(certificationOutcome([check(true), check(true, 'vhd-checksum')])).toEqual({
      type: 'CertificationPassed',
      data: { checks: [check(true), check(true, 'vhd-checksum')] },
    });
  });

  test('given a failed check, then CertificationFailed carries only the failures and how many checks ran', () => {
    expect(certificationOutcome([check(true), check(false, 'sas-expiry')])).toEqual({
      type: 'CertificationFailed',
      data: { failures: [check(false, 'sas-expiry')], checksRun: 2 },
    });
  });

  test('given more checks than an event lists, then the first ones are listed and the rest counted', () => {
    const failed = Array.from({ length: 250 }, () => check(false));
    expect(certificationOutcome([check(true), ...failed])).toEqual({
      type: 'CertificationFailed',
      data: { failures: failed.slice(0, MAX_LISTED), moreFailures: 150, checksRun: 251 },
    });
    const passed = Array.from({ length: 130 }, () => check(true));
    expect(certificationOutcome(passed)).toEqual({ type: 'CertificationPassed', data: { checks: passed.slice(0, MAX_LISTED), moreChecks: 30 } });
  });
});
