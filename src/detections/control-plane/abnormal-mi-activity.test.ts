import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../scan/scan.js';
import { packageRoot } from '../../util/paths.js';
import detection from './abnormal-mi-activity.js';

const trails = join(packageRoot(), 'src', 'sources', 'cloudtrail', 'testdata');
const context = join(trails, '111122223333_CloudTrail_eu-west-1_20260301T0800Z_context.json.gz');
const later = join(trails, 'later.json');
const here = join(packageRoot(), 'src', 'detections', 'control-plane');

test('AWS: roles assumed for pods (IRSA, Pod Identity) alert on a new operation after learning; a person’s role does not', async () => {
  const result = await scan({ paths: [context, later], detections: [detection] });
  assert.equal(result.stats.rejected, 0, result.stats.firstRejections.join('; '));
  const alerts = result.alerts.map((a) => ({ identity: a.entities.identity?.name, addon: a.entities.identity?.addon, evidence: a.evidence.map((e) => e.summary.split(' by ')[0]) }));
  assert.deepEqual(
    alerts.sort((a, b) => String(a.identity).localeCompare(String(b.identity))),
    [
      { identity: 'AmazonEKS_EBS_CSI_DriverRole', addon: 'IRSA (IAM role for a service account)', evidence: ['iam:CreateAccessKey', 's3:ListBuckets'] },
      { identity: 'shop-api-pod-role', addon: 'EKS Pod Identity', evidence: ['secretsmanager:GetSecretValue'] },
    ],
  );
  const irsa = result.alerts.find((a) => a.entities.identity?.name === 'AmazonEKS_EBS_CSI_DriverRole')!;
  assert.equal(irsa.entities.identity?.id, 'arn:aws:iam::111122223333:role/AmazonEKS_EBS_CSI_DriverRole');
  assert.match(irsa.evidence[0]!.id, /^[0-9a-f-]{36}$/, 'evidence carries the CloudTrail eventID');
  assert.match(irsa.description, /s3:ListBuckets \(failed\)|iam:CreateAccessKey/);
});

test('the learnt behaviour persists with --state between runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mi-'));
  try {
    const state = join(dir, 'state.db');
    const first = await scan({ paths: [context], detections: [detection], statePath: state });
    assert.equal(first.alerts.length, 0);
    const second = await scan({ paths: [later], detections: [detection], statePath: state });
    assert.equal(second.alerts.length, 2);
    const fresh = await scan({ paths: [later], detections: [detection] });
    assert.equal(fresh.alerts.length, 0, 'without the learnt state every identity is new, so learning');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the learning period is a setting, counted in event time', async () => {
  const paths = [join(here, 'abnormal-mi-activity.context.jsonl'), join(here, 'abnormal-mi-activity.positive.jsonl')];
  const short = await scan({ paths, detections: [detection] });
  assert.equal(short.alerts.length, 3, 'AGIC, kubelet and monitoring identities');
  const long = await scan({ paths, detections: [detection], settings: { K8S_AbnormalMiActivity: { learningHours: 24 * 30 } } });
  assert.equal(long.alerts.length, 0);
});

test('the alert names the add-on and the cluster its identity belongs to', async () => {
  const result = await scan({ paths: [join(here, 'abnormal-mi-activity.context.jsonl'), join(here, 'abnormal-mi-activity.positive.jsonl')], detections: [detection] });
  const kubelet = result.alerts.find((a) => a.entities.identity?.addon === 'kubelet identity');
  assert.ok(kubelet);
  assert.equal(kubelet.entities.cluster, 'aks-prod-01');
  assert.equal(kubelet.entities.identity?.type, 'managed-identity');
  assert.equal(kubelet.count, 2, 'two new operations of one identity in the window are one alert');
});
