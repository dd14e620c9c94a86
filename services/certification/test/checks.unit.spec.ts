import { render } from '@mkt/messages';
import {
  checkChecksum,
  checkCookie,
  checkDiskType,
  checkDiskUrl,
  checkFileLength,
  checkFooter,
  checkSasExpiry,
  checkSasPresent,
  checkSasReadPermission,
  checkSizeAlignment,
  checkSizeLimits,
  checkUrlAndSas,
  judgeFooterRead,
  judgeSizeProbe,
  parseContentRange,
  parseSasToken,
  parseVhdFooter,
  type FetchOutcome,
} from '../src/domain';
import { buildFooter, GIB, MIB } from './vhd-fixtures';

const NOW = new Date('2026-11-20T12:00:00Z');
const RULES = { sasMinDays: 21, allowHttp: false, timeoutMs: 5000 };
const BLOB = 'https://contoso.blob.core.windows.net/vhds/os.vhd';
const footer = (spec: Parameters<typeof buildFooter>[0]) => parseVhdFooter(buildFooter(spec));
const response = (status: number, headers: Record<string, string> = {}, body: Buffer = Buffer.alloc(0)): FetchOutcome => ({
  kind: 'response',
  status,
  headers,
  body,
});

describe('disk URL', () => {
  test('given an https blob URL, then it passes', () => {
    expect(checkDiskUrl('os', `${BLOB}?sv=1`, RULES).passed).toBe(true);
  });

  test('given an http URL in production, then it fails and asks for https', () => {
    expect(checkDiskUrl('os', 'http://contoso.blob.core.windows.net/vhds/os.vhd', RULES)).toEqual({
      check: 'disk-url',
      passed: false,
      message: 'The OS disk URL uses http; give an https:// blob URL of the VHD',
      messageCode: 'certification.disk-url.scheme',
      params: { disk: 'os', lun: '', scheme: 'http' },
    });
  });

  test('given an http URL in development, then it passes', () => {
    expect(checkDiskUrl('os', 'http://127.0.0.1:9/os.vhd', { allowHttp: true }).passed).toBe(true);
  });

  test('given no URL, then it fails saying it is missing', () => {
    expect(checkDiskUrl('data-1', '', RULES).message).toBe(
      'Data disk 1 URL is missing; give the blob URL of the VHD, with a SAS token that grants read access',
    );
  });

  test('given text that is not a URL, then it fails', () => {
    expect(checkDiskUrl('os', 'not a url', RULES)).toMatchObject({ passed: false, message: expect.stringMatching(/not a valid URL/) });
  });
});

