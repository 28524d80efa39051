/**
 * The snapshot contract: every detection that judges objects (`k8s.object`) finds in a cluster
 * snapshot what it finds in the audit log. For each such detection, the objects its positive audit
 * fixture created or replaced with a full body (and that raised its alert) are written out as
 * `kubectl get -o json` would list them, and as a YAML manifest; scanning either must raise the
 * alert for every one of those objects. Covers whatever object detections exist.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { discoverDetections } from '../../src/detections/registry.js';
import type { K8sAuditEvent, K8sObject } from '../../src/events/model.js';
import { KIND_OF_RESOURCE } from '../../src/inventory/pod-spec.js';
import { scan } from '../../src/scan/scan.js';
import { packageRoot } from '../../src/util/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-snapshot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fullObject(event: K8sAuditEvent): K8sObject | undefined {
  const kind = event.objectRef ? KIND_OF_RESOURCE[event.objectRef.resource] : undefined;
  if (!kind || event.objectRef?.subresource || (event.verb !== 'create' && event.verb !== 'update')) return undefined;
  const body = (event.responseObject ?? event.requestObject) as K8sObject | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body) || !body.metadata) return undefined;
  return { ...body, kind, metadata: { ...body.metadata, namespace: body.metadata.namespace ?? event.objectRef?.namespace } };
}

const objectDetections = (await discoverDetections()).filter((d) => d.detection.kinds.includes('k8s.object'));

test('there are object detections to hold to the contract', () => {
  assert.ok(objectDetections.length > 0);
});

for (const { detection, module } of objectDetections) {
  test(`${detection.type} (${module}) fires on the snapshot of what its positive fixture created`, async () => {
    const folder = join(packageRoot(), 'src', 'detections', module.split('/').slice(0, -1).join('/'));
    const positive = readdirSync(folder).find((f) => f.startsWith(`${module.split('/').pop()}.positive.`));
    assert.ok(positive);
    const audit = new Map<string, K8sAuditEvent>();
    const native = await scan({ paths: [join(folder, positive)], detections: [detection], onEvent: (e) => e.kind === 'k8s.audit' && audit.set(e.id, e) });
    const objects = new Map<string, K8sObject>();
    for (const alert of native.alerts.filter((a) => a.type === detection.type)) {
      for (const evidence of alert.evidence) {
        const event = audit.get(evidence.id);
        const object = event && fullObject(event);
        if (object) objects.set(`${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`, object);
      }
    }
    if (objects.size === 0) return; // the fixture creates nothing with a full body (patches only)
    const list = join(dir, `${detection.type}.json`);
    writeFileSync(list, JSON.stringify({ apiVersion: 'v1', items: [...objects.values()], kind: 'List', metadata: { resourceVersion: '' } }, null, 4));
    const manifest = join(dir, `${detection.type}.yaml`);
    writeFileSync(manifest, [...objects.values()].map((o) => stringify(o)).join('---\n'));
    for (const path of [list, manifest]) {
      const result = await scan({ paths: [path], detections: [detection] });
      assert.equal(result.stats.rejected, 0, result.stats.firstRejections.join('; '));
      assert.equal(Object.values(result.stats.formats)[0], 'k8s-objects');
      const found = new Set(result.alerts.filter((a) => a.type === detection.type).map((a) => `${a.entities.resource?.kind} ${a.entities.resource?.namespace ?? ''}/${a.entities.resource?.name}`));
      assert.deepEqual([...objects.keys()].filter((k) => !found.has(k)), [], `${path}: objects without a ${detection.type} alert`);
    }
  });
}
