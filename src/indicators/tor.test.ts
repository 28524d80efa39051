/** Parsing of the Tor Project's exit lists (the refresh script's logic, offline). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpSet } from './ip.js';
import { parseBulkExitList, parseExitAddresses, renderAddressList } from './tor.js';

test('bulk exit list: addresses kept, comments and blanks skipped, junk rejected with its line', () => {
  const parsed = parseBulkExitList('# legacy header\n192.0.2.10\n\n198.51.100.201\r\n192.0.2.10\nnot-an-ip\n2001:0db8:0004:0000:0000:0000:0000:0201\n');
  assert.deepEqual(parsed.addresses, ['192.0.2.10', '198.51.100.201', '2001:db8:4::201']);
  assert.deepEqual(parsed.rejected, [{ line: 6, text: 'not-an-ip' }]);
});

test('exit-addresses: every ExitAddress of every stanza, nothing else', () => {
  const text = [
    'ExitNode 7A3C9E1F0B2D4C6E8F0A1B2C3D4E5F60718293A4',
    'Published 2025-03-14 06:12:44',
    'LastStatus 2025-03-14 09:00:00',
    'ExitAddress 198.51.100.201 2025-03-14 09:05:31',
    'ExitNode 0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C',
    'Published 2025-03-14 02:40:03',
    'ExitAddress 203.0.113.9 2025-03-14 08:16:50',
    'ExitAddress 203.0.113.10 2025-03-14 08:47:12',
    'ExitAddress',
  ].join('\n');
  const parsed = parseExitAddresses(text);
  assert.deepEqual(parsed.addresses, ['198.51.100.201', '203.0.113.9', '203.0.113.10']);
  assert.equal(parsed.rejected.length, 1);
});

test('rendered list is sorted, deduplicated, commented, and reads back as an IpSet', () => {
  const text = renderAddressList(['source: test'], ['203.0.113.10', '2001:db8::1', '203.0.113.9'], ['203.0.113.9', '10.0.0.1']);
  assert.equal(text, '# source: test\n10.0.0.1\n203.0.113.9\n203.0.113.10\n2001:db8::1\n');
  const set = IpSet.parse(text);
  assert.equal(set.size, 4);
  assert.equal(set.rejected.length, 0);
  assert.ok(set.has('::ffff:203.0.113.9'));
});