describe('SAS token', () => {
  const token = (query: string) => parseSasToken(`${BLOB}?${query}`);

  test('given sv, sp, se and sig, then the token is present', () => {
    expect(checkSasPresent('os', token('sv=2022-11-02&sp=r&se=2027-01-01&sig=abc')).passed).toBe(true);
  });

  test('given no query at all, then it fails saying there is no SAS token', () => {
    expect(checkSasPresent('os', parseSasToken(BLOB)).message).toMatch(/^The OS disk URL has no SAS token; generate a SAS token/);
  });

  test('given a token without signature and expiry, then it names what is missing', () => {
    expect(checkSasPresent('os', token('sv=2022-11-02&sp=r'))).toMatchObject({ passed: false, message: expect.stringContaining('lacks se, sig') });
  });

  test('given sp=rl, then read access is granted', () => {
    expect(checkSasReadPermission('os', token('sp=rl')).passed).toBe(true);
  });

  test('given sp=wl, then it fails and asks for Read permission', () => {
    expect(checkSasReadPermission('data-0', token('sp=wl'))).toEqual({
      check: 'sas-read-permission',
      passed: false,
      message: "Data disk 0's SAS token does not grant read access (sp=wl); generate one with Read permission",
      messageCode: 'certification.sas-read-permission.failed',
      params: { disk: 'data', lun: '0', permissions: 'wl' },
    });
  });

  test('given an expiry 30 days ahead, then it passes', () => {
    expect(checkSasExpiry('os', token('se=2026-12-20T12:00:00Z'), NOW, RULES)).toMatchObject({
      passed: true,
      message: expect.stringContaining('valid until 2026-12-20'),
    });
  });

  test('given an expiry exactly 21 days ahead, then it passes', () => {
    expect(checkSasExpiry('os', token('se=2026-12-11T12:00:00Z'), NOW, RULES).passed).toBe(true);
  });

  test('given an expiry 15 days ahead, then it fails with the date and the minimum', () => {
    expect(checkSasExpiry('os', token('se=2026-12-05T00:00:00Z'), NOW, RULES)).toEqual({
      check: 'sas-expiry',
      passed: false,
      message: "The OS disk's SAS token expires on 2026-12-05; generate one valid for at least 21 days",
      messageCode: 'certification.sas-expiry.too-soon',
      params: { disk: 'os', lun: '', date: '2026-12-05', days: 21 },
    });
    // the same check in the publisher's language, from its code
    const { messageCode, params } = checkSasExpiry('data-2', token('se=2026-12-05T00:00:00Z'), NOW, RULES);
    expect(render(messageCode!, params, 'pt-BR')).toBe('O token SAS do disco de dados 2 expira em 2026-12-05; gere um válido por pelo menos 21 dias');
    expect(render(messageCode!, params, 'it')).toBe('Il token SAS del disco dati 2 scade il 2026-12-05; generane uno valido per almeno 21 giorni');
  });

  test('given an expiry in the past, then it fails saying it expired', () => {
    expect(checkSasExpiry('os', token('se=2026-11-01'), NOW, RULES).message).toBe(
      "The OS disk's SAS token expired on 2026-11-01; generate one valid for at least 21 days",
    );
  });

  test('given an expiry that is not a date, then it fails', () => {
    expect(checkSasExpiry('os', token('se=soon'), NOW, RULES).message).toMatch(/se=soon\) is not a date/);
  });

  test('given a URL without a SAS token, when URL and SAS are checked, then the permission and expiry checks are not run', () => {
    expect(checkUrlAndSas('os', BLOB, NOW, RULES).map((v) => [v.check, v.passed])).toEqual([
      ['disk-url', true],
      ['sas-token', false],
    ]);
  });

  test('given a good URL, when URL and SAS are checked, then all four checks pass', () => {
    const verdicts = checkUrlAndSas('os', `${BLOB}?sv=2022-11-02&sp=r&se=2027-06-01&sig=x`, NOW, RULES);
    expect(verdicts.map((v) => v.check)).toEqual(['disk-url', 'sas-token', 'sas-read-permission', 'sas-expiry']);
    expect(verdicts.every((v) => v.passed)).toBe(true);
  });
});

