import { OS_FAMILIES } from '../draft';
import { MARKETPLACE_CATEGORIES } from './categories';

/**
 * The prerequisites of a submitted offer, as data: which fields are required, their limits, and for each
 * the message that tells the publisher what to do. The engine in validate.ts only interprets them.
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
  /** What the publisher should do, in plain words. */
  message: string;
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

function contactRules(field: 'supportContact' | 'engineeringContact', who: string): FieldRule[] {
  return [
    { path: `${field}.name`, code: 'required', check: { kind: 'required' }, message: `Enter the name of the ${who} contact.` },
    {
      path: `${field}.name`,
      code: 'too-long',
      check: { kind: 'max-length', max: LIMITS.contactName },
      message: `Shorten the name of the ${who} contact to at most ${LIMITS.contactName} characters.`,
    },
    { path: `${field}.email`, code: 'required', check: { kind: 'required' }, message: `Enter the e-mail address of the ${who} contact.` },
    {
      path: `${field}.email`,
      code: 'invalid-email',
      check: { kind: 'email' },
      message: `Enter a valid e-mail address (name@example.com) for the ${who} contact.`,
    },
    { path: `${field}.phone`, code: 'required', check: { kind: 'required' }, message: `Enter the phone number of the ${who} contact.` },
    {
      path: `${field}.phone`,
      code: 'invalid-phone',
      check: { kind: 'pattern', pattern: PHONE },
      message: `Enter the phone number of the ${who} contact with digits only, optionally starting with + and the country code (e.g. +1 425 555 0100).`,
    },
  ];
}

