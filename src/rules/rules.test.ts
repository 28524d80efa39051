/**
 * User rules: loading rejects what would misbehave, with file, line and column; conditions evaluate
 * with CEL semantics over the event model (absent fields read as zero values, has() asks the
 * event); the harness explains failures; a watched folder reloads and keeps its last good set.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalog } from '../catalog/catalog.js';
import { Engine } from '../engine/engine.js';
import { MemoryState } from '../engine/state/store.js';
import type { ProcessExecEvent, VigilEvent } from '../events/model.js';
import { Indicators } from '../indicators/indicators.js';
import { compileRules } from './compile.js';
import { dryRun } from './dry-run.js';
import { userRuleCases } from './harness.js';
import { readRuleFile } from './read.js';
import { loadRules, RuleSet } from './ruleset.js';

const META = 'title: t\n    severity: high\n    tactics: [Execution]\n    description: d\n    remediation: r';

function ruleFile(id: string, kinds: string, condition: string, extra = ''): string {
  return `rules:\n  - id: ${id}\n    ${META}\n    kinds: [${kinds}]\n    condition: ${condition}\n${extra}`;
}

function compile(text: string) {
  const read = readRuleFile('r.yaml', text);
  const compiled = compileRules(read.parsed ? [read.parsed] : [], loadCatalog());
  return { rules: compiled.rules, errors: [...read.errors, ...compiled.errors].map((e) => e.message) };
}

function exec(fields: Partial<ProcessExecEvent> & { executable?: string; args?: string[] } = {}): VigilEvent {
  const { executable = '/bin/sh', args = ['sh'], ...rest } = fields;
  return { kind: 'process.exec', id: 'e1', time: 0, source: 'test', node: 'n1', process: { pid: 7, executable, args, commandLine: args.join(' ') }, ancestors: [], ...rest };
}

function fires(text: string, event: VigilEvent): boolean {
  const { rules, errors } = compile(text);
  assert.deepEqual(errors, []);
  return rules[0]!.detection.detect(event as never, undefined as never) !== undefined;
}

test('load errors name the file, line and column, with a stable code', () => {
  const cases: [string, RegExp][] = [
    [ruleFile('USER_A', 'process.exec', 'process.executabl == "x"'), /^r\.yaml:9:16: USER_A: unknown field 'process\.executabl' in process\.exec events.*\[VIGIL_RULE_UNKNOWN_FIELD\]$/],
    [ruleFile('USER_A', 'process.exec', 'process.pid == "5"'), /^r\.yaml:9:28: .*cannot compare an int with a string \[VIGIL_RULE_TYPE\]$/],
    [ruleFile('USER_A', 'process.exec', 'process.executable.matches("(")'), /r\.yaml:9:\d+: .*invalid RE2 pattern.*\[VIGIL_RULE_REGEX\]/],
    [ruleFile('USER_A', 'process.exec', 'process.executable.matches(process.comm)'), /literal pattern.*\[VIGIL_RULE_REGEX\]/],
    [ruleFile('USER_A', 'process.exec', 'process.executable.frobnicate()'), /no method frobnicate\(\) on a string \[VIGIL_RULE_UNKNOWN_FUNCTION\]/],
    [ruleFile('USER_A', 'process.exec, k8s.audit', 'verb == "get"'), /unknown field 'verb' in process\.exec, k8s\.audit events \(a rule over several kinds/],
    [ruleFile('USER_A', 'process.exec', 'process.executable ='), /^r\.yaml:9:\d+: syntax error/],
    [ruleFile('USER_A', 'process.exec', 'process.executable'), /the condition must be a bool, not a string/],
    [ruleFile('USER_A', 'process.exec', 'container.image in lists.nope'), /no list named 'nope' \(lists: none\) \[VIGIL_RULE_LIST\]/],
    [ruleFile('K8S_PrivilegedContainer', 'process.exec', "'true'"), /^r\.yaml:2:5: 'K8S_PrivilegedContainer' is not an id PREFIX_Name/],
    [ruleFile('Bad', 'process.exec', "'true'"), /\[VIGIL_RULE_ID\]$/],
    [ruleFile('USER_A', 'process.exec', 'again', "macros:\n  again: again\n"), /macro 'again' refers to itself/],
    [ruleFile('USER_A', 'file.access', 'm', "macros:\n  m: process.executable == 1\n"), /^r\.yaml:11:25: macro 'm' \(used by USER_A over file\.access\): cannot compare a string with an int/],
    ['rules:\n  - id: USER_A\n    title: [\n', /^r\.yaml:\d+:\d+: .*\[VIGIL_RULE_YAML\]$/],
    ['rules:\n  - id: USER_A\n    kinds: [process.exec]\n', /^r\.yaml:2:5: USER_A: .*severity.*\[VIGIL_RULE_SCHEMA\]$/],
  ];
  for (const [text, expected] of cases) {
    const { errors } = compile(text);
    assert.equal(errors.length, 1, `${text}\n${errors.join('\n')}`);
    assert.match(errors[0]!, expected);
  }
});

test('a block condition reports the line inside the block', () => {
  const { errors } = compile(ruleFile('USER_A', 'process.exec', '|\n      process.executable == "/x"\n        && process.uid == "0"'));
  assert.match(errors[0]!, /^r\.yaml:11:24: /);
});

test('two rules with one id, and a rule named like a built-in type, are refused', () => {
  const text = `rules:\n  - id: USER_A\n    ${META}\n    kinds: [process.exec]\n    condition: 'true'\n  - id: USER_A\n    ${META}\n    kinds: [process.exec]\n    condition: 'true'\n`;
  assert.match(compile(text).errors[0]!, /^r\.yaml:10:5: rule 'USER_A' is already defined at r\.yaml:2/);
});

test('absent fields read as zero values and has() tells presence', () => {
  const onHost = exec({ executable: '/dev/shm/x' });
  const inPod = exec({ executable: '/dev/shm/x', container: { id: 'c1', image: 'nginx' } });
  const rule = (c: string) => ruleFile('USER_A', 'process.exec', `'${c}'`);
  assert.equal(fires(rule('!has(container.id)'), onHost), true);
  assert.equal(fires(rule('!has(container.id)'), inPod), false);
  assert.equal(fires(rule('container.image == ""'), onHost), true);
  assert.equal(fires(rule('!(container.image in ["nginx"])'), onHost), true);
  assert.equal(fires(rule('!(container.image in ["nginx"])'), inPod), false);
  assert.equal(fires(rule('process.uid == 0 && !has(process.uid)'), onHost), true);
  assert.equal(fires(rule('process.pid == 7 && process.pid > 6 && process.args.size() == 1'), onHost), true);
});

test('conditions use lists, macros, comprehensions, string functions and RE2', () => {
  const text = ruleFile(
    'USER_A',
    'process.exec',
    "'shm && process.args.exists(a, a.lowerAscii().matches(\"^-{1,2}(e|exec)$\")) && ancestors.exists(p, p.executable in lists.shells)'",
    'macros:\n  shm: process.executable.startsWith("/dev/shm/")\nlists:\n  shells: [/bin/sh, /bin/bash]\n',
  );
  const parent = { pid: 1, executable: '/bin/bash', args: ['bash'], commandLine: 'bash' };
  assert.equal(fires(text, exec({ executable: '/dev/shm/x', args: ['x', '--EXEC'], ancestors: [parent] })), true);
  assert.equal(fires(text, exec({ executable: '/dev/shm/x', args: ['x', '--execute'], ancestors: [parent] })), false);
  assert.equal(fires(text, exec({ executable: '/dev/shm/x', args: ['x', '-e'], ancestors: [] })), false);
});

test('a catastrophic pattern on a long attacker string still answers at once (RE2, capped input)', () => {
  const text = ruleFile('USER_A', 'process.exec', `'process.commandLine.matches("(a+)+$")'`);
  const event = exec({ args: ['a'.repeat(200_000) + '!'] });
  const started = performance.now();
  fires(text, event);
  assert.ok(performance.now() - started < 2000);
});

test('an audit rule is indexed by the verbs its condition pins', () => {
  const { rules } = compile(ruleFile('USER_A', 'k8s.audit', `'verb in ["list", "watch"] && objectRef.resource == "secrets"'`));
  assert.deepEqual(rules[0]!.detection.audit, { verbs: ['list', 'watch'] });
  const loose = compile(ruleFile('USER_A', 'k8s.audit', `'verb == "list" || objectRef.resource == "secrets"'`));
  assert.equal(loose.rules[0]!.detection.audit, undefined);
});

test('user rules raise alerts with their own metadata through the engine', () => {
  const { rules } = compile(ruleFile('USER_A', 'process.exec', `'process.executable.startsWith("/dev/shm/")'`).replace('title: t', 'title: From shm'));
  const loaded = loadCatalog();
  const catalog = new Map([...loaded, ['USER_A', rules[0]!.entry]]);
  const alerts: string[] = [];
  const engine = new Engine({ detections: rules.map((r) => r.detection), catalog, state: new MemoryState(), indicators: new Indicators(), aggregation: { onRaise: (a) => alerts.push(`${a.type} ${a.title} ${a.severity}`) } });
  engine.process(exec({ executable: '/dev/shm/x' }));
  engine.process(exec({ executable: '/bin/ls' }));
  assert.deepEqual(alerts, ['USER_A From shm high']);
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'vigil-rules-'));
}

test('rules test explains a failing example: expected, got, and what the condition read', async () => {
  const dir = tempDir();
  try {
    const positive = '{"kind":"process.exec","id":"p1","time":0,"source":"t","node":"n","process":{"pid":1,"executable":"/tmp/x","args":["x"]}}';
    writeFileSync(join(dir, 'r.yaml'), ruleFile('USER_A', 'process.exec', `'process.executable.startsWith("/dev/shm/")'`, `    examples:\n      positive:\n        - ${positive}\n      negative:\n        - ${positive.replace('/tmp/x', '/dev/shm/y').replace('p1', 'n1')}\n`).replace('\nlists', ''));
    const results = await userRuleCases(loadRules(dir));
    const failures = results.flatMap((r) => r.failures).join('\n');
    assert.match(failures, /positive example \S*r\.yaml:\d+ \(p1\)\n {6}expected: raises USER_A\n {6}got: {6}no alert\n {6}read: {5}process\.executable = "\/tmp\/x"/);
    assert.match(failures, /negative example\(s\) \S*r\.yaml:\d+\n {6}expected: no USER_A\n {6}got: .*\n {6}read: {5}process\.executable = "\/dev\/shm\/y"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rule without examples fails the harness', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'r.yaml'), ruleFile('USER_A', 'process.exec', "'true'"));
    const [result] = await userRuleCases(loadRules(dir));
    assert.deepEqual(result!.failures.map((f) => f.split(' (')[0]), ['no positive examples', 'no negative examples']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dry run reports what a rule would fire and what an exception would silence', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'r.yaml'), ruleFile('USER_A', 'process.exec', `'process.executable.startsWith("/dev/shm/")'`));
    const events = ['web', 'bench'].map((pod, i) => JSON.stringify({ kind: 'process.exec', id: `e${i}`, time: i * 1000, source: 't', node: 'n', process: { pid: i + 1, executable: '/dev/shm/x', args: ['x'] }, container: { id: `c${i}`, pod, namespace: 'shop', image: `${pod}:1` } }));
    writeFileSync(join(dir, 'events.jsonl'), events.join('\n') + '\n');
    const report = await dryRun({
      paths: [join(dir, 'events.jsonl')],
      rules: loadRules(dir),
      exceptions: [{ type: 'USER_A', reason: 'the benchmark runs JIT code from shm', match: { pod: 'bench' } }],
      onlyRules: true,
    });
    assert.deepEqual(report.fired.map((f) => [f.type, f.userRule, f.alerts]), [['USER_A', true, 1]]);
    assert.deepEqual(report.silenced.map((s) => [s.type, s.reason, s.findings]), [['USER_A', 'the benchmark runs JIT code from shm', 1]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a watched folder reloads on change and keeps the last good set when a change breaks it', async () => {
  const dir = tempDir();
  const set = (() => {
    writeFileSync(join(dir, 'r.yaml'), ruleFile('USER_A', 'process.exec', "'true'"));
    return RuleSet.load(dir);
  })();
  try {
    const next = () => new Promise<import('./ruleset.js').ReloadEvent>((resolve) => set.watch(resolve, { debounceMs: 50 }));
    let reloaded = next();
    writeFileSync(join(dir, 'r.yaml'), ruleFile('USER_B', 'process.exec', "'true'"));
    let event = await reloaded;
    assert.equal(event.applied, true);
    assert.deepEqual(set.current.rules.map((r) => r.id), ['USER_B']);

    reloaded = next();
    writeFileSync(join(dir, 'r.yaml'), ruleFile('USER_C', 'process.exec', "'process.nope'"));
    event = await reloaded;
    assert.equal(event.applied, false);
    assert.match(event.errors[0]!.message, /unknown field 'process\.nope'/);
    assert.deepEqual(set.current.rules.map((r) => r.id), ['USER_B']);
  } finally {
    set.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
