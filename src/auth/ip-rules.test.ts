import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { cidrContains, clientIpText, evaluateIpRules, formatIp, parseCidr, parseCidrList, parseIp, resolveClientIp, throttleBucket, type IpAddress, type IpRuleList } from './ip-rules.ts';

const ip = (raw: string): IpAddress => {
  const parsed = parseIp(raw);
  assert.ok(parsed, `${raw} should parse`);
  return parsed;
};
const contains = (cidr: string, address: string) => cidrContains(parseCidr(cidr), ip(address));
const rules = (allow: string[], deny: string[] = []): IpRuleList => ({ allow: parseCidrList(allow), deny: parseCidrList(deny) });

describe('parseIp / formatIp', () => {
  it('parses IPv4, IPv6, mapped, bracketed and zoned addresses to canonical text', () => {
    const cases: [string, string][] = [
      ['10.1.2.3', '10.1.2.3'],
      ['0.0.0.0', '0.0.0.0'],
      ['::1', '::1'],
      ['::', '::'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
      ['fe80::1%eth0', 'fe80::1'],
      ['[2001:db8::5]', '2001:db8::5'],
      ['::ffff:192.0.2.7', '192.0.2.7'],
      ['::FFFF:c000:0207', '192.0.2.7'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ];
    for (const [raw, text] of cases) assert.equal(formatIp(ip(raw)), text, raw);
  });

  it('knows IPv4 and IPv4-mapped from IPv6', () => {
    assert.equal(ip('10.0.0.1').isV4, true);
    assert.equal(ip('::ffff:10.0.0.1').isV4, true);
    assert.equal(ip('::1').isV4, false);
    assert.equal(ip('::10.0.0.1').isV4, false, 'IPv4-compatible (deprecated) is not mapped');
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', 'localhost', '10.0.0', '10.0.0.256', '1.2.3.4.5', '::g', '1:2:3:4:5:6:7:8:9', '10.0.0.1:80', '2001:db8::1::2']) {
      assert.equal(parseIp(bad), undefined, bad);
    }
  });
});

describe('parseCidr / cidrContains', () => {
  it('matches IPv4 ranges', () => {
    assert.equal(contains('10.0.0.0/8', '10.255.1.2'), true);
    assert.equal(contains('10.0.0.0/8', '11.0.0.1'), false);
    assert.equal(contains('192.168.1.0/24', '192.168.1.255'), true);
    assert.equal(contains('192.168.1.0/24', '192.168.2.0'), false);
    assert.equal(contains('192.168.1.7', '192.168.1.7'), true);
    assert.equal(contains('192.168.1.7/32', '192.168.1.8'), false);
    assert.equal(contains('0.0.0.0/0', '203.0.113.9'), true);
  });

  it('matches IPv6 ranges', () => {
    assert.equal(contains('2001:db8::/32', '2001:db8:ffff::1'), true);
    assert.equal(contains('2001:db8::/32', '2001:db9::1'), false);
    assert.equal(contains('::1/128', '::1'), true);
    assert.equal(contains('::/0', '2001:db8::1'), true);
    assert.equal(contains('fe80::/10', 'febf::1'), true);
    assert.equal(contains('fe80::/10', 'fec0::1'), false);
  });

  it('matches an IPv4-mapped IPv6 address (a dual-stack socket peer) against IPv4 ranges, and the reverse', () => {
    assert.equal(contains('10.0.0.0/8', '::ffff:10.1.2.3'), true);
    assert.equal(contains('10.0.0.0/8', '::ffff:11.1.2.3'), false);
    assert.equal(contains('::ffff:10.0.0.0/104', '10.9.9.9'), true);
    assert.equal(contains('0.0.0.0/0', '::ffff:1.2.3.4'), true);
    assert.equal(contains('0.0.0.0/0', '::1'), false, 'the IPv4 everything range holds no IPv6 address');
    assert.equal(contains('::/0', '1.2.3.4'), true, 'the IPv6 everything range holds IPv4 too');
  });

  it('refuses malformed ranges and host bits beyond the prefix, listing every problem at once', () => {
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.1/8', '2001:db8::1/32', '10.0.0.0/', '10.0.0.0/8/8', 'x/8', '10.0.0.0/-1', '10.0.0.0/ 8', 'fe80::%eth0/64']) {
      assert.throws(() => parseCidr(bad), (err) => isBerthError(err, 'BAD_REQUEST'), bad);
    }
    assert.throws(() => parseCidrList(['10.0.0.0/8', 'bad', '1.2.3.4/40']), (err) => {
      assert.ok(isBerthError(err, 'BAD_REQUEST'));
      assert.deepEqual((err.detail?.problems as string[]).length, 2);
      return true;
    });
  });
});

