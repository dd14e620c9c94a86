import { PUBLISHING_STEPS } from '@mkt/events';
import { englishLeaks, message, render, SUPPORTED_LANGUAGES } from '@mkt/messages';
import { MAIL_TEMPLATES, type MailModel, type MailTemplate, type MailValues } from '../src/domain';
import { loadTemplateSources, MailRenderer, type TemplateSources } from '../src/mail/renderer';
import { failedChecks, failedRegions, problems, stageFailure } from './fixtures';

const HOSTILE_TITLE = '<script>alert("x")</script> & <b>Co</b>';

const base: MailValues = {
  offerTitle: HOSTILE_TITLE,
  publisherId: 'contoso',
  offerId: 'vm-1',
  attempt: 2,
  statusUrl: 'https://portal.test/publishers/contoso/offers/vm-1/status',
  eventTime: '2024-05-01T10:00:00Z',
};

function model(template: MailTemplate, language: string, values: Partial<MailValues> = {}): MailModel {
  return { template, language, aboutEventType: 'OfferSubmitted', values: { ...base, ...values } };
}

/** A minimal language folder where every part shows the title. */
function tinySources(overrides: Record<string, string> = {}): TemplateSources {
  const files: Record<string, string> = {};
  for (const template of MAIL_TEMPLATES) {
    files[`${template}.subject`] = `${template}: {{offerTitle}}`;
    files[`${template}.html`] = `<p>{{offerTitle}}</p>`;
    files[`${template}.text`] = `{{offerTitle}}`;
  }
  return { en: { strings: { locale: 'en' }, files: { ...files, ...overrides } } };
}

describe('rendering rules', () => {
  test('HTML escapes publisher text; the plain-text part and the subject show it as written', () => {
    const mail = new MailRenderer(tinySources()).render(model('live', 'en'));
    expect(mail.html).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;</p>');
    expect(mail.text).toBe(`${HOSTILE_TITLE}\n`);
    expect(mail.subject).toBe(`live: ${HOSTILE_TITLE}`);
  });

  test('a subject is one line, whatever the title holds', () => {
    const mail = new MailRenderer(tinySources()).render(model('live', 'en', { offerTitle: 'A\r\nBcc: eve@x.test\tB' }));
    expect(mail.subject).toBe('live: A Bcc: eve@x.test B');
  });

  test('a template with {{{ }}} (unescaped output) is refused at start-up', () => {
    expect(() => new MailRenderer(tinySources({ 'live.html': '<p>{{{offerTitle}}}</p>' }))).toThrow(/live\.html\.hbs uses \{\{\{ \}\}\}/);
  });

  test('a language folder missing a template is refused at start-up, naming the file', () => {
    const sources = tinySources();
    delete sources.en.files['canceled.text'];
    expect(() => new MailRenderer(sources)).toThrow('templates/en/canceled.text.hbs is missing');
  });

  test('a language without templates is written in English', () => {
    expect(new MailRenderer(tinySources()).render(model('canceled', 'fr')).subject).toBe(`canceled: ${HOSTILE_TITLE}`);
  });
});

describe('the shipped templates (src/templates)', () => {
  const renderer = new MailRenderer(loadTemplateSources());

  test('exist for English, Brazilian Portuguese and Italian', () => {
    expect(renderer.languages.sort()).toEqual(['en', 'it', 'pt-BR']);
  });

  const failures: Array<[string, Partial<MailValues>, string[]]> = [
    [
      'field problems',
      { failure: { stepId: 'validate-prerequisites', stepNumber: 1, problems, problemCount: problems.length } },
      problems.flatMap((p) => [p.path, p.code, p.message]),
    ],
    [
      'failed checks',
      { failure: { stepId: 'certification', stepNumber: 2, failedChecks, failedCheckCount: failedChecks.length, checksRun: 9 } },
      failedChecks.flatMap((c) => [c.planId, c.imageVersion, c.disk, c.check, c.message]),
    ],
    [
      'failed regions',
      { failure: { stepId: 'provisioning', stepNumber: 3, failedRegions, regionsReplicated: 40 } },
      failedRegions.flatMap((r) => [r.region, r.reason]),
    ],
    ['a stage failure', { failure: { stepId: 'packaging', stepNumber: 4, stageFailure } }, [stageFailure.code, stageFailure.reason, stageFailure.action]],
  ];

  describe.each(['en', 'pt-BR', 'it'])('%s', (language) => {
    test.each(failures)('a failure with %s shows every reason in both parts', (_, values, reasons) => {
      const mail = renderer.render(model('failed', language, values));
      for (const reason of reasons) {
        expect(mail.text).toContain(reason);
        expect(mail.html).toContain(reason);
      }
    });

    test('a capped list says how many more there are, and the count covers them all', () => {
      const more = { en: '…and 37 more', 'pt-BR': '…e mais 37', it: '…e altri 37' }[language]!;
      const listed = renderer.render(
        model('failed', language, {
          failure: { stepId: 'validate-prerequisites', stepNumber: 1, problems, problemCount: problems.length + 37, moreProblems: 37 },
        }),
      );
      const checks = renderer.render(
        model('failed', language, {
          failure: { stepId: 'certification', stepNumber: 2, failedChecks, failedCheckCount: failedChecks.length + 37, moreFailedChecks: 37, checksRun: 900 },
        }),
      );
      for (const mail of [listed, checks]) {
        expect(mail.text).toContain(more);
        expect(mail.html).toContain(more);
      }
      expect(listed.text).toContain(`${problems.length + 37} `);
      expect(checks.text).toContain(`${failedChecks.length + 37} `);
    });

    test.each(MAIL_TEMPLATES)('%s: complete, escaped, with the status link in both parts', (template) => {
      const mail = renderer.render(
        model(template, language, {
          submittedBy: 'alice@contoso.test',
          failure: { stepId: 'certification', stepNumber: 2, failedChecks, checksRun: 9 },
          preview: {
            previewUrl: 'https://api.test/preview',
            subscriptionIds: ['sub-1'],
            goLiveUrl: 'https://portal.test/golive',
            cancelUrl: 'https://portal.test/cancel',
          },
          catalogUrl: 'https://catalog.test/contoso.vm-1',
          canceledBy: 'bob@contoso.test',
        }),
      );
      expect(mail.subject).toContain(HOSTILE_TITLE);
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).toContain('&lt;script&gt;');
      expect(mail.html).toContain(`<html lang="${language}">`);
      expect(mail.html).toContain(`href="${base.statusUrl}"`);
      expect(mail.text).toContain(base.statusUrl);
      expect(mail.text).toContain(HOSTILE_TITLE);
      for (const part of [mail.subject, mail.html, mail.text]) expect(part).not.toMatch(/\{\{|\}\}|undefined|\[object/);
    });
  });
});

