/**
 * Exceptions silence exactly what they name, count what they silence, and stop at their expiry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessExecEvent } from '../events/model.js';
import { exceptionSchema, ExceptionSet } from './exceptions.js';
import { globMatch } from './glob.js';

const exec: ProcessExecEvent = {
  kind: 'process.exec',
  id: 'x',
  time: 0,
  source: 'test',
  node: 'n1',
  process: { pid: 1, executable: '/usr/bin/curl', args: ['curl', 'http://x'], commandLine: 'curl http://x' },
  ancestors: [],
  container: { id: 'c', name: 'api', namespace: 'payments', workload: 'api', image: 'registry.example.com/payments/api:1.2' },
};
const entities = { namespace: 'payments', image: 'registry.example.com/payments/api:1.2', process: { pid: 1, executable: '/usr/bin/curl', commandLine: 'curl http://x' } };

test('wildcards match in linear time, whole-string', () => {
  assert.ok(globMatch('registry.example.com/*', 'registry.example.com/payments/api:1.2'));
  assert.ok(globMatch('*/api:?.?', 'registry.example.com/payments/api:1.2'));
  assert.ok(!globMatch('payments', 'payments-staging'));
  assert.ok(!globMatch('*a*a*a*a*a*a*b', 'a'.repeat(200_000)));
});

test('an exception silences only findings where every named field matches, and counts them', () => {
  const set = new ExceptionSet([exceptionSchema.parse({ type: 'K8S.NODE_SuspectDownload', reason: 'API fetches its own config', match: { namespace: 'payments', processPath: '/usr/bin/curl', workload: 'api' } })]);
  assert.ok(set.match('K8S.NODE_SuspectDownload', entities, exec));
  assert.equal(set.match('K8S.NODE_ReverseShell', entities, exec), undefined);
  assert.equal(set.match('K8S.NODE_SuspectDownload', { ...entities, namespace: 'shop' }, exec), undefined);
  assert.deepEqual(set.suppressed, { 'K8S.NODE_SuspectDownload': 1 });
});

test('an expired exception no longer applies and is reported', () => {
  const spec = exceptionSchema.parse({ type: '*', reason: 'migration window', expires: '2026-01-01T00:00:00Z', match: { image: 'registry.example.com/*' } });
  const set = new ExceptionSet([spec], () => Date.parse('2026-11-28T00:00:00Z'));
  assert.equal(set.match('K8S.NODE_SuspectDownload', entities, exec), undefined);
  assert.deepEqual(set.expired(), [spec]);
  assert.equal(set.expiredHits.get(spec), 1);
});

test('exceptions without a reason or a field are refused', () => {
  assert.throws(() => exceptionSchema.parse({ type: 'K8S_PrivilegedContainer', reason: '', match: { namespace: 'x' } }), /say why/);
  assert.throws(() => exceptionSchema.parse({ type: 'K8S_PrivilegedContainer', reason: 'ok fine', match: {} }), /at least one field/);
  assert.throws(() => exceptionSchema.parse({ type: 'K8S_PrivilegedContainer', reason: 'ok fine', match: { colour: 'red' } }));
});