describe('evaluateIpRules', () => {
  const addr = ip('10.1.2.3');

  it('allows everything with no rules', () => {
    assert.deepEqual(evaluateIpRules([{ level: 'system', rules: rules([]) }], addr), { allowed: true });
    assert.deepEqual(evaluateIpRules([], addr), { allowed: true });
  });

  it('lets deny win over allow', () => {
    assert.deepEqual(evaluateIpRules([{ level: 'system', rules: rules(['10.0.0.0/8'], ['10.1.0.0/16']) }], addr), { allowed: false, reason: 'denied', level: 'system' });
    assert.deepEqual(evaluateIpRules([{ level: 'system', rules: rules(['10.0.0.0/8'], ['10.2.0.0/16']) }], addr), { allowed: true });
  });

  it('admits only the allow list when it is not empty', () => {
    assert.deepEqual(evaluateIpRules([{ level: 'project', rules: rules(['192.168.0.0/16', '2001:db8::/32']) }], addr), { allowed: false, reason: 'not-allowed', level: 'project' });
    assert.deepEqual(evaluateIpRules([{ level: 'project', rules: rules(['192.168.0.0/16', '10.1.2.3']) }], addr), { allowed: true });
    assert.deepEqual(evaluateIpRules([{ level: 'project', rules: rules([], ['192.168.0.0/16']) }], addr), { allowed: true });
  });

  it('requires every level to pass and names the first one that refuses', () => {
    const levels = [
      { level: 'system', rules: rules(['10.0.0.0/8']) },
      { level: 'project', rules: rules([], ['10.1.2.0/24']) },
      { level: 'robot', rules: rules(['10.9.0.0/16']) },
    ];
    assert.deepEqual(evaluateIpRules(levels, addr), { allowed: false, reason: 'denied', level: 'project' });
    assert.deepEqual(evaluateIpRules(levels, ip('10.5.0.1')), { allowed: false, reason: 'not-allowed', level: 'robot' });
    assert.deepEqual(evaluateIpRules(levels, ip('10.9.0.1')), { allowed: true });
    assert.deepEqual(evaluateIpRules(levels, ip('::ffff:10.9.0.1')), { allowed: true });
    assert.deepEqual(evaluateIpRules(levels, ip('172.16.0.1')), { allowed: false, reason: 'not-allowed', level: 'system' });
  });
});

