import type { OfferEventOf } from '@mkt/events';
import { chooseLanguage } from './languages';
import { normalizeRecipients } from './recipients';

/** What this service keeps of an offer's current attempt, from its OfferSubmitted. */
export interface AttemptContacts {
  attempt: number;
  publisherId: string;
  offerId: string;
  /** Valid, de-duplicated notification addresses given at Publish. */
  recipients: string[];
  /** A language there are templates for. */
  language: string;
  offerTitle: string;
  /** The preview allow-list of the submitted snapshot. */
  previewSubscriptionIds: string[];
}

export function contactsFromSubmitted(event: OfferEventOf<'OfferSubmitted'>, languages: readonly string[]): AttemptContacts {
  const { data } = event;
  const title = data.offer.title?.trim();
  return {
    attempt: event.attempt,
    publisherId: data.publisherId,
    offerId: data.offerId,
    recipients: normalizeRecipients(data.notificationEmails).valid,
    language: chooseLanguage(data.language, languages),
    offerTitle: title ? title : data.offerId,
    previewSubscriptionIds: [...(data.offer.previewSubscriptionIds ?? [])],
  };
}
