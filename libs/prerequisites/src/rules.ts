import { OS_FAMILIES } from '@mkt/events';
import type { MessageParams } from '@mkt/messages';
import { MARKETPLACE_CATEGORIES } from './categories';

/**
 * The prerequisites of a submitted offer, as data: which fields are required, their limits, and for each
 * the message that tells the publisher what to do (by code: `ruleMessageCode`, its texts per language in
 * libs/messages). The engine in validate.ts only interprets them.
 */

/** What one rule checks of the value at its path. */
export type Constraint =
  /** Present and, for text, not blank. */
  | { kind: 'required' }
  | { kind: 'max-length'; max: number }
  /** An absolute https:// URL with a host. */
  | { kind: 'https-url' }
  /** A disk's blob URL as certification takes it: https://, in development mode (DEVELOPMENT) also http://. */
  | { kind: 'disk-url' }
  | { kind: 'email' }
  | { kind: 'pattern'; pattern: RegExp }
  | { kind: 'one-of'; values: readonly string[] }
  /** The list at the path has at least / at most this many elements (an absent list has none). */
  | { kind: 'min-items'; min: number }
  | { kind: 'max-items'; max: number }
  /** No other element of the same list has the same value. */
  | { kind: 'unique' }
  /** An Azure Storage connection string that names an account and a credential (or the local emulator). */
  | { kind: 'storage-connection-string' };

/** The rule applies only when the value at `path` (from the root of the submission) equals `equals`. */
export interface Condition {
  path: string;
  equals: string;
}

export interface FieldRule {
  /** Field the rule checks; `[]` stands for every element of a list, e.g. `plans[].imageVersions[].osDiskUrl`. */
  path: string;
  /** Stable machine-readable code of the problem. */
  code: string;
  check: Constraint;
  /** Parameters of the rule's message; its code is `ruleMessageCode(rule)`, its texts are in libs/messages. */
  params?: MessageParams;
  when?: Condition;
}

