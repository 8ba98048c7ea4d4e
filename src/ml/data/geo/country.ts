/**
 * Country of an IP address from an offline table, for records whose format gives none (VPC flow logs,
 * ALB and CloudFront logs): @ip-location-db/geo-whois-asn-country (CC0), the registries' allocations
 * joined with ASN data, shipped as CSV in the npm package. No network at run time: the table is read
 * from node_modules once, the first time an address of its family is looked up (IPv4 ~8 MB, IPv6
 * ~17 MB of text; a few MB in typed arrays). Private, shared, loopback, link-local, documentation and
 * other reserved ranges are left absent: they locate nothing. Why this table: docs/design.md.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';

const PACKAGE = '@ip-location-db/geo-whois-asn-country';
const require = createRequire(import.meta.url);
const DIR = dirname(require.resolve(`${PACKAGE}/package.json`));
const VERSION: string = (JSON.parse(readFileSync(join(DIR, 'package.json'), 'utf8')) as { version: string }).version;

/** The table's name, version and build date (its version's last part is YYYYMMDDHH). */
export const COUNTRY_TABLE = {
  name: PACKAGE,
  version: VERSION,
  built: (() => {
    const m = /(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(VERSION);
    return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:00:00Z` : null;
  })(),
} as const;

/** Seconds since the table was built (for the country_table_age metric); null when its version carries no date. */
export function countryTableAgeSeconds(now = Date.now()): number | null {
  return COUNTRY_TABLE.built === null ? null : Math.max(0, (now - Date.parse(COUNTRY_TABLE.built)) / 1000);
}

/**
 * Ranges that locate nothing (RFC 6890 special-purpose registries, multicast, reserved). No IPv6 rule
 * may cover ::ffff:0:0/96: BlockList matches IPv4 addresses against IPv6 rules through that mapping.
 */
const SPECIAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) SPECIAL.addSubnet(net, prefix, 'ipv4'); // biome-ignore format: a table
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) SPECIAL.addSubnet(net, prefix, 'ipv6'); // biome-ignore format: a table

interface V4Table {
  start: Uint32Array;
  end: Uint32Array;
  code: Uint16Array;
}
interface V6Table {
  startHi: BigUint64Array;
  startLo: BigUint64Array;
  endHi: BigUint64Array;
  endLo: BigUint64Array;
  code: Uint16Array;
}

let v4: V4Table | null = null;
let v6: V6Table | null = null;

function rows(file: string): string[] {
  return readFileSync(join(DIR, file), 'utf8').trim().split('\n');
}

const pack = (cc: string): number => (cc.charCodeAt(0) << 8) | cc.charCodeAt(1);
const unpack = (n: number): string => String.fromCharCode(n >> 8, n & 0xff);

/**
 * The IPv4 table read from its bytes, rows "start,end,CC": splitting its 8 MB of text into 334,000 lines
 * and their fields took about half a second, and tens of MB of garbage, of the thread reading a log.
 */
function loadV4(): V4Table {
  const bytes = readFileSync(join(DIR, 'geo-whois-asn-country-ipv4-num.csv'));
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) n++;
  const t = { start: new Uint32Array(n), end: new Uint32Array(n), code: new Uint16Array(n) };
  let i = 0;
  // A decimal number at i, then past the comma after it.
  const number = (): number => {
    let v = 0;
    for (let c = bytes[i]; c >= 48 && c <= 57; c = bytes[++i]) v = v * 10 + (c - 48);
    i++;
    return v;
  };
  let row = 0;
  while (i < bytes.length) {
    if (bytes[i] === 10 || bytes[i] === 13) {
      i++; // a blank line
      continue;
    }
    t.start[row] = number();
    t.end[row] = number();
    t.code[row++] = (bytes[i] << 8) | bytes[i + 1];
    const nl = bytes.indexOf(10, i);
    i = nl < 0 ? bytes.length : nl + 1;
  }
  return row === n ? t : { start: t.start.subarray(0, row), end: t.end.subarray(0, row), code: t.code.subarray(0, row) };
}

const MASK = (1n << 64n) - 1n;

function loadV6(): V6Table {
  const lines = rows('geo-whois-asn-country-ipv6-num.csv');
  const n = lines.length;
  const t = { startHi: new BigUint64Array(n), startLo: new BigUint64Array(n), endHi: new BigUint64Array(n), endLo: new BigUint64Array(n), code: new Uint16Array(n) };
  lines.forEach((line, i) => {
    const [a, b, cc] = line.split(',');
    const s = BigInt(a);
    const e = BigInt(b);
    t.startHi[i] = s >> 64n;
    t.startLo[i] = s & MASK;
    t.endHi[i] = e >> 64n;
    t.endLo[i] = e & MASK;
    t.code[i] = pack(cc);
  });
  return t;
}

function v4Number(ip: string): number {
  const p = ip.split('.');
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}

/** The 128-bit value of an IPv6 address (:: expanded, an embedded IPv4 tail read). */
function v6Number(ip: string): bigint {
  let text = ip;
  const dot = text.lastIndexOf('.');
  if (dot >= 0) {
    const colon = text.lastIndexOf(':');
    const n = v4Number(text.slice(colon + 1));
    text = `${text.slice(0, colon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head === '' ? [] : head.split(':');
  const t = tail === null || tail === '' ? [] : tail.split(':');
  const groups = tail === null ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(Number.parseInt(g, 16));
  return v;
}

/** Addresses recur in a log (a client's many connections): answers kept, dropped whole when full. */
const recent = new Map<string, string | null>();
const RECENT_MAX = 65_536;

/** Upper-case two-letter country of a public address; null for special ranges and addresses the table does not hold. */
export function countryOf(ip: string): string | null {
  const known = recent.get(ip);
  if (known !== undefined) return known;
  const found = lookup(ip);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(ip, found);
  return found;
}

function lookup(ip: string): string | null {
  if (isIPv4(ip)) {
    if (SPECIAL.check(ip, 'ipv4')) return null;
    v4 ??= loadV4();
    const x = v4Number(ip);
    let lo = 0;
    let hi = v4.start.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (v4.start[mid] > x) hi = mid - 1;
      else if (v4.end[mid] < x) lo = mid + 1;
      else return unpack(v4.code[mid]);
    }
    return null;
  }
  if (isIPv6(ip)) {
    if (SPECIAL.check(ip, 'ipv6')) return null;
    const x = v6Number(ip);
    // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address.
    if (x >> 32n === 0xffffn) return lookup([24n, 16n, 8n, 0n].map((s) => String((x >> s) & 255n)).join('.'));
    v6 ??= loadV6();
    const xh = x >> 64n;
    const xl = x & MASK;
    const before = (ah: bigint, al: bigint, bh: bigint, bl: bigint): boolean => ah < bh || (ah === bh && al < bl);
    let lo = 0;
    let hi = v6.code.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (before(xh, xl, v6.startHi[mid], v6.startLo[mid])) hi = mid - 1;
      else if (before(v6.endHi[mid], v6.endLo[mid], xh, xl)) lo = mid + 1;
      else return unpack(v6.code[mid]);
    }
    return null;
  }
  return null;
}
