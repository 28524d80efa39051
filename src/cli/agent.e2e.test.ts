/**
 * End to end on the real kernel: `vigil agent --source linux-audit` runs live while this test does
 * real things on the machine — Vigil's test trigger, a timestamp copy onto a hidden file, a read of
 * the kubelet's kubeconfig, a history wipe, and a namespace creation inside a cgroup shaped like a
 * Kubernetes container — and each alert must come out of the agent. Needs root and auditd (Debian
 * package auditd); the machine's audit state is restored afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditStatus } from '../agent/linux-audit/auditctl.js';
import { alive, kernelAuditLock, makeContainerCgroup, waitFor, which } from '../testing/kernel.js';
import { packageRoot } from '../util/paths.js';

const bin = join(packageRoot(), 'bin', 'vigil.js');
const EXPECTED = ['K8S.NODE_EICAR', 'K8S.NODE_TimestampTampering', 'K8S.NODE_KubeConfigAccess', 'K8S.NODE_HistoryFileCleared', 'K8S.NODE_NamespaceCreation'];

test('REAL kernel audit: vigil agent raises the node alerts for real actions', { timeout: 180_000 }, async (t) => {
  const auditdPath = which('auditd');
  assert.ok(which('auditctl') && auditdPath, 'auditctl/auditd not found: install the Debian package "auditd"; this test must run, not skip');
  t.after(await kernelAuditLock());
  const initial = await auditStatus();
  let startedAuditd = 0;
  const work = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  const kubeconfig = '/var/lib/kubelet/kubeconfig';
  const createdKubeconfig = !existsSync(kubeconfig);
  let cgroup: ReturnType<typeof makeContainerCgroup> | undefined;
  const agent = { process: undefined as ReturnType<typeof spawn> | undefined, stdout: '', stderr: '' };
  try {
    if (initial.pid === 0) {
      execFileSync(auditdPath, []);
      await waitFor('auditd to register with the kernel', () => (/^pid [1-9]/m.test(execFileSync('auditctl', ['-s']).toString()) ? true : undefined));
      startedAuditd = (await auditStatus()).pid;
    }
    if (createdKubeconfig) {
      mkdirSync('/var/lib/kubelet', { recursive: true });
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nusers: []\n');
    }
    agent.process = spawn(process.execPath, [bin, 'agent', '--source', 'linux-audit', '--audit-mode', 'file', '--output', 'jsonl', '--node', 'e2e-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
    agent.process.stdout!.on('data', (d: Buffer) => (agent.stdout += d));
    agent.process.stderr!.on('data', (d: Buffer) => (agent.stderr += d));
    await waitFor('the agent to install its rules', () => (/audit rules installed/.test(agent.stderr) ? true : undefined), 30_000);

    // 1. the test trigger
    assert.equal(spawnSync(process.execPath, [bin, 'test-alert']).status, 0);
    // 2. a timestamp copied from a system binary onto a hidden dropped file
    const implant = join(work, '.kworker');
    copyFileSync('/bin/true', implant);
    execFileSync('touch', ['-r', '/bin/ls', implant]);
    // 3. the kubelet's credentials read by something that is not the kubelet
    execFileSync('cat', [kubeconfig]);
    // 4. a shell history wiped
    const home = join(work, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.bash_history'), 'kubectl get secrets -A\n');
    execFileSync('sh', ['-c', `cat /dev/null > ${home}/.bash_history`]);
    // 5. a namespace created from inside a (cgroup-shaped) container; the shell stays a moment, as
    // a container's processes do, so the short-lived unshare can be attributed through its parent.
    cgroup = makeContainerCgroup();
    execFileSync('sh', ['-c', `echo $$ > ${cgroup.procs} && unshare --mount --pid --fork /bin/true; sleep 3`]);

    await waitFor(
      `alerts ${EXPECTED.join(', ')}`,
      () => (EXPECTED.every((type) => agent.stdout.includes(`"type":"${type}"`)) ? true : undefined),
      60_000,
    ).catch(() => undefined);
  } finally {
    if (agent.process && agent.process.exitCode === null) {
      agent.process.kill('SIGTERM');
      await new Promise((resolve) => agent.process!.once('exit', resolve));
    }
    cgroup?.remove();
    if (createdKubeconfig) rmSync(kubeconfig, { force: true });
    rmSync(work, { recursive: true, force: true });
    if (startedAuditd > 0) {
      process.kill(startedAuditd, 'SIGTERM');
      await waitFor('auditd to stop', () => (alive(startedAuditd) ? undefined : true), 10_000);
    }
  }
  const rules = execFileSync('auditctl', ['-l']).toString();
  assert.doesNotMatch(rules, /vigil_/, 'the agent removed its audit rules on SIGTERM');
  const alerts = agent.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; entities: { container?: string } });
  const types = new Set(alerts.map((a) => a.type));
  assert.deepEqual(EXPECTED.filter((type) => !types.has(type)), [], `missing alerts; agent said:\n${agent.stderr}\nalerts: ${[...types].join(', ')}`);
  const ns = alerts.find((a) => a.type === 'K8S.NODE_NamespaceCreation')!;
  assert.equal(ns.entities.container, cgroup!.id, 'attributed to the container of the cgroup');
});
