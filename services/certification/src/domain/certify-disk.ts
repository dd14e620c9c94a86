import { checkFooter, checkUrlAndSas, judgeFooterRead, judgeSizeProbe, type FetchOutcome, type Verdict } from './checks';
import type { DiskRef } from './images';
import type { CertificationRules } from './rules';
import { parseVhdFooter, VHD_FOOTER_BYTES } from './vhd-footer';

/** The one check result that goes on the log (the CertificationCheck of the event catalog). */
export interface CheckResult extends Verdict {
  planId: string;
  imageVersion: string;
  disk: string;
}

/**
 * How certification reads a blob: only a size probe and byte ranges, never the whole blob. Answers
 * (including timeouts and refusals) come back as data; only a cancellation is thrown.
 */
export interface BlobReader {
  /** HEAD: status and headers (Content-Length). */
  probe(url: string): Promise<FetchOutcome>;
  /** GET with `Range: bytes=first-last`. */
  readRange(url: string, first: number, last: number): Promise<FetchOutcome>;
}

/**
 * Certifies one disk: URL and SAS token first (nothing is fetched when they fail: the blob could not
 * be read anyway), then the blob's size, then its footer, read with a range request.
 */
export async function certifyDisk(disk: DiskRef, reader: BlobReader, now: Date, rules: CertificationRules): Promise<CheckResult[]> {
  const verdicts: Verdict[] = checkUrlAndSas(disk.disk, disk.url, now, rules);
  const results = () => verdicts.map((verdict) => ({ planId: disk.planId, imageVersion: disk.imageVersion, disk: disk.disk, ...verdict }));
  if (verdicts.some((v) => !v.passed)) return results();

  const size = judgeSizeProbe(disk.disk, await reader.probe(disk.url), rules);
  verdicts.push(size.verdict);
  if (size.length === undefined) return results();

  const read = judgeFooterRead(disk.disk, await reader.readRange(disk.url, size.length - VHD_FOOTER_BYTES, size.length - 1), size.length, rules);
  verdicts.push(read.verdict);
  if (!read.footer) return results();

  verdicts.push(...checkFooter(disk.disk, disk.role, parseVhdFooter(read.footer), size.length));
  return results();
}
