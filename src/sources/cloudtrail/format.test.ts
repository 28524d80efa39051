import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CloudActivityEvent } from '../../events/model.js';
import { sourceDirOf } from '../../util/paths.js';
import { decodeFile } from '../wrapped/testing.js';

const data = join(sourceDirOf(import.meta.url), 'testdata');

test('a trail file from S3 (gzip, {"Records": […]}): identities of roles, web identities and service accounts', async () => {
  const { format, events, issues } = await decodeFile(join(data, '111122223333_CloudTrail_eu-west-1_20260301T0800Z_context.json.gz'));
  assert.equal(format, 'cloudtrail');
  assert.deepEqual(issues, []);
  const activity = events as CloudActivityEvent[];
  const [assume, create] = activity;
  assert.equal(assume!.operation, 'sts:AssumeRoleWithWebIdentity');
  assert.deepEqual([assume!.identity.id, assume!.identity.type, assume!.identity.serviceAccount], ['arn:aws:iam::111122223333:role/AmazonEKS_EBS_CSI_DriverRole', 'web-identity', 'kube-system/ebs-csi-controller-sa']);
  assert.equal(create!.operation, 'ec2:CreateVolume');
  assert.equal(create!.identity.id, 'arn:aws:iam::111122223333:role/AmazonEKS_EBS_CSI_DriverRole');
  assert.equal(create!.identity.type, 'web-identity');
  assert.match(create!.identity.claims!.federatedProvider!, /oidc\.eks\.eu-west-1\.amazonaws\.com/);
  assert.match(create!.id, /^[0-9a-f-]{36}$/, 'the eventID');
  assert.ok(activity.every((e) => e.provider === 'aws' && e.source === 'cloudtrail'));
});

test('records one per line: EventBridge envelopes opened, bad records reported by line, the rest read', async () => {
  const { events, issues } = await decodeFile(join(data, 'records.jsonl'));
  assert.deepEqual((events as CloudActivityEvent[]).map((e) => `${e.origin?.replace(/^.*testdata\//, '')} ${e.operation} ${e.success}`), [
    'records.jsonl:1 ec2:CreateVolume true',
    'records.jsonl:3 iam:CreateAccessKey true',
    'records.jsonl:6 secretsmanager:GetSecretValue true',
  ]);
  assert.equal(issues.length, 3);
  assert.match(issues[0]!, /records\.jsonl:2: record without an 'eventID'$/);
  assert.match(issues[1]!, /records\.jsonl:4: record [0-9a-f-]{36}: missing or invalid 'eventTime'$/);
  assert.match(issues[2]!, /records\.jsonl:5: not valid JSON/);
});
