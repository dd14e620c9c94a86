import { MAX_LISTED, type OfferDraft } from '@mkt/events';
import { accepted } from '@mkt/stages';
import { eventOf, stageSpec, submittedOf } from '@mkt/testing';
import { validationDecider, type ValidationInput } from '../src/domain/stage';
import { isKnownCode, render, SUPPORTED_LANGUAGES } from '@mkt/messages';
import { PREREQUISITE_RULES, ruleMessageCode } from '../src/domain/rules';
import { isDiskUrl, isStorageConnectionString, validateSubmission, validationOutcome, type FieldProblem } from '../src/domain/validate';
import { completeOffer, NOTIFICATION_EMAILS } from './offers';

type Case = [description: string, change: (offer: OfferDraft) => void, path: string, code: string, emails?: string[]];

function judge(change: (offer: OfferDraft) => void = () => undefined, emails: string[] = NOTIFICATION_EMAILS) {
  const offer = completeOffer();
  change(offer);
  return validateSubmission({ offer, notificationEmails: emails });
}

/** The problem the rule of `path` and `code` reports: its message by code, with the English text. */
function ruleProblem(path: string, code: string): FieldProblem {
  const template = path.replace(/\[\d+\]/g, '[]');
  const rule = PREREQUISITE_RULES.find((r) => r.path === template && r.code === code);
  if (!rule) throw new Error(`no rule ${template} ${code}`);
  const messageCode = ruleMessageCode(rule);
  return { path, code, message: render(messageCode, rule.params ?? {}, 'en'), messageCode, params: rule.params ?? {} };
}

const plan = (offer: OfferDraft, index = 0) => offer.plans![index];
const image = (offer: OfferDraft, planIndex = 0, index = 0) => plan(offer, planIndex).imageVersions![index];

