/**
 * Exec screens (engine/screen) may only save work, never change an outcome: every stream below is
 * replayed through an engine with screens and one without, and the alerts must be the same. The
 * streams are each node detection's fixtures, the benign corpus, the benchmark's day, and the
 * attacks of every positive fixture rewritten the ways an attacker hides words from a text match
 * (case, quotes, backslashes, path detours, Unicode look-alikes, ANSI-C quoting, variables).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Alert } from '../../alerts/alert.js';
import { loadCatalog } from '../../catalog/catalog.js';
import { Engine } from '../../engine/engine.js';
import { MemoryState } from '../../engine/state/store.js';
import type { ProcessExecEvent, VigilEvent } from '../../events/model.js';
import { Indicators } from '../../indicators/indicators.js';
import { scan } from '../../scan/scan.js';
import { packageRoot } from '../../util/paths.js';
import { discoverDetections } from '../registry.js';
import { benchEvents } from '../../../bench/node-detections.js';

const detections = (await discoverDetections()).filter((d) => d.module.startsWith('node/')).map((d) => d.detection);
const catalog = loadCatalog();
const indicators = new Indicators();
const dir = join(packageRoot(), 'src', 'detections', 'node');

async function decode(paths: readonly string[]): Promise<VigilEvent[]> {
  const events: VigilEvent[] = [];
  const result = await scan({ paths, detections: [], catalog, onEvent: (e) => events.push(e) });
  assert.deepEqual(result.fileErrors, []);
  return events;
}

/** What an engine raised on a stream, comparable across engines. */
function alertsOf(events: readonly VigilEvent[], screens: boolean): { alerts: string[]; calls: number } {
  const alerts: Alert[] = [];
  let calls = 0;
  // Count detection calls to show the screens did skip work (a vacuous screen would pass too).
  const counted = detections.map((d) => ({
    ...d,
    detect: (event: never, ctx: never) => {
      calls++;
      return d.detect(event, ctx);
    },
  }));
  const engine = new Engine({ detections: counted, catalog, state: new MemoryState(), indicators, screens, aggregation: { onClose: (a) => alerts.push(a) } });
  for (const event of events) engine.process(event);
  engine.flush();
  assert.equal(engine.stats.detectionErrors, 0, engine.stats.firstDetectionErrors.join('\n'));
  const rendered = alerts.map((a) => JSON.stringify([a.type, a.id, a.count, a.description, a.evidence.map((e) => e.id)])).sort();
  return { alerts: rendered, calls };
}

function assertSame(name: string, events: readonly VigilEvent[]): { alerts: number; skipped: number } {
  const reference = alertsOf(events, false);
  const screened = alertsOf(events, true);
  assert.deepEqual(screened.alerts, reference.alerts, `${name}: screens changed the alerts`);
  return { alerts: reference.alerts.length, skipped: reference.calls - screened.calls };
}

function fixtures(role: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir)) {
    const m = /^(.*)\.(positive|negative|context)\.[a-z.]+$/.exec(f);
    if (m && m[2] === role) out.set(m[1]!, join(dir, f));
  }
  return out;
}

const positives = fixtures('positive');
const negatives = fixtures('negative');
const contexts = fixtures('context');

test('screens skip work and change no alert on any node fixture', async () => {
  let skipped = 0;
  let alerts = 0;
  for (const [slug, positive] of positives) {
    const context = contexts.get(slug);
    const stream = await decode([...(context ? [context] : []), positive, ...(negatives.has(slug) ? [negatives.get(slug)!] : [])]);
    const r = assertSame(slug, stream);
    skipped += r.skipped;
    alerts += r.alerts;
  }
  assert.ok(alerts >= positives.size, `fixtures raised ${alerts} alerts`);
  assert.ok(skipped > 0, 'the screens skipped no detection call');
});

test('screens change no alert on the benign corpus and the benchmark day', async () => {
  const corpus = await decode([join(packageRoot(), 'test', 'corpus', 'benign-node-day.jsonl.gz')]);
  assertSame('benign corpus', corpus);
  const bench = assertSame('benchmark day', benchEvents(20_000));
  assert.ok(bench.alerts > 0 && bench.skipped > 0);
});

// --- Attacks rewritten to dodge a naive text match ------------------------------------------------

/** A small deterministic generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Rewrite = (word: string, next: () => number) => string;

const at = (word: string, next: () => number) => 1 + Math.floor(next() * Math.max(1, word.length - 1));

const REWRITES: Record<string, Rewrite> = {
  'upper case': (w, next) => [...w].map((c) => (next() < 0.5 ? c.toUpperCase() : c)).join(''),
  'empty quotes': (w, next) => {
    const i = at(w, next);
    return `${w.slice(0, i)}${next() < 0.5 ? "''" : '""'}${w.slice(i)}`;
  },
  'quoted piece': (w, next) => {
    const i = at(w, next);
    return `'${w.slice(0, i)}'${w.slice(i)}`;
  },
  backslash: (w, next) => {
    const i = at(w, next);
    return `${w.slice(0, i)}\\${w.slice(i)}`;
  },
  'line continuation': (w, next) => {
    const i = at(w, next);
    return `${w.slice(0, i)}\\\n${w.slice(i)}`;
  },
  'path detour': (w) => w.replace(/\//g, (s, i: number) => (i % 2 ? '//' : '/./')),
  'parent detour': (w) => w.replace(/^\/([a-z]+)\//, '/$1/../$1/'),
  'kelvin sign': (w) => w.replace(/k/g, '\u212a'),
  'ansi-c quoting': (w) => `$'${[...w].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}'`,
  'variable pieces': (w, next) => {
    const i = at(w, next);
    return `$v${w.slice(i)}`;
  },
};

function rewrite(event: ProcessExecEvent, name: string, seed: number): ProcessExecEvent {
  const next = random(seed);
  const change = REWRITES[name]!;
  const args = event.process.args.map((a, i) => (i === 0 || next() < 0.5 ? change(a, next) : a));
  // A shell script gets the variable's assignment in front, as an attacker would write it.
  const script = name === 'variable pieces' ? args.map((a) => (a.startsWith('$v') ? `v=x; ${a}` : a)) : args;
  return {
    ...event,
    id: `${event.id}~${name}~${seed}`,
    process: { ...event.process, args: script, commandLine: script.join(' '), executable: next() < 0.5 ? change(event.process.executable, next) : event.process.executable },
  };
}

test('screens change no alert on attacks rewritten to hide their words', async () => {
  let streams = 0;
  for (const [slug, positive] of positives) {
    const context = contexts.get(slug);
    const before = context ? await decode([context]) : [];
    const attacks = (await decode([positive])).filter((e): e is ProcessExecEvent => e.kind === 'process.exec');
    if (!attacks.length) continue;
    for (const name of Object.keys(REWRITES)) {
      for (const seed of [1, 2, 3]) {
        assertSame(`${slug} (${name}, seed ${seed})`, [...before, ...attacks.map((e) => rewrite(e, name, seed))]);
        streams++;
      }
    }
  }
  assert.ok(streams > 100, `${streams} rewritten streams`);
});
