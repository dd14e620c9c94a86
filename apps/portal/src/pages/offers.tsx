import { useEffect, useState } from 'preact/hooks';
import { call, offerPath, versioned } from '../api';
import { ErrorNote, formatTime, Link, useApp } from '../app';

const STATUSES = ['neverPublished', 'notStarted', 'running', 'waitingForPublisherReview', 'succeeded', 'canceled', 'failed'];
const PAGE_SIZE = 20;

interface OfferLine {
  id: string;
  title?: string;
  status: string;
  currentStep: string | null;
  attempt: number;
  changedTime: string;
  live: { attempt: number; time: string | null } | null;
}

/** All offers: the latest status of each, a status filter and paging by the API's cursor (`after`), the live marker. */
export function OffersPage({ publisherId, search }: { publisherId: string; search: string }) {
  const { t, language, navigate } = useApp();
  const params = new URLSearchParams(search);
  const status = params.get('status') ?? '';
  const after = params.get('after') ?? '';
  const [lines, setLines] = useState<OfferLine[] | undefined>();
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    setLines(undefined);
    call<{ value: OfferLine[]; nextLink: string | null }>('GET', versioned(offerPath(publisherId), { status, after, limit: String(PAGE_SIZE) })).then(
      ({ body }) => {
        setLines(body.value);
        setNext(body.nextLink ? (new URL(body.nextLink, location.origin).searchParams.get('after') ?? undefined) : undefined);
      },
      setError,
    );
  }, [publisherId, status, after]);

  const go = (values: Record<string, string>) => {
    const q = new URLSearchParams({ status, after, ...values });
    for (const [k, v] of [...q.entries()]) if (!v) q.delete(k);
    navigate(`/publishers/${publisherId}/offers${q.toString() ? `?${q}` : ''}`);
  };

  return (
    <section>
      <div class="title-row">
        <h1 tabIndex={-1}>{t('allOffers')}</h1>
        <Link href={`/publishers/${publisherId}/new-offer`} class="button">
          {t('newOffer')}
        </Link>
      </div>
      <div class="toolbar">
        <label for="status-filter">{t('filterStatus')}</label>
        <select id="status-filter" value={status} onChange={(e) => go({ status: (e.target as HTMLSelectElement).value, after: '' })}>
          <option value="">{t('any')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t.status(s)}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={error} />
      {!lines && !error && <p>{t('loading')}</p>}
      {lines && lines.length === 0 && <p>{t('noOffers')}</p>}
      {lines && lines.length > 0 && (
        <table class="offers">
          <caption class="visually-hidden">{t('allOffers')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('offer')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">{t('step')}</th>
              <th scope="col">{t('changed')}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((o) => (
              <tr key={o.id} data-offer={o.id}>
                <td data-label={t('offer')}>
                  <Link href={`/publishers/${publisherId}/offers/${o.id}/status`}>{o.title || o.id}</Link>
                  <div class="muted">
                    {o.id} · <Link href={`/publishers/${publisherId}/offers/${o.id}`}>{t('edit')}</Link>
                  </div>
                </td>
                <td data-label={t('status')}>
                  <span class={`status status-${o.status}`}>{t.status(o.status)}</span>{' '}
                  {o.live && (
                    <span class="badge live" title={t('liveSince', { time: formatTime(o.live.time, language) })}>
                      {t('live')}
                    </span>
                  )}
                </td>
                <td data-label={t('step')}>{o.currentStep ?? '—'}</td>
                <td data-label={t('changed')}>{formatTime(o.changedTime, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label={t('next')}>
        {after && (
          <button type="button" onClick={() => history.back()}>
            {t('previous')}
          </button>
        )}
        {next && (
          <button type="button" onClick={() => go({ after: next })}>
            {t('next')}
          </button>
        )}
      </nav>
    </section>
  );
}
