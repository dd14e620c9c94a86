/** The certification requirements, as data (docs/process.md §4). */
export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

export const DISK_SIZE_LIMITS = {
  os: { minGiB: 30, maxGiB: 1023 },
  data: { minGiB: 0, maxGiB: 1023 },
} as const;

/** The query parameters a blob SAS token must carry. */
export const SAS_REQUIRED_PARAMETERS = ['sv', 'sp', 'se', 'sig'] as const;

/** Every check, in the order they run on a disk. */
export const CHECK_IDS = [
  'image-version-present',
  'disk-url',
  'sas-token',
  'sas-read-permission',
  'sas-expiry',
  'vhd-reachable',
  'vhd-range-read',
  'vhd-cookie',
  'vhd-checksum',
  'vhd-disk-type',
  'vhd-size-alignment',
  'vhd-size-limits',
  'vhd-file-length',
  /** Not a disk check: the run itself could not complete (our failure, after every retry). */
  'certification-run',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** Settings of one certification run (from configuration; `now` is passed separately). */
export interface CertificationRules {
  /** A SAS token must stay valid at least this many days after the check. */
  sasMinDays: number;
  /** Development only: http URLs (and private addresses, which the HTTP client enforces). */
  allowHttp: boolean;
  /** Per-request timeout, quoted in messages. */
  timeoutMs: number;
}
