/** Public addresses of an offer, served by offer-api (the packaging service only names them). */
export interface OfferIds {
  publisherId: string;
  offerId: string;
}

function base(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** Where the allow-listed subscriptions see the preview. */
export function previewUrl(publicUrl: string, ids: OfferIds): string {
  return `${base(publicUrl)}/api/publishers/${encodeURIComponent(ids.publisherId)}/offers/${encodeURIComponent(ids.offerId)}/preview`;
}

/** Where customers see the live offer. */
export function catalogUrl(publicUrl: string, ids: OfferIds): string {
  return `${base(publicUrl)}/api/catalog/offers/${encodeURIComponent(ids.publisherId)}/${encodeURIComponent(ids.offerId)}`;
}
