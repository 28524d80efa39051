import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from './bounded-cache.js';

test('BoundedCache never holds more than its bound and keeps what is in use', () => {
  const cache = new BoundedCache<number, number>(100);
  cache.set(-1, -1);
  for (let i = 0; i < 10_000; i++) {
    cache.set(i, i);
    assert.ok(cache.size <= 100);
    // A key read regularly survives however many others come and go.
    if (i % 20 === 0) assert.equal(cache.get(-1), -1);
  }
  assert.equal(cache.get(9_999), 9_999);
  assert.equal(cache.get(0), undefined);
  assert.ok(cache.evicted > 9_000);
});

test('BoundedCache entries expire after their TTL', () => {
  let now = 1_000;
  const cache = new BoundedCache<string, string>(10, 500, () => now);
  cache.set('a', 'x');
  now += 499;
  assert.equal(cache.get('a'), 'x');
  now += 1;
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.has('a'), false);
  assert.throws(() => new BoundedCache(0), /at least 2/);
});
