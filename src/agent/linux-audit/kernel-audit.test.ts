// REAL kernel audit: Vigil's rules in the running kernel, auditd writing audit.log, real commands
// (also in new namespaces and in a cgroup shaped like a Kubernetes container), read back through
// the follower and the decoder. Needs root and auditd (Debian: apt-get install auditd). Without
// them these tests FAIL: a skipped kernel test would hide that the live path is untested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { FileAccessEvent, NamespaceChangeEvent, NetConnectEvent, PipelineLossEvent, ProcessExecEvent, VigilEvent } from '../../events/model.js';
import type { DecodeIssue } from '../../sources/format.js';
import { auditctl, auditStatus } from './auditctl.js';
import { LinuxAuditAgent } from './agent.js';
import { alive, kernelAuditLock, makeContainerCgroup, waitFor, which } from '../../testing/kernel.js';

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, (error) => (error ? reject(error) : resolve())));
}

test('REAL kernel audit: Vigil rules, auditd log, real commands in namespaces and a container cgroup', async (t) => {
  t.after(await kernelAuditLock());
  const auditctlPath = which('auditctl');
  const auditdPath = which('auditd');
  assert.ok(auditctlPath && auditdPath, 'auditctl/auditd not found: install the Debian package "auditd" (apt-get install -y auditd); this test must run, not skip');
  assert.equal(process.getuid?.(), 0, 'the kernel audit test needs root (CAP_AUDIT_CONTROL)');

  const initial = await auditStatus();
  let startedAuditd = false;
  let agent: LinuxAuditAgent | undefined;
  let cgroup: ReturnType<typeof makeContainerCgroup> | undefined;
  let server: Server | undefined;
  const foreignRule = ['-w', '/etc/hostname', '-p', 'wa', '-k', 'not_vigil_test'];
  const events: VigilEvent[] = [];
  const issues: DecodeIssue[] = [];
  try {
    if (initial.pid === 0) {
      execFileSync(auditdPath, []);
      startedAuditd = true;
      await waitFor('auditd to register with the kernel', () => (execFileSync(auditctlPath, ['-s']).toString().match(/^pid [1-9]/m) ? true : undefined));
    }
    await auditctl(foreignRule);

    agent = new LinuxAuditAgent({ sink: { event: (e) => events.push(e), issue: (i) => issues.push(i) }, mode: 'file', node: 'kernel-test', statusIntervalMs: 60_000, log: (m) => t.diagnostic(m) });
    const report = await agent.start();
    assert.equal(report.mode, 'file');
    assert.ok(report.installed.some((r) => r.key === 'vigil_exec'), 'the exec rule is installed');
    const listed = await auditctl(['-l']);
    assert.match(listed, /-S execve,execveat -F key=vigil_exec|-S execve,execveat .*key=vigil_exec/);
    assert.match(listed, /-w \/etc\/shadow -p rwa -k vigil_cred/);

    // exec with an argument that needs the hex rule
    await run('/bin/echo', ['vigil-live-test', 'with space "and quotes"']);
    const exec = await waitFor('the echo exec', () =>
      events.find((e): e is ProcessExecEvent => e.kind === 'process.exec' && e.process.args[1] === 'vigil-live-test'),
    );
    assert.deepEqual(exec.process.args, ['/bin/echo', 'vigil-live-test', 'with space "and quotes"']);
    assert.equal(exec.process.executable, '/usr/bin/echo');
    assert.equal(exec.node, 'kernel-test');
    assert.match(exec.id, /^\d+\.\d{3}:\d+$/);
    assert.equal(exec.process.ppid, process.pid);

    // a watched file
    await run('/bin/cat', ['/etc/shadow']);
    const read = await waitFor('cat /etc/shadow', () =>
      events.find((e): e is FileAccessEvent => e.kind === 'file.access' && e.path === '/etc/shadow' && e.process.comm === 'cat'),
    );
    assert.equal(read.operation, 'read');
    assert.equal(read.success, true);
    assert.deepEqual(read.process.args, ['/bin/cat', '/etc/shadow'], 'argv of the acting process comes from its exec');

    // a connect to 127.0.0.1
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await run('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    const conn = await waitFor('the connect to 127.0.0.1', () =>
      events.find((e): e is NetConnectEvent => e.kind === 'net.connect' && e.remoteAddress === '127.0.0.1' && e.remotePort === port),
    );
    assert.equal(conn.family, 'inet');
    assert.equal(conn.success, true);

    // new mount, PID and network namespaces, and a command run inside them
    await run('/usr/bin/unshare', ['--mount', '--pid', '--net', '--fork', '/bin/sh', '-c', '/bin/echo inside-namespaces']);
    const ns = await waitFor('the unshare', () =>
      events.find((e): e is NamespaceChangeEvent => e.kind === 'process.namespace' && e.operation === 'unshare' && e.process.comm === 'unshare'),
    );
    assert.deepEqual([...ns.namespaces].sort(), ['mnt', 'net', 'pid']);
    const inside = await waitFor('the exec inside the namespaces', () =>
      events.find((e): e is ProcessExecEvent => e.kind === 'process.exec' && e.process.args.join(' ') === '/bin/echo inside-namespaces'),
    );
    assert.ok(inside.ancestors.some((a) => a.executable === '/usr/bin/unshare'), 'ancestors reach the unshare that made the namespaces');
    assert.ok(inside.process.pid > 1, 'pids are host pids, not the new namespace’s');

    // a process in a cgroup shaped like a Kubernetes container
    cgroup = makeContainerCgroup();
    const procs = cgroup.procs;
    const child = spawn('/bin/sh', ['-c', `echo $$ > ${procs} && exec /bin/sh -c '/bin/cat /etc/shadow >/dev/null; /bin/echo in-container; exec /bin/sleep 3'`], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const contained = await waitFor('the exec in the container cgroup', () =>
      events.find((e): e is ProcessExecEvent => e.kind === 'process.exec' && e.process.args.join(' ') === '/bin/echo in-container'),
    );
    assert.equal(contained.container?.id, cgroup.id);
    assert.equal(contained.container?.podUid, cgroup.podUid);
    assert.equal(contained.container?.runtime, 'containerd');
    const shadowInContainer = await waitFor('the container read of /etc/shadow', () =>
      events.find((e): e is FileAccessEvent => e.kind === 'file.access' && e.path === '/etc/shadow' && e.container?.id === cgroup!.id),
    );
    assert.equal(shadowInContainer.operation, 'read');
    await exited;

    // Real loss: a rate limit of 1 record/s makes the kernel drop records and count them as lost.
    const before = await agent.pollStatus();
    await auditctl(['-r', '1']);
    await run('/bin/sh', ['-c', 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do /bin/true; done']);
    await auditctl(['-r', String(initial.rateLimit)]);
    const after = await agent.pollStatus();
    assert.ok(before && after && after.lost > before.lost, 'the kernel counted lost records');
    const loss = events.find((e): e is PipelineLossEvent => e.kind === 'pipeline.loss');
    assert.ok(loss, 'the increase of lost became a pipeline.loss event');
    assert.equal(loss.count, after.lost - before.lost);
    assert.equal(loss.reason, 'kernel-audit-lost');

    assert.deepEqual(issues, [], 'auditd’s own log decodes without issues');
  } finally {
    server?.close();
    try {
      await agent?.stop();
    } finally {
      const rules = await auditctl(['-l']).catch(() => '');
      await auditctl(['-W', ...foreignRule.slice(1)]).catch(() => undefined);
      cgroup?.remove();
      const now = await auditStatus();
      if (now.rateLimit !== initial.rateLimit) await auditctl(['-r', String(initial.rateLimit)]);
      if (startedAuditd && now.pid > 0) {
        process.kill(now.pid, 'SIGTERM');
        await waitFor('auditd to stop', () => (alive(now.pid) ? undefined : true), 10_000);
      }
      if ((await auditStatus()).enabled !== initial.enabled) await auditctl(['-e', String(initial.enabled)]);
      assert.doesNotMatch(rules, /(-k |key=)vigil_/, 'stop() removed every Vigil rule');
      assert.match(rules, /not_vigil_test/, 'stop() left the other rules alone');
    }
  }
});

test('REAL kernel audit: the af_unix plugin socket delivers records with EOE', async (t) => {
  t.after(await kernelAuditLock());
  const auditctlPath = which('auditctl');
  const auditdPath = which('auditd');
  assert.ok(auditctlPath && auditdPath, 'auditctl/auditd not found: install the Debian package "auditd" (apt-get install -y auditd); this test must run, not skip');
  const conf = '/etc/audit/plugins.d/af_unix.conf';
  assert.ok(existsSync(conf), `${conf} is missing (the auditd package installs it)`);
  const original = readFileSync(conf, 'utf8');
  const socketPath = /^args\s*=\s*\S+\s+(\S+)/m.exec(original)?.[1] ?? '/var/run/audispd_events';
  const initial = await auditStatus();
  const events: VigilEvent[] = [];
  let agent: LinuxAuditAgent | undefined;
  let startedAuditd = false;
  try {
    writeFileSync(conf, original.replace(/^active\s*=.*$/m, 'active = yes'));
    if (initial.pid === 0) {
      execFileSync(auditdPath, []);
      startedAuditd = true;
    } else process.kill(initial.pid, 'SIGHUP');
    await waitFor(`the plugin socket ${socketPath}`, () => (existsSync(socketPath) ? true : undefined));
    agent = new LinuxAuditAgent({ sink: { event: (e) => events.push(e), issue: (i) => assert.fail(`${i.origin.line}: ${i.reason}`) }, mode: 'plugin', socketPath, node: 'kernel-test', statusIntervalMs: 60_000, log: (m) => t.diagnostic(m) });
    const report = await agent.start();
    assert.equal(report.mode, 'plugin');
    await run('/bin/echo', ['vigil-plugin-test']);
    const exec = await waitFor('the echo exec over the plugin socket', () =>
      events.find((e): e is ProcessExecEvent => e.kind === 'process.exec' && e.process.args[1] === 'vigil-plugin-test'),
    );
    assert.equal(exec.origin?.startsWith(socketPath), true);
  } finally {
    try {
      await agent?.stop();
    } finally {
      writeFileSync(conf, original);
      const now = await auditStatus();
      if (startedAuditd && now.pid > 0) {
        process.kill(now.pid, 'SIGTERM');
        await waitFor('auditd to stop', () => (alive(now.pid) ? undefined : true), 10_000);
      } else if (now.pid > 0) process.kill(now.pid, 'SIGHUP');
      if ((await auditStatus()).enabled !== initial.enabled) await auditctl(['-e', String(initial.enabled)]);
    }
  }
});