const CASES: Case[] = [
  ['title missing', (o) => delete o.title, 'title', 'required'],
  ['title blank', (o) => (o.title = '   '), 'title', 'required'],
  ['title of 51 characters', (o) => (o.title = 'x'.repeat(51)), 'title', 'too-long'],
  ['summary missing', (o) => delete o.summary, 'summary', 'required'],
  ['summary of 101 characters', (o) => (o.summary = 's'.repeat(101)), 'summary', 'too-long'],
  ['description missing', (o) => (o.description = ''), 'description', 'required'],
  ['description of 3001 characters', (o) => (o.description = 'd'.repeat(3001)), 'description', 'too-long'],
  ['no category', (o) => (o.categories = []), 'categories', 'required'],
  ['categories absent', (o) => delete o.categories, 'categories', 'required'],
  ['three categories', (o) => (o.categories = ['security', 'compute', 'storage']), 'categories', 'too-many'],
  ['an unknown category', (o) => (o.categories = ['security', 'gaming']), 'categories[1]', 'unknown-category'],
  ['a category twice', (o) => (o.categories = ['security', 'security']), 'categories[1]', 'duplicate'],
  ['small logo missing', (o) => delete o.logos!.small, 'logos.small', 'required'],
  ['medium logo over http', (o) => (o.logos!.medium = 'http://cdn.contoso.test/m.png'), 'logos.medium', 'invalid-url'],
  ['large logo not a URL', (o) => (o.logos!.large = 'logo.png'), 'logos.large', 'invalid-url'],
  ['wide logo missing', (o) => delete o.logos!.wide, 'logos.wide', 'required'],
  ['small logo over http', (o) => (o.logos!.small = 'http://cdn.contoso.test/s.png'), 'logos.small', 'invalid-url'],
  ['medium logo blank', (o) => (o.logos!.medium = ''), 'logos.medium', 'required'],
  ['large logo missing', (o) => delete o.logos!.large, 'logos.large', 'required'],
  ['wide logo with spaces', (o) => (o.logos!.wide = 'https://cdn.contoso.test/wide logo.png'), 'logos.wide', 'invalid-url'],
  ['privacy policy missing', (o) => delete o.privacyPolicyUrl, 'privacyPolicyUrl', 'required'],
  ['privacy policy over ftp', (o) => (o.privacyPolicyUrl = 'ftp://contoso.test/privacy'), 'privacyPolicyUrl', 'invalid-url'],
  ['support contact name blank', (o) => (o.supportContact!.name = ' '), 'supportContact.name', 'required'],
  ['support contact name too long', (o) => (o.supportContact!.name = 'n'.repeat(101)), 'supportContact.name', 'too-long'],
  ['support e-mail missing', (o) => delete o.supportContact!.email, 'supportContact.email', 'required'],
  ['support e-mail invalid', (o) => (o.supportContact!.email = 'support@'), 'supportContact.email', 'invalid-email'],
  ['support phone missing', (o) => delete o.supportContact!.phone, 'supportContact.phone', 'required'],
  ['support phone with letters', (o) => (o.supportContact!.phone = 'call me'), 'supportContact.phone', 'invalid-phone'],
  ['engineering name missing', (o) => delete o.engineeringContact!.name, 'engineeringContact.name', 'required'],
  ['engineering name too long', (o) => (o.engineeringContact!.name = 'n'.repeat(101)), 'engineeringContact.name', 'too-long'],
  ['engineering e-mail missing', (o) => (o.engineeringContact!.email = ''), 'engineeringContact.email', 'required'],
  ['engineering e-mail invalid', (o) => (o.engineeringContact!.email = 'ada at contoso'), 'engineeringContact.email', 'invalid-email'],
  ['engineering phone missing', (o) => delete o.engineeringContact!.phone, 'engineeringContact.phone', 'required'],
  ['engineering phone too short', (o) => (o.engineeringContact!.phone = '12'), 'engineeringContact.phone', 'invalid-phone'],
  ['no plan', (o) => (o.plans = []), 'plans', 'required'],
  ['plans absent', (o) => delete o.plans, 'plans', 'required'],
  ['plan id blank', (o) => (plan(o, 1).id = ''), 'plans[1].id', 'required'],
  ['plan id of 51 characters', (o) => (plan(o).id = 'p'.repeat(51)), 'plans[0].id', 'too-long'],
  ['plan id with capitals', (o) => (plan(o).id = 'Standard'), 'plans[0].id', 'invalid-id'],
  ['plan id with spaces', (o) => (plan(o).id = 'my plan'), 'plans[0].id', 'invalid-id'],
  ['two plans with one id', (o) => (plan(o, 1).id = 'standard'), 'plans[1].id', 'duplicate'],
  ['plan title missing', (o) => delete plan(o).title, 'plans[0].title', 'required'],
  ['plan title too long', (o) => (plan(o).title = 't'.repeat(51)), 'plans[0].title', 'too-long'],
  ['plan summary missing', (o) => delete plan(o, 1).summary, 'plans[1].summary', 'required'],
  ['plan summary too long', (o) => (plan(o).summary = 's'.repeat(101)), 'plans[0].summary', 'too-long'],
  ['OS family missing', (o) => delete plan(o).osFamily, 'plans[0].osFamily', 'required'],
  ['OS family unknown', (o) => (plan(o).osFamily = 'BSD'), 'plans[0].osFamily', 'invalid-os-family'],
  ['plan without images', (o) => (plan(o, 1).imageVersions = []), 'plans[1].imageVersions', 'required'],
  ['plan with images absent', (o) => delete plan(o).imageVersions, 'plans[0].imageVersions', 'required'],
  ['image version blank', (o) => (image(o, 0, 1).version = ''), 'plans[0].imageVersions[1].version', 'required'],
  ['image version not x.y.z', (o) => (image(o).version = 'v1.0'), 'plans[0].imageVersions[0].version', 'invalid-version'],
  ['image version with leading zero', (o) => (image(o).version = '1.02.0'), 'plans[0].imageVersions[0].version', 'invalid-version'],
  ['two images with one version', (o) => (image(o, 0, 1).version = '1.0.0'), 'plans[0].imageVersions[1].version', 'duplicate'],
  ['OS disk URL missing', (o) => delete image(o, 0, 1).osDiskUrl, 'plans[0].imageVersions[1].osDiskUrl', 'required'],
  ['OS disk URL over http', (o) => (image(o, 1, 0).osDiskUrl = 'http://contoso.blob/os.vhd'), 'plans[1].imageVersions[0].osDiskUrl', 'invalid-url'],
  ['data disk URL over http', (o) => (image(o).dataDiskUrls = ['http://contoso.blob/d.vhd']), 'plans[0].imageVersions[0].dataDiskUrls[0]', 'invalid-url'],
  ['no preview subscription', (o) => (o.previewSubscriptionIds = []), 'previewSubscriptionIds', 'required'],
  ['preview subscription not a GUID', (o) => (o.previewSubscriptionIds = ['my-subscription']), 'previewSubscriptionIds[0]', 'invalid-subscription-id'],
  [
    'preview subscription twice',
    (o) => (o.previewSubscriptionIds = ['6f1e1b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b', '6F1E1B2A-3C4D-4E5F-8A9B-0C1D2E3F4A5B'.toLowerCase()]),
    'previewSubscriptionIds[1]',
    'duplicate',
  ],
  ['https leads without endpoint', (o) => (o.leadDestination = { type: 'https' }), 'leadDestination.https.url', 'required'],
  [
    'https leads over http',
    (o) => (o.leadDestination = { type: 'https', https: { url: 'http://crm.contoso.test/leads' } }),
    'leadDestination.https.url',
    'invalid-url',
  ],
  [
    'table leads without connection string',
    (o) => (o.leadDestination = { type: 'azure-table', azureTable: { tableName: 'Leads' } }),
    'leadDestination.azureTable.connectionString',
    'required',
  ],
  [
    'table leads with a connection string lacking a key',
    (o) => (o.leadDestination = { type: 'azure-table', azureTable: { connectionString: 'AccountName=contoso', tableName: 'Leads' } }),
    'leadDestination.azureTable.connectionString',
    'invalid-connection-string',
  ],
  [
    'table leads without table name',
    (o) => (o.leadDestination = { type: 'azure-table', azureTable: { connectionString: 'UseDevelopmentStorage=true' } }),
    'leadDestination.azureTable.tableName',
    'required',
  ],
  [
    'table leads with an invalid table name',
    (o) => (o.leadDestination = { type: 'azure-table', azureTable: { connectionString: 'UseDevelopmentStorage=true', tableName: '1-leads' } }),
    'leadDestination.azureTable.tableName',
    'invalid-table-name',
  ],
  ['no notification e-mail', () => undefined, 'notificationEmails', 'required', []],
  ['invalid notification e-mail', () => undefined, 'notificationEmails[1]', 'invalid-email', ['ok@contoso.test', 'not-an-address']],
];

