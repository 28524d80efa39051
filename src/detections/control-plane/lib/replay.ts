/**
 * @module detections/control-plane/lib/replay
 * For detection unit tests: feed events straight to an Engine holding one detection (no source,
 * no files), for the cases fixtures cannot express — snapshot objects (`k8s.object`, which no
 * input format produces yet), state across events, settings.
 */
import { randomUUID } from 'node:crypto';
import type { Alert } from '../../../alerts/alert.js';
import { loadCatalog } from '../../../catalog/catalog.js';
import type { AnyDetection, Detection, DetectionSettings } from '../../../engine/detection.js';
import { Engine } from '../../../engine/engine.js';
import { MemoryState } from '../../../engine/state/store.js';
import type { EventKind, K8sAuditEvent, K8sObject, K8sObjectEvent, VigilEvent } from '../../../events/model.js';
import { Indicators } from '../../../indicators/indicators.js';

/** The alerts of `detection`'s type that `events` raise, in order. */
export function replay<K extends EventKind>(detection: Detection<K>, events: readonly VigilEvent[], settings?: DetectionSettings): Alert[] {
  return replayCounting(detection, events, settings).alerts;
}

/** The same, with the number of findings the detection returned (repeats aggregate into one alert). */
export function replayCounting<K extends EventKind>(detection: Detection<K>, events: readonly VigilEvent[], settings?: DetectionSettings): { alerts: Alert[]; findings: number } {
  const alerts: Alert[] = [];
  const engine = new Engine({
    detections: [detection as unknown as AnyDetection],
    catalog: loadCatalog(),
    state: new MemoryState(),
    indicators: new Indicators(),
    settings: settings ? { [detection.type]: settings } : undefined,
    aggregation: { onClose: (alert) => alerts.push(alert) },
  });
  for (const event of events) engine.process(event);
  engine.flush();
  assertNoErrors(engine);
  return { alerts: alerts.filter((a) => a.type === detection.type), findings: engine.stats.findings };
}

function assertNoErrors(engine: Engine): void {
  if (engine.stats.detectionErrors) throw new Error(`detection threw: ${engine.stats.firstDetectionErrors.join('; ')}`);
}

/** A snapshot (or watch) event for an object, as a k8s-objects source would produce it. */
export function objectEvent(object: K8sObject, change: K8sObjectEvent['change'] = 'snapshot', time = Date.parse('2026-03-14T09:00:00Z')): K8sObjectEvent {
  return { kind: 'k8s.object', id: randomUUID(), time, source: 'k8s-objects', change, object };
}

/** A completed audit event as the k8s-audit source normalises it; `fields` override the defaults. */
export function auditEvent(fields: Partial<K8sAuditEvent> & Pick<K8sAuditEvent, 'verb' | 'objectRef'>): K8sAuditEvent {
  const auditID = fields.auditID ?? randomUUID();
  return {
    kind: 'k8s.audit',
    id: auditID,
    auditID,
    time: Date.parse('2026-03-14T09:00:00Z'),
    source: 'k8s-audit',
    stage: 'ResponseComplete',
    level: 'RequestResponse',
    requestURI: '',
    user: { username: 'dev-jlee@example.com', groups: ['developers', 'system:authenticated'] },
    sourceIPs: ['198.51.100.23'],
    userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/39683505',
    responseCode: fields.verb === 'create' ? 201 : 200,
    annotations: {},
    ...fields,
  };
}