describe('messages by code, in the language of the mail', () => {
  const renderer = new MailRenderer(loadTemplateSources());
  const coded = {
    problems: [
      { path: 'title', code: 'too-long', ...message('validation.title.too-long', { max: 50 }) },
      { path: 'plans[0].imageVersions[0].osDiskUrl', code: 'required', ...message('validation.plans.imageVersions.osDiskUrl.required') },
    ],
    stageFailure: (() => {
      const reason = message('lead.endpoint-refused');
      const action = message('lead-action.check-server');
      return {
        code: 'lead-endpoint-unreachable',
        reason: reason.message,
        action: action.message,
        reasonCode: reason.messageCode,
        actionCode: action.messageCode,
        params: {},
      };
    })(),
  };
  const failures: Array<[string, Partial<MailValues>]> = [
    ['field problems', { failure: { stepId: 'validate-prerequisites', stepNumber: 1, problems: coded.problems, problemCount: 2 } }],
    ['a lead failure', { failure: { stepId: 'packaging', stepNumber: 4, stageFailure: coded.stageFailure } }],
  ];

  test('every supported language has every template of English, and no other language folder exists', () => {
    const sources = loadTemplateSources();
    expect(Object.keys(sources).sort()).toEqual([...SUPPORTED_LANGUAGES].sort());
    for (const language of SUPPORTED_LANGUAGES) expect(Object.keys(sources[language].files).sort()).toEqual(Object.keys(sources.en.files).sort());
  });

  test.each(failures)('English mails show the English texts of %s', (_, values) => {
    const mail = renderer.render(model('failed', 'en', values));
    const expected = values.failure?.stageFailure ? 'the lead endpoint refused the connection' : 'Shorten the offer title to at most 50 characters.';
    expect(mail.text).toContain(expected);
    expect(mail.html).toContain(expected);
  });

  describe.each(['pt-BR', 'it'])('%s', (language) => {
    test.each(failures)('a failure with %s has no English catalogue text, in either part', (_, values) => {
      const mail = renderer.render(model('failed', language, { ...values, offerTitle: 'Web' }));
      expect(englishLeaks(mail.text)).toEqual([]);
      expect(englishLeaks(mail.html)).toEqual([]);
    });

    test.each(MAIL_TEMPLATES)('%s: the step names are those of the catalogue', (template) => {
      const mail = renderer.render(model(template, language, { failure: { stepId: 'certification', stepNumber: 2, failedChecks, checksRun: 9 } }));
      if (template === 'submitted') for (const step of PUBLISHING_STEPS) expect(mail.text).toContain(render(`step.${step.id}`, {}, language));
      expect(mail.text).not.toContain('Validate prerequisites');
    });
  });

  test.each(['en', 'pt-BR', 'it'])('a lead-failure mail (%s) says to publish again once, after the action', (language) => {
    const mail = renderer.render(model('failed', language, { failure: { stepId: 'packaging', stepNumber: 4, stageFailure: coded.stageFailure } }));
    const again = {
      en: /publish (the offer )?again/gi,
      'pt-BR': /(publique|publicar) (a oferta )?novamente/gi,
      it: /(di nuovo clic su pubblica|pubblica (di nuovo|nuovamente))/gi,
    }[language]!;
    expect(mail.text.match(again)).toHaveLength(1);
    expect(mail.html.match(again)).toHaveLength(1);
  });
});
