/**
 * @module bench/rules
 * What user rules cost: events/s of a node exec stream through the engine (all built-in
 * detections) with no user rule, with 100 rules on other kinds (audit, file access — indexing
 * means they must cost nothing here), and with 100 rules on process.exec itself (each condition a
 * typical one: a prefix test, a list lookup and a has()).
 * `npm run bench:rules`.
 */
import { loadCatalog, withUserEntries } from '../src/catalog/catalog.js';
import { loadDetections } from '../src/detections/registry.js';
import { Engine } from '../src/engine/engine.js';
import { MemoryState } from '../src/engine/state/store.js';
import type { VigilEvent } from '../src/events/model.js';
import { Indicators } from '../src/indicators/indicators.js';
import { compileRules } from '../src/rules/compile.js';
import { readRuleFile } from '../src/rules/read.js';

const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 100_000);

function execStream(n: number): VigilEvent[] {
  const programs = ['/usr/bin/curl', '/bin/sh', '/usr/local/bin/node', '/usr/bin/python3', '/usr/sbin/nginx'];
  return Array.from({ length: n }, (_, i) => {
    const executable = programs[i % programs.length]!;
    return {
      kind: 'process.exec',
      id: `e${i}`,
      time: 1_773_480_000_000 + i,
      source: 'bench',
      node: `node-${i % 8}`,
      process: { pid: 1000 + i, executable, args: [executable, '-c', `job ${i}`], commandLine: `${executable} -c job ${i}` },
      ancestors: [{ pid: 1, executable: '/usr/bin/containerd-shim', args: [], commandLine: '' }],
      container: { id: `c${i % 50}`, name: 'app', image: `registry.example.com/app:${i % 7}`, pod: `app-${i % 50}`, namespace: 'shop' },
    } satisfies VigilEvent;
  });
}

function ruleText(count: number, kind: 'process.exec' | 'k8s.audit' | 'file.access'): string {
  const condition = {
    'process.exec': (i: number) => `process.executable.startsWith("/opt/tool${i}/") && has(container.id) && !(container.image in lists.trusted)`,
    'k8s.audit': (i: number) => `verb == "create" && objectRef.resource == "res${i}" && !(user.username in lists.trusted)`,
    'file.access': (i: number) => `path.startsWith("/etc/tool${i}/") && !(container.image in lists.trusted)`,
  }[kind];
  const rules = Array.from(
    { length: count },
    (_, i) =>
      `  - id: USER_Bench${kind.replace('.', '')}${i}\n    title: bench ${i}\n    severity: low\n    tactics: [Execution]\n    description: d\n    remediation: r\n    kinds: [${kind}]\n    condition: '${condition(i)}'\n`,
  );
  return `rules:\n${rules.join('')}`;
}

const LISTS = 'lists:\n  trusted: [registry.example.com/trusted:1, system:admin]\n';

async function rate(events: VigilEvent[], ruleFiles: string[]): Promise<number> {
  const builtins = loadCatalog();
  const compiled = compileRules(ruleFiles.map((text, i) => readRuleFile(`bench${i}.yaml`, text).parsed!), builtins);
  if (compiled.errors.length) throw new Error(compiled.errors.map((e) => e.message).join('\n'));
  const engine = new Engine({
    detections: [...(await loadDetections()), ...compiled.rules.map((r) => r.detection)],
    catalog: withUserEntries(builtins, compiled.rules.map((r) => r.entry)),
    state: new MemoryState(),
    indicators: new Indicators(),
  });
  for (const e of events.slice(0, 2000)) engine.process(e); // warm up
  const started = performance.now();
  for (const e of events) engine.process(e);
  return Math.round(events.length / ((performance.now() - started) / 1000));
}

export async function benchRules(): Promise<{ none: number; otherKinds: number; sameKind: number }> {
  const events = execStream(EVENTS);
  const best = async (files: string[]) => Math.max(await rate(events, files), await rate(events, files), await rate(events, files));
  return {
    none: await best([]),
    otherKinds: await best([LISTS, ruleText(50, 'k8s.audit'), ruleText(50, 'file.access')]),
    sameKind: await best([LISTS, ruleText(100, 'process.exec')]),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const r = await benchRules();
  console.log(`node exec stream, ${EVENTS} events, all built-in detections (best of 3)`);
  console.log(`  no user rule                         ${String(r.none).padStart(9)} events/s`);
  console.log(`  100 user rules on other kinds        ${String(r.otherKinds).padStart(9)} events/s  (${((r.otherKinds / r.none) * 100).toFixed(0)}%)`);
  console.log(`  100 user rules on process.exec       ${String(r.sameKind).padStart(9)} events/s  (${((r.sameKind / r.none) * 100).toFixed(0)}%)`);
}