describe('resolveClientIp', () => {
  const proxies = parseCidrList(['10.0.0.0/8', '::1']);
  const resolve = (socket: string | undefined, xff: string | string[] | undefined, trusted = proxies) => {
    const got = resolveClientIp(socket, xff, trusted);
    return got && formatIp(got);
  };

  it('uses the socket peer when no proxy is trusted, ignoring a forged header', () => {
    assert.equal(resolve('203.0.113.5', '1.1.1.1', []), '203.0.113.5');
    assert.equal(resolve('::ffff:203.0.113.5', undefined, []), '203.0.113.5');
  });

  it('ignores the header when the peer is not a trusted proxy', () => {
    assert.equal(resolve('203.0.113.5', '10.0.0.9'), '203.0.113.5');
  });

  it('takes the entry the trusted proxy appended', () => {
    assert.equal(resolve('10.0.0.2', '198.51.100.7'), '198.51.100.7');
    assert.equal(resolve('::ffff:10.0.0.2', '198.51.100.7'), '198.51.100.7');
    assert.equal(resolve('::1', '2001:db8::7'), '2001:db8::7');
  });

  it('walks right to left through trusted proxies and stops at the first untrusted address', () => {
    // client forged "6.6.6.6"; the edge proxy saw 198.51.100.7; an inner proxy 10.0.0.3 forwarded to us.
    assert.equal(resolve('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.3'), '198.51.100.7');
    assert.equal(resolve('10.0.0.2', ['6.6.6.6', '198.51.100.7, 10.0.0.3']), '198.51.100.7', 'repeated headers join in order');
  });

  it('ends at the leftmost entry when every hop is trusted', () => {
    assert.equal(resolve('10.0.0.2', '10.0.0.5, 10.0.0.4'), '10.0.0.5');
  });

  it('accepts entries with ports and brackets, and stops at a malformed one', () => {
    assert.equal(resolve('10.0.0.2', '198.51.100.7:4711'), '198.51.100.7');
    assert.equal(resolve('10.0.0.2', '[2001:db8::9]:443'), '2001:db8::9');
    assert.equal(resolve('10.0.0.2', '198.51.100.7, unknown'), '10.0.0.2', 'garbage from the proxy leaves the proxy address');
    assert.equal(resolve('10.0.0.2', '198.51.100.7, 10.0.0.3, '), '10.0.0.2');
    assert.equal(resolve('10.0.0.2', 'unknown, 10.0.0.3'), '10.0.0.3');
  });

  it('walks at most MAX_FORWARDED_HOPS entries', () => {
    const chain = ['198.51.100.7', ...Array(30).fill('10.0.0.3')].join(',');
    assert.equal(resolve('10.0.0.2', chain), '10.0.0.3');
  });

  it('returns undefined only without a usable socket address', () => {
    assert.equal(resolve(undefined, '198.51.100.7'), undefined);
    assert.equal(resolve('not-an-ip', '198.51.100.7'), undefined);
  });
});

describe('throttleBucket', () => {
  it('counts IPv4 per address and IPv6 per /64', () => {
    assert.equal(throttleBucket(ip('198.51.100.7')), '198.51.100.7');
    assert.equal(throttleBucket(ip('::ffff:198.51.100.7')), '198.51.100.7');
    assert.equal(throttleBucket(ip('2001:db8:1:2:aaaa::1')), '2001:db8:1:2::/64');
    assert.equal(throttleBucket(ip('2001:db8:1:2:bbbb::9')), throttleBucket(ip('2001:db8:1:2::1')));
    assert.notEqual(throttleBucket(ip('2001:db8:1:3::1')), throttleBucket(ip('2001:db8:1:2::1')));
  });
});

describe('clientIpText', () => {
  const proxies = parseCidrList(['10.0.0.0/8']);

  it('answers like resolveClientIp + formatIp, also when asked again (remembered peers)', () => {
    for (let round = 0; round < 2; round++) {
      assert.equal(clientIpText('::ffff:203.0.113.5', undefined, []), '203.0.113.5');
      assert.equal(clientIpText('2001:DB8:0:0:0:0:0:1', '1.1.1.1', []), '2001:db8::1');
      assert.equal(clientIpText('not-an-address', undefined, []), '');
      assert.equal(clientIpText(undefined, undefined, []), '');
    }
  });

  it('walks X-Forwarded-For from a trusted proxy every time, never from a remembered peer', () => {
    assert.equal(clientIpText('10.1.2.3', undefined, proxies), '10.1.2.3');
    assert.equal(clientIpText('10.1.2.3', '198.51.100.7', proxies), '198.51.100.7');
    assert.equal(clientIpText('10.1.2.3', '198.51.100.8', proxies), '198.51.100.8');
    assert.equal(clientIpText('203.0.113.9', '198.51.100.7', proxies), '203.0.113.9');
  });
});
