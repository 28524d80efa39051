/**
 * @module rules/harness
 * Every detection carries its own evidence, built-in or user-written, and one harness runs both:
 * positive examples must each end up in the evidence of an alert of the detection's type, negative
 * ones must raise none; an optional context is replayed first. Built-in detections take theirs from
 * `<slug>.positive.*` / `.negative.*` / `.context.*` beside the module; user rules from inline
 * `examples:` and from `<file>.positive.*` / `.negative.*` / `.context.*` beside the rule file.
 * Failures are sentences that say what was expected, what happened, and what the condition read.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { discoverDetections } from '../detections/registry.js';
import type { AnyDetection } from '../engine/detection.js';
import type { VigilEvent } from '../events/model.js';
import { scan } from '../scan/scan.js';
import { originText, type DecodeIssue } from '../sources/format.js';
import { FORMATS } from '../sources/registry.js';
import { packageRoot } from '../util/paths.js';
import type { CompiledRule } from './compile.js';
import { locText } from './errors.js';
import type { RawExample } from './read.js';
import type { LoadedRules } from './ruleset.js';

export interface CaseResult {
  /** What was tested: 'K8S_PrivilegedContainer positive', 'USER_ExecFromDevShm (rules/shm.yaml:3)'. */
  name: string;
  failures: string[];
}

/** Examples written inline, or a file in any input format (auto-detected). */
export type ExampleInput = { file: string } | { inline: readonly RawExample[] };

interface Replayed {
  events: VigilEvent[];
  types: Map<string, Set<string>>;
  alerts: { type: string; description: string; evidence: string[] }[];
  problems: string[];
}

/** Decodes inline examples with whichever format recognises them (Vigil's model, audit events…). */
function decodeInline(examples: readonly RawExample[]): { events: VigilEvent[]; problems: string[] } {
  const events: VigilEvent[] = [];
  const problems: string[] = [];
  const sink = { event: (e: VigilEvent) => events.push(e), issue: (i: DecodeIssue) => problems.push(`${originText(i.origin)}: ${i.reason}`) };
  for (const example of examples) {
    const text = JSON.stringify(example.event);
    const format = [...FORMATS].sort((a, b) => b.sniff(text) - a.sniff(text))[0]!;
    if (format.sniff(text) === 0) {
      problems.push(`${locText(example.loc)}: not an event Vigil reads`);
      continue;
    }
    const decoder = format.open(sink, {});
    decoder.line(text, { file: example.loc.file, line: example.loc.line });
    decoder.end();
  }
  return { events, problems };
}

async function replay(detections: readonly AnyDetection[], catalog: Catalog, inputs: readonly ExampleInput[]): Promise<Replayed> {
  const inline = decodeInline(inputs.flatMap((i) => ('inline' in i ? i.inline : [])));
  const events: VigilEvent[] = [];
  const result = await scan({
    paths: inputs.flatMap((i) => ('file' in i ? [i.file] : [])),
    events: inline.events,
    detections,
    catalog,
    onEvent: (e) => events.push(e),
  });
  const types = new Map<string, Set<string>>();
  for (const alert of result.alerts) for (const e of alert.evidence) types.set(e.id, (types.get(e.id) ?? new Set()).add(alert.type));
  return {
    events,
    types,
    alerts: result.alerts.map((a) => ({ type: a.type, description: a.description, evidence: a.evidence.map((e) => e.origin ?? e.id) })),
    problems: [
      ...inline.problems,
      ...result.fileErrors.map((f) => `${f.path}: ${f.reason}`),
      ...result.stats.firstRejections.map((r) => `rejected ${r}`),
      ...result.stats.firstDetectionErrors.map((r) => `error ${r}`),
    ],
  };
}

export interface ExampleSpec {
  detections: readonly AnyDetection[];
  catalog: Catalog;
  /** Alert types that count as firing. */
  types: ReadonlySet<string>;
  context?: ExampleInput;
  /** What the condition read from an event, for failure messages. */
  explain?: (event: VigilEvent) => string;
}

const where = (e: VigilEvent) => `${e.origin ?? '(inline)'} (${e.id})`;

/** Each positive event must be in the evidence of an alert of one of `types`. Returns failures and the types that fired. */
export async function expectFires(spec: ExampleSpec, positives: readonly ExampleInput[]): Promise<{ failures: string[]; fired: Set<string> }> {
  const failures: string[] = [];
  const contextIds = new Set<string>();
  if (spec.context) {
    const c = await replay(spec.detections, spec.catalog, [spec.context]);
    c.events.forEach((e) => contextIds.add(e.id));
    failures.push(...c.problems.map((p) => `context: ${p}`));
  }
  const r = await replay(spec.detections, spec.catalog, spec.context ? [spec.context, ...positives] : positives);
  failures.push(...r.problems);
  const fired = new Set<string>();
  const events = r.events.filter((e) => !contextIds.has(e.id));
  if (events.length === 0) failures.push('no positive examples');
  for (const event of events) {
    const hit = [...(r.types.get(event.id) ?? [])].filter((t) => spec.types.has(t));
    hit.forEach((t) => fired.add(t));
    if (hit.length) continue;
    const other = [...(r.types.get(event.id) ?? [])];
    failures.push(
      `positive example ${where(event)}\n      expected: raises ${[...spec.types].join(' or ')}\n      got:      ${other.length ? `only ${other.join(', ')}` : 'no alert'}` +
        (spec.explain ? `\n      read:     ${spec.explain(event)}` : ''),
    );
  }
  return { failures, fired };
}

