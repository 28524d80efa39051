/**
 * K8S_MaliciousContainerImage cases the fixtures cannot express: snapshot objects, no second
 * alert for an unchanged miner, and the Stratum URL matcher on hostile input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { K8sObject } from '../../events/model.js';
import { auditEvent, objectEvent, replay } from './lib/replay.js';
import detection, { stratumUrl } from './malicious-container-image.js';

function pod(image: string, args: string[] = []): K8sObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'worker', namespace: 'default' }, spec: { containers: [{ name: 'w', image, args }] } };
}

test('a snapshot of a pod running a miner image fires; a benign one does not', () => {
  const alerts = replay(detection, [objectEvent(pod('quay.io/someone/xmrig:6.21')), objectEvent(pod('nginx:1.27'))]);
  assert.equal(alerts.length, 1);
  assert.match(alerts[0]!.description, /names the miner 'xmrig'/);
});

test('an update that leaves the miner as it was does not fire again', () => {
  const ref = { resource: 'pods', namespace: 'default', name: 'worker', apiGroup: '' };
  const create = auditEvent({ verb: 'create', objectRef: { ...ref, name: undefined }, responseObject: pod('metal3d/xmrig') });
  const update = auditEvent({ verb: 'update', objectRef: ref, time: Date.parse('2026-03-14T12:00:00Z'), responseObject: pod('metal3d/xmrig', ['-t', '2']) });
  assert.equal(replay(detection, [create, update]).length, 1);
});

test('Stratum URLs are found, near-misses and hostile input are not', () => {
  assert.equal(stratumUrl('-o stratum+tcp://pool.example:3333 -u x'), 'stratum+tcp://pool.example:3333');
  assert.equal(stratumUrl('STRATUM2+SSL://p.example:443'), 'STRATUM2+SSL://p.example:443');
  assert.equal(stratumUrl('url=stratum2+tls://p.example:443'), 'stratum2+tls://p.example:443');
  assert.equal(stratumUrl('--local-stratum 10'), undefined);
  const hostile = 'stratum+'.repeat(20_000) + 'tcp:/';
  const started = performance.now();
  assert.equal(stratumUrl(hostile), undefined);
  assert.ok(performance.now() - started < 2000);
});
