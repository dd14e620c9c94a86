/**
 * Sparse fixed VHDs: the disk's virtual size is made with truncate and only the 512-byte footer is written at the
 * end, so a 30 GiB "disk" takes a few bytes on disk. The footer is built field by field per the VHD specification,
 * independently of certification's parser (services/certification/src/domain/vhd-footer.ts), which judges it.
 */
import { randomBytes } from 'node:crypto';
import { open, truncate, writeFile } from 'node:fs/promises';

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
export const FOOTER_BYTES = 512;

export interface FooterSpec {
  /** Virtual size in bytes. */
  currentSize: number;
  /** 2 fixed (default), 3 dynamic, 4 differencing. */
  diskType?: number;
  cookie?: string;
  /** Stores a checksum that is off by this much. */
  checksumError?: number;
}

/** A VHD footer (big-endian fields at the offsets of the VHD specification). */
export function buildFooter(spec: FooterSpec): Buffer {
  const footer = Buffer.alloc(FOOTER_BYTES);
  footer.write((spec.cookie ?? 'conectix').padEnd(8, '\0').slice(0, 8), 0, 'latin1');
  footer.writeUInt32BE(0x00000002, 8); // features: reserved bit always set
  footer.writeUInt32BE(0x00010000, 12); // format version 1.0
  // data offset: none for a fixed disk, the dynamic header right after the footer copy otherwise
  footer.writeBigUInt64BE((spec.diskType ?? 2) === 2 ? 0xffffffffffffffffn : 512n, 16);
  footer.writeUInt32BE(0x2b000000, 24); // timestamp (seconds since 2000-01-01)
  footer.write('mkt ', 28, 'latin1'); // creator application
  footer.writeUInt32BE(0x00010000, 32); // creator version
  footer.write('Wi2k', 36, 'latin1'); // creator host OS
  footer.writeBigUInt64BE(BigInt(spec.currentSize), 40); // original size
  footer.writeBigUInt64BE(BigInt(spec.currentSize), 48); // current size
  footer.writeUInt32BE(0xffff10ff, 56); // geometry (not judged)
  footer.writeUInt32BE(spec.diskType ?? 2, 60);
  randomBytes(16).copy(footer, 68); // unique id
  let sum = 0;
  for (const [i, byte] of footer.entries()) if (i < 64 || i >= 68) sum += byte;
  footer.writeUInt32BE((~sum + (spec.checksumError ?? 0)) >>> 0, 64);
  return footer;
}

/** Writes a sparse VHD: `fileLength` bytes (virtual size + footer unless given), the footer last. */
export async function writeSparseVhd(path: string, footer: Buffer, fileLength: number): Promise<void> {
  await writeFile(path, '');
  await truncate(path, fileLength);
  const handle = await open(path, 'r+');
  try {
    await handle.write(footer, 0, footer.length, fileLength - footer.length);
  } finally {
    await handle.close();
  }
}
