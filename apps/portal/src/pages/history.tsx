import { useEffect, useState } from 'preact/hooks';
import { call, offerPath, versioned } from '../api';
import { ErrorNote, formatTime, useApp } from '../app';
import { OfferTabs } from './tabs';

interface Entry {
  id: string;
  type: string;
  attempt: number;
  time: string;
  source: string;
  outcome: string;
}

/** History: the offer's events across attempts, in log order, paged by the API's cursor. */
export function HistoryPage({ publisherId, offerId }: { publisherId: string; offerId: string }) {
  const { t, language } = useApp();
  const [entries, setEntries] = useState<Entry[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>();
  const load = (after?: string) =>
    call<{ value: Entry[]; nextLink: string | null }>('GET', versioned(`${offerPath(publisherId, offerId)}/events`, { after, limit: '100' })).then(
      ({ body }) => {
        setEntries((list) => (after ? [...list, ...body.value] : body.value));
        setNext(body.nextLink ? new URL(body.nextLink, location.origin).searchParams.get('after') : null);
      },
      setError,
    );
  useEffect(() => void load(), [publisherId, offerId]);
  return (
    <section>
      <OfferTabs publisherId={publisherId} offerId={offerId} current="history" />
      <ErrorNote error={error} />
      {next === undefined && !error && <p>{t('loading')}</p>}
      {next !== undefined && entries.length === 0 && <p>{t('noEvents')}</p>}
      {entries.length > 0 && (
        <table class="history">
          <caption class="visually-hidden">{t('history')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('time')}</th>
              <th scope="col">{t('attempt', { n: '' }).trim()}</th>
              <th scope="col">{t('event')}</th>
              <th scope="col">{t('outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td data-label={t('time')}>{formatTime(e.time, language)}</td>
                <td data-label={t('attempt', { n: '' }).trim()}>{e.attempt}</td>
                <td data-label={t('event')}>
                  {e.type} <span class="muted">({e.source})</span>
                </td>
                <td data-label={t('outcome')}>{e.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" onClick={() => void load(next)}>
          {t('more')}
        </button>
      )}
    </section>
  );
}
