import { isIPv4, isIPv6 } from 'node:net';
import { BerthError } from '../errors/berth-error.ts';

/**
 * IP allow/deny rules. Every address is held as a 128-bit IPv6 value; an IPv4 address is its IPv4-mapped form
 * (::ffff:a.b.c.d) and an IPv4 CIDR /n the mapped range /96+n, so a dual-stack socket's `::ffff:10.0.0.1`
 * matches `10.0.0.0/8` with no special case.
 */

export interface IpAddress {
  readonly value: bigint;
  /** Whether it is IPv4 (or IPv4-mapped IPv6). */
  readonly isV4: boolean;
}

export interface Cidr {
  readonly network: bigint;
  /** Prefix length in the 128-bit space. */
  readonly prefix: number;
  /** As configured, for messages. */
  readonly source: string;
}

export interface IpRuleList {
  allow: readonly Cidr[];
  deny: readonly Cidr[];
}

export type IpVerdict = { allowed: true } | { allowed: false; reason: 'denied' | 'not-allowed'; level: string };

const MAPPED_PREFIX = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;
/** At most this many X-Forwarded-For hops are walked (a longer chain is not a proxy setup anyone runs). */
export const MAX_FORWARDED_HOPS = 20;

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseV6(text: string): bigint {
  // An embedded dotted quad (`::ffff:1.2.3.4`) becomes its two hex groups first.
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseV4(last);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const groups = (s: string): bigint[] => (s === '' ? [] : s.split(':').map((g) => BigInt(`0x${g}`)));
  const gap = text.indexOf('::');
  const left = groups(gap === -1 ? text : text.slice(0, gap));
  const right = gap === -1 ? [] : groups(text.slice(gap + 2));
  const zeros = Array<bigint>(8 - left.length - right.length).fill(0n);
  return [...left, ...zeros, ...right].reduce((acc, g) => (acc << 16n) | g, 0n);
}

/**
 * Parses an IPv4 or IPv6 address; a zone (`fe80::1%eth0`) is dropped, surrounding brackets are accepted.
 * Returns undefined for anything else. Pure.
 */
export function parseIp(raw: string): IpAddress | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (isIPv4(text)) return { value: MAPPED_PREFIX | parseV4(text), isV4: true };
  if (!isIPv6(text)) return undefined;
  const value = parseV6(text.toLowerCase());
  return { value, isV4: value >> 32n === 0xffffn };
}

/** Canonical text: dotted quad for IPv4 and IPv4-mapped, RFC 5952 compressed lowercase for IPv6. Pure. */
export function formatIp(ip: IpAddress): string {
  if (ip.isV4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (ip.value >> BigInt(112 - 16 * i)) & 0xffffn);
  // Longest run of two or more zero groups becomes '::' (the first one on a tie).
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0n) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at === -1) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a single-host range). Throws
 * BerthError('BAD_REQUEST') for a malformed address or prefix, and for host bits set below the prefix
 * (`10.0.0.1/8` is almost always a typo for something else). Pure.
 */
export function parseCidr(raw: string): Cidr {
  const bad = (why: string) => new BerthError('BAD_REQUEST', { message: `invalid CIDR ${JSON.stringify(raw.slice(0, 100))}: ${why}` });
  const [addressText, prefixText, extra] = raw.trim().split('/');
  if (extra !== undefined || addressText === undefined) throw bad('expected <address>/<prefix>');
  const ip = parseIp(addressText);
  if (!ip || addressText.includes('%')) throw bad('not an IP address');
  const max = ip.isV4 && isIPv4(addressText.trim()) ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) throw bad('prefix must be a number');
  const own = prefixText === undefined ? max : Number(prefixText);
  if (own > max) throw bad(`prefix must be at most ${max}`);
  const prefix = max === 32 ? own + 96 : own;
  const mask = prefix === 0 ? 0n : (ALL_ONES << BigInt(128 - prefix)) & ALL_ONES;
  if ((ip.value & mask) !== ip.value) throw bad('address has bits set beyond the prefix');
  return { network: ip.value, prefix, source: raw.trim() };
}

