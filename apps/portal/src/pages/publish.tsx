import { useEffect, useRef, useState } from 'preact/hooks';
import { call, offerPath, versioned } from '../api';
import { ErrorNote, useApp } from '../app';
import { LANGUAGES } from '../i18n';
import { Warning, type Problem } from './editor';

/** The Publish dialog (the process's pop-up): notification e-mails and their language, checked by the same rules. */
export function PublishDialog(props: {
  publisherId: string;
  offerId: string;
  title: string;
  defaultEmails?: string;
  defaultLanguage?: string;
  onClose: () => void;
  onPublished: () => void;
}) {
  const { t, language } = useApp();
  const dialog = useRef<HTMLDialogElement>(null);
  const [emails, setEmails] = useState(props.defaultEmails ?? '');
  const [mailLanguage, setMailLanguage] = useState(props.defaultLanguage || language);
  const [warnings, setWarnings] = useState<Problem[]>([]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const check = async () => {
    const answer = await call<{ problems: Problem[] }>(
      'GET',
      versioned(`${offerPath(props.publisherId, props.offerId)}/check`, { notificationEmails: emails }),
    );
    const mine = answer.body.problems.filter((p) => p.path.startsWith('notificationEmails'));
    setWarnings(mine);
    return mine;
  };

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="publish-title" onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          setBusy(true);
          try {
            if ((await check()).length) return;
            await call('POST', versioned(`${offerPath(props.publisherId, props.offerId)}/publish`), {
              body: { metadata: { 'notification-emails': emails }, language: mailLanguage },
            });
            dialog.current?.close();
            props.onPublished();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h2 id="publish-title">{t('publishTitle', { offer: props.title })}</h2>
        <p class="help">{t('publishHelp')}</p>
        <ErrorNote error={error} />
        <div class={`field${warnings.length ? ' has-warning' : ''}`}>
          <label for="publish-emails">{t('notificationEmails')}</label>
          <input
            id="publish-emails"
            type="text"
            inputMode="email"
            autoComplete="email"
            value={emails}
            aria-describedby={warnings.length ? 'publish-emails-warning' : undefined}
            onInput={(e) => setEmails((e.target as HTMLInputElement).value)}
            onBlur={() => void check().catch(() => undefined)}
          />
          <Warning id="publish-emails-warning" text={warnings.map((w) => w.message).join(' ') || undefined} />
        </div>
        <div class="field">
          <label for="publish-language">{t('notificationLanguage')}</label>
          <select id="publish-language" value={mailLanguage} onChange={(e) => setMailLanguage((e.target as HTMLSelectElement).value)}>
            {LANGUAGES.map((l) => (
              <option key={l.tag} value={l.tag}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {t('publish')}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            {t('cancelDialog')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
