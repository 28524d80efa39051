// The rule plan and auditctl's status text: the pure parts of the live side (cgroup paths are
// the container enricher's, tested in src/enrichment/container/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStatus } from './auditctl.js';
import { planRules } from './rules.js';

test('rules: every rule has a vigil key; watches only on paths that exist; per-ABI syscall names', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-root-'));
  try {
    for (const d of ['etc', 'root/.ssh', 'home/ops/.ssh', 'home/dev', 'etc/kubernetes']) mkdirSync(join(root, d), { recursive: true });
    for (const f of ['etc/shadow', 'etc/passwd', 'home/ops/.ssh/authorized_keys', 'home/ops/.bash_history', 'etc/kubernetes/kubelet.conf']) writeFileSync(join(root, f), '');
    const x64 = planRules({ arch: 'x64', root });
    assert.ok(x64.rules.every((r) => r.key.startsWith('vigil') && r.args.at(-1) === r.key && r.args.at(-2) === '-k'));
    const watches = x64.rules.filter((r) => r.args[0] === '-w').map((r) => r.args[1]);
    // The host's files are watched through the mounted root (an agent in a container).
    const onHost = (p: string) => join(root, p);
    assert.deepEqual(watches, ['/etc/shadow', '/etc/passwd', '/root/.ssh', '/home/ops/.ssh/authorized_keys', '/home/ops/.bash_history', '/etc/kubernetes/kubelet.conf'].map(onHost));
    assert.ok(x64.missing.includes('/etc/gshadow') && x64.missing.includes('/home/dev/.ssh/authorized_keys'));
    const args = x64.rules.map((r) => r.args.join(' '));
    assert.ok(args.includes('-a always,exit -F arch=b64 -S execve,execveat -k vigil_exec'));
    assert.ok(args.includes('-a always,exit -F arch=b32 -S connect -k vigil_connect'));
    assert.ok(args.includes('-a always,exit -F arch=b64 -S clone -F a0&0x7e020000 -k vigil_ns'));
    assert.ok(args.some((a) => a.startsWith('-a always,exit -F arch=b64 -S unlink,unlinkat,rename') && a.endsWith(`-F dir=${onHost('/var/log')} -k vigil_log`)));
    const arm = planRules({ arch: 'arm64', root }).rules.map((r) => r.args.join(' '));
    assert.ok(arm.includes(`-a always,exit -F arch=b64 -S unlinkat,renameat,renameat2,truncate,ftruncate -F dir=${onHost('/var/log')} -k vigil_log`));
    assert.ok(arm.includes('-a always,exit -F arch=b64 -S utimensat -k vigil_timestamp'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('auditctl: -s status text', () => {
  const s = parseStatus('enabled 1\nfailure 1\npid 812\nrate_limit 0\nbacklog_limit 8192\nlost 7\nbacklog 3\nbacklog_wait_time 60000\nloginuid_immutable 0 unlocked\n');
  assert.deepEqual(s, { enabled: 1, pid: 812, lost: 7, backlog: 3, backlogLimit: 8192, rateLimit: 0 });
  assert.throws(() => parseStatus('garbage'), /printed no "enabled"/);
});
