import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sourceDirOf } from '../../util/paths.js';
import { CrictlPodDirectory, parseCrictlPrivileged, parseCrictlPs } from './crictl.js';

const dir = join(sourceDirOf(import.meta.url), 'testdata');

test('crictl output parsing, and hostile output rejected with a reason', () => {
  assert.throws(() => parseCrictlPs('{"items":[]}'), /no 'containers' array/);
  assert.throws(() => parseCrictlPs('not json'));
  assert.deepEqual(parseCrictlPs('{"containers":[{"id":""},{"id":"x","labels":null},7]}'), [{ id: 'x' }]);
  assert.equal(parseCrictlPrivileged('{"info":{"privileged":true}}'), true);
  assert.equal(parseCrictlPrivileged('{"info":{"config":{"linux":{"security_context":{"privileged":false}}}}}'), false);
  assert.equal(parseCrictlPrivileged('{"status":{}}'), undefined);
});

test('CrictlPodDirectory runs crictl and indexes containers with pod identity and privilege', async () => {
  const directory = new CrictlPodDirectory({ crictlPath: join(dir, 'crictl-recorded.sh') });
  await directory.start();
  try {
    assert.deepEqual(directory.lookup('a'.repeat(64)), {
      id: 'a'.repeat(64),
      name: 'api',
      image: 'registry.example.com/payments/api:1.14.2',
      imageId: `registry.example.com/payments/api@sha256:${'e'.repeat(64)}`,
      pod: 'api-7c9f6d8b5-x2k4q',
      namespace: 'payments',
      podUid: '5d0c8a1e-2b7f-4f3a-9c61-8e2d4b7a1f09',
    });
    assert.equal(directory.lookup('b'.repeat(64))?.privileged, true);
    assert.equal(directory.lookup('c'.repeat(64)), undefined);
  } finally {
    await directory.stop();
  }
  const missing = new CrictlPodDirectory({ crictlPath: join(dir, 'no-such-crictl') });
  await assert.rejects(missing.start(), /no-such-crictl ps -a -o json/);
});
