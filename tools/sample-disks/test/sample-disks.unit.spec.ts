import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkUrlAndSas } from '../../../services/certification/src/domain/checks';
import { parseVhdFooter } from '../../../services/certification/src/domain/vhd-footer';
import { DEFAULT_SAMPLE_DISKS_PORT, SAMPLE_DISKS, sampleDiskUrl, type SampleDiskName } from '../src/host';
import { verifySas } from '../src/sas';
import { buildFooter } from '../src/vhd';

const offer = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'examples', 'offer.json'), 'utf8')) as {
  plans: Array<{ imageVersions: Array<{ osDiskUrl: string; dataDiskUrls?: string[] }> }>;
};
const urls = offer.plans.flatMap((p) => p.imageVersions.flatMap((i) => [i.osDiskUrl, ...(i.dataDiskUrls ?? [])]));
const rules = { sasMinDays: 21, allowHttp: false, timeoutMs: 10_000 };

test('docs/examples/offer.json points at the sample disk host of npm start, with URLs it signed', () => {
  expect(urls).toHaveLength(4);
  for (const raw of urls) {
    const url = new URL(raw);
    expect(url.origin).toBe(`https://127.0.0.1:${DEFAULT_SAMPLE_DISKS_PORT}`);
    const name = url.pathname.split('/').pop() as SampleDiskName;
    expect(Object.keys(SAMPLE_DISKS)).toContain(name);
    expect(raw).toBe(sampleDiskUrl(url.origin, name));
    expect(verifySas(url.pathname, url.searchParams)).toEqual({ ok: true });
  }
});

test("the sample URLs pass certification's URL and SAS checks, outside development mode too", () => {
  for (const raw of urls) expect(checkUrlAndSas('os', raw, new Date(), rules).every((v) => v.passed)).toBe(true);
});

test('a token that was changed, or is missing, is refused like a blob store refuses it', () => {
  const url = new URL(sampleDiskUrl('https://127.0.0.1:3443', 'os-1.0.0.vhd'));
  const other = new URL(sampleDiskUrl('https://127.0.0.1:3443', 'os-1.1.0.vhd'));
  expect(verifySas('/vhds/os-1.0.0.vhd', other.searchParams)).toMatchObject({ ok: false, code: 'AuthenticationFailed' });
  const widened = new URLSearchParams(url.searchParams);
  widened.set('se', '2199-01-01T00:00:00Z');
  expect(verifySas(url.pathname, widened)).toMatchObject({ ok: false, code: 'AuthenticationFailed' });
  expect(verifySas(url.pathname, new URLSearchParams())).toMatchObject({ ok: false, code: 'AuthenticationFailed' });
});

test("the sample footers are what certification's parser reads: fixed disks of the announced size, one dynamic", () => {
  for (const [name, spec] of Object.entries(SAMPLE_DISKS)) {
    const footer = parseVhdFooter(buildFooter(spec));
    expect(footer).toMatchObject({ cookie: 'conectix', currentSize: spec.currentSize, diskType: name === 'os-dynamic.vhd' ? 3 : 2 });
    expect(footer.storedChecksum).toBe(footer.computedChecksum);
  }
});
