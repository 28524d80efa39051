/**
 * @module test/support/attack-stream
 * A recorded attack stream for the scale tests and benchmark: the control-plane detections'
 * context and positive audit fixtures (real API-server shapes), replayed for many clusters, each
 * cluster's events in time order. And the oracle: what one engine per partition raises over the
 * same stream in the same order — the alerts the analysers must have stored, exactly once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/alert.js';
import { partitionOf } from '../../src/bus/bus.js';
import { MemoryState } from '../../src/engine/state/store.js';
import type { VigilEvent } from '../../src/events/model.js';
import type { EngineFactory } from '../../src/scale/engine-factory.js';
import { originText } from '../../src/sources/format.js';
import { FORMATS } from '../../src/sources/registry.js';
import { packageRoot } from '../../src/util/paths.js';

/** One recorded line: its format, its text, and the event it decodes to for its cluster. */
export interface AttackRecord {
  cluster: string;
  format: string;
  line: string;
  event: VigilEvent;
}

/** Decodes a fixture with the format that recognises it best (audit events or Vigil's own lines). */
function decode(file: string, cluster: string): AttackRecord[] {
  const text = readFileSync(file, 'utf8');
  const format = [...FORMATS].sort((a, b) => b.sniff(text.slice(0, 65536)) - a.sniff(text.slice(0, 65536)))[0]!;
  const events: AttackRecord[] = [];
  let current = '';
  const decoder = format.open(
    {
      event: (e) => events.push({ cluster, format: format.name, line: current, event: e }),
      issue: (i) => {
        throw new Error(`${originText(i.origin)}: ${i.reason}`);
      },
    },
    { cluster },
  );
  text
    .split('\n')
    .forEach((line, i) => {
      current = line;
      if (line.trim()) decoder.line(line, { file, line: i + 1 });
    });
  decoder.end();
  return events;
}

/** `clusters` clusters' records, each cluster's in time order (one list per cluster). */
export function attackRecords(clusters: number): AttackRecord[][] {
  const dir = join(packageRoot(), 'src', 'detections', 'control-plane');
  const files = readdirSync(dir)
    .filter((f) => /\.(context|positive)\.jsonl$/.test(f))
    // Context before positives at equal times: the stable sort keeps this order.
    .sort((a, b) => Number(a.includes('.positive.')) - Number(b.includes('.positive.')) || a.localeCompare(b));
  const perCluster = Array.from({ length: clusters }, (_, c) => {
    const name = `cluster-${String(c).padStart(3, '0')}`;
    // The API server's audit events only: cloud activity fixtures (K8S_AbnormalMiActivity) are
    // another delivery path, not what a webhook receiver is sent.
    return files
      .flatMap((f) => decode(join(dir, f), name))
      .filter((r) => r.format === 'k8s-audit')
      .sort((a, b) => a.event.time - b.event.time);
  });
  return perCluster;
}

/** `clusters` clusters, interleaved round-robin, each cluster's events in time order. */
export function attackStream(clusters: number): VigilEvent[] {
  const perCluster = attackRecords(clusters);
  const out: VigilEvent[] = [];
  for (let i = 0; perCluster.some((records) => i < records.length); i++) for (const records of perCluster) if (i < records.length) out.push(records[i]!.event);
  return out;
}

/**
 * Request bodies as receivers get them: runs of up to `size` lines of one cluster and format,
 * clusters taking turns. Their events in this order are what the bus holds.
 */
export function attackBatches(clusters: number, size: number): AttackRecord[][] {
  const perCluster = attackRecords(clusters);
  const next = perCluster.map(() => 0);
  const out: AttackRecord[][] = [];
  while (perCluster.some((records, c) => next[c]! < records.length)) {
    perCluster.forEach((records, c) => {
      const batch: AttackRecord[] = [];
      while (batch.length < size && next[c]! < records.length && (!batch.length || records[next[c]!]!.format === batch[0]!.format)) batch.push(records[next[c]!++]!);
      if (batch.length) out.push(batch);
    });
  }
  return out;
}

/** The alerts (final counts) one engine per partition raises over `events` in this order. */
export function oracle(events: readonly VigilEvent[], partitions: number, makeEngine: EngineFactory): Map<string, Alert> {
  const alerts = new Map<string, Alert>();
  const engines = new Map<number, ReturnType<EngineFactory>>();
  for (const event of events) {
    const p = partitionOf(event.cluster, partitions);
    let engine = engines.get(p);
    if (!engine) {
      engine = makeEngine(new MemoryState(), (a) => alerts.set(a.id, a));
      engines.set(p, engine);
    }
    engine.process(JSON.parse(JSON.stringify(event)) as VigilEvent);
  }
  for (const engine of engines.values()) for (const a of engine.aggregator.openAlerts()) alerts.set(a.id, a);
  return new Map([...alerts].map(([id, a]) => [id, JSON.parse(JSON.stringify(a)) as Alert]));
}