export const LIMITS = {
  offerTitle: 50,
  offerSummary: 100,
  offerDescription: 3000,
  minCategories: 1,
  maxCategories: 2,
  planId: 50,
  planTitle: 50,
  planSummary: 100,
  contactName: 100,
  email: 254,
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLAN_ID = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;
const SEMVER_LIKE = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
const PHONE = /^\+?[0-9](?:[0-9 ().-]{5,22})[0-9]$/;
/** Azure Storage table names: a letter, then letters or digits, 3 to 63 characters. */
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

const LOGO_SIZES = [
  { size: 'small', pixels: '48x48' },
  { size: 'medium', pixels: '90x90' },
  { size: 'large', pixels: '216x216' },
  { size: 'wide', pixels: '255x115' },
] as const;

function contactRules(field: 'supportContact' | 'engineeringContact'): FieldRule[] {
  return [
    { path: `${field}.name`, code: 'required', check: { kind: 'required' } },
    {
      path: `${field}.name`,
      code: 'too-long',
      check: { kind: 'max-length', max: LIMITS.contactName },
      params: { max: LIMITS.contactName },
    },
    { path: `${field}.email`, code: 'required', check: { kind: 'required' } },
    {
      path: `${field}.email`,
      code: 'invalid-email',
      check: { kind: 'email' },
    },
    { path: `${field}.phone`, code: 'required', check: { kind: 'required' } },
    {
      path: `${field}.phone`,
      code: 'invalid-phone',
      check: { kind: 'pattern', pattern: PHONE },
    },
  ];
}

export const PREREQUISITE_RULES: readonly FieldRule[] = [
  // Marketing text
  { path: 'title', code: 'required', check: { kind: 'required' } },
  {
    path: 'title',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.offerTitle },
    params: { max: LIMITS.offerTitle },
  },
  { path: 'summary', code: 'required', check: { kind: 'required' } },
  {
    path: 'summary',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.offerSummary },
    params: { max: LIMITS.offerSummary },
  },
  { path: 'description', code: 'required', check: { kind: 'required' } },
  {
    path: 'description',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.offerDescription },
    params: { max: LIMITS.offerDescription },
  },
  {
    path: 'categories',
    code: 'required',
    check: { kind: 'min-items', min: LIMITS.minCategories },
  },
  {
    path: 'categories',
    code: 'too-many',
    check: { kind: 'max-items', max: LIMITS.maxCategories },
    params: { max: LIMITS.maxCategories },
  },
  {
    path: 'categories[]',
    code: 'unknown-category',
    check: { kind: 'one-of', values: MARKETPLACE_CATEGORIES },
    params: { values: MARKETPLACE_CATEGORIES.join(', ') },
  },
  { path: 'categories[]', code: 'duplicate', check: { kind: 'unique' } },

  // Logos, in every size
  ...LOGO_SIZES.flatMap(({ size, pixels }): FieldRule[] => [
    { path: `logos.${size}`, code: 'required', check: { kind: 'required' }, params: { pixels } },
    {
      path: `logos.${size}`,
      code: 'invalid-url',
      check: { kind: 'https-url' },
    },
  ]),

  // Legal
  { path: 'privacyPolicyUrl', code: 'required', check: { kind: 'required' } },
  { path: 'privacyPolicyUrl', code: 'invalid-url', check: { kind: 'https-url' } },

  // Contacts
  ...contactRules('supportContact'),
  ...contactRules('engineeringContact'),

  // Plans and their images
  { path: 'plans', code: 'required', check: { kind: 'min-items', min: 1 } },
  { path: 'plans[].id', code: 'required', check: { kind: 'required' } },
  {
    path: 'plans[].id',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.planId },
    params: { max: LIMITS.planId },
  },
  {
    path: 'plans[].id',
    code: 'invalid-id',
    check: { kind: 'pattern', pattern: PLAN_ID },
  },
  { path: 'plans[].id', code: 'duplicate', check: { kind: 'unique' } },
  { path: 'plans[].title', code: 'required', check: { kind: 'required' } },
  {
    path: 'plans[].title',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.planTitle },
    params: { max: LIMITS.planTitle },
  },
  { path: 'plans[].summary', code: 'required', check: { kind: 'required' } },
  {
    path: 'plans[].summary',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.planSummary },
    params: { max: LIMITS.planSummary },
  },
  { path: 'plans[].osFamily', code: 'required', check: { kind: 'required' } },
  {
    path: 'plans[].osFamily',
    code: 'invalid-os-family',
    check: { kind: 'one-of', values: OS_FAMILIES },
  },
  {
    path: 'plans[].imageVersions',
    code: 'required',
    check: { kind: 'min-items', min: 1 },
  },
  { path: 'plans[].imageVersions[].version', code: 'required', check: { kind: 'required' } },
  {
    path: 'plans[].imageVersions[].version',
    code: 'invalid-version',
    check: { kind: 'pattern', pattern: SEMVER_LIKE },
  },
  {
    path: 'plans[].imageVersions[].version',
    code: 'duplicate',
    check: { kind: 'unique' },
  },
  {
    path: 'plans[].imageVersions[].osDiskUrl',
    code: 'required',
    check: { kind: 'required' },
  },
  {
    path: 'plans[].imageVersions[].osDiskUrl',
    code: 'invalid-url',
    check: { kind: 'disk-url' },
  },
  {
    path: 'plans[].imageVersions[].dataDiskUrls[]',
    code: 'invalid-url',
    check: { kind: 'disk-url' },
  },

  // Preview audience
  {
    path: 'previewSubscriptionIds',
    code: 'required',
    check: { kind: 'min-items', min: 1 },
  },
  {
    path: 'previewSubscriptionIds[]',
    code: 'invalid-subscription-id',
    check: { kind: 'pattern', pattern: GUID },
  },
  { path: 'previewSubscriptionIds[]', code: 'duplicate', check: { kind: 'unique' } },

  // Lead destination, when lead generation is on
  {
    path: 'leadDestination.https.url',
    code: 'required',
    when: { path: 'leadDestination.type', equals: 'https' },
    check: { kind: 'required' },
  },
  {
    path: 'leadDestination.https.url',
    code: 'invalid-url',
    when: { path: 'leadDestination.type', equals: 'https' },
    check: { kind: 'https-url' },
  },
  {
    path: 'leadDestination.azureTable.connectionString',
    code: 'required',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'required' },
  },
  {
    path: 'leadDestination.azureTable.connectionString',
    code: 'invalid-connection-string',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'storage-connection-string' },
  },
  {
    path: 'leadDestination.azureTable.tableName',
    code: 'required',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'required' },
  },
  {
    path: 'leadDestination.azureTable.tableName',
    code: 'invalid-table-name',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'pattern', pattern: TABLE_NAME },
  },

  // Where the e-mails about this attempt go (given with Publish)
  {
    path: 'notificationEmails',
    code: 'required',
    check: { kind: 'min-items', min: 1 },
  },
  {
    path: 'notificationEmails[]',
    code: 'invalid-email',
    check: { kind: 'email' },
  },
];

/** The code of a rule's message in libs/messages: `validation.<path without []>.<problem code>`. */
export function ruleMessageCode(rule: Pick<FieldRule, 'path' | 'code'>): string {
  return `validation.${rule.path.replace(/\[\]/g, '')}.${rule.code}`;
}