describe('size probe (HEAD)', () => {
  test('given 200 with a Content-Length, then the blob is reachable and its length known', () => {
    expect(judgeSizeProbe('os', response(200, { 'content-length': String(30 * GIB + 512) }), RULES)).toMatchObject({
      verdict: { passed: true },
      length: 30 * GIB + 512,
    });
  });

  test('given 404, then it fails saying the blob does not exist', () => {
    expect(judgeSizeProbe('os', response(404), RULES).verdict.message).toBe(
      'The OS disk URL answered 404 Not Found; check that the blob exists at this URL and that the SAS token is for this blob',
    );
  });

  test('given 403, then it fails asking for a new SAS token', () => {
    expect(judgeSizeProbe('os', response(403), RULES).verdict.message).toMatch(/403 \(access denied\); generate a new SAS token/);
  });

  test('given a timeout, then it fails quoting the timeout', () => {
    expect(judgeSizeProbe('os', { kind: 'error', code: 'timeout', message: 'slow' }, RULES).verdict.message).toMatch(/did not answer within 5000 ms/);
  });

  test('given a private address refusal, then it fails asking for the public blob URL', () => {
    expect(judgeSizeProbe('os', { kind: 'error', code: 'address-not-allowed', message: '127.0.0.1 is a loopback address' }, RULES).verdict.message).toMatch(
      /private, loopback or reserved address .*give the public blob URL/,
    );
  });

  test('given a redirect to a malformed Location, then it fails asking for the direct blob URL', () => {
    const outcome = { kind: 'error', code: 'malformed-location', message: 'example.com redirected to "http://[oops", which is not a valid URL' } as const;
    expect(judgeSizeProbe('os', outcome, RULES).verdict.message).toMatch(/redirects to a Location that is not a valid URL .*give the direct blob URL/);
  });

  test('given a body cut short, then it fails saying the server closed the connection early', () => {
    const outcome = { kind: 'error', code: 'truncated-body', message: 'the answer from example.com ended after 10 of the 512 announced bytes' } as const;
    expect(judgeFooterRead('os', outcome, 30 * 2 ** 30, RULES).verdict.message).toMatch(/closed the connection before its answer was complete/);
  });

  test('given no Content-Length, then it fails', () => {
    expect(judgeSizeProbe('os', response(200), RULES)).toMatchObject({
      verdict: { passed: false, message: expect.stringMatching(/does not report the blob's size/) },
    });
  });

  test('given a blob smaller than a footer, then it fails', () => {
    expect(judgeSizeProbe('os', response(200, { 'content-length': '100' }), RULES).verdict.message).toMatch(/only 100 bytes/);
  });
});

describe('footer read (ranged GET)', () => {
  const length = 30 * GIB + 512;
  const range = `bytes ${length - 512}-${length - 1}/${length}`;

  test('given 206 with the last 512 bytes, then the footer is returned', () => {
    const body = buildFooter({ currentSize: 30 * GIB });
    expect(judgeFooterRead('os', response(206, { 'content-range': range }, body), length, RULES)).toMatchObject({ verdict: { passed: true }, footer: body });
  });

  test('given 200 (Range ignored), then it fails asking for a server that supports range requests', () => {
    expect(judgeFooterRead('os', response(200, {}, Buffer.alloc(10)), length, RULES).verdict).toMatchObject({
      check: 'vhd-range-read',
      passed: false,
      message: expect.stringMatching(/ignored the HTTP Range header/),
    });
  });

  test('given an answer cut off as too large, then the server was sending the whole blob', () => {
    expect(judgeFooterRead('os', { kind: 'error', code: 'too-large', message: 'x' }, length, RULES).verdict.message).toMatch(/ignored the HTTP Range header/);
  });

  test('given 206 with other bytes than asked, then it fails', () => {
    expect(judgeFooterRead('os', response(206, { 'content-range': `bytes 0-511/${length}` }, Buffer.alloc(512)), length, RULES).verdict.passed).toBe(false);
  });

  test('given 416, then it fails', () => {
    expect(judgeFooterRead('os', response(416), length, RULES).verdict.message).toMatch(/refused the range request/);
  });

  test('Content-Range is parsed with or without a total', () => {
    expect(parseContentRange('bytes 1-2/3')).toEqual({ first: 1, last: 2, total: 3 });
    expect(parseContentRange('bytes 1-2/*')).toEqual({ first: 1, last: 2, total: undefined });
    expect(parseContentRange('items 1-2/3')).toBeUndefined();
  });
});

describe('footer', () => {
  test('given the conectix cookie, then the cookie check passes', () => {
    expect(checkCookie('os', footer({ currentSize: 30 * GIB })).passed).toBe(true);
  });

  test('given another cookie, then it fails saying the file is not a VHD', () => {
    expect(checkCookie('os', footer({ currentSize: 30 * GIB, cookie: 'qcow2\0\0\0' })).message).toMatch(
      /^The OS disk's last 512 bytes are not a VHD footer \(cookie "qcow2\\u0000\\u0000\\u0000" instead of "conectix"\)/,
    );
  });

  test('given a correct checksum, then it passes; given a wrong one, then it fails naming both values', () => {
    expect(checkChecksum('os', footer({ currentSize: GIB })).passed).toBe(true);
    expect(checkChecksum('os', footer({ currentSize: GIB, checksumError: 1 })).message).toMatch(
      /checksum is 0x[0-9a-f]{8} but the footer adds up to 0x[0-9a-f]{8}/,
    );
  });

  test('given disk type 2, then it is fixed; given 3, then it fails naming a dynamic VHD', () => {
    expect(checkDiskType('os', footer({ currentSize: GIB })).passed).toBe(true);
    expect(checkDiskType('os', footer({ currentSize: GIB, diskType: 3 })).message).toMatch(
      /^The OS disk is a dynamic VHD \(disk type 3\), not a fixed one; convert it/,
    );
  });

  test('given a size of whole MiB, then it passes; given 4 KiB more, then it fails', () => {
    expect(checkSizeAlignment('os', footer({ currentSize: 30 * GIB })).passed).toBe(true);
    expect(checkSizeAlignment('os', footer({ currentSize: 30 * GIB + 4096 })).message).toBe(
      `The OS disk's virtual size is ${30 * GIB + 4096} bytes, not a whole number of MiB; resize it to a multiple of 1 MiB (Resize-VHD, or qemu-img resize) and convert it to a fixed VHD again`,
    );
  });

  test.each([
    ['os', 30 * GIB, true],
    ['os', 1023 * GIB, true],
    ['os', 30 * GIB - MIB, false],
    ['os', 1024 * GIB, false],
    ['data', 1 * GIB, true],
    ['data', 1023 * GIB, true],
    ['data', 1023 * GIB + MIB, false],
  ] as const)('given a %s disk of %d bytes, then the size limit check passes: %s', (role, size, passed) => {
    expect(checkSizeLimits(role === 'os' ? 'os' : 'data-0', role, footer({ currentSize: size })).passed).toBe(passed);
  });

  test('given a 20 GiB OS disk, then the message says the minimum', () => {
    expect(checkSizeLimits('os', 'os', footer({ currentSize: 20 * GIB })).message).toBe(
      'The OS disk is 20 GiB; an OS disk must be at least 30 GiB: grow the disk (and its file system) to at least 30 GiB',
    );
  });

  test('given a 1100 GiB data disk, then the message says the maximum', () => {
    expect(checkSizeLimits('data-2', 'data', footer({ currentSize: 1100 * GIB })).message).toBe(
      'Data disk 2 is 1100 GiB; a data disk can be at most 1023 GiB: shrink it to 1023 GiB or less',
    );
  });

  test('given a blob of virtual size + 512 bytes, then the file length matches; one GiB more does not', () => {
    expect(checkFileLength('os', footer({ currentSize: 30 * GIB }), 30 * GIB + 512).passed).toBe(true);
    expect(checkFileLength('os', footer({ currentSize: 30 * GIB }), 31 * GIB + 512).message).toMatch(/footer says 30 GiB but the blob is 33285997056 bytes/);
  });

  test('given a bad cookie, when the footer is checked, then nothing else is judged', () => {
    expect(checkFooter('os', 'os', footer({ currentSize: 30 * GIB, cookie: 'xxxxxxxx' }), 30 * GIB + 512).map((v) => v.check)).toEqual(['vhd-cookie']);
  });

  test('given a bad checksum, when the footer is checked, then its fields are not judged', () => {
    expect(checkFooter('os', 'os', footer({ currentSize: 30 * GIB, checksumError: 3 }), 30 * GIB + 512).map((v) => [v.check, v.passed])).toEqual([
      ['vhd-cookie', true],
      ['vhd-checksum', false],
    ]);
  });

  test('given a dynamic disk, when the footer is checked, then its file length is not judged (only a fixed VHD has one to match)', () => {
    const verdicts = checkFooter('os', 'os', footer({ currentSize: 30 * GIB, diskType: 3 }), 1 * MIB);
    expect(verdicts.filter((v) => !v.passed).map((v) => v.check)).toEqual(['vhd-disk-type']);
    expect(verdicts.map((v) => v.check)).not.toContain('vhd-file-length');
  });

  test('given a good fixed footer, when the footer is checked, then all six checks pass', () => {
    const verdicts = checkFooter('os', 'os', footer({ currentSize: 30 * GIB }), 30 * GIB + 512);
    expect(verdicts.map((v) => v.check)).toEqual(['vhd-cookie', 'vhd-checksum', 'vhd-disk-type', 'vhd-size-alignment', 'vhd-size-limits', 'vhd-file-length']);
    expect(verdicts.every((v) => v.passed)).toBe(true);
  });
});
