import { render } from '@mkt/messages';
import type { DiskId } from './images';
import { DISK_SIZE_LIMITS, GIB, MIB, SAS_REQUIRED_PARAMETERS, type CertificationRules, type CheckId } from './rules';
import { FIXED_DISK_TYPE, VHD_COOKIE, VHD_DISK_TYPES, VHD_FOOTER_BYTES, type VhdFooter } from './vhd-footer';

/** The outcome of one check of one disk, before plan and image version are attached. */
export interface Verdict {
  check: CheckId;
  passed: boolean;
  /** For a failure: what is wrong and what to do about it (English; `messageCode` and `params` give it by code). */
  message: string;
  /** Set by every check (optional for results recorded before codes). */
  messageCode?: string;
  params?: Record<string, string | number>;
}

/** How a message names a disk: `disk` is `os` or `data`, with the LUN of a data disk (the catalogues say "The OS disk", "Data disk 2"). */
export function diskParams(disk: DiskId): { disk: string; lun: string } {
  return disk === 'os' ? { disk: 'os', lun: '' } : { disk: 'data', lun: disk.slice('data-'.length) };
}

function verdict(check: CheckId, passed: boolean, disk: DiskId, outcome: string, params: Record<string, string | number>): Verdict {
  const messageCode = `certification.${outcome}`;
  const all = { ...diskParams(disk), ...params };
  return { check, passed, message: render(messageCode, all, 'en'), messageCode, params: all };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A passed check of `disk`: its message is `certification.<outcome>` with the disk's and these parameters. */
function pass(check: CheckId, disk: DiskId, outcome: string, params: Record<string, string | number> = {}): Verdict {
  return verdict(check, true, disk, outcome, params);
}

function fail(check: CheckId, disk: DiskId, outcome: string, params: Record<string, string | number> = {}): Verdict {
  return verdict(check, false, disk, outcome, params);
}

function day(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** 32 GiB, 1.5 GiB, 30720.01 MiB: sizes as a publisher reads them. */
export function formatSize(bytes: number): string {
  if (bytes % GIB === 0) return `${bytes / GIB} GiB`;
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB (${bytes} bytes)`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(2)} MiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// URL and SAS token

export function checkDiskUrl(disk: DiskId, raw: string, rules: Pick<CertificationRules, 'allowHttp'>): Verdict {
  if (!raw.trim()) return fail('disk-url', disk, 'disk-url.missing');
  const url = parseUrl(raw);
  if (!url) return fail('disk-url', disk, 'disk-url.invalid');
  const scheme = url.protocol.slice(0, -1);
  if (url.protocol === 'https:' || (rules.allowHttp && url.protocol === 'http:')) return pass('disk-url', disk, 'disk-url.passed', { scheme });
  return fail('disk-url', disk, 'disk-url.scheme', { scheme });
}

export interface SasToken {
  /** Storage service version (sv). */
  version?: string;
  /** Permissions (sp), e.g. `rl`. */
  permissions?: string;
  /** Expiry (se) as written. */
  expiry?: string;
  signature?: string;
  missing: string[];
}

/** The SAS parameters of a blob URL (which is already known to parse). */
export function parseSasToken(raw: string): SasToken {
  const query = parseUrl(raw)?.searchParams ?? new URLSearchParams();
  const value = (name: string) => {
    const v = query.get(name);
    return v === null || v === '' ? undefined : v;
  };
  return {
    version: value('sv'),
    permissions: value('sp'),
    expiry: value('se'),
    signature: value('sig'),
    missing: SAS_REQUIRED_PARAMETERS.filter((name) => value(name) === undefined),
  };
}

export function checkSasPresent(disk: DiskId, sas: SasToken): Verdict {
  if (sas.missing.length === SAS_REQUIRED_PARAMETERS.length) return fail('sas-token', disk, 'sas-token.absent');
  if (sas.missing.length) return fail('sas-token', disk, 'sas-token.incomplete', { missing: sas.missing.join(', ') });
  return pass('sas-token', disk, 'sas-token.passed');
}

export function checkSasReadPermission(disk: DiskId, sas: SasToken): Verdict {
  const permissions = sas.permissions ?? '';
  if (permissions.includes('r')) return pass('sas-read-permission', disk, 'sas-read-permission.passed', { permissions });
  return fail('sas-read-permission', disk, 'sas-read-permission.failed', { permissions });
}

export function checkSasExpiry(disk: DiskId, sas: SasToken, now: Date, rules: Pick<CertificationRules, 'sasMinDays'>): Verdict {
  const days = rules.sasMinDays;
  const expiresAt = Date.parse(sas.expiry ?? '');
  if (Number.isNaN(expiresAt)) return fail('sas-expiry', disk, 'sas-expiry.not-a-date', { expiry: String(sas.expiry), days });
  const date = day(new Date(expiresAt));
  if (expiresAt <= now.getTime()) return fail('sas-expiry', disk, 'sas-expiry.expired', { date, days });
  if (expiresAt < now.getTime() + rules.sasMinDays * DAY_MS) return fail('sas-expiry', disk, 'sas-expiry.too-soon', { date, days });
  return pass('sas-expiry', disk, 'sas-expiry.passed', { date, days });
}

/** The URL and SAS checks, stopping at the first that makes the next meaningless. */
export function checkUrlAndSas(disk: DiskId, raw: string, now: Date, rules: CertificationRules): Verdict[] {
  const url = checkDiskUrl(disk, raw, rules);
  if (!url.passed) return [url];
  const sas = parseSasToken(raw);
  const present = checkSasPresent(disk, sas);
  if (!present.passed) return [url, present];
  return [url, present, checkSasReadPermission(disk, sas), checkSasExpiry(disk, sas, now, rules)];
}

// ---------------------------------------------------------------------------------------------
// HTTP answers (what the blob reader got, as plain data)

export type FetchOutcome =
  { kind: 'response'; status: number; headers: Readonly<Record<string, string | undefined>>; body: Buffer } | { kind: 'error'; code: string; message: string };

type Advice = [outcome: string, params?: Record<string, string | number>];

function describeFetchError(outcome: Extract<FetchOutcome, { kind: 'error' }>, rules: Pick<CertificationRules, 'timeoutMs'>): Advice {
  const detail = outcome.message;
  switch (outcome.code) {
    case 'timeout':
      return ['fetch.timeout', { timeoutMs: rules.timeoutMs }];
    case 'address-not-allowed':
      return ['fetch.address-not-allowed', { detail }];
    case 'dns-failed':
      return ['fetch.dns-failed'];
    case 'too-many-redirects':
      return ['fetch.too-many-redirects'];
    case 'malformed-location':
      return ['fetch.malformed-location', { detail }];
    case 'truncated-body':
      return ['fetch.truncated-body', { detail }];
    case 'secret-unavailable':
      return ['fetch.secret-unavailable'];
    case 'scheme-not-allowed':
    case 'invalid-url':
      return ['fetch.not-https', { detail }];
    default:
      return ['fetch.failed', { detail }];
  }
}

function statusAdvice(status: number): Advice {
  if (status === 404) return ['status.not-found'];
  if (status === 401 || status === 403) return ['status.denied', { status }];
  return ['status.other', { status }];
}

function header(outcome: Extract<FetchOutcome, { kind: 'response' }>, name: string): string | undefined {
  return outcome.headers[name.toLowerCase()];
}

/** The answer to the size probe (HEAD): the blob exists and its length is known. */
export function judgeSizeProbe(disk: DiskId, outcome: FetchOutcome, rules: Pick<CertificationRules, 'timeoutMs'>): { verdict: Verdict; length?: number } {
  if (outcome.kind === 'error') return { verdict: fail('vhd-reachable', disk, ...describeFetchError(outcome, rules)) };
  if (outcome.status < 200 || outcome.status > 299) return { verdict: fail('vhd-reachable', disk, ...statusAdvice(outcome.status)) };
  const raw = header(outcome, 'content-length');
  const length = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
  if (length === undefined || !Number.isSafeInteger(length)) {
    return { verdict: fail('vhd-reachable', disk, 'vhd-reachable.no-length') };
  }
  if (length < VHD_FOOTER_BYTES) return { verdict: fail('vhd-reachable', disk, 'vhd-reachable.too-small', { length }) };
  return { verdict: pass('vhd-reachable', disk, 'vhd-reachable.passed', { size: formatSize(length) }), length };
}

/** `bytes 100-611/612` -> { first: 100, last: 611, total: 612 } */
export function parseContentRange(value: string | undefined): { first: number; last: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  return { first: Number(match[1]), last: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

/** The answer to the ranged read of the footer: the server honoured Range and sent exactly the last 512 bytes. */
export function judgeFooterRead(
  disk: DiskId,
  outcome: FetchOutcome,
  length: number,
  rules: Pick<CertificationRules, 'timeoutMs'>,
): { verdict: Verdict; footer?: Buffer } {
  const ignoredRange: Advice = ['vhd-range-read.ignored-range'];
  if (outcome.kind === 'error') {
    // too-large: the answer went on past what a 512-byte range can be, i.e. the whole blob was coming
    return { verdict: fail('vhd-range-read', disk, ...(outcome.code === 'too-large' ? ignoredRange : describeFetchError(outcome, rules))) };
  }
  if (outcome.status === 200) return { verdict: fail('vhd-range-read', disk, ...ignoredRange) };
  if (outcome.status !== 206) {
    const advice: Advice = outcome.status === 416 ? ['vhd-range-read.refused'] : statusAdvice(outcome.status);
    return { verdict: fail('vhd-range-read', disk, ...advice) };
  }
  const range = parseContentRange(header(outcome, 'content-range'));
  const first = length - VHD_FOOTER_BYTES;
  if (!range || range.first !== first || range.last !== length - 1 || outcome.body.length !== VHD_FOOTER_BYTES) {
    const params = { first, last: length - 1, received: outcome.body.length, contentRange: header(outcome, 'content-range') ?? 'none' };
    return { verdict: fail('vhd-range-read', disk, 'vhd-range-read.wrong-range', params) };
  }
  return { verdict: pass('vhd-range-read', disk, 'vhd-range-read.passed', { first, last: length - 1 }), footer: outcome.body };
}

// ---------------------------------------------------------------------------------------------
// The footer

function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

export function checkCookie(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.cookie === VHD_COOKIE) return pass('vhd-cookie', disk, 'vhd-cookie.passed', { cookie: VHD_COOKIE });
  return fail('vhd-cookie', disk, 'vhd-cookie.failed', { found: printable(footer.cookie), cookie: VHD_COOKIE });
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

export function checkChecksum(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.storedChecksum === footer.computedChecksum) return pass('vhd-checksum', disk, 'vhd-checksum.passed', { stored: hex(footer.storedChecksum) });
  return fail('vhd-checksum', disk, 'vhd-checksum.failed', { stored: hex(footer.storedChecksum), computed: hex(footer.computedChecksum) });
}

export function checkDiskType(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.diskType === FIXED_DISK_TYPE) return pass('vhd-disk-type', disk, 'vhd-disk-type.passed');
  const type = VHD_DISK_TYPES[footer.diskType] ?? 'unknown';
  return fail('vhd-disk-type', disk, 'vhd-disk-type.failed', { type, diskType: footer.diskType });
}

export function checkSizeAlignment(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.currentSize % MIB === 0) return pass('vhd-size-alignment', disk, 'vhd-size-alignment.passed', { size: formatSize(footer.currentSize) });
  return fail('vhd-size-alignment', disk, 'vhd-size-alignment.failed', { bytes: footer.currentSize });
}

export function checkSizeLimits(disk: DiskId, role: 'os' | 'data', footer: VhdFooter): Verdict {
  const limits = DISK_SIZE_LIMITS[role];
  const size = footer.currentSize;
  const params = { size: formatSize(size), role, min: limits.minGiB, max: limits.maxGiB };
  if (size < limits.minGiB * GIB) return fail('vhd-size-limits', disk, 'vhd-size-limits.too-small', params);
  if (size > limits.maxGiB * GIB) return fail('vhd-size-limits', disk, 'vhd-size-limits.too-large', params);
  return pass('vhd-size-limits', disk, 'vhd-size-limits.passed', params);
}

/** A fixed VHD is its data followed by the footer: the blob is exactly the virtual size + 512 bytes. */
export function checkFileLength(disk: DiskId, footer: VhdFooter, length: number): Verdict {
  const expected = footer.currentSize + VHD_FOOTER_BYTES;
  if (length === expected) return pass('vhd-file-length', disk, 'vhd-file-length.passed', { length });
  return fail('vhd-file-length', disk, 'vhd-file-length.failed', { size: formatSize(footer.currentSize), length, expected });
}

/** Every footer check; a footer without the cookie or with a bad checksum is not judged further. */
export function checkFooter(disk: DiskId, role: 'os' | 'data', footer: VhdFooter, length: number): Verdict[] {
  const cookie = checkCookie(disk, footer);
  if (!cookie.passed) return [cookie];
  const checksum = checkChecksum(disk, footer);
  if (!checksum.passed) return [cookie, checksum];
  const type = checkDiskType(disk, footer);
  const verdicts = [cookie, checksum, type, checkSizeAlignment(disk, footer), checkSizeLimits(disk, role, footer)];
  // only a fixed VHD has a length that follows from its size
  if (type.passed) verdicts.push(checkFileLength(disk, footer, length));
  return verdicts;
}
