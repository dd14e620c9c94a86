import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, call, offerPath, readEventStream, versioned } from '../api';
import { ErrorNote, formatTime, Link, useApp } from '../app';
import { PublishDialog } from './publish';
import { OfferTabs } from './tabs';

interface Message {
  level: 'information' | 'warning' | 'error';
  text: string;
  timestamp: string;
  code?: string;
  field?: string;
}
interface Step {
  id: string;
  stepName: string;
  description: string;
  status: string;
  estimatedTimeFrame: string;
  startTime: string | null;
  endTime: string | null;
  progressPercentage: number;
  messages: Message[];
}
export interface StatusView {
  status: string;
  attempt: number;
  steps: Step[];
  messages: Array<Message & { step: string }>;
  live: { attempt: number; time: string; catalogUrl: string } | null;
  previewLinks: Array<{ uri: string }>;
  notificationEmails: string;
}

/**
 * The Status tab: the seven steps as the API renders them in the page's language, kept current by the server-sent
 * events of GET .../status/stream (read with fetch: the token goes in the Authorization header). Go Live and Cancel
 * only when the offer waits for sign-off, the reason otherwise. Opened from an e-mail's Go Live or Cancel link
 * (`command`), it asks to confirm the action first.
 */
export function StatusPage({ publisherId, offerId, command }: { publisherId: string; offerId: string; command?: 'golive' | 'cancel' }) {
  const { t, language, navigate } = useApp();
  const [view, setView] = useState<StatusView | undefined>();
  const [title, setTitle] = useState<string | undefined>();
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [publishing, setPublishing] = useState(false);
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState<'golive' | 'cancel' | undefined>(command);

  useEffect(() => {
    call<{ draft: { title?: string } }>('GET', versioned(offerPath(publisherId, offerId))).then((a) => setTitle(a.body.draft.title), setError);
    const abort = new AbortController();
    let retry = 500;
    const follow = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        try {
          await readEventStream(
            versioned(`${offerPath(publisherId, offerId)}/status/stream`),
            (type, data) => {
              if (type !== 'status') return;
              setView(JSON.parse(data) as StatusView);
              setConnected(true);
              retry = 500;
            },
            abort.signal,
          );
        } catch (err) {
          if (abort.signal.aborted) return;
          if (err instanceof ApiProblem && err.status < 500) return setError(err);
        }
        // the stream ended (a restart, a proxy): connect again after a pause that grows
        setConnected(false);
        await new Promise((resolve) => setTimeout(resolve, retry));
        retry = Math.min(retry * 2, 10_000);
      }
    };
    void follow();
    return () => abort.abort();
  }, [publisherId, offerId, language]);

  const run = async (which: 'golive' | 'cancel') => {
    setError(undefined);
    try {
      await call('POST', versioned(`${offerPath(publisherId, offerId)}/${which}`), { body: which === 'cancel' && reason ? { reason } : {} });
      setNotice(t('commandAccepted'));
      setConfirming(undefined);
      if (command) navigate(`/publishers/${publisherId}/offers/${offerId}/status`, true);
    } catch (err) {
      setError(err);
    }
  };

  const waiting = view?.status === 'waitingForPublisherReview';
  const name = title || offerId;
  return (
    <section>
      <OfferTabs publisherId={publisherId} offerId={offerId} current="status" title={title} />
      <ErrorNote error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {confirming && view && (
        <div class="confirm card" role="alertdialog" aria-labelledby="confirm-text">
          <p id="confirm-text">{confirming === 'golive' ? t('confirmGoLive', { offer: name }) : t('confirmCancel', { offer: name })}</p>
          {!waiting && (
            <p class="reason">
              {confirming === 'golive' ? t('goLiveNotAllowed', { status: t.status(view.status) }) : t('cancelNotAllowed', { status: t.status(view.status) })}
            </p>
          )}
          {confirming === 'cancel' && waiting && (
            <div class="field">
              <label for="cancel-reason-confirm">{t('cancelReason')}</label>
              <input id="cancel-reason-confirm" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            </div>
          )}
          <div class="actions">
            <button type="button" class="primary" disabled={!waiting} onClick={() => void run(confirming)}>
              {t('confirm')}
            </button>
            <button type="button" onClick={() => setConfirming(undefined)}>
              {t('cancelDialog')}
            </button>
          </div>
        </div>
      )}
      {!view ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          <div class="status-head">
            <p>
              <span class={`status status-${view.status}`} data-testid="offer-status">
                {t.status(view.status)}
              </span>{' '}
              {view.attempt > 0 && <span class="muted">{t('attempt', { n: view.attempt })}</span>} {view.live && <span class="badge live">{t('live')}</span>}
            </p>
            <p class="muted" role="status" aria-live="polite">
              {connected ? t('liveUpdates') : t('reconnecting')}
            </p>
          </div>
          <div class="actions wrap">
            <button type="button" onClick={() => setPublishing(true)} disabled={view.status === 'running' || view.status === 'notStarted' || waiting}>
              {t('publish')}
            </button>
            <div class="command">
              <button
                type="button"
                class="primary"
                disabled={!waiting}
                aria-describedby={waiting ? undefined : 'golive-reason'}
                onClick={() => setConfirming('golive')}
              >
                {t('goLive')}
              </button>
              {!waiting && (
                <span class="reason" id="golive-reason">
                  {t('goLiveNotAllowed', { status: t.status(view.status) })}
                </span>
              )}
            </div>
            <div class="command">
              <button type="button" disabled={!waiting} aria-describedby={waiting ? undefined : 'cancel-reason'} onClick={() => setConfirming('cancel')}>
                {t('cancelPublish')}
              </button>
              {!waiting && (
                <span class="reason" id="cancel-reason">
                  {t('cancelNotAllowed', { status: t.status(view.status) })}
                </span>
              )}
            </div>
            {view.previewLinks.length > 0 && <Link href={`/preview/${publisherId}/${offerId}`}>{t('openPreview')}</Link>}
            {view.live && <Link href={`/catalog/${publisherId}/${offerId}`}>{t('viewPage')}</Link>}
          </div>
          {view.messages.length > 0 && (
            <ul class="messages top-messages">
              {view.messages.map((m, i) => (
                <li key={i} class={`level-${m.level}`}>
                  {m.text}
                </li>
              ))}
            </ul>
          )}
          <h2>{t('steps')}</h2>
          <ol class="steps">
            {view.steps.map((step) => (
              <li key={step.id} class={`step step-${step.status}`} data-step={step.id} data-status={step.status}>
                <div class="step-head">
                  <h3>{step.stepName}</h3>
                  <span class={`status status-${step.status}`}>{t.status(step.status)}</span>
                </div>
                <p class="muted">{step.description}</p>
                <dl class="times">
                  <div>
                    <dt>{t('started')}</dt>
                    <dd>{formatTime(step.startTime, language)}</dd>
                  </div>
                  <div>
                    <dt>{t('ended')}</dt>
                    <dd>{formatTime(step.endTime, language)}</dd>
                  </div>
                  <div>
                    <dt>{t('timeFrame')}</dt>
                    <dd>{step.estimatedTimeFrame}</dd>
                  </div>
                </dl>
                <label class="progress">
                  <span>
                    {t('progress')} {step.progressPercentage}%
                  </span>
                  <progress max={100} value={step.progressPercentage} aria-label={`${step.stepName}: ${t('progress')}`} />
                </label>
                {step.messages.length > 0 && (
                  <ul class="messages" aria-label={`${step.stepName}: ${t('messages')}`}>
                    {step.messages.map((m, i) => (
                      <li key={i} class={`level-${m.level}`}>
                        {m.field ? <Link href={`/publishers/${publisherId}/offers/${offerId}`}>{m.text}</Link> : m.text}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
      {publishing && view && (
        <PublishDialog
          publisherId={publisherId}
          offerId={offerId}
          title={name}
          defaultEmails={view.notificationEmails}
          onClose={() => setPublishing(false)}
          onPublished={() => setNotice(t('publishStarted'))}
        />
      )}
    </section>
  );
}
