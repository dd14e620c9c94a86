import { Link, useApp } from '../app';

/** The offer's heading and its tabs: Editor, Status, History. */
export function OfferTabs({
  publisherId,
  offerId,
  current,
  title,
}: {
  publisherId: string;
  offerId: string;
  current: 'editor' | 'status' | 'history';
  title?: string;
}) {
  const { t } = useApp();
  const base = `/publishers/${publisherId}/offers/${offerId}`;
  return (
    <>
      <p class="crumbs">
        <Link href={`/publishers/${publisherId}/offers`}>{t('allOffers')}</Link> / {offerId}
      </p>
      <h1 tabIndex={-1}>{title || offerId}</h1>
      <nav class="tabs" aria-label={title || offerId}>
        <Link href={base} aria-current={current === 'editor' ? 'page' : undefined}>
          {t('edit')}
        </Link>
        <Link href={`${base}/status`} aria-current={current === 'status' ? 'page' : undefined}>
          {t('statusTab')}
        </Link>
        <Link href={`${base}/history`} aria-current={current === 'history' ? 'page' : undefined}>
          {t('history')}
        </Link>
      </nav>
    </>
  );
}
