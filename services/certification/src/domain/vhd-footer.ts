/**
 * The 512-byte footer at the end of every VHD file (Microsoft "Virtual Hard Disk Image Format
 * Specification"). All numbers are big-endian.
 */
export const VHD_FOOTER_BYTES = 512;
export const VHD_COOKIE = 'conectix';

export const VHD_DISK_TYPES: Readonly<Record<number, string>> = {
  0: 'none',
  1: 'reserved',
  2: 'fixed',
  3: 'dynamic',
  4: 'differencing',
};
export const FIXED_DISK_TYPE = 2;

/** Byte offsets of the footer fields the certification looks at. */
export const FOOTER_LAYOUT = {
  cookie: 0,
  features: 8,
  formatVersion: 12,
  dataOffset: 16,
  originalSize: 40,
  currentSize: 48,
  diskType: 60,
  checksum: 64,
} as const;

const CHECKSUM_BYTES = 4;

export interface VhdFooter {
  /** The 8 cookie bytes as latin1 text ("conectix" in a real VHD). */
  cookie: string;
  formatVersion: number;
  originalSize: number;
  /** The virtual size of the disk in bytes. */
  currentSize: number;
  diskType: number;
  /** The checksum stored in the footer. */
  storedChecksum: number;
  /** The checksum the footer's bytes add up to. */
  computedChecksum: number;
}

/** One's complement of the sum of every footer byte except the 4 checksum bytes. */
export function vhdFooterChecksum(footer: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < VHD_FOOTER_BYTES; i += 1) {
    if (i >= FOOTER_LAYOUT.checksum && i < FOOTER_LAYOUT.checksum + CHECKSUM_BYTES) continue;
    sum += footer[i];
  }
  return ~sum >>> 0;
}

/** Sizes above 2^53 cannot be real disks; they are clamped so that every later check fails cleanly. */
function readSize(bytes: Buffer, offset: number): number {
  const value = bytes.readBigUInt64BE(offset);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/** Reads the footer fields; the caller judges them. Throws only when given other than 512 bytes. */
export function parseVhdFooter(bytes: Buffer): VhdFooter {
  if (bytes.length !== VHD_FOOTER_BYTES) throw new RangeError(`a VHD footer is ${VHD_FOOTER_BYTES} bytes, got ${bytes.length}`);
  return {
    cookie: bytes.toString('latin1', FOOTER_LAYOUT.cookie, FOOTER_LAYOUT.cookie + 8),
    formatVersion: bytes.readUInt32BE(FOOTER_LAYOUT.formatVersion),
    originalSize: readSize(bytes, FOOTER_LAYOUT.originalSize),
    currentSize: readSize(bytes, FOOTER_LAYOUT.currentSize),
    diskType: bytes.readUInt32BE(FOOTER_LAYOUT.diskType),
    storedChecksum: bytes.readUInt32BE(FOOTER_LAYOUT.checksum),
    computedChecksum: vhdFooterChecksum(bytes),
  };
}
