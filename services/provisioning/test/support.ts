import { createOfferEvent, type OfferDraft, type OfferEvent } from '@mkt/events';

/** Two plans, three image versions: what the provisioning stage replicates. */
export function offerWithImages(): OfferDraft {
  return {
    title: 'Contoso Secure Linux',
    plans: [
      {
        id: 'standard',
        title: 'Standard',
        osFamily: 'Linux',
        imageVersions: [
          { version: '1.0.0', osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/os-1.0.0.vhd?sig=a' },
          {
            version: '1.1.0',
            osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/os-1.1.0.vhd?sig=a',
            dataDiskUrls: ['https://contoso.blob.core.windows.net/vhds/d.vhd?sig=a'],
          },
        ],
      },
      {
        id: 'premium',
        title: 'Premium',
        osFamily: 'Linux',
        imageVersions: [{ version: '2.0.0', osDiskUrl: 'https://contoso.blob.core.windows.net/vhds/os-2.0.0.vhd?sig=a' }],
      },
    ],
  };
}

const source = { source: '/marketplace/test-upstream' };
const metadata = (subject: string, attempt: number) => ({ subject, attempt, correlationId: `corr-${subject}-${attempt}` });

export function submitted(subject: string, attempt: number, offer: OfferDraft = offerWithImages()) {
  const [publisherId, offerId] = subject.split('/');
  return createOfferEvent(
    'OfferSubmitted',
    { publisherId, offerId, notificationEmails: ['publisher@contoso.test'], language: 'en', submittedBy: 'user-1', offer },
    metadata(subject, attempt),
    source,
  );
}

export function certified(subject: string, attempt: number) {
  return createOfferEvent('CertificationPassed', { checks: [] }, metadata(subject, attempt), source);
}

export function canceled(subject: string, attempt: number) {
  return createOfferEvent('PublishCanceled', { canceledBy: 'user-1' }, metadata(subject, attempt), source);
}

export const STAGE_EVENT_TYPES = ['ReplicationStarted', 'ImageReplicationProgressed', 'ImagesReplicated', 'ReplicationFailed'] as const;

/**
 * The stage's events of one offer as they are on the log (redeliveries of one id included), grouped by
 * type: distinct ids, and distinct contents, so that a test sees an event emitted twice either way.
 */
export function tally(events: readonly OfferEvent[], subject: string) {
  const mine = events.filter((e) => e.subject === subject && (STAGE_EVENT_TYPES as readonly string[]).includes(e.type));
  const byType = (type: (typeof STAGE_EVENT_TYPES)[number]) => {
    const ofType = mine.filter((e) => e.type === type);
    const contents = new Map<string, Set<string>>();
    for (const e of ofType) {
      const content = JSON.stringify({ attempt: e.attempt, data: e.data });
      contents.set(content, (contents.get(content) ?? new Set()).add(e.id));
    }
    return {
      ids: new Set(ofType.map((e) => e.id)).size,
      contents: contents.size,
      contentsEmittedTwice: [...contents.values()].filter((ids) => ids.size > 1).length,
    };
  };
  return {
    started: byType('ReplicationStarted'),
    progressed: byType('ImageReplicationProgressed'),
    replicated: byType('ImagesReplicated'),
    failed: byType('ReplicationFailed'),
  };
}
