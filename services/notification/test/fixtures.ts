import { createOfferEvent, type Envelope, type OfferEventData, type OfferEventType } from '@mkt/events';

/** Builders of the events the notification service reads, as the upstream services write them. */
export function offerEvent<T extends OfferEventType>(
  type: T,
  data: OfferEventData<T>,
  subject: string,
  attempt = 1,
  time = new Date('2024-05-01T10:00:00Z'),
): Envelope<T, OfferEventData<T>> {
  return createOfferEvent(type, data, { subject, attempt, correlationId: `corr-${subject}-${attempt}` }, { source: '/marketplace/test', now: () => time });
}

export function submitted(
  publisherId: string,
  offerId: string,
  options: { attempt?: number; emails?: string[]; language?: string; title?: string; allowList?: string[] } = {},
) {
  return offerEvent(
    'OfferSubmitted',
    {
      publisherId,
      offerId,
      notificationEmails: options.emails ?? [`owner@${publisherId}.test`],
      language: options.language ?? 'en',
      submittedBy: `alice@${publisherId}.test`,
      offer: {
        title: options.title ?? `Offer ${offerId}`,
        previewSubscriptionIds: options.allowList ?? ['11111111-2222-3333-4444-555555555555', '66666666-7777-8888-9999-000000000000'],
      },
    },
    `${publisherId}/${offerId}`,
    options.attempt ?? 1,
  );
}

export const problems = [
  { path: 'summary', code: 'required', message: 'Write a summary of up to 100 characters.' },
  { path: 'plans[0].imageVersions[0].osDiskUrl', code: 'invalid-url', message: 'Give the HTTPS URL of the OS disk, with a SAS token.' },
];

export const failedChecks = [
  {
    planId: 'standard',
    imageVersion: '1.0.0',
    disk: 'os',
    check: 'sas-expiry',
    passed: false,
    message: 'The SAS token expires in 2 days; give one valid for at least 3 weeks.',
  },
  {
    planId: 'standard',
    imageVersion: '1.0.0',
    disk: 'data-0',
    check: 'vhd-type',
    passed: false,
    message: 'The VHD is dynamic; convert it to a fixed-size VHD.',
  },
];

export const failedRegions = [
  { region: 'westeurope', status: 'failed' as const, tries: 5, reason: 'copy timed out after 30 minutes' },
  { region: 'brazilsouth', status: 'failed' as const, tries: 5, reason: 'source blob is not readable (403)' },
];

export const stageFailure = {
  code: 'lead-endpoint-unreachable',
  reason: 'The test lead could not be delivered: connection refused.',
  action: 'Check that the lead endpoint accepts HTTPS POST requests.',
};
