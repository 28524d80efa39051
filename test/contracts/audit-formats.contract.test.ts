/**
 * The audit-format contract: the same audit events, wrapped in every delivery shape of AKS, EKS
 * and GKE, give the same alerts as the native log — same types, descriptions, entities, counts and
 * evidence ids — and the wrapper's cluster identity shows in the alerts' entities. The events are
 * every detection's own audit fixtures (context, positive, negative), so the contract covers
 * whatever detections exist. GKE keeps less of an event (see src/sources/gke/format.ts): its
 * alerts are compared with the native alerts of what GKE keeps (`gkeProjection`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import { discoverDetections } from '../../src/detections/registry.js';
import { scan } from '../../src/scan/scan.js';
import { packageRoot } from '../../src/util/paths.js';
import { gkeProjection, WRAPPERS } from './audit-wrappers.js';

type AuditEvent = Record<string, unknown> & { auditID: string };

const dir = mkdtempSync(join(tmpdir(), 'vigil-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fixture file's audit events, or undefined when it holds anything else. */
function auditEventsOf(path: string): AuditEvent[] | undefined {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim());
  const events = lines.map((l) => JSON.parse(l) as AuditEvent);
  return events.length && events.every((e) => e.kind === 'Event' && String(e.apiVersion).startsWith('audit.k8s.io/')) ? events : undefined;
}

/** What must be equal between deliveries: everything but the cluster's name and where the event was read. */
function comparable(alerts: Alert[]): unknown[] {
  return alerts
    .map((a) => {
      const { cluster: _c, clusterInfo: _i, ...entities } = a.entities;
      return { type: a.type, description: a.description.replace(/\bcluster \S+/g, 'cluster …'), count: a.count, entities, evidence: a.evidence.map((e) => `${e.id} ${e.summary}`) };
    })
    .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
}

let counter = 0;
function write(name: string, content: string | Buffer): string {
  const path = join(dir, `${++counter}-${name}`);
  writeFileSync(path, content);
  return path;
}

const detections = await discoverDetections();
const fixtureDir = join(packageRoot(), 'src', 'detections');

interface Case {
  module: string;
  detection: (typeof detections)[number]['detection'];
  files: AuditEvent[][];
}

const cases: Case[] = [];
for (const { detection, module } of detections) {
  const folder = join(fixtureDir, module.split('/').slice(0, -1).join('/'));
  const slug = module.split('/').pop()!;
  const names = readdirSync(folder).filter((f) => f.startsWith(`${slug}.`) && f.endsWith('.jsonl'));
  const context = names.find((f) => f.includes('.context.'));
  const contextEvents = context ? auditEventsOf(join(folder, context)) : [];
  if (!contextEvents) continue;
  const files = names
    .filter((f) => /\.(positive|negative)\./.test(f))
    .map((f) => auditEventsOf(join(folder, f)))
    .filter((e): e is AuditEvent[] => e !== undefined)
    .map((events) => [...contextEvents, ...events]);
  if (files.length) cases.push({ module, detection, files });
}

test('the contract covers the audit detections', () => {
  assert.ok(cases.length >= 5, `only ${cases.length} detections with audit fixtures`);
});

for (const { module, detection, files } of cases) {
  for (const [wrapper, wrap] of Object.entries(WRAPPERS)) {
    test(`${detection.type} (${module}): ${wrapper} gives the native alerts`, async () => {
      for (const events of files) {
        const baseline = wrapper.startsWith('gke-') ? gkeProjection(events) : events;
        const native = await scan({ paths: [write('native.jsonl', baseline.map((e) => JSON.stringify(e)).join('\n') + '\n')], format: 'k8s-audit', detections: [detection] });
        assert.equal(native.stats.rejected, 0, native.stats.firstRejections.join('; '));
        const wrapped = wrap(wrapper.startsWith('gke-') ? baseline : events);
        const result = await scan({ paths: [write(wrapped.name, wrapped.content)], detections: [detection] });
        assert.deepEqual(result.fileErrors, []);
        assert.equal(result.stats.rejected, 0, result.stats.firstRejections.join('; '));
        assert.equal(Object.values(result.stats.formats)[0], wrapper.split('-')[0], 'format detected');
        assert.equal(result.stats.eventsRead, baseline.length);
        assert.deepEqual(comparable(result.alerts), comparable(native.alerts));
        for (const alert of result.alerts) assert.equal(alert.entities.cluster, wrapped.cluster, `cluster of ${alert.type}`);
      }
    });
  }
}

test('the wrapper names the cluster and where it runs', async () => {
  const privileged = cases.find((c) => c.detection.type === 'K8S_PrivilegedContainer');
  assert.ok(privileged, 'privileged-container fixtures');
  const expected: Record<string, object> = {
    'aks-records-document': {
      cloud: 'azure',
      resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-prod-01',
    },
    'eks-subscription-base64-lines': { cloud: 'aws' },
    'gke-gcloud-logging-read': { cloud: 'gcp', region: 'europe-west1', project: 'acme-prod', resourceId: 'projects/acme-prod/locations/europe-west1/clusters/gke-prod-eu' },
  };
  for (const [wrapper, info] of Object.entries(expected)) {
    let alerts = 0;
    for (const events of privileged.files) {
      const wrapped = WRAPPERS[wrapper]!(events);
      const result = await scan({ paths: [write(wrapped.name, wrapped.content)], detections: [privileged.detection] });
      alerts += result.alerts.length;
      for (const alert of result.alerts) assert.deepEqual(alert.entities.clusterInfo, info, wrapper);
    }
    assert.ok(alerts > 0, wrapper);
  }
});
