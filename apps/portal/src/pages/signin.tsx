import { useEffect, useState } from 'preact/hooks';
import { call, sessionOf, type Session } from '../api';
import { ErrorNote, useApp } from '../app';

/**
 * Sign in: in development mode (GET /api/development answers) a publisher picker and a customer sign-in with a
 * subscription id, which mint tokens with POST /api/development/token; always a field to paste a bearer token.
 */
export function SignInPage({ next, notice = false }: { next: string; notice?: boolean }) {
  const { t, signIn, navigate } = useApp();
  const [development, setDevelopment] = useState<{ publishers: string[] } | null | undefined>(undefined);
  const [publisher, setPublisher] = useState('');
  const [other, setOther] = useState('');
  const [subscription, setSubscription] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    call<{ publishers: string[] }>('GET', '/api/development').then(
      ({ body }) => {
        setDevelopment(body);
        setPublisher(body.publishers[0] ?? '');
      },
      () => setDevelopment(null),
    );
  }, []);

  const done = (session: Session | undefined) => {
    if (!session) return setError(new Error(t('invalidToken')));
    signIn(session);
    const target = next && next !== '/signin' && !next.startsWith('/signin?') ? next : '/';
    navigate(target, true);
  };
  const mint = async (body: Record<string, unknown>) => {
    setError(undefined);
    try {
      const answer = await call<{ token: string }>('POST', '/api/development/token', { body });
      done(sessionOf(answer.body.token));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section class="narrow">
      <h1 tabIndex={-1}>{t('signInTitle')}</h1>
      {notice && <p role="status">{t('signInNeeded')}</p>}
      <ErrorNote error={error} />
      {development && (
        <div class="card">
          <h2>{t('devPicker')}</h2>
          <p class="help">{t('devPickerHelp')}</p>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void mint({ publisherId: other.trim() || publisher });
            }}
          >
            <label for="dev-publisher">{t('publisher')}</label>
            <select id="dev-publisher" value={publisher} onChange={(e) => setPublisher((e.target as HTMLSelectElement).value)}>
              {development.publishers.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
            <label for="dev-other">{t('otherPublisher')}</label>
            <input id="dev-other" value={other} pattern="[a-z0-9](?:[a-z0-9-]*[a-z0-9])?" onInput={(e) => setOther((e.target as HTMLInputElement).value)} />
            <button type="submit">{t('signInAsPublisher')}</button>
          </form>
          <h3>{t('customer')}</h3>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void mint({ subscriptionIds: [subscription.trim()] });
            }}
          >
            <label for="dev-subscription">{t('subscriptionId')}</label>
            <input id="dev-subscription" value={subscription} required onInput={(e) => setSubscription((e.target as HTMLInputElement).value)} />
            <button type="submit">{t('signInAsCustomer')}</button>
          </form>
        </div>
      )}
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          done(sessionOf(token));
        }}
      >
        <label for="token">{t('pasteToken')}</label>
        <p class="help" id="token-help">
          {t('pasteTokenHelp')}
        </p>
        <textarea id="token" rows={3} value={token} aria-describedby="token-help" onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
        <button type="submit">{t('useToken')}</button>
      </form>
    </section>
  );
}
