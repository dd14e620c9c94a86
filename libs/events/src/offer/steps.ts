/** The seven steps of a publishing attempt (docs/process.md §2), in order. */
export const PUBLISHING_STEPS = [
  {
    id: 'validate-prerequisites',
    stepName: 'Validate prerequisites',
    owner: 'validation',
    estimatedTimeFrame: 'Less than 1 day',
    description: 'Every required field of the offer is checked; each missing or invalid field gets its own message.',
  },
  {
    id: 'certification',
    stepName: 'Certification',
    owner: 'certification',
    estimatedTimeFrame: 'Less than 5 days',
    description: 'The VM images are tested against the certification requirements.',
  },
  {
    id: 'provisioning',
    stepName: 'Provisioning',
    owner: 'provisioning',
    estimatedTimeFrame: 'Less than 1 day',
    description: 'The VM images are replicated to every region of the cloud.',
  },
  {
    id: 'packaging',
    stepName: 'Packaging and lead registration',
    owner: 'packaging',
    estimatedTimeFrame: 'Less than 1 hour',
    description: 'Marketing and technical content are combined into the product page; a test lead is sent if lead generation is configured.',
  },
  {
    id: 'preview',
    stepName: 'Offer available in preview',
    owner: 'packaging',
    estimatedTimeFrame: 'Not applicable',
    description: 'The offer is visible only to the allow-listed subscriptions so that the publisher can check it.',
  },
  {
    id: 'publisher-signoff',
    stepName: 'Publisher sign-off',
    owner: 'offer-api',
    estimatedTimeFrame: 'Waits for the publisher',
    description: 'The publisher checks the preview and clicks Go Live.',
  },
  {
    id: 'live',
    stepName: 'Live',
    owner: 'packaging',
    estimatedTimeFrame: 'Several hours',
    description: 'The product page goes to the public catalog.',
  },
] as const;

export type PublishingStepId = (typeof PUBLISHING_STEPS)[number]['id'];