/** Parses a list of CIDRs, reporting every bad entry at once in one BerthError('BAD_REQUEST'). Pure. */
export function parseCidrList(raws: readonly string[]): Cidr[] {
  const problems: string[] = [];
  const cidrs: Cidr[] = [];
  for (const raw of raws) {
    try {
      cidrs.push(parseCidr(raw));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new BerthError('BAD_REQUEST', { message: problems.join('; '), detail: { problems } });
  return cidrs;
}

/** Whether `ip` lies inside `cidr`. Pure. */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.prefix === 0 || (ip.value >> BigInt(128 - cidr.prefix)) === (cidr.network >> BigInt(128 - cidr.prefix));
}

function inAny(cidrs: readonly Cidr[], ip: IpAddress): boolean {
  return cidrs.some((c) => cidrContains(c, ip));
}

/**
 * Evaluates rule lists from the outermost level in (system, project, robot): an address must pass every
 * level. At each level deny wins over allow, and a non-empty allow list admits only its ranges. Returns the
 * first refusing level. Pure.
 */
export function evaluateIpRules(levels: readonly { level: string; rules: IpRuleList }[], ip: IpAddress): IpVerdict {
  for (const { level, rules } of levels) {
    if (inAny(rules.deny, ip)) return { allowed: false, reason: 'denied', level };
    if (rules.allow.length > 0 && !inAny(rules.allow, ip)) return { allowed: false, reason: 'not-allowed', level };
  }
  return { allowed: true };
}

/** Canonical text of socket peer addresses seen lately (a server talks to few peers; bounded all the same). */
const peerTextCache = new Map<string, string>();
const PEER_TEXT_CACHE_MAX = 4096;

/**
 * resolveClientIp as canonical text ('' when unknown), for every request's audit and rule context. When the
 * header cannot matter (no trusted proxies, or no header) the answer depends on the socket address alone and is
 * remembered: parsing and formatting with BigInt costs microseconds per request (14 µs for an IPv4-mapped IPv6
 * peer), which the registry's hot reads cannot afford. Pure apart from that cache.
 */
export function clientIpText(
  socketAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trustedProxies: readonly Cidr[],
): string {
  if (socketAddress !== undefined && (trustedProxies.length === 0 || forwardedFor === undefined)) {
    const known = peerTextCache.get(socketAddress);
    if (known !== undefined) return known;
    const parsed = parseIp(socketAddress);
    const text = parsed ? formatIp(parsed) : '';
    if (peerTextCache.size >= PEER_TEXT_CACHE_MAX) peerTextCache.clear();
    peerTextCache.set(socketAddress, text);
    return text;
  }
  const ip = resolveClientIp(socketAddress, forwardedFor, trustedProxies);
  return ip ? formatIp(ip) : '';
}

/**
 * The client's address. `X-Forwarded-For` is honoured only while the address in hand is a trusted proxy: the
 * walk starts at the socket peer and moves one entry leftwards per trusted hop, so a client cannot inject an
 * address by sending the header itself. A malformed entry stops the walk at the proxy that sent it. Returns
 * undefined only when the socket address itself is missing or unparsable. Pure.
 */
export function resolveClientIp(
  socketAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trustedProxies: readonly Cidr[],
): IpAddress | undefined {
  let current = socketAddress === undefined ? undefined : parseIp(socketAddress);
  if (!current || trustedProxies.length === 0 || forwardedFor === undefined) return current;
  const header = typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',');
  const hops = header.split(',');
  for (let i = hops.length - 1, walked = 0; i >= 0 && walked < MAX_FORWARDED_HOPS; i--, walked++) {
    if (!inAny(trustedProxies, current)) break;
    const next = parseForwardedEntry(hops[i] as string);
    if (!next) break;
    current = next;
  }
  return current;
}

/** One X-Forwarded-For entry: an address, optionally with a port (`1.2.3.4:80`, `[::1]:80`). */
function parseForwardedEntry(raw: string): IpAddress | undefined {
  const text = raw.trim();
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  if (v4WithPort) return parseIp(v4WithPort[1] as string);
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) return parseIp(bracketed[1] as string);
  return text.includes('%') ? undefined : parseIp(text);
}

/**
 * The key login throttling counts an address under: the address itself for IPv4, its /64 for IPv6 (one host
 * commonly holds a whole /64, so per-address counting there is no limit at all). Pure.
 */
export function throttleBucket(ip: IpAddress): string {
  return ip.isV4 ? formatIp(ip) : `${formatIp({ value: (ip.value >> 64n) << 64n, isV4: false })}/64`;
}
