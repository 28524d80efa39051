/** CIDR ranges: parsing (bare addresses, IPv4-mapped IPv6) and containment. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, parseCidr } from './ip.js';

test('CIDR parsing: bare addresses, IPv4-mapped ranges, junk', () => {
  const c = (text: string) => {
    const cidr = parseCidr(text);
    return cidr && [cidr.family, cidr.address.toString(), cidr.prefix];
  };
  assert.deepEqual(c(' 203.0.113.0/24 '), ['ipv4', '203.0.113.0', 24]);
  assert.deepEqual(c('203.0.113.7'), ['ipv4', '203.0.113.7', 32]);
  assert.deepEqual(c('2001:db8::1'), ['ipv6', '2001:db8::1', 128]);
  assert.deepEqual(c('::ffff:192.168.0.0/112'), ['ipv4', '192.168.0.0', 16]);
  assert.equal(parseCidr('203.0.113.0/24')?.text, '203.0.113.0/24');
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('example.com'), undefined);
  assert.equal(parseCidr(''), undefined);
});

test('CIDR containment: narrower inside wider, same family only', () => {
  const r = (text: string) => parseCidr(text)!;
  assert.ok(cidrContains(r('10.0.0.0/8'), r('10.1.2.0/24')));
  assert.ok(cidrContains(r('10.0.0.0/8'), r('10.0.0.0/8')));
  assert.ok(!cidrContains(r('10.1.2.0/24'), r('10.0.0.0/8')));
  assert.ok(!cidrContains(r('10.0.0.0/8'), r('11.0.0.0/24')));
  assert.ok(cidrContains(r('192.168.0.0/16'), r('::ffff:192.168.1.0/120')));
  assert.ok(cidrContains(r('fc00::/7'), r('fd12:3456::/48')));
  assert.ok(!cidrContains(r('0.0.0.0/0'), r('::/0')));
});
