/**
 * What offer-api refuses to store, as pure rules, in one place: text that PostgreSQL (and every stage
 * after it) cannot hold, nulls where a value is expected, nesting deeper than any valid request, and
 * drafts too large as a whole. Each field's own bound (length, items) is the catalog's OfferDraft schema;
 * whether a field is required is the validation stage's rule set.
 */
import type { OfferDraft } from '@mkt/events';

export interface FieldProblem {
  /** Path into the request, e.g. `plans[0].imageVersions[1].osDiskUrl`; `(body)` for the body itself. */
  field: string;
  problems: string[];
}

/**
 * How large a draft may be as a whole. Every stage works from the OfferSubmitted snapshot and
 * certification reads every disk, so a draft within each field's bounds could otherwise make events of
 * megabytes (50 plans x 100 versions x 16 data disks fit in 480 KB and make a 14 MB certification event).
 */
export interface DraftLimits {
  /** The draft as stored (compact JSON, UTF-8). */
  maxDraftBytes: number;
  /** Image versions over all plans. */
  maxImageVersions: number;
  /** Disks over all image versions of all plans: each OS disk and each data disk. */
  maxDisks: number;
}

/** The environment variable of each draft limit (config.ts reads them), named in refusals. */
export const DRAFT_LIMIT_ENV: Record<keyof DraftLimits, string> = {
  maxDraftBytes: 'OFFER_API_MAX_DRAFT_BYTES',
  maxImageVersions: 'OFFER_API_MAX_IMAGE_VERSIONS',
  maxDisks: 'OFFER_API_MAX_DISKS',
};

/** NUL (PostgreSQL text and jsonb cannot hold it) and UTF-16 surrogates without their other half (not Unicode). */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT = 'must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates';
export const NULL_VALUE = 'must not be null: leave the field out instead';

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** `a.b`, `a[0]`: the field path notation of validation errors. */
export function fieldPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix || '(body)'}[${key}]`;
  return prefix ? `${prefix}.${key}` : key;
}

export type JsonInspection = { ok: true } | { ok: false; tooDeep: string } | { ok: false; fields: FieldProblem[] };

/**
 * Walks a parsed JSON value: deeper than `maxDepth` containers (the body itself is level 1) is refused
 * as a whole before anything else looks at it; otherwise every null, and every string or key that cannot
 * be stored, is reported with its path (at most `maxProblems` of them).
 */
export function inspectJson(value: unknown, maxDepth: number, maxProblems = 50): JsonInspection {
  const fields: FieldProblem[] = [];
  let tooDeep: string | undefined;
  const visit = (node: unknown, path: string, depth: number): void => {
    if (tooDeep !== undefined || fields.length >= maxProblems) return;
    if (node === null) {
      fields.push({ field: path || '(body)', problems: [NULL_VALUE] });
      return;
    }
    if (typeof node === 'string') {
      if (!isStorableText(node)) fields.push({ field: path || '(body)', problems: [UNSTORABLE_TEXT] });
      return;
    }
    if (typeof node !== 'object') return;
    if (depth + 1 > maxDepth) {
      tooDeep = path || '(body)';
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, fieldPath(path, index), depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(node)) {
      const field = fieldPath(path, key);
      if (!isStorableText(key)) {
        fields.push({ field, problems: [`the name of this field ${UNSTORABLE_TEXT}`] });
        if (fields.length >= maxProblems) return;
      }
      visit(item, field, depth + 1);
    }
  };
  visit(value, '', 0);
  if (tooDeep !== undefined) return { ok: false, tooDeep };
  return fields.length ? { ok: false, fields } : { ok: true };
}

export interface ExceededLimit {
  /** The environment variable that sets it. */
  name: string;
  max: number;
  actual: number;
  field: string;
  problem: string;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {});

/** The draft limits a draft exceeds (none: empty). Tolerant of any shape: stored drafts predate some rules. */
export function exceededDraftLimits(draft: OfferDraft, limits: DraftLimits): ExceededLimit[] {
  const versions = list(draft.plans).flatMap((plan) => list(record(plan).imageVersions).map(record));
  const disks = versions.reduce((n, version) => n + (typeof version.osDiskUrl === 'string' ? 1 : 0) + list(version.dataDiskUrls).length, 0);
  const bytes = Buffer.byteLength(JSON.stringify(draft) ?? '');
  const exceeded: ExceededLimit[] = [];
  if (versions.length > limits.maxImageVersions) {
    exceeded.push({
      name: DRAFT_LIMIT_ENV.maxImageVersions,
      max: limits.maxImageVersions,
      actual: versions.length,
      field: 'plans',
      problem: `the plans have ${versions.length} image versions in all; at most ${limits.maxImageVersions} are allowed`,
    });
  }
  if (disks > limits.maxDisks) {
    exceeded.push({
      name: DRAFT_LIMIT_ENV.maxDisks,
      max: limits.maxDisks,
      actual: disks,
      field: 'plans',
      problem: `the image versions have ${disks} disks (OS and data disks) in all; at most ${limits.maxDisks} are allowed`,
    });
  }
  if (bytes > limits.maxDraftBytes) {
    exceeded.push({
      name: DRAFT_LIMIT_ENV.maxDraftBytes,
      max: limits.maxDraftBytes,
      actual: bytes,
      field: '(body)',
      problem: `the draft is ${bytes} bytes as JSON; at most ${limits.maxDraftBytes} are allowed`,
    });
  }
  return exceeded;
}