/** No alert of `types` at all, context and negatives replayed together. */
export async function expectSilent(spec: ExampleSpec, negatives: readonly ExampleInput[]): Promise<string[]> {
  const r = await replay(spec.detections, spec.catalog, spec.context ? [spec.context, ...negatives] : negatives);
  const failures = [...r.problems];
  if (r.events.length === 0) failures.push('no negative examples');
  const byOrigin = new Map(r.events.map((e) => [e.origin ?? e.id, e]));
  for (const alert of r.alerts.filter((a) => spec.types.has(a.type))) {
    const reads = spec.explain ? alert.evidence.map((o) => byOrigin.get(o)).filter((e) => e !== undefined).map((e) => `\n      read:     ${spec.explain!(e)}`).join('') : '';
    failures.push(`negative example(s) ${alert.evidence.join(', ')}\n      expected: no ${alert.type}\n      got:      ${alert.description}${reads}`);
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------
// Built-in detections

function fixture(module: string, role: 'positive' | 'negative' | 'context'): string | undefined {
  const dir = join(packageRoot(), 'src', 'detections', module.split('/').slice(0, -1).join('/'));
  const slug = module.split('/').pop()!;
  const name = readdirSync(dir).find((f) => f.startsWith(`${slug}.${role}.`));
  return name ? join(dir, name) : undefined;
}

export interface BuiltinCase {
  detection: AnyDetection;
  module: string;
  positive(): Promise<CaseResult>;
  negative(): Promise<CaseResult>;
}

/** The built-in detections' fixture checks, one positive and one negative per detection. */
export async function builtinCases(catalog: Catalog): Promise<BuiltinCase[]> {
  return (await discoverDetections()).map(({ detection, module }) => {
    const context = fixture(module, 'context');
    const spec: ExampleSpec = { detections: [detection], catalog, types: new Set([detection.type]), context: context ? { file: context } : undefined };
    const name = `${detection.type} (src/detections/${module}.ts)`;
    return {
      detection,
      module,
      async positive() {
        const file = fixture(module, 'positive');
        if (!file) return { name, failures: [`missing src/detections/${module}.positive.* fixture`] };
        return { name, failures: (await expectFires(spec, [{ file }])).failures };
      },
      async negative() {
        const file = fixture(module, 'negative');
        if (!file) return { name, failures: [`missing src/detections/${module}.negative.* fixture`] };
        return { name, failures: await expectSilent(spec, [{ file }]) };
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// User rules

/** Every user rule's examples: inline ones per rule, sidecar files per rule file (any rule of the file may fire). */
export async function userRuleCases(loaded: LoadedRules): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const byFile = new Map<string, CompiledRule[]>();
  for (const rule of loaded.rules) byFile.set(rule.file, [...(byFile.get(rule.file) ?? []), rule]);
  const explainer = (rules: readonly CompiledRule[]) => (event: VigilEvent) =>
    rules
      .filter((r) => r.detection.kinds.includes(event.kind))
      .map((r) => (rules.length > 1 ? `[${r.id}] ` : '') + r.explain(event))
      .join('; ');
  for (const [file, rules] of byFile) {
    const sidecar = loaded.sidecars.get(file) ?? {};
    const context = sidecar.context ? { file: sidecar.context } : undefined;
    const firedBySidecar = new Set<string>();
    if (sidecar.positive || sidecar.negative) {
      const spec: ExampleSpec = { detections: rules.map((r) => r.detection), catalog: loaded.catalog, types: new Set(rules.map((r) => r.id)), context, explain: explainer(rules) };
      const failures: string[] = [];
      if (sidecar.positive) {
        const r = await expectFires(spec, [{ file: sidecar.positive }]);
        failures.push(...r.failures);
        r.fired.forEach((t) => firedBySidecar.add(t));
      }
      if (sidecar.negative) failures.push(...(await expectSilent(spec, [{ file: sidecar.negative }])));
      results.push({ name: `${file} (examples beside it)`, failures });
    }
    for (const rule of rules) {
      const spec: ExampleSpec = { detections: [rule.detection], catalog: loaded.catalog, types: new Set([rule.id]), context, explain: explainer([rule]) };
      const failures: string[] = [];
      const { positive, negative } = rule.examples;
      if (positive.length) failures.push(...(await expectFires(spec, [{ inline: positive }])).failures);
      else if (!firedBySidecar.has(rule.id)) failures.push(sidecar.positive ? `no positive example beside ${file} raises ${rule.id}` : 'no positive examples (inline `examples.positive` or a .positive.jsonl file beside the rule file)');
      if (negative.length) failures.push(...(await expectSilent(spec, [{ inline: negative }])));
      else if (!sidecar.negative) failures.push('no negative examples (inline `examples.negative` or a .negative.jsonl file beside the rule file)');
      results.push({ name: `${rule.id} (${locText(rule.loc)})`, failures });
    }
  }
  return results;
}
