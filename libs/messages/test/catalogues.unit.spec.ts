import {
  CATALOGUES,
  englishLeaks,
  sampleParams,
  formatMessage,
  negotiateLanguage,
  parameterNames,
  render,
  SUPPORTED_LANGUAGES,
  chooseLanguage,
  type MessageCode,
} from '@mkt/messages';

const english = CATALOGUES.en as Readonly<Record<string, string>>;
const codes = Object.keys(english) as MessageCode[];

describe('message catalogues', () => {
  it('have a catalogue for every supported language', () => {
    expect(Object.keys(CATALOGUES).sort()).toEqual([...SUPPORTED_LANGUAGES].sort());
  });

  it.each(SUPPORTED_LANGUAGES.filter((l) => l !== 'en'))('%s has a text for every code, no code of its own, and the same parameters', (language) => {
    const catalogue = CATALOGUES[language] as Readonly<Record<string, string>>;
    expect(codes.filter((code) => !catalogue[code]?.trim())).toEqual([]);
    expect(Object.keys(catalogue).filter((code) => !(code in english))).toEqual([]);
    const differing = codes.filter((code) => parameterNames(catalogue[code]).sort().join() !== parameterNames(english[code]).sort().join());
    expect(differing).toEqual([]);
  });

  it.each(SUPPORTED_LANGUAGES.filter((l) => l !== 'en'))('every code rendered in %s contains no English catalogue text', (language) => {
    const leaks = codes.flatMap((code) => {
      const text = render(code, sampleParams(english[code]), language);
      return englishLeaks(text).map((leak) => `${code}: "${leak}" in "${text}"`);
    });
    expect(leaks).toEqual([]);
  });

  it('every code renders in every language without a parameter left over', () => {
    for (const language of SUPPORTED_LANGUAGES)
      for (const code of codes) expect(render(code, sampleParams(english[code]), language)).not.toMatch(/\{[a-zA-Z]+\}/);
  });
});

describe('render', () => {
  it('fills in parameters, selects and plurals', () => {
    expect(formatMessage('{n, plural, one {# disk} other {# disks}} of {who}', { n: 1, who: 'x' })).toBe('1 disk of x');
    expect(formatMessage('{n, plural, =0 {none} one {# disk} other {# disks}}', { n: 0 })).toBe('none');
    expect(formatMessage('{n, plural, one {# disk} other {# disks}}', { n: 3 })).toBe('3 disks');
    expect(formatMessage('{d, select, os {The OS disk} other {Data disk {lun}}}', { d: 'data', lun: 2 })).toBe('Data disk 2');
    expect(formatMessage('left {missing}', {})).toBe('left {missing}');
  });

  it('formats numbers and plurals per locale, whichever locale came first (formatters are kept per locale)', () => {
    const source = '{size} GB, {n, plural, one {# disk} other {# disks}}';
    for (let round = 0; round < 2; round += 1) {
      expect(formatMessage(source, { size: 1.5, n: 0 }, 'pt-BR')).toBe('1,5 GB, 0 disk');
      expect(formatMessage(source, { size: 1.5, n: 0 }, 'en')).toBe('1.5 GB, 0 disks');
      expect(formatMessage(source, { size: 1234.567, n: 1 }, 'it')).toBe('1234,57 GB, 1 disk');
    }
  });

  it('falls back to English for an unsupported language and to the code for an unknown one', () => {
    expect(render('status.packaging-started', {}, 'fr')).toBe('Building the product page.');
    expect(render('status.packaging-started', {}, 'pt')).toBe('Gerando a página do produto.');
    expect(render('status.packaging-started', {}, 'it-IT')).toBe('Creazione della pagina del prodotto.');
    expect(render('no.such-code', { a: 1 }, 'it')).toBe('no.such-code (a=1)');
  });

  it('negotiates Accept-Language by quality', () => {
    expect(negotiateLanguage('fr-FR, it;q=0.8, en;q=0.5')).toBe('it');
    expect(negotiateLanguage('pt-BR,pt;q=0.9')).toBe('pt-BR');
    expect(negotiateLanguage('en;q=0.1, pt;q=0.9')).toBe('pt-BR');
    expect(negotiateLanguage('fr, de')).toBeUndefined();
    expect(negotiateLanguage('*')).toBeUndefined();
    expect(negotiateLanguage(undefined)).toBeUndefined();
    expect(chooseLanguage('fr')).toBe('en');
  });
});
