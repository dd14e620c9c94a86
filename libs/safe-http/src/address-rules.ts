import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses we may connect to on a publisher's behalf. Only global unicast is allowed; every other
 * class is refused by name. The classes come from ipaddr.js (maintained against the IANA special-purpose
 * registries) rather than a hand-written list, plus the few that it folds into 'reserved' or 'unicast'
 * and that we want named. IPv6 forms that carry an IPv4 address (NAT64, 6to4, Teredo, IPv4-mapped,
 * IPv4-compatible) are refused too, and the IPv4 they carry is decoded and judged so that the refusal
 * says where the request would really have gone (64:ff9b::a9fe:a9fe is the metadata address).
 */
export interface AddressVerdict {
  address: string;
  allowed: boolean;
  /** ipaddr.js's range name ('unicast', 'private', 'linkLocal', 'rfc6052', '6to4', 'teredo'...) or one of EXTRA_IPV4_RANGES / 'ipv4Compatible' / 'notGlobalUnicast' / 'invalid'. */
  range: string;
  /** For IPv6 forms that embed an IPv4 address: that address and its own verdict. */
  carriedIPv4?: { address: string; range: string; allowed: boolean };
}

/** Ranges ipaddr.js calls 'reserved' that deserve their own name in a refusal. */
const EXTRA_IPV4_RANGES: [name: string, network: string][] = [
  ['ietfProtocolAssignments', '192.0.0.0/24'],
  ['testNet1', '192.0.2.0/24'],
  ['testNet2', '198.51.100.0/24'],
  ['testNet3', '203.0.113.0/24'],
  ['benchmarking', '198.18.0.0/15'],
  ['6to4RelayAnycast', '192.88.99.0/24'],
];
const extraIPv4Ranges = EXTRA_IPV4_RANGES.map(([name, cidr]) => [name, ipaddr.IPv4.parseCIDR(cidr)] as const);

/** Everything allocated as global unicast lies in 2000::/3; anything outside it that ipaddr.js calls 'unicast' is unassigned. */
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/** What development mode (allowPrivateNetwork) lets through besides global unicast: local test servers and containers, never link-local (the metadata address). */
const DEVELOPMENT_RANGES = new Set(['loopback', 'private', 'uniqueLocal']);

const PLAIN_NAMES: Record<string, string> = {
  rfc6052: 'NAT64',
  '6to4': '6to4',
  teredo: 'Teredo',
  ipv4Mapped: 'IPv4-mapped IPv6',
  rfc6145: 'IPv4-translated IPv6',
  ipv4Compatible: 'IPv4-compatible IPv6',
  deprecatedSiteLocal: 'site-local',
  discard: 'discard-only',
  notGlobalUnicast: 'outside global unicast',
};

/**
 * ipaddr.js reads `::a.b.c.d` as IPv4-mapped (`::ffff:a.b.c.d`), but it is IPv4-compatible (`::a.b.c.d`, how
 * Node and the URL parser read it): the dotted tail is rewritten in hex first. The zone (`%eth0`) is dropped.
 */
function canonicalIPv6(literal: string): string {
  return literal.split('%')[0].replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) => {
    const group = (high: string, low: string) => ((Number(high) << 8) | Number(low)).toString(16);
    return `${group(a, b)}:${group(c, d)}`;
  });
}

function ipv4FromBits(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 address an IPv6 address of this range stands for, if it carries one. */
function carriedIPv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const parts = address.parts;
  switch (range) {
    // the last 32 bits; for NAT64 that is 64:ff9b::/96, and the usual /96 layout within 64:ff9b:1::/48
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'ipv4Compatible':
    case 'rfc6052':
      return ipv4FromBits(parts[6], parts[7]);
    case '6to4':
      // 2002:AABB:CCDD::/48
      return ipv4FromBits(parts[1], parts[2]);
    case 'teredo':
      // the client's address, obfuscated by inverting every bit
      return ipv4FromBits(parts[6] ^ 0xffff, parts[7] ^ 0xffff);
    default:
      return undefined;
  }
}

function ipv4Range(address: ipaddr.IPv4): string {
  return extraIPv4Ranges.find(([, network]) => address.match(network))?.[0] ?? address.range();
}

function ipv6Range(address: ipaddr.IPv6): string {
  const range: string = address.range();
  if (range !== 'unicast') return range;
  // ::a.b.c.d (deprecated by RFC 4291); ipaddr.js has no name for it
  if (address.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  return address.match(IPV6_GLOBAL_UNICAST) ? 'unicast' : 'notGlobalUnicast';
}

function judgeIPv4(address: ipaddr.IPv4, allowPrivateNetwork: boolean): AddressVerdict {
  const range = ipv4Range(address);
  return { address: address.toString(), range, allowed: range === 'unicast' || (allowPrivateNetwork && DEVELOPMENT_RANGES.has(range)) };
}

/** Whether we may connect to this address (an IP literal; anything else is refused as 'invalid'). */
export function classifyAddress(raw: string, allowPrivateNetwork = false): AddressVerdict {
  const literal = raw.replace(/^\[|\]$/g, '');
  if (isIP(literal) === 0 || !ipaddr.isValid(literal)) return { address: raw, range: 'invalid', allowed: false };
  if (isIP(literal) === 4) return judgeIPv4(ipaddr.IPv4.parse(literal), allowPrivateNetwork);

  const ipv6 = ipaddr.IPv6.parse(canonicalIPv6(literal));
  const range = ipv6Range(ipv6);
  const embedded = carriedIPv4(ipv6, range);
  if (!embedded) return { address: ipv6.toString(), range, allowed: range === 'unicast' || (allowPrivateNetwork && DEVELOPMENT_RANGES.has(range)) };
  const carried = judgeIPv4(embedded, allowPrivateNetwork);
  // IPv4-mapped is the IPv4 host itself (how dual-stack sockets write it), so development mode judges it as that
  // host; the other forms go through a gateway or relay and are never allowed
  const allowed = allowPrivateNetwork && range === 'ipv4Mapped' && carried.allowed;
  return { address: ipv6.toString(), range, allowed, carriedIPv4: { address: carried.address, range: carried.range, allowed: carried.allowed } };
}

/** `rfc6052 (NAT64), carrying 169.254.169.254 (linkLocal)` */
export function describeVerdict(verdict: AddressVerdict): string {
  const name = PLAIN_NAMES[verdict.range] ? `${verdict.range} (${PLAIN_NAMES[verdict.range]})` : verdict.range;
  return verdict.carriedIPv4 ? `${name}, carrying ${verdict.carriedIPv4.address} (${verdict.carriedIPv4.range})` : name;
}

/** Kept for callers of the old block list: true for every address that is not allowed outside development. */
export function isPrivateAddress(address: string): boolean {
  return !classifyAddress(address).allowed;
}
