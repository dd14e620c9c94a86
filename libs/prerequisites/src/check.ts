import type { OfferDraft } from '@mkt/events';
import { render, type MessageParams } from '@mkt/messages';
import { PREREQUISITE_RULES, ruleMessageCode, type Condition, type Constraint, type FieldRule } from './rules';

/** What Publish submitted: the offer snapshot and where the e-mails go. */
export interface Submission {
  offer: OfferDraft;
  notificationEmails: readonly string[];
}

export interface FieldProblem {
  path: string;
  code: string;
  /** English text of the message (for readers that do not render codes). */
  message: string;
  /** Code of the message in libs/messages, and its parameters. */
  messageCode: string;
  params: MessageParams;
}

export interface ValidationReport {
  /** Rule applications evaluated (each rule once per field it applies to). */
  rulesChecked: number;
  /** Every failing field, in rule order; at most one problem per field. */
  problems: FieldProblem[];
}

/** One concrete field a rule path matched, e.g. `plans[1].id` for `plans[].id`. */
interface FieldInstance {
  path: string;
  value: unknown;
  /** The values of the same field in the elements of the innermost list (for `unique`). */
  siblings: readonly unknown[];
  index: number;
}

type Segment = { name: string; each: boolean };

function parsePath(path: string): Segment[] {
  return path.split('.').map((part) => (part.endsWith('[]') ? { name: part.slice(0, -2), each: true } : { name: part, each: false }));
}

function child(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

/** Every field a rule path matches; a list that is absent matches no elements. */
function expand(root: unknown, path: string): FieldInstance[] {
  let current: FieldInstance[] = [{ path: '', value: root, siblings: [root], index: 0 }];
  for (const segment of parsePath(path)) {
    const next: FieldInstance[] = [];
    for (const instance of current) {
      const base = instance.path ? `${instance.path}.${segment.name}` : segment.name;
      const value = child(instance.value, segment.name);
      if (!segment.each) {
        next.push({ path: base, value, siblings: instance.siblings.map((s) => child(s, segment.name)), index: instance.index });
        continue;
      }
      if (!Array.isArray(value)) continue;
      value.forEach((element, index) => next.push({ path: `${base}[${index}]`, value: element, siblings: value, index }));
    }
    current = next;
  }
  return current;
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export function isHttpsUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** What the judgement depends on besides the rules: the deployment's development mode. */
export interface ValidationContext {
  /** Development mode (DEVELOPMENT, read by validationConfigFromEnv): http:// and local disk URLs, as certification accepts them. */
  allowPrivateNetwork: boolean;
}

export const PRODUCTION_CONTEXT: ValidationContext = { allowPrivateNetwork: false };

/**
 * A disk URL as certification's disk-url check takes it (services/certification/src/domain/checks.ts): https://, or in
 * development mode also http://; a host is required. Loopback and private hosts are left to certification, which refuses
 * them outside development mode when it connects (libs/safe-http).
 */
export function isDiskUrl(value: string, context: ValidationContext = PRODUCTION_CONTEXT): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || (context.allowPrivateNetwork && url.protocol === 'http:')) && url.hostname.length > 0;
  } catch {
    return false;
  }
}

export function isStorageConnectionString(value: string): boolean {
  const settings = new Map(
    value
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .map((part) => {
        const equals = part.indexOf('=');
        return equals > 0 ? ([part.slice(0, equals).toLowerCase(), part.slice(equals + 1)] as const) : (['', ''] as const);
      }),
  );
  if (settings.has('')) return false;
  if (settings.get('usedevelopmentstorage') === 'true') return true;
  const hasAccount = Boolean(settings.get('accountname')) || Boolean(settings.get('tableendpoint'));
  const hasCredential = Boolean(settings.get('accountkey')) || Boolean(settings.get('sharedaccesssignature'));
  return hasAccount && hasCredential;
}

/** True when the field passes the constraint. Constraints other than `required` accept an absent value. */
function passes(check: Constraint, field: FieldInstance, context: ValidationContext): boolean {
  const { value } = field;
  switch (check.kind) {
    case 'required':
      return typeof value === 'string' ? value.trim().length > 0 : !isAbsent(value);
    case 'min-items':
      return (Array.isArray(value) ? value.length : 0) >= check.min;
    case 'max-items':
      return (Array.isArray(value) ? value.length : 0) <= check.max;
  }
  if (isAbsent(value)) return true;
  if (check.kind === 'unique') {
    // only the later occurrences are the duplicates to remove
    return field.siblings.slice(0, field.index).every((other) => other !== value);
  }
  if (typeof value !== 'string') return false;
  switch (check.kind) {
    case 'max-length':
      return value.length <= check.max;
    case 'https-url':
      return isHttpsUrl(value);
    case 'disk-url':
      return isDiskUrl(value, context);
    case 'email':
      return isEmail(value);
    case 'pattern':
      return check.pattern.test(value);
    case 'one-of':
      return check.values.includes(value);
    case 'storage-connection-string':
      return isStorageConnectionString(value);
  }
}

function applies(root: unknown, condition: Condition | undefined): boolean {
  if (!condition) return true;
  return expand(root, condition.path).some((field) => field.value === condition.equals);
}

/**
 * Judges a submission by the rules: every failing field is reported (the first failing rule of each
 * field, so a missing title is "required", not also "too long").
 */
export function validateSubmission(
  submission: Submission,
  rules: readonly FieldRule[] = PREREQUISITE_RULES,
  context: ValidationContext = PRODUCTION_CONTEXT,
): ValidationReport {
  const root = { ...submission.offer, notificationEmails: submission.notificationEmails };
  const failed = new Set<string>();
  const problems: FieldProblem[] = [];
  let rulesChecked = 0;
  for (const rule of rules) {
    if (!applies(root, rule.when)) continue;
    for (const field of expand(root, rule.path)) {
      if (failed.has(field.path)) continue;
      rulesChecked += 1;
      if (passes(rule.check, field, context)) continue;
      failed.add(field.path);
      const messageCode = ruleMessageCode(rule);
      const params = rule.params ?? {};
      problems.push({ path: field.path, code: rule.code, message: render(messageCode, params, 'en'), messageCode, params });
    }
  }
  return { rulesChecked, problems };
}