describe('prerequisite rules, one field at a time', () => {
  test('given a complete offer, when validated, then every rule passes and each applicable rule is counted', () => {
    const report = judge();
    expect(report.problems).toEqual([]);
    expect(report.rulesChecked).toBeGreaterThan(PREREQUISITE_RULES.length);
    expect(validationOutcome(report)).toEqual({ type: 'PrerequisitesValidated', data: { rulesChecked: report.rulesChecked } });
  });

  test.each(CASES)('given %s, then exactly that field is reported', (...[, change, path, code, emails]: Case) => {
    const report = judge(change, emails);
    expect(report.problems).toEqual<FieldProblem[]>([ruleProblem(path, code)]);
  });

  test('every rule of the rule set is exercised by a case above', () => {
    const covered = new Set(CASES.map(([, , path, code]) => `${path.replace(/\[\d+\]/g, '[]')} ${code}`));
    const uncovered = PREREQUISITE_RULES.map((r) => `${r.path} ${r.code}`).filter((rule) => !covered.has(rule));
    expect(uncovered).toEqual([]);
  });

  test('every rule has a code and a message, in every language, that tells the publisher what to do', () => {
    for (const rule of PREREQUISITE_RULES) {
      expect(rule.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(isKnownCode(ruleMessageCode(rule))).toBe(true);
      for (const language of SUPPORTED_LANGUAGES) {
        const text = render(ruleMessageCode(rule), rule.params ?? {}, language);
        expect(text.length).toBeGreaterThan(10);
        expect(text).toMatch(/\.$/);
        expect(text).not.toMatch(/[{}]/);
      }
    }
  });

  test('the message of a rule is rendered per language from its code', () => {
    const [problem] = judge((o) => (o.title = 'x'.repeat(51))).problems;
    expect(problem).toMatchObject({
      messageCode: 'validation.title.too-long',
      params: { max: 50 },
      message: 'Shorten the offer title to at most 50 characters.',
    });
    expect(render(problem.messageCode, problem.params, 'pt-BR')).toBe('Reduza o título da oferta para no máximo 50 caracteres.');
    expect(render(problem.messageCode, problem.params, 'it')).toBe("Accorcia il titolo dell'offerta a non più di 50 caratteri.");
  });
});

describe('reporting', () => {
  test('given many invalid fields, when validated, then every one is reported, not just the first', () => {
    const report = judge(
      (o) => {
        delete o.title;
        o.summary = 'x'.repeat(150);
        o.categories = ['gaming'];
        o.logos = { small: 'http://cdn/s.png' };
        plan(o).id = 'Bad Id';
        image(o, 0, 1).osDiskUrl = 'ftp://disk';
        image(o, 1, 0).version = 'latest';
      },
      ['nobody'],
    );
    expect(report.problems.map((p) => `${p.path} ${p.code}`)).toEqual([
      'title required',
      'summary too-long',
      'categories[0] unknown-category',
      'logos.small invalid-url',
      'logos.medium required',
      'logos.large required',
      'logos.wide required',
      'plans[0].id invalid-id',
      'plans[1].imageVersions[0].version invalid-version',
      'plans[0].imageVersions[1].osDiskUrl invalid-url',
      'notificationEmails[0] invalid-email',
    ]);
    expect(validationOutcome(report)).toEqual({ type: 'PrerequisitesRejected', data: { problems: report.problems } });
  });

  test('given an enormous draft full of problems, then the event lists the first ones and counts the rest, far under the event budget', () => {
    const report = judge((o) => {
      o.plans = Array.from({ length: 50 }, (_, p) => ({
        ...o.plans![0],
        id: `Plan ${p}!`,
        imageVersions: Array.from({ length: 100 }, () => ({ version: 'v?', osDiskUrl: 'not a url', dataDiskUrls: Array.from({ length: 16 }, () => 'nope') })),
      }));
    });
    expect(report.problems.length).toBeGreaterThan(90_000);
    const outcome = validationOutcome(report);
    if (outcome.type !== 'PrerequisitesRejected') throw new Error(`expected a rejection, got ${outcome.type}`);
    expect(outcome.data.problems).toEqual(report.problems.slice(0, MAX_LISTED));
    expect(outcome.data.moreProblems).toBe(report.problems.length - MAX_LISTED);
    expect(Buffer.byteLength(JSON.stringify(outcome.data))).toBeLessThan(64 * 1024);
  });

  test('given whole sections absent, then each of their required fields is reported', () => {
    const report = judge((o) => {
      delete o.logos;
      delete o.supportContact;
    });
    expect(report.problems.map((p) => `${p.path} ${p.code}`)).toEqual([
      'logos.small required',
      'logos.medium required',
      'logos.large required',
      'logos.wide required',
      'supportContact.name required',
      'supportContact.email required',
      'supportContact.phone required',
    ]);
  });

  test('given a missing field, then only "required" is reported for it, not also its other rules', () => {
    // the schema requires an id, but a hand-written event may still lack one
    const report = judge((o) => delete (plan(o) as { id?: string }).id);
    expect(report.problems).toEqual([ruleProblem('plans[0].id', 'required')]);
  });

  test('given lead generation off, then lead settings are not required', () => {
    expect(judge((o) => (o.leadDestination = { type: 'none', https: { url: 'not checked' } })).problems).toEqual([]);
    expect(judge((o) => delete o.leadDestination).problems).toEqual([]);
  });

  test('given complete lead settings, then they pass (authorization optional)', () => {
    expect(judge((o) => (o.leadDestination = { type: 'https', https: { url: 'https://crm.contoso.test/leads' } })).problems).toEqual([]);
    expect(
      judge(
        (o) =>
          (o.leadDestination = {
            type: 'azure-table',
            azureTable: {
              connectionString: 'DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=a2V5;EndpointSuffix=core.windows.net',
              tableName: 'Leads',
            },
          }),
      ).problems,
    ).toEqual([]);
  });

  test('storage connection strings: account + key or SAS, or the local emulator', () => {
    expect(isStorageConnectionString('UseDevelopmentStorage=true')).toBe(true);
    expect(isStorageConnectionString('AccountName=a;SharedAccessSignature=sv=1&sig=2')).toBe(true);
    expect(isStorageConnectionString('TableEndpoint=https://a.table.core.windows.net;SharedAccessSignature=sv=1')).toBe(true);
    expect(isStorageConnectionString('AccountKey=k')).toBe(false);
    expect(isStorageConnectionString('just text')).toBe(false);
  });

  test('given an image without data disks, then data disks are not required', () => {
    expect(judge((o) => delete image(o).dataDiskUrls).problems).toEqual([]);
  });
});

describe('attempts', () => {
  const now = new Date('2024-05-01T10:00:00Z');
  const spec = stageSpec(validationDecider({ validationDurationMs: 1000 }), now);
  const offer = completeOffer();
  const submitted = (attempt: number) => submittedOf(attempt, { offer, emails: NOTIFICATION_EMAILS });
  const canceled = (attempt: number) => eventOf('PublishCanceled', { canceledBy: 'alice' }, attempt);
  const judged = (attempt: number, report: { rulesChecked: number; problems: FieldProblem[] }): ValidationInput => ({
    type: 'ValidationJudged',
    attempt,
    report,
  });
  const job = (runAfter: Date) => ({ kind: 'validate', runAfter, payload: { submission: { offer, notificationEmails: NOTIFICATION_EMAILS } } });

  test('given no attempt on record, when OfferSubmitted arrives, then validation is scheduled after the simulated duration', () => {
    spec
      .given([])
      .when(submitted(1))
      .then(accepted({ state: { attempt: 1, state: 'validating' }, cancelJobs: { beforeAttempt: 1 }, jobs: [job(new Date('2024-05-01T10:00:01Z'))] }));
  });

  test('given attempt 2 on record, when OfferSubmitted of attempt 3 arrives, then it supersedes attempt 2 and cancels its jobs', () => {
    stageSpec(validationDecider({ validationDurationMs: 0 }), now)
      .given([submitted(2)])
      .when(submitted(3))
      .thenMatches({ outcome: 'accepted', state: { attempt: 3, state: 'validating' }, cancelJobs: { beforeAttempt: 3 }, jobs: [job(now)] });
  });

  test('given attempt 3 on record, when OfferSubmitted of attempt 2 (stale) or 3 (again) arrives, then nothing changes', () => {
    spec
      .given([submitted(3)])
      .when(submitted(2))
      .thenIgnored(/older/);
    spec
      .given([submitted(3), judged(3, { rulesChecked: 1, problems: [ruleProblem('title', 'required')] })])
      .when(submitted(3))
      .thenIgnored(/already recorded/);
  });

  test('given attempt 2 validating, when PublishCanceled of attempt 2 arrives, then its jobs are canceled', () => {
    spec
      .given([submitted(2)])
      .when(canceled(2))
      .then(accepted({ state: { attempt: 2, state: 'canceled' }, cancelJobs: { upToAttempt: 2 } }));
  });

  test('given attempt 3 on record, when PublishCanceled of attempt 2 arrives, then it is ignored', () => {
    spec
      .given([submitted(3)])
      .when(canceled(2))
      .thenIgnored();
  });

  test('given attempt 2 validating, when its job finishes, then the verdict is recorded and emitted', () => {
    const valid = { rulesChecked: 80, problems: [] };
    spec
      .given([submitted(2)])
      .when(judged(2, valid))
      .then(accepted({ state: { attempt: 2, state: 'validated' }, events: [{ type: 'PrerequisitesValidated', data: { rulesChecked: 80 } }] }));
    const invalid = { rulesChecked: 80, problems: [ruleProblem('title', 'required')] };
    spec
      .given([submitted(2)])
      .when(judged(2, invalid))
      .thenMatches({ outcome: 'accepted', state: { state: 'rejected' } });
  });

  test('given a newer attempt or a canceled one, when an old job finishes, then it emits nothing', () => {
    const report = { rulesChecked: 1, problems: [] };
    spec
      .given([submitted(3)])
      .when(judged(2, report))
      .thenIgnored();
    spec
      .given([submitted(2), canceled(2)])
      .when(judged(2, report))
      .thenIgnored();
    spec.given([]).when(judged(2, report)).thenIgnored();
  });

  test('events of other stages change nothing here', () => {
    spec
      .given([submitted(2)])
      .when(eventOf('CertificationStarted', { disks: 1 }, 2))
      .thenIgnored(/does not react to CertificationStarted/);
  });
});

describe('disk URLs in development mode (DEVELOPMENT), as certification takes them', () => {
  const DEVELOPMENT = { allowPrivateNetwork: true };
  const local = (offer: OfferDraft) => {
    image(offer).osDiskUrl = 'http://127.0.0.1:8443/disks/os-30g.vhd?sv=2022-11-02&sig=x';
    image(offer).dataDiskUrls = ['http://localhost:8443/disks/data-1g.vhd?sig=x', 'https://10.0.0.4/disks/data.vhd?sig=x'];
  };

  test('given development mode, when the disks are http:// and local URLs, then the offer passes', () => {
    const offer = completeOffer();
    local(offer);
    expect(validateSubmission({ offer, notificationEmails: NOTIFICATION_EMAILS }, PREREQUISITE_RULES, DEVELOPMENT).problems).toEqual([]);
  });

  test('given production, when the disks are http:// URLs, then each is invalid-url', () => {
    const offer = completeOffer();
    local(offer);
    expect(validateSubmission({ offer, notificationEmails: NOTIFICATION_EMAILS }).problems.map((p) => [p.path, p.code])).toEqual([
      ['plans[0].imageVersions[0].osDiskUrl', 'invalid-url'],
      ['plans[0].imageVersions[0].dataDiskUrls[0]', 'invalid-url'],
    ]);
  });

  test.each([
    ['https://contoso.blob.core.windows.net/vhds/os.vhd?sig=x', true, true],
    ['https://127.0.0.1:8443/disks/os.vhd', true, true],
    ['http://127.0.0.1:8443/disks/os.vhd', false, true],
    ['ftp://127.0.0.1/os.vhd', false, false],
    ['file:///tmp/os.vhd', false, false],
    ['http:// spaced.test/os.vhd', false, false],
    ['not a url', false, false],
  ])('%s: production %s, development %s', (url, production, development) => {
    expect(isDiskUrl(url)).toBe(production);
    expect(isDiskUrl(url, DEVELOPMENT)).toBe(development);
  });

  test('other URLs (logos, privacy policy) stay https:// only in development mode', () => {
    const offer = completeOffer();
    offer.privacyPolicyUrl = 'http://contoso.test/privacy';
    expect(validateSubmission({ offer, notificationEmails: NOTIFICATION_EMAILS }, PREREQUISITE_RULES, DEVELOPMENT).problems.map((p) => p.path)).toEqual([
      'privacyPolicyUrl',
    ]);
  });
});
