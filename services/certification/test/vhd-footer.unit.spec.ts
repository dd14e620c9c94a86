import { parseVhdFooter, vhdFooterChecksum } from '../src/domain';
import { buildFooter, GIB } from './vhd-fixtures';

describe('vhdFooterChecksum', () => {
  test('given an all-zero footer, when summed, then the checksum is the complement of 0', () => {
    expect(vhdFooterChecksum(Buffer.alloc(512))).toBe(0xffffffff);
  });

  test('given bytes worth 3 outside the checksum field, when summed, then the checksum is ~3', () => {
    const footer = Buffer.alloc(512);
    footer[0] = 1;
    footer[511] = 2;
    expect(vhdFooterChecksum(footer)).toBe(0xfffffffc);
  });

  test('given bytes inside the checksum field, when summed, then they are left out', () => {
    const footer = Buffer.alloc(512);
    footer.fill(0xff, 64, 68);
    expect(vhdFooterChecksum(footer)).toBe(0xffffffff);
  });
});

describe('parseVhdFooter', () => {
  test('given a fixed 30 GiB footer, when parsed, then cookie, size, type and a matching checksum are read', () => {
    const footer = parseVhdFooter(buildFooter({ currentSize: 30 * GIB }));
    expect(footer).toMatchObject({ cookie: 'conectix', formatVersion: 0x00010000, currentSize: 30 * GIB, originalSize: 30 * GIB, diskType: 2 });
    expect(footer.storedChecksum).toBe(footer.computedChecksum);
  });

  test('given a footer whose stored checksum is off, when parsed, then stored and computed checksums differ', () => {
    const footer = parseVhdFooter(buildFooter({ currentSize: 30 * GIB, checksumError: 1 }));
    expect(footer.storedChecksum).not.toBe(footer.computedChecksum);
  });

  test('given a dynamic disk with another cookie, when parsed, then both are reported as written', () => {
    expect(parseVhdFooter(buildFooter({ currentSize: GIB, diskType: 3, cookie: 'notavhd!' }))).toMatchObject({ cookie: 'notavhd!', diskType: 3 });
  });

  test('given a size beyond 2^53, when parsed, then it is clamped (and fails the size checks) instead of losing precision', () => {
    const bytes = buildFooter({ currentSize: GIB });
    bytes.writeBigUInt64BE(0xffffffffffffffffn, 48);
    expect(parseVhdFooter(bytes).currentSize).toBe(Number.MAX_SAFE_INTEGER);
  });

  test('given other than 512 bytes, when parsed, then it refuses', () => {
    expect(() => parseVhdFooter(Buffer.alloc(511))).toThrow(/512 bytes/);
  });
});
