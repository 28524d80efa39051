import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { K8sAuditEvent } from '../../events/model.js';
import { sourceDirOf } from '../../util/paths.js';
import { decodeFile } from '../wrapped/testing.js';
import eks from './format.js';

const data = join(sourceDirOf(import.meta.url), 'testdata');
const at = (e: { origin?: string }) => e.origin?.replace(/^.*testdata\//, '');

test('filter-log-events output: other streams passed over, a [Truncated...] event and a broken one reported, the rest read', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'filter-log-events.json'), 'auto', 'from-flag');
  assert.equal(format, 'eks');
  assert.deepEqual(events.map(at), ['filter-log-events.json:1#events[0]', 'filter-log-events.json:1#events[4]']);
  assert.equal(events[0]!.cluster, 'from-flag', 'the output does not name the log group: --cluster names the cluster');
  assert.equal(issues.length, 2);
  assert.match(issues[0]!, /events\[2\]: audit event cut off by CloudWatch Logs \(\[Truncated\.\.\.\]\) after 900 characters; skipped/);
  assert.match(issues[1]!, /events\[3\]: 'message' is /);
});

test('Kinesis records, one gzip+base64 payload a line: health checks ignored, a corrupt payload reported by line', async () => {
  const { events, issues } = await decodeFile(join(data, 'kinesis-records.txt'));
  assert.deepEqual(events.map(at), ['kinesis-records.txt:2#logEvents[0]', 'kinesis-records.txt:2#logEvents[1]', 'kinesis-records.txt:4#logEvents[0]', 'kinesis-records.txt:4#logEvents[1]']);
  for (const e of events) assert.equal(e.cluster, 'eks-prod-01');
  assert.deepEqual(events[0]!.clusterInfo, { cloud: 'aws' });
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /kinesis-records\.txt:3: payload is not a whole gzip stream/);
});

test('aws kinesis get-records output', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'kinesis-get-records.json'));
  assert.equal(format, 'eks');
  assert.deepEqual(issues, []);
  assert.deepEqual(events.map(at), ['kinesis-get-records.json:1#Records[0].Data.logEvents[0]']);
});

test("a Firehose S3 object: gzip members back to back, payloads with no separator", async () => {
  const { events, issues } = await decodeFile(join(data, 'firehose-object.gz'));
  assert.deepEqual(issues, []);
  assert.equal(events.length, 5);
  assert.deepEqual(
    (events as K8sAuditEvent[]).map((e) => e.verb),
    ['create', 'list', 'delete', 'get', 'create'],
  );
});

test('an S3 export: a cut-off line reported by line number, its neighbours read', async () => {
  const { format, events, issues } = await decodeFile(join(data, 'export-000000.gz'));
  assert.equal(format, 'eks');
  assert.deepEqual(events.map(at), ['export-000000.gz:1', 'export-000000.gz:2', 'export-000000.gz:4', 'export-000000.gz:5']);
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /export-000000\.gz:3: 'message' is cut off after 86 characters/);
});

test('Lambda and Firehose-transform events carry the region, which completes the cluster ARN', () => {
  const events: K8sAuditEvent[] = [];
  const issues: string[] = [];
  const decoder = eks.open({ event: (e) => events.push(e as K8sAuditEvent), issue: (i) => issues.push(i.reason) }, {});
  const audit = { kind: 'Event', auditID: 'a1', verb: 'get', user: { username: 'u' }, requestReceivedTimestamp: '2026-03-14T09:00:00Z' };
  const payload = { messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/aws/eks/prod/cluster', logStream: 'kube-apiserver-audit-1', subscriptionFilters: [], logEvents: [{ id: '1', timestamp: 1, message: JSON.stringify(audit) }] };
  const data = gzipSync(JSON.stringify(payload)).toString('base64');
  decoder.line(JSON.stringify({ invocationId: 'i', deliveryStreamArn: 'arn:aws:firehose:eu-west-1:111122223333:deliverystream/audit', region: 'eu-west-1', records: [{ recordId: 'r1', approximateArrivalTimestamp: 1, data }] }), { file: 'f', line: 1 });
  decoder.line(JSON.stringify({ awslogs: { data } }), { file: 'f', line: 2 });
  decoder.line(JSON.stringify({ awslogs: { data: 'not base64!' } }), { file: 'f', line: 3 });
  assert.equal(events.length, 2);
  assert.deepEqual(events[0]!.clusterInfo, { cloud: 'aws', region: 'eu-west-1', resourceId: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod' });
  assert.deepEqual(events[1]!.clusterInfo, { cloud: 'aws' });
  assert.deepEqual(issues, ['awslogs.data: payload is not base64']);
});

test('payloads nested deeper than any delivery are refused, not followed', () => {
  const issues: string[] = [];
  const decoder = eks.open({ event: () => assert.fail(), issue: (i) => issues.push(i.reason) }, {});
  let text = JSON.stringify({ awslogs: { data: 'x' } });
  for (let i = 0; i < 8; i++) text = gzipSync(text).toString('base64');
  decoder.line(text, { file: 'f', line: 1 });
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /nested too deep/);
});
