import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { loadSession, saveSession, setRequestContext, type Session } from './api';
import { App, Link, useApp } from './app';
import { initialLanguage, LANGUAGES, translator, type Language } from './i18n';
import { CatalogList, CatalogPage, PreviewPage } from './pages/catalog';
import { Editor, NewOffer } from './pages/editor';
import { HistoryPage } from './pages/history';
import { OffersPage } from './pages/offers';
import { SignInPage } from './pages/signin';
import { StatusPage } from './pages/status';
import './style.css';

type Route =
  | { page: 'signin'; next: string }
  | { page: 'offers'; publisherId: string }
  | { page: 'new'; publisherId: string }
  | { page: 'editor' | 'status' | 'history'; publisherId: string; offerId: string }
  | { page: 'command'; publisherId: string; offerId: string; command: 'golive' | 'cancel' }
  | { page: 'catalog' }
  | { page: 'catalog-page'; publisherId: string; offerId: string }
  | { page: 'preview'; publisherId: string; offerId: string }
  | { page: 'home' }
  | { page: 'not-found' };

/** The portal's addresses (the e-mails link to /publishers/<p>/offers/<o>/status, /golive, /cancel, /preview/<p>/<o>, /catalog/<p>/<o>). */
export function route(location: { pathname: string; search: string }): Route {
  const parts = location.pathname
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  const [a, b, c, d, e] = parts;
  if (parts.length === 0) return { page: 'home' };
  if (a === 'signin' && parts.length === 1) return { page: 'signin', next: new URLSearchParams(location.search).get('next') ?? '/' };
  if (a === 'catalog' && parts.length === 1) return { page: 'catalog' };
  if (a === 'catalog' && parts.length === 3) return { page: 'catalog-page', publisherId: b, offerId: c };
  if (a === 'preview' && parts.length === 3) return { page: 'preview', publisherId: b, offerId: c };
  if (a === 'publishers' && b) {
    if (parts.length === 3 && c === 'offers') return { page: 'offers', publisherId: b };
    if (parts.length === 3 && c === 'new-offer') return { page: 'new', publisherId: b };
    if (c === 'offers' && d && parts.length === 4) return { page: 'editor', publisherId: b, offerId: d };
    if (c === 'offers' && d && parts.length === 5) {
      if (e === 'status' || e === 'history') return { page: e, publisherId: b, offerId: d };
      if (e === 'edit') return { page: 'editor', publisherId: b, offerId: d };
      if (e === 'golive' || e === 'cancel') return { page: 'command', publisherId: b, offerId: d, command: e };
    }
  }
  return { page: 'not-found' };
}

function Portal() {
  const [language, setLanguage] = useState<Language>(() =>
    initialLanguage(localStorage.getItem('portal.language'), navigator.languages ?? [navigator.language]),
  );
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [location, setLocation] = useState({ pathname: window.location.pathname, search: window.location.search });
  const main = useRef<HTMLElement>(null);
  const t = useMemo(() => translator(language), [language]);
  setRequestContext(language, session?.token);

  useEffect(() => {
    const onPop = () => setLocation({ pathname: window.location.pathname, search: window.location.search });
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
    localStorage.setItem('portal.language', language);
  }, [language]);
  useEffect(() => {
    // after a navigation, the new page's heading gets the focus (screen readers hear where they are)
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [location.pathname]);

  const navigate = (path: string, replace = false) => {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    setLocation({ pathname: window.location.pathname, search: window.location.search });
    window.scrollTo(0, 0);
  };
  const signIn = (next: Session) => {
    saveSession(next);
    setSession(next);
  };
  const signOut = () => {
    saveSession(undefined);
    setSession(undefined);
    navigate('/signin');
  };

  const current = route(location);
  const here = `${location.pathname}${location.search}`;
  const needsPublisher = ['offers', 'new', 'editor', 'status', 'history', 'command'].includes(current.page);
  const needsSession = needsPublisher || current.page === 'preview';
  let page: preact.ComponentChildren;
  if (needsSession && !session) page = <SignInPage next={here} notice />;
  else if (needsPublisher && session && 'publisherId' in current && session.publisherId !== current.publisherId)
    page = (
      <section>
        <h1 tabIndex={-1}>{t('signInTitle')}</h1>
        <p role="alert">
          {session.role === 'customer' ? t('customersOnlyPreview') : t('wrongPublisher', { who: session.sub, publisher: current.publisherId })}
        </p>
        <button type="button" onClick={signOut}>
          {t('signOut')}
        </button>
      </section>
    );
  else {
    switch (current.page) {
      case 'home':
        page = session?.publisherId ? <Redirect to={`/publishers/${session.publisherId}/offers`} /> : <Redirect to={session ? '/catalog' : '/signin'} />;
        break;
      case 'signin':
        page = <SignInPage next={current.next} />;
        break;
      case 'offers':
        page = <OffersPage publisherId={current.publisherId} search={location.search} />;
        break;
      case 'new':
        page = <NewOffer publisherId={current.publisherId} />;
        break;
      case 'editor':
        page = <Editor key={`${current.publisherId}/${current.offerId}`} publisherId={current.publisherId} offerId={current.offerId} />;
        break;
      case 'status':
        page = <StatusPage key={`${current.publisherId}/${current.offerId}`} publisherId={current.publisherId} offerId={current.offerId} />;
        break;
      case 'command':
        page = <StatusPage key={`${current.publisherId}/${current.offerId}/${current.command}`} {...current} />;
        break;
      case 'history':
        page = <HistoryPage publisherId={current.publisherId} offerId={current.offerId} />;
        break;
      case 'catalog':
        page = <CatalogList />;
        break;
      case 'catalog-page':
        page = <CatalogPage publisherId={current.publisherId} offerId={current.offerId} />;
        break;
      case 'preview':
        page = <PreviewPage publisherId={current.publisherId} offerId={current.offerId} />;
        break;
      default:
        page = (
          <section>
            <h1 tabIndex={-1}>{t('notFound')}</h1>
            <Link href="/">{t('appName')}</Link>
          </section>
        );
    }
  }

  return (
    <App.Provider value={{ t, language, session, signIn, navigate }}>
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="top">
        <Link href="/" class="brand">
          {t('appName')}
        </Link>
        <nav aria-label={t('appName')}>
          {session?.publisherId && (
            <Link href={`/publishers/${session.publisherId}/offers`} aria-current={current.page === 'offers' ? 'page' : undefined}>
              {t('allOffers')}
            </Link>
          )}
          <Link href="/catalog" aria-current={current.page === 'catalog' ? 'page' : undefined}>
            {t('catalog')}
          </Link>
        </nav>
        <div class="who">
          <label>
            <span class="visually-hidden">{t('language')}</span>
            <select value={language} onChange={(e) => setLanguage((e.target as HTMLSelectElement).value as Language)} aria-label={t('language')}>
              {LANGUAGES.map((l) => (
                <option key={l.tag} value={l.tag} lang={l.tag}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          {session ? (
            <>
              <span class="signed-in">{t('signedInAs', { who: session.publisherId ?? session.sub })}</span>
              <button type="button" class="link" onClick={signOut}>
                {t('signOut')}
              </button>
            </>
          ) : (
            current.page !== 'signin' && <Link href={`/signin?next=${encodeURIComponent(here)}`}>{t('signIn')}</Link>
          )}
        </div>
      </header>
      <main id="main" ref={main}>
        {page}
      </main>
    </App.Provider>
  );
}

function Redirect({ to }: { to: string }) {
  const { navigate } = useApp();
  useEffect(() => navigate(to, true), [to]);
  return null;
}

render(<Portal />, document.getElementById('app')!);
