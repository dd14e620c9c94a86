import type { OfferDraft } from '@mkt/events';

/**
 * What packaging keeps of a submitted offer: marketing and technical content, lead destination and
 * preview subscriptions. The image versions keep only their version numbers: the disk URLs carry SAS
 * tokens that this stage never needs and so should not hold.
 */
export function packagingSnapshot(offer: OfferDraft): OfferDraft {
  return {
    ...offer,
    plans: offer.plans?.map((plan) => ({ ...plan, imageVersions: plan.imageVersions?.map((image) => ({ version: image.version })) })),
  };
}
