import { RESPONSE_TEXT_VERSION, responseJson, responseText, statusResponse } from '../src/domain/status-response';
import { foldEvents, type StatusView } from '../src/domain/status-view';
import { attemptEvents } from './fixtures/events';

const SUBJECT = 'contoso/vm-one';

describe('statusResponse: GET status in the Cloud Partner Portal shape', () => {
  const live = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'live', idPrefix: 'a1' });
  const failedAgain = attemptEvents({ subject: SUBJECT, attempt: 2, outcome: 'certification-failed', idPrefix: 'a2', start: new Date('2026-03-01T00:00:00Z') });
  const wentLive = live.find((e) => e.type === 'WentLive')!;

  test('a failed republish: status failed, the live version still marked, top-level messages from the failing step', () => {
    const view = foldEvents('contoso', 'vm-one', [...live, ...failedAgain]);
    const body = statusResponse('contoso', 'vm-one', { attempt: 2 }, view);
    expect(body).toMatchObject({ status: 'failed', attempt: 2 });
    expect(body.live).toEqual({ attempt: 1, time: wentLive.time, catalogUrl: 'https://marketplace.test/offers/contoso/vm-one' });
    expect(body.liveLinks).toEqual([{ displayText: 'Live', uri: 'https://marketplace.test/offers/contoso/vm-one' }]);
    expect(body.messages.length).toBeGreaterThan(0);
    expect(body.messages.every((m) => m.step === 'certification' && m.level === 'error' && m.messageHtml.length > 0)).toBe(true);
  });

  test("step names and descriptions are in the reader's language, like the messages", () => {
    const view = foldEvents('contoso', 'vm-one', [...live, ...failedAgain]);
    const english = statusResponse('contoso', 'vm-one', { attempt: 2 }, view, 'en');
    const portuguese = statusResponse('contoso', 'vm-one', { attempt: 2 }, view, 'pt-BR');
    const italian = statusResponse('contoso', 'vm-one', { attempt: 2 }, view, 'it');
    expect(english.steps.map((s) => s.stepName)).toContain('Certification');
    expect(portuguese.steps.find((s) => s.id === 'certification')?.stepName).toBe('Certificação');
    expect(italian.steps.find((s) => s.id === 'certification')?.stepName).toBe('Certificazione');
    for (const translated of [portuguese, italian])
      translated.steps.forEach((step, i) => {
        expect(step.description).not.toBe(english.steps[i].description);
        expect(step.messages.map((m) => m.text)).not.toEqual(english.steps[i].messages.length ? english.steps[i].messages.map((m) => m.text) : ['-']);
      });
  });

  test('a Publish the projection has not seen yet: notStarted, no messages of the previous attempt, still live', () => {
    const view = foldEvents('contoso', 'vm-one', [...live, ...failedAgain]);
    const body = statusResponse('contoso', 'vm-one', { attempt: 3 }, view);
    expect(body).toMatchObject({ status: 'notStarted', messages: [], live: { attempt: 1 } });
  });

  test('a view stored before VIEW_VERSION 1 (level info, no top-level messages) is shown in the current shape', () => {
    const current = foldEvents('contoso', 'vm-one', failedAgain);
    const { messages: _, ...rest } = current;
    const old = {
      ...rest,
      steps: current.steps.map((s) => ({ ...s, messages: s.messages.map((m) => ({ ...m, level: m.level === 'information' ? 'info' : m.level })) })),
    } as unknown as StatusView;
    const body = statusResponse('contoso', 'vm-one', { attempt: 2 }, old);
    expect(body.messages).toEqual([]);
    expect(body.live).toBeNull();
    expect(new Set(body.steps.flatMap((s) => s.messages.map((m) => m.level)))).toEqual(new Set(['information', 'error']));
    expect(body.steps).toEqual(statusResponse('contoso', 'vm-one', { attempt: 2 }, current).steps);
  });
});

describe('responseText: the response the projection stores beside the view', () => {
  /** The same data with every object's keys in reverse order, as a jsonb round trip may return it. */
  const reordered = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(reordered)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([k, v]) => [k, reordered(v)]),
          )
        : value;

  test('is the response GET status renders, in the offer notification language, whatever order the view keys are in', () => {
    const events = attemptEvents({ subject: SUBJECT, attempt: 1, outcome: 'replication-failed', idPrefix: 'r1' });
    const view = foldEvents('contoso', 'vm-one', events);
    const text = responseText(view);
    expect(text.language).toBe('en');
    expect(JSON.parse(text.json)).toEqual(statusResponse('contoso', 'vm-one', { attempt: 1 }, view));
    expect(responseText(reordered(view) as StatusView)).toEqual(text);
    expect(responseJson(statusResponse('contoso', 'vm-one', { attempt: 1 }, view))).toBe(text.json);
  });

  test('its version changes with the message catalogues (a deploy that changes a text renders the stored views again)', () => {
    let changed: string | undefined;
    jest.isolateModules(() => {
      jest.doMock('@mkt/messages', () => {
        const actual = jest.requireActual<typeof import('@mkt/messages')>('@mkt/messages');
        return { ...actual, CATALOGUES: { ...actual.CATALOGUES, en: { ...actual.CATALOGUES.en, 'step.validation': 'Checks' } } };
      });
      changed = (jest.requireActual('../src/domain/status-response') as { RESPONSE_TEXT_VERSION: string }).RESPONSE_TEXT_VERSION;
    });
    expect(RESPONSE_TEXT_VERSION).toMatch(/^[0-9a-f]{16}$/);
    expect(changed).toMatch(/^[0-9a-f]{16}$/);
    expect(changed).not.toBe(RESPONSE_TEXT_VERSION);
  });
});
