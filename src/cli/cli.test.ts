/**
 * The command line as scripts use it: exit codes, output formats, stdin, and escaping of
 * attacker-controlled text in the table.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditEvent, jsonl, privilegedPod } from '../testing/audit-events.js';
import { packageRoot } from '../util/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
const bin = join(packageRoot(), 'bin', 'vigil.js');

function vigil(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const evil = 'pwn\u001b[2J\u001b]0;owned\u0007\u202eevil';
const log = join(dir, 'audit.log');
writeFileSync(
  log,
  jsonl([
    auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', requestObject: privilegedPod(evil, 'default'), responseObject: privilegedPod(evil, 'default') }),
    auditEvent({ verb: 'get', resource: 'pods', namespace: 'default', name: 'x' }),
  ]),
);

test('jsonl output follows the alert contract', () => {
  const r = vigil(['scan', log, '--output', 'jsonl']);
  assert.equal(r.code, 0, r.stderr);
  const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(alerts.length, 1);
  const a = alerts[0];
  assert.deepEqual(Object.keys(a), ['id', 'type', 'title', 'description', 'severity', 'tactics', 'techniques', 'firstSeen', 'lastSeen', 'count', 'status', 'entities', 'evidence', 'remediation']);
  assert.equal(a.type, 'K8S_PrivilegedContainer');
  assert.equal(a.status, 'active');
  assert.equal(a.entities.pod, evil);
  assert.match(a.description, /runs privileged/);
  assert.ok(a.remediation.length > 50);
});

test('--fail-on sets exit 1 at or above the threshold, 0 below it', () => {
  assert.equal(vigil(['scan', log, '--output', 'jsonl', '--fail-on', 'informational']).code, 1);
  assert.equal(vigil(['scan', log, '--output', 'jsonl', '--fail-on', 'low']).code, 0);
});

test('--min-severity hides lower alerts', () => {
  const r = vigil(['scan', log, '--output', 'jsonl', '--min-severity', 'low']);
  assert.equal(r.stdout, '');
});

test('usage errors and unreadable inputs exit 2 with a message', () => {
  const bad = vigil(['scan', log, '--output', 'xml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--output must be one of table, jsonl, json, ocsf, cef/);
  const missing = vigil(['scan', join(dir, 'nope.log')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.log: no such file or folder/);
  assert.equal(vigil(['frobnicate']).code, 2);
});

test('stdin is read with -', () => {
  const r = vigil(['scan', '-', '--output', 'json'], jsonl([auditEvent({ verb: 'create', resource: 'pods', namespace: 'a', requestObject: privilegedPod('p', 'a') })]));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).length, 1);
});

test('the table escapes control characters and bidi overrides from cluster data', () => {
  const r = vigil(['scan', log, '--output', 'table']);
  assert.equal(r.code, 0);
  assert.ok(!r.stdout.includes('\u001b'), 'no raw escape sequence reaches the terminal');
  assert.ok(!r.stdout.includes('\u202e'));
  assert.match(r.stdout, /pwn\\x1b\[2J\\x1b\]0;owned\\x07\\u202eevil/);
});

test('cef and ocsf outputs carry the alert', () => {
  const cef = vigil(['scan', log, '--output', 'cef']).stdout.trim();
  assert.match(cef, /^CEF:0\|Vigil\|Vigil\|[^|]+\|K8S_PrivilegedContainer\|Privileged container detected\|1\|/);
  assert.ok(!cef.includes('\u001b'));
  const ocsf = JSON.parse(vigil(['scan', log, '--output', 'ocsf']).stdout);
  assert.equal(ocsf.class_uid, 2004);
  assert.equal(ocsf.finding_info.types[0], 'K8S_PrivilegedContainer');
});

test('rules list shows every catalogue type and which are implemented', () => {
  const r = vigil(['rules', 'list', '--json']);
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.stdout) as { type: string; implemented: boolean; sources: string[] }[];
  assert.equal(rows.length, 58);
  const priv = rows.find((x) => x.type === 'K8S_PrivilegedContainer')!;
  assert.equal(priv.implemented, true);
  assert.ok(priv.sources.includes('k8s-audit'));
});
