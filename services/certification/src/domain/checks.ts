import { diskName, type DiskId } from './images';
import { DISK_SIZE_LIMITS, GIB, MIB, SAS_REQUIRED_PARAMETERS, type CertificationRules, type CheckId } from './rules';
import { FIXED_DISK_TYPE, VHD_COOKIE, VHD_DISK_TYPES, VHD_FOOTER_BYTES, type VhdFooter } from './vhd-footer';

/** The outcome of one check of one disk, before plan and image version are attached. */
export interface Verdict {
  check: CheckId;
  passed: boolean;
  /** For a failure: what is wrong and what to do about it. */
  message: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function pass(check: CheckId, message: string): Verdict {
  return { check, passed: true, message };
}

function fail(check: CheckId, message: string): Verdict {
  return { check, passed: false, message };
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

function possessive(disk: DiskId): string {
  return `${diskName(disk)}'s`;
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
  const name = diskName(disk);
  if (!raw.trim()) return fail('disk-url', `${name} URL is missing; give the blob URL of the VHD, with a SAS token that grants read access`);
  const url = parseUrl(raw);
  if (!url) return fail('disk-url', `${name} URL is not a valid URL; give the blob URL of the VHD, with a SAS token that grants read access`);
  if (url.protocol === 'https:' || (rules.allowHttp && url.protocol === 'http:'))
    return pass('disk-url', `${name} URL is a valid ${url.protocol.slice(0, -1)} URL`);
  return fail('disk-url', `${name} URL uses ${url.protocol.slice(0, -1)}; give an https:// blob URL of the VHD`);
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
  if (sas.missing.length === SAS_REQUIRED_PARAMETERS.length) {
    return fail('sas-token', `${diskName(disk)} URL has no SAS token; generate a SAS token for the blob (with read permission) and append it to the URL`);
  }
  if (sas.missing.length) {
    return fail(
      'sas-token',
      `${possessive(disk)} SAS token lacks ${sas.missing.join(', ')}; generate a complete SAS token for the blob and use the full SAS URL`,
    );
  }
  return pass('sas-token', `${possessive(disk)} URL carries a SAS token`);
}

export function checkSasReadPermission(disk: DiskId, sas: SasToken): Verdict {
  const permissions = sas.permissions ?? '';
  if (permissions.includes('r')) return pass('sas-read-permission', `${possessive(disk)} SAS token grants read access (sp=${permissions})`);
  return fail('sas-read-permission', `${possessive(disk)} SAS token does not grant read access (sp=${permissions}); generate one with Read permission`);
}

export function checkSasExpiry(disk: DiskId, sas: SasToken, now: Date, rules: Pick<CertificationRules, 'sasMinDays'>): Verdict {
  const minimum = `generate one valid for at least ${rules.sasMinDays} days`;
  const expiresAt = Date.parse(sas.expiry ?? '');
  if (Number.isNaN(expiresAt)) return fail('sas-expiry', `${possessive(disk)} SAS token expiry (se=${sas.expiry}) is not a date; ${minimum}`);
  const expiry = new Date(expiresAt);
  if (expiresAt <= now.getTime()) return fail('sas-expiry', `${possessive(disk)} SAS token expired on ${day(expiry)}; ${minimum}`);
  if (expiresAt < now.getTime() + rules.sasMinDays * DAY_MS) return fail('sas-expiry', `${possessive(disk)} SAS token expires on ${day(expiry)}; ${minimum}`);
  return pass('sas-expiry', `${possessive(disk)} SAS token is valid until ${day(expiry)}, at least ${rules.sasMinDays} days`);
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

function describeFetchError(disk: DiskId, outcome: Extract<FetchOutcome, { kind: 'error' }>, rules: Pick<CertificationRules, 'timeoutMs'>): string {
  const name = diskName(disk);
  switch (outcome.code) {
    case 'timeout':
      return `${name} URL did not answer within ${rules.timeoutMs} ms; make sure the storage account is reachable from the internet and try again`;
    case 'address-not-allowed':
      return `${name} URL points to a private, loopback or reserved address (${outcome.message}); give the public blob URL of the VHD`;
    case 'dns-failed':
      return `${name} URL's host could not be resolved; check the storage account name in the URL`;
    case 'too-many-redirects':
      return `${name} URL redirects too many times; give the direct blob URL of the VHD`;
    case 'malformed-location':
      return `${name} URL redirects to a Location that is not a valid URL (${outcome.message}); give the direct blob URL of the VHD`;
    case 'truncated-body':
      return `${name} URL's server closed the connection before its answer was complete (${outcome.message}); make sure the blob is served completely and try again`;
    case 'secret-unavailable':
      return `${name} URL's SAS signature is no longer stored (it was replaced or removed since this attempt was submitted); give the full SAS URL again and publish again`;
    case 'scheme-not-allowed':
    case 'invalid-url':
      return `${name} URL (or a redirect from it) is not an https URL we may read (${outcome.message}); give the direct https blob URL of the VHD`;
    default:
      return `${name} URL could not be read (${outcome.message}); make sure the blob is reachable and try again`;
  }
}

function statusAdvice(disk: DiskId, status: number): string {
  const name = diskName(disk);
  if (status === 404) return `${name} URL answered 404 Not Found; check that the blob exists at this URL and that the SAS token is for this blob`;
  if (status === 401 || status === 403) return `${name} URL answered ${status} (access denied); generate a new SAS token with read permission for this blob`;
  return `${name} URL answered HTTP ${status}; make sure the blob is readable with its SAS URL`;
}

function header(outcome: Extract<FetchOutcome, { kind: 'response' }>, name: string): string | undefined {
  return outcome.headers[name.toLowerCase()];
}

/** The answer to the size probe (HEAD): the blob exists and its length is known. */
export function judgeSizeProbe(disk: DiskId, outcome: FetchOutcome, rules: Pick<CertificationRules, 'timeoutMs'>): { verdict: Verdict; length?: number } {
  if (outcome.kind === 'error') return { verdict: fail('vhd-reachable', describeFetchError(disk, outcome, rules)) };
  if (outcome.status < 200 || outcome.status > 299) return { verdict: fail('vhd-reachable', statusAdvice(disk, outcome.status)) };
  const raw = header(outcome, 'content-length');
  const length = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
  if (length === undefined || !Number.isSafeInteger(length)) {
    return {
      verdict: fail('vhd-reachable', `${diskName(disk)} URL does not report the blob's size (no valid Content-Length); serve the VHD from Azure Blob Storage`),
    };
  }
  if (length < VHD_FOOTER_BYTES) {
    return { verdict: fail('vhd-reachable', `${diskName(disk)} blob is only ${length} bytes, too small to be a VHD; upload the complete VHD`) };
  }
  return { verdict: pass('vhd-reachable', `${diskName(disk)} blob is reachable (${formatSize(length)})`), length };
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
  const ignoredRange = `${diskName(disk)} URL's server ignored the HTTP Range header and sent the whole blob; serve the VHD from a server that supports range requests (Azure Blob Storage does)`;
  if (outcome.kind === 'error') {
    // too-large: the answer went on past what a 512-byte range can be, i.e. the whole blob was coming
    return { verdict: fail('vhd-range-read', outcome.code === 'too-large' ? ignoredRange : describeFetchError(disk, outcome, rules)) };
  }
  if (outcome.status === 200) return { verdict: fail('vhd-range-read', ignoredRange) };
  if (outcome.status !== 206) {
    const advice =
      outcome.status === 416
        ? `${diskName(disk)} URL refused the range request for its last 512 bytes (416); upload the complete VHD`
        : statusAdvice(disk, outcome.status);
    return { verdict: fail('vhd-range-read', advice) };
  }
  const range = parseContentRange(header(outcome, 'content-range'));
  const first = length - VHD_FOOTER_BYTES;
  if (!range || range.first !== first || range.last !== length - 1 || outcome.body.length !== VHD_FOOTER_BYTES) {
    return {
      verdict: fail(
        'vhd-range-read',
        `${diskName(disk)} URL answered the request for bytes ${first}-${length - 1} with ${outcome.body.length} bytes (Content-Range: ${header(outcome, 'content-range') ?? 'none'}); serve the VHD from a server that supports range requests`,
      ),
    };
  }
  return { verdict: pass('vhd-range-read', `${possessive(disk)} footer was read with a range request (bytes ${first}-${length - 1})`), footer: outcome.body };
}

// ---------------------------------------------------------------------------------------------
// The footer

const CONVERT_TO_FIXED =
  'convert it to a fixed-size VHD (Convert-VHD -VHDType Fixed, or qemu-img convert -O vpc -o subformat=fixed,force_size) and upload it again';

function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

export function checkCookie(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.cookie === VHD_COOKIE) return pass('vhd-cookie', `${possessive(disk)} footer has the "${VHD_COOKIE}" cookie`);
  return fail(
    'vhd-cookie',
    `${possessive(disk)} last 512 bytes are not a VHD footer (cookie "${printable(footer.cookie)}" instead of "${VHD_COOKIE}"); upload the disk as a VHD file: ${CONVERT_TO_FIXED}`,
  );
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

export function checkChecksum(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.storedChecksum === footer.computedChecksum)
    return pass('vhd-checksum', `${possessive(disk)} footer checksum is valid (${hex(footer.storedChecksum)})`);
  return fail(
    'vhd-checksum',
    `${possessive(disk)} footer checksum is ${hex(footer.storedChecksum)} but the footer adds up to ${hex(footer.computedChecksum)}: the footer is corrupt; re-create the VHD and upload it again`,
  );
}

export function checkDiskType(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.diskType === FIXED_DISK_TYPE) return pass('vhd-disk-type', `${diskName(disk)} is a fixed-size VHD`);
  const type = VHD_DISK_TYPES[footer.diskType] ?? 'unknown';
  return fail('vhd-disk-type', `${diskName(disk)} is a ${type} VHD (disk type ${footer.diskType}), not a fixed one; ${CONVERT_TO_FIXED}`);
}

export function checkSizeAlignment(disk: DiskId, footer: VhdFooter): Verdict {
  if (footer.currentSize % MIB === 0)
    return pass('vhd-size-alignment', `${possessive(disk)} virtual size (${formatSize(footer.currentSize)}) is a whole number of MiB`);
  return fail(
    'vhd-size-alignment',
    `${possessive(disk)} virtual size is ${footer.currentSize} bytes, not a whole number of MiB; resize it to a multiple of 1 MiB (Resize-VHD, or qemu-img resize) and convert it to a fixed VHD again`,
  );
}

export function checkSizeLimits(disk: DiskId, role: 'os' | 'data', footer: VhdFooter): Verdict {
  const limits = DISK_SIZE_LIMITS[role];
  const size = footer.currentSize;
  const kind = role === 'os' ? 'an OS disk' : 'a data disk';
  if (size < limits.minGiB * GIB) {
    return fail(
      'vhd-size-limits',
      `${diskName(disk)} is ${formatSize(size)}; ${kind} must be at least ${limits.minGiB} GiB: grow the disk (and its file system) to at least ${limits.minGiB} GiB`,
    );
  }
  if (size > limits.maxGiB * GIB) {
    return fail(
      'vhd-size-limits',
      `${diskName(disk)} is ${formatSize(size)}; ${kind} can be at most ${limits.maxGiB} GiB: shrink it to ${limits.maxGiB} GiB or less`,
    );
  }
  const range = limits.minGiB > 0 ? `between ${limits.minGiB} and ${limits.maxGiB} GiB` : `at most ${limits.maxGiB} GiB`;
  return pass('vhd-size-limits', `${diskName(disk)} is ${formatSize(size)}, ${range}`);
}

/** A fixed VHD is its data followed by the footer: the blob is exactly the virtual size + 512 bytes. */
export function checkFileLength(disk: DiskId, footer: VhdFooter, length: number): Verdict {
  const expected = footer.currentSize + VHD_FOOTER_BYTES;
  if (length === expected) return pass('vhd-file-length', `${possessive(disk)} blob length matches its virtual size plus the footer (${length} bytes)`);
  return fail(
    'vhd-file-length',
    `${possessive(disk)} footer says ${formatSize(footer.currentSize)} but the blob is ${length} bytes (a fixed VHD is its virtual size + 512 bytes, ${expected}); upload the complete VHD again as a page blob`,
  );
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
