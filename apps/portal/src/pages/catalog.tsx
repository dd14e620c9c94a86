import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, call, offerPath, versioned } from '../api';
import { ErrorNote, formatTime, Link, useApp } from '../app';

interface CatalogEntry {
  publisherId: string;
  offerId: string;
  title: string;
  summary: string | null;
  liveSince: string;
}

/** The public catalog: live offers, no sign-in. */
export function CatalogList() {
  const { t, language } = useApp();
  const [entries, setEntries] = useState<CatalogEntry[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const load = (after?: string) =>
    call<{ value: CatalogEntry[]; nextLink: string | null }>('GET', `/api/catalog/offers?limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`).then(
      ({ body }) => {
        setEntries((list) => (after ? [...(list ?? []), ...body.value] : body.value));
        setNext(body.nextLink ? new URL(body.nextLink, location.origin).searchParams.get('after') : null);
      },
      setError,
    );
  useEffect(() => void load(), []);
  return (
    <section>
      <h1 tabIndex={-1}>{t('catalogTitle')}</h1>
      <ErrorNote error={error} />
      {!entries && !error && <p>{t('loading')}</p>}
      {entries && entries.length === 0 && <p>{t('catalogEmpty')}</p>}
      <ul class="catalog">
        {entries?.map((e) => (
          <li key={`${e.publisherId}/${e.offerId}`} class="card" data-offer={`${e.publisherId}/${e.offerId}`}>
            <h2>
              <Link href={`/catalog/${e.publisherId}/${e.offerId}`}>{e.title}</Link>
            </h2>
            <p class="muted">
              {t('by', { publisher: e.publisherId })} · {t('liveSince', { time: formatTime(e.liveSince, language) })}
            </p>
            {e.summary && <p>{e.summary}</p>}
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" onClick={() => void load(next)}>
          {t('more')}
        </button>
      )}
    </section>
  );
}

/** A product page (sanitised HTML from packaging) in a sandboxed frame: no scripts, no access to the portal. */
function ProductPage({ html, title }: { html: string; title: string }) {
  return <iframe class="product" sandbox="" title={title} srcdoc={html} />;
}

export function CatalogPage({ publisherId, offerId }: { publisherId: string; offerId: string }) {
  const { t } = useApp();
  const [html, setHtml] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    call<string>('GET', `/api/catalog/offers/${encodeURIComponent(publisherId)}/${encodeURIComponent(offerId)}`, { headers: { accept: 'text/html' } }).then(
      (a) => setHtml(a.body),
      setError,
    );
  }, [publisherId, offerId]);
  return (
    <section>
      <p class="crumbs">
        <Link href="/catalog">{t('catalog')}</Link> / {publisherId} / {offerId}
      </p>
      <h1 tabIndex={-1}>{t('viewPage')}</h1>
      {error instanceof ApiProblem && error.status === 404 ? <p role="alert">{t('catalogEmpty')}</p> : <ErrorNote error={error} />}
      {html && <ProductPage html={html} title={`${publisherId}/${offerId}`} />}
    </section>
  );
}

/** The preview for the offer's publisher and allow-listed customers (the API decides; anybody else sees "no preview"). */
export function PreviewPage({ publisherId, offerId }: { publisherId: string; offerId: string }) {
  const { t } = useApp();
  const [html, setHtml] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    call<string>('GET', versioned(`${offerPath(publisherId, offerId)}/preview`), { headers: { accept: 'text/html' } }).then((a) => setHtml(a.body), setError);
  }, [publisherId, offerId]);
  return (
    <section>
      <h1 tabIndex={-1}>{t('previewTitle', { offer: `${publisherId}/${offerId}` })}</h1>
      {error instanceof ApiProblem && (error.status === 404 || error.status === 403) ? <p role="alert">{t('noPreview')}</p> : <ErrorNote error={error} />}
      {html && <ProductPage html={html} title={t('previewTitle', { offer: offerId })} />}
    </section>
  );
}