export const PREREQUISITE_RULES: readonly FieldRule[] = [
  // Marketing text
  { path: 'title', code: 'required', check: { kind: 'required' }, message: 'Enter the offer title.' },
  {
    path: 'title',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.offerTitle },
    message: `Shorten the offer title to at most ${LIMITS.offerTitle} characters.`,
  },
  { path: 'summary', code: 'required', check: { kind: 'required' }, message: 'Enter a summary of the offer.' },
  {
    path: 'summary',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.offerSummary },
    message: `Shorten the offer summary to at most ${LIMITS.offerSummary} characters.`,
  },
  { path: 'description', code: 'required', check: { kind: 'required' }, message: 'Enter the description of the offer.' },
  {
    path: 'description',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.offerDescription },
    message: `Shorten the offer description to at most ${LIMITS.offerDescription} characters.`,
  },
  {
    path: 'categories',
    code: 'required',
    check: { kind: 'min-items', min: LIMITS.minCategories },
    message: 'Choose at least one category for the offer.',
  },
  {
    path: 'categories',
    code: 'too-many',
    check: { kind: 'max-items', max: LIMITS.maxCategories },
    message: `Choose at most ${LIMITS.maxCategories} categories for the offer.`,
  },
  {
    path: 'categories[]',
    code: 'unknown-category',
    check: { kind: 'one-of', values: MARKETPLACE_CATEGORIES },
    message: `Choose a category from the marketplace list: ${MARKETPLACE_CATEGORIES.join(', ')}.`,
  },
  { path: 'categories[]', code: 'duplicate', check: { kind: 'unique' }, message: 'Remove the category that is listed twice.' },

  // Logos, in every size
  ...LOGO_SIZES.flatMap(({ size, pixels }): FieldRule[] => [
    { path: `logos.${size}`, code: 'required', check: { kind: 'required' }, message: `Upload the ${size} logo (${pixels} pixels, PNG).` },
    {
      path: `logos.${size}`,
      code: 'invalid-url',
      check: { kind: 'https-url' },
      message: `Give the ${size} logo as an https:// URL.`,
    },
  ]),

  // Legal
  { path: 'privacyPolicyUrl', code: 'required', check: { kind: 'required' }, message: 'Enter the URL of your privacy policy.' },
  { path: 'privacyPolicyUrl', code: 'invalid-url', check: { kind: 'https-url' }, message: 'Give the privacy policy as an https:// URL.' },

  // Contacts
  ...contactRules('supportContact', 'support'),
  ...contactRules('engineeringContact', 'engineering'),

  // Plans and their images
  { path: 'plans', code: 'required', check: { kind: 'min-items', min: 1 }, message: 'Add at least one plan to the offer.' },
  { path: 'plans[].id', code: 'required', check: { kind: 'required' }, message: 'Enter the plan id.' },
  {
    path: 'plans[].id',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.planId },
    message: `Shorten the plan id to at most ${LIMITS.planId} characters.`,
  },
  {
    path: 'plans[].id',
    code: 'invalid-id',
    check: { kind: 'pattern', pattern: PLAN_ID },
    message: 'Use only lowercase letters, digits, hyphens and underscores in the plan id, starting and ending with a letter or digit.',
  },
  { path: 'plans[].id', code: 'duplicate', check: { kind: 'unique' }, message: 'Give each plan its own id; another plan has the same one.' },
  { path: 'plans[].title', code: 'required', check: { kind: 'required' }, message: 'Enter the plan title.' },
  {
    path: 'plans[].title',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.planTitle },
    message: `Shorten the plan title to at most ${LIMITS.planTitle} characters.`,
  },
  { path: 'plans[].summary', code: 'required', check: { kind: 'required' }, message: 'Enter a summary of the plan.' },
  {
    path: 'plans[].summary',
    code: 'too-long',
    check: { kind: 'max-length', max: LIMITS.planSummary },
    message: `Shorten the plan summary to at most ${LIMITS.planSummary} characters.`,
  },
  { path: 'plans[].osFamily', code: 'required', check: { kind: 'required' }, message: 'Choose the operating system family of the plan (Linux or Windows).' },
  {
    path: 'plans[].osFamily',
    code: 'invalid-os-family',
    check: { kind: 'one-of', values: OS_FAMILIES },
    message: `Choose the operating system family of the plan: ${OS_FAMILIES.join(' or ')}.`,
  },
  {
    path: 'plans[].imageVersions',
    code: 'required',
    check: { kind: 'min-items', min: 1 },
    message: 'Add at least one VM image version to the plan.',
  },
  { path: 'plans[].imageVersions[].version', code: 'required', check: { kind: 'required' }, message: 'Enter the version number of the image.' },
  {
    path: 'plans[].imageVersions[].version',
    code: 'invalid-version',
    check: { kind: 'pattern', pattern: SEMVER_LIKE },
    message: 'Give the image version as three numbers separated by dots, e.g. 1.0.0.',
  },
  {
    path: 'plans[].imageVersions[].version',
    code: 'duplicate',
    check: { kind: 'unique' },
    message: 'Give each image version of the plan its own version number; another one has the same.',
  },
  {
    path: 'plans[].imageVersions[].osDiskUrl',
    code: 'required',
    check: { kind: 'required' },
    message: 'Enter the OS disk URL (VHD blob URL with a SAS token) of the image.',
  },
  {
    path: 'plans[].imageVersions[].osDiskUrl',
    code: 'invalid-url',
    check: { kind: 'disk-url' },
    message: 'Give the OS disk as an https:// blob URL with a SAS token.',
  },
  {
    path: 'plans[].imageVersions[].dataDiskUrls[]',
    code: 'invalid-url',
    check: { kind: 'disk-url' },
    message: 'Give each data disk as an https:// blob URL with a SAS token, or remove it.',
  },

  // Preview audience
  {
    path: 'previewSubscriptionIds',
    code: 'required',
    check: { kind: 'min-items', min: 1 },
    message: 'Add at least one Azure subscription id that may see the offer in preview.',
  },
  {
    path: 'previewSubscriptionIds[]',
    code: 'invalid-subscription-id',
    check: { kind: 'pattern', pattern: GUID },
    message: 'Give each preview subscription as a subscription id (GUID, e.g. 00000000-0000-0000-0000-000000000000).',
  },
  { path: 'previewSubscriptionIds[]', code: 'duplicate', check: { kind: 'unique' }, message: 'Remove the preview subscription that is listed twice.' },

  // Lead destination, when lead generation is on
  {
    path: 'leadDestination.https.url',
    code: 'required',
    when: { path: 'leadDestination.type', equals: 'https' },
    check: { kind: 'required' },
    message: 'Enter the HTTPS endpoint that receives your leads, or turn lead generation off.',
  },
  {
    path: 'leadDestination.https.url',
    code: 'invalid-url',
    when: { path: 'leadDestination.type', equals: 'https' },
    check: { kind: 'https-url' },
    message: 'Give the lead endpoint as an https:// URL.',
  },
  {
    path: 'leadDestination.azureTable.connectionString',
    code: 'required',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'required' },
    message: 'Enter the connection string of the storage account that receives your leads, or turn lead generation off.',
  },
  {
    path: 'leadDestination.azureTable.connectionString',
    code: 'invalid-connection-string',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'storage-connection-string' },
    message: 'Copy the storage account connection string from the Azure portal (it contains AccountName= and AccountKey= or SharedAccessSignature=).',
  },
  {
    path: 'leadDestination.azureTable.tableName',
    code: 'required',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'required' },
    message: 'Enter the name of the table that receives your leads.',
  },
  {
    path: 'leadDestination.azureTable.tableName',
    code: 'invalid-table-name',
    when: { path: 'leadDestination.type', equals: 'azure-table' },
    check: { kind: 'pattern', pattern: TABLE_NAME },
    message: 'Give the table a name of 3 to 63 letters and digits that starts with a letter.',
  },

  // Where the e-mails about this attempt go (given with Publish)
  {
    path: 'notificationEmails',
    code: 'required',
    check: { kind: 'min-items', min: 1 },
    message: 'Give at least one e-mail address that receives the publishing notifications.',
  },
  {
    path: 'notificationEmails[]',
    code: 'invalid-email',
    check: { kind: 'email' },
    message: 'Correct the notification e-mail address (name@example.com).',
  },
];
