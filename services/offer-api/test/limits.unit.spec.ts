import { exceededDraftLimits, fieldPath, inspectJson, isStorableText, NULL_VALUE, UNSTORABLE_TEXT } from '../src/domain/limits';

const LIMITS = { maxDraftBytes: 10_000, maxImageVersions: 4, maxDisks: 6 };

describe('storable text', () => {
  test('NUL and unpaired surrogates are refused; pairs and other text are fine', () => {
    for (const bad of ['\u0000', 'a\u0000b', '\ud800', 'x\ud800y', '\udc00', '\udfffx', '\ud83d\ud83d\ude80\ud800'])
      expect({ bad, ok: isStorableText(bad) }).toEqual({ bad, ok: false });
    for (const good of ['', 'plain', '\ud83d\ude80', 'é中文', '\u0001\t\n', '\uffff']) expect({ good, ok: isStorableText(good) }).toEqual({ good, ok: true });
  });

  test('field paths use dots and [index]', () => {
    expect(fieldPath('', 'title')).toBe('title');
    expect(fieldPath('plans', 0)).toBe('plans[0]');
    expect(fieldPath('plans[0]', 'id')).toBe('plans[0].id');
  });
});

describe('inspectJson', () => {
  test('reports every null and unstorable string or key with its path', () => {
    const result = inspectJson({ a: null, b: ['ok', 'x\u0000'], c: { ['k\ud800']: 1, d: { e: null } } }, 32);
    expect(result).toEqual({
      ok: false,
      fields: [
        { field: 'a', problems: [NULL_VALUE] },
        { field: 'b[1]', problems: [UNSTORABLE_TEXT] },
        { field: 'c.k\ud800', problems: [`the name of this field ${UNSTORABLE_TEXT}`] },
        { field: 'c.d.e', problems: [NULL_VALUE] },
      ],
    });
    expect(inspectJson({ a: 1, b: [true, 'x', { c: 'é' }] }, 32)).toEqual({ ok: true });
  });

  test('depth: the body is level 1; deeper than the limit is refused where it goes too deep', () => {
    const nest = (levels: number): unknown => (levels === 1 ? {} : { a: nest(levels - 1) });
    expect(inspectJson(nest(3), 3)).toEqual({ ok: true });
    expect(inspectJson(nest(4), 3)).toEqual({ ok: false, tooDeep: 'a.a.a' });
    expect(inspectJson([[[]]], 2)).toEqual({ ok: false, tooDeep: '(body)[0][0]' });
  });

  test('stops after maxProblems', () => {
    const result = inspectJson({ list: Array(500).fill(null) }, 32, 10);
    expect(result.ok === false && 'fields' in result && result.fields.length).toBe(10);
  });
});

describe('draft limits', () => {
  const version = (disks: number, os = true) => ({ version: '1', ...(os ? { osDiskUrl: 'o' } : {}), dataDiskUrls: Array<string>(disks).fill('d') });

  test('within the limits: nothing exceeded', () => {
    expect(
      exceededDraftLimits(
        {
          plans: [
            { id: 'a', imageVersions: [version(2), version(1)] },
            { id: 'b', imageVersions: [version(0, false)] },
          ],
        },
        LIMITS,
      ),
    ).toEqual([]);
    expect(exceededDraftLimits({}, LIMITS)).toEqual([]);
  });

  test('versions and disks count over all plans; OS disks count only when given', () => {
    const draft = {
      plans: [
        { id: 'a', imageVersions: [version(3), version(0)] },
        { id: 'b', imageVersions: [version(1, false), version(0), version(0, false)] },
      ],
    };
    expect(exceededDraftLimits(draft, LIMITS).map(({ name, max, actual }) => ({ name, max, actual }))).toEqual([
      { name: 'OFFER_API_MAX_IMAGE_VERSIONS', max: 4, actual: 5 },
      { name: 'OFFER_API_MAX_DISKS', max: 6, actual: 7 },
    ]);
  });

  test('bytes are UTF-8 bytes of the compact JSON', () => {
    const draft = { description: 'é'.repeat(5_000) };
    expect(exceededDraftLimits(draft, LIMITS)).toEqual([
      expect.objectContaining({ name: 'OFFER_API_MAX_DRAFT_BYTES', actual: Buffer.byteLength(JSON.stringify(draft)) }),
    ]);
  });

  test('stored drafts of any shape are counted without throwing', () => {
    const odd = { plans: [null, 'x', { imageVersions: 'no' }, { imageVersions: [null, { dataDiskUrls: 'x' }, { osDiskUrl: 5 }] }] } as never;
    expect(exceededDraftLimits(odd, LIMITS)).toEqual([]);
  });
});
