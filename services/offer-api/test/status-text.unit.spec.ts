import type { OfferEvent } from '@mkt/events';
import { englishLeaks, message, render } from '@mkt/messages';
import { statusResponse } from '../src/domain/status-response';
import { foldEvents, type StatusView } from '../src/domain/status-view';
import { attemptEvents, OUTCOMES } from './fixtures/events';

const SUBJECT = 'contoso/vm-one';

/** The fixtures' events as the stages write them now: every message with its code and parameters. */
function coded(event: OfferEvent): OfferEvent {
  switch (event.type) {
    case 'PrerequisitesRejected':
      return {
        ...event,
        data: {
          problems: [
            { path: 'title', code: 'required', ...message('validation.title.required') },
            { path: 'plans[0].imageVersions[0].osDiskUrl', code: 'invalid-url', ...message('validation.plans.imageVersions.osDiskUrl.invalid-url') },
          ],
          moreProblems: 3,
        },
      };
    case 'CertificationFailed':
      return {
        ...event,
        data: {
          ...event.data,
          failures: event.data.failures.map((f) => ({
            ...f,
            ...message('certification.vhd-cookie.failed', { disk: 'os', lun: '', found: 'xxxxxxxx', cookie: 'conectix' }),
          })),
          moreFailures: 2,
        },
      };
    case 'ReplicationFailed':
      return {
        ...event,
        data: { ...event.data, failedRegions: [{ region: 'westeurope', status: 'failed', tries: 3 }, ...event.data.failedRegions] },
      };
    case 'PackagingFailed':
    case 'GoLiveFailed': {
      const reason = message('lead.endpoint-refused');
      const action = message('lead-action.check-server');
      return {
        ...event,
        data: {
          code: 'lead-endpoint-unreachable',
          reason: reason.message,
          action: action.message,
          reasonCode: reason.messageCode,
          actionCode: action.messageCode,
          params: {},
        },
      };
    }
    default:
      return event;
  }
}

function view(outcome: (typeof OUTCOMES)[number], map: (e: OfferEvent) => OfferEvent = coded): StatusView {
  return foldEvents('contoso', 'vm-one', attemptEvents({ subject: SUBJECT, attempt: 1, outcome }).map(map));
}

function texts(v: StatusView, language: string): string[] {
  return statusResponse('contoso', 'vm-one', { attempt: 1 }, v, language).steps.flatMap((s) => s.messages.map((m) => m.text));
}

describe('step messages by code, rendered per language', () => {
  test.each(OUTCOMES)('%s: the English rendering is the stored text', (outcome) => {
    const v = view(outcome);
    expect(texts(v, 'en')).toEqual(v.steps.flatMap((s) => s.messages.map((m) => m.text)));
  });

  test.each(['pt-BR', 'it'])('%s: no English catalogue text in any step message of any outcome', (language) => {
    for (const outcome of OUTCOMES) {
      const shown = texts(view(outcome), language);
      expect(shown.length).toBeGreaterThan(0);
      for (const text of shown) expect({ outcome, text, leaks: englishLeaks(text) }).toEqual({ outcome, text, leaks: [] });
    }
  });

  test('the offer language is the default; the requested one wins; the response keeps its shape', () => {
    const v = { ...view('rejected'), language: 'it' };
    const byOffer = statusResponse('contoso', 'vm-one', { attempt: 1 }, v);
    const first = byOffer.steps[0].messages.find((m) => m.field === 'title')!;
    expect(first.text).toBe(`title: ${render('validation.title.required', {}, 'it')}`);
    expect(first.messageHtml).toBe('title: Inserisci il titolo dell&#39;offerta.');
    expect(Object.keys(first).sort()).toEqual(['code', 'field', 'level', 'messageHtml', 'text', 'timestamp']);
    const inPortuguese = statusResponse('contoso', 'vm-one', { attempt: 1 }, v, 'pt-BR');
    expect(inPortuguese.steps[0].messages.find((m) => m.field === 'title')!.text).toBe('title: Informe o título da oferta.');
  });

  test('a message without a code (a view projected before codes) keeps its stored text', () => {
    const v = view('rejected', (e) => e);
    expect(texts(v, 'it')).toContain('title: Give the offer a title.');
  });
});

describe('text defects', () => {
  test('a canceled attempt quotes the reason: it never runs into the next sentence', () => {
    const v = view('canceled');
    const canceled = v.steps.find((s) => s.id === 'publisher-signoff')!.messages.find((m) => m.code === 'canceled')!;
    expect(canceled.text).toBe('Publishing canceled by alice (reason given: “found a typo”). Publish again to start over.');
    expect(canceled.text).not.toMatch(/typo Publish/);
    expect(texts(v, 'pt-BR')).toContain('Publicação cancelada por alice (motivo informado: “found a typo”). Publique novamente para recomeçar.');
  });

  test('a failed mail says its tries once, also when its reason was written with them', () => {
    const events = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'certification-failed' }).map((e) =>
      e.type === 'NotificationFailed' ? { ...e, data: { ...e.data, reason: 'gave up after 5 tries: 421 greylisted' } } : e,
    );
    const reason = foldEvents('contoso', 'vm-one', events).notifications.at(-1)!.reason!;
    expect(reason).toBe('gave up: 421 greylisted (after 5 tries)');
    expect(reason.match(/tries/g)).toHaveLength(1);
  });

  test('a stage failure says what to do, then to publish again, once', () => {
    for (const outcome of ['packaging-failed', 'golive-failed'] as const) {
      const shown = texts(view(outcome), 'en').join('\n');
      expect(shown).toContain('What to do: check the endpoint URL and that your server is running');
      expect(shown.match(/publish (the offer )?again/gi)).toHaveLength(1);
    }
  });

  test('provisioning that failed reports what was done (replicated of all regions), whatever progress came before', () => {
    const events = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'replication-failed' });
    const withoutProgress = events.filter((e) => e.type !== 'ImageReplicationProgressed');
    for (const history of [events, withoutProgress]) {
      const provisioning = foldEvents('contoso', 'vm-one', history).steps.find((s) => s.id === 'provisioning')!;
      expect(provisioning.progressPercentage).toBe(75);
      expect(provisioning.messages.map((m) => m.text)).toEqual(
        expect.arrayContaining(['Replication failed in 1 region(s): 3 of 4 regions replicated.', 'Replicated to 3 of 4 regions.']),
      );
      expect(provisioning.messages.filter((m) => m.code === 'replication-progress')).toHaveLength(1);
    }
  });
});
