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

/** Decodes a fixture with the format that recognises it best (audit events or Vigil's own lines). */
function decode(file: string, cluster: string): VigilEvent[] {
  const text = readFileSync(file, 'utf8');
  const format = [...FORMATS].sort((a, b) => b.sniff(text.slice(0, 65536)) - a.sniff(text.slice(0, 65536)))[0]!;
  const events: VigilEvent[] = [];
  const decoder = format.open(
    {
      event: (e) => events.push(e),
      issue: (i) => {
        throw new Error(`${originText(i.origin)}: ${i.reason}`);
      },
    },
    { cluster },
  );
  text
    .split('\n')
    .forEach((line, i) => line.trim() && decoder.line(line, { file, line: i + 1 }));
  decoder.end();
  return events;
}

/** `clusters` clusters, interleaved round-robin, each cluster's events in time order. */
export function attackStream(clusters: number): VigilEvent[] {
  const dir = join(packageRoot(), 'src', 'detections', 'control-plane');
  const files = readdirSync(dir)
    .filter((f) => /\.(context|positive)\.jsonl$/.test(f))
    // Context before positives at equal times: the stable sort keeps this order.
    .sort((a, b) => Number(a.includes('.positive.')) - Number(b.includes('.positive.')) || a.localeCompare(b));
  const perCluster = Array.from({ length: clusters }, (_, c) => {
    const name = `cluster-${String(c).padStart(3, '0')}`;
    return files.flatMap((f) => decode(join(dir, f), name)).sort((a, b) => a.time - b.time);
  });
  const out: VigilEvent[] = [];
  for (let i = 0; perCluster.some((events) => i < events.length); i++) for (const events of perCluster) if (i < events.length) out.push(events[i]!);
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
