/**
 * The command and path helpers node detections about files share, and the safety of those
 * detections on hostile input: 1 MB command lines and paths built to make a backtracking pattern
 * or a quadratic scan hang must come back, and not fire.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectionContext } from '../../../engine/detection.js';
import { MemoryState } from '../../../engine/state/store.js';
import type { FileAccessEvent, ProcessExecEvent } from '../../../events/model.js';
import { Indicators } from '../../../indicators/indicators.js';
import { StateInventory } from '../../../inventory/inventory.js';
import historyFileCleared from '../history-file-cleared.js';
import imageBuildOnNode from '../image-build-on-node.js';
import kubeConfigAccess from '../kube-config-access.js';
import privilegedContainerArtifacts from '../privileged-container-artifacts.js';
import privilegedExecutionInContainer from '../privileged-execution-in-container.js';
import sshKeyAccess from '../ssh-key-access.js';
import suspectPasswordChange from '../suspect-password-change.js';
import suspectPasswordFileAccess from '../suspect-password-file-access.js';
import suspectProcessTermination from '../suspect-process-termination.js';
import suspectUserAddition from '../suspect-user-addition.js';
import systemLogRemoval from '../system-log-removal.js';
import timerServiceDisabled from '../timer-service-disabled.js';
import timestampTampering from '../timestamp-tampering.js';
import { globMatch, invocationsOf, normalizePath, parseScript } from './files.js';

const DETECTIONS = [
  historyFileCleared,
  imageBuildOnNode,
  kubeConfigAccess,
  privilegedContainerArtifacts,
  privilegedExecutionInContainer,
  sshKeyAccess,
  suspectPasswordChange,
  suspectPasswordFileAccess,
  suspectProcessTermination,
  suspectUserAddition,
  systemLogRemoval,
  timerServiceDisabled,
  timestampTampering,
];

function context(): DetectionContext {
  const state = new MemoryState().forCluster('');
  return { state, inventory: new StateInventory(state), indicators: new Indicators(), settings: {} };
}

function exec(args: string[], executable = '/bin/sh'): ProcessExecEvent {
  return {
    kind: 'process.exec',
    id: 'x',
    time: 0,
    source: 'vigil',
    node: 'n1',
    process: { pid: 1, executable, args, commandLine: args.join(' '), cwd: '/' },
    ancestors: [],
    container: { id: 'c1', name: 'app', privileged: true },
  };
}

test('a sh -c script splits into commands with redirections, quotes, substitutions and nested shells', () => {
  const cmds = parseScript(`echo "a b" > /tmp/x 2>&1; cat < /etc/shadow | base64 && sudo -u postgres sh -c 'rm -f ~/.psql_history' # done`);
  assert.deepEqual(cmds[0]!.words, ['echo', 'a b']);
  assert.deepEqual(cmds[0]!.redirects, [{ op: '>', target: '/tmp/x' }]);
  assert.deepEqual(cmds[1]!.redirects, [{ op: '<', target: '/etc/shadow' }]);
  assert.equal(cmds[1]!.pipeline, cmds[2]!.pipeline);
  assert.ok(cmds.some((c) => c.words.join(' ') === 'rm -f ~/.psql_history'));
  assert.ok(parseScript('kill -9 $(pidof auditd)').some((c) => c.words.join(' ') === 'pidof auditd'));
});

test('wrappers are peeled off: sudo, env, nohup, timeout, chroot (with its root), xargs', () => {
  const [inv] = invocationsOf(exec(['sudo', '-u', 'root', 'env', 'A=1', 'timeout', '5', 'chroot', '/host', 'cat', '/etc/shadow'], '/usr/bin/sudo').process);
  assert.equal(inv!.program, 'cat');
  assert.equal(inv!.root, '/host');
});

test('paths: host-root prefixes, .., ~ and relative paths', () => {
  assert.deepEqual(normalizePath('/host/etc/../etc/shadow'), { path: '/etc/shadow', mount: '/host' });
  assert.deepEqual(normalizePath('/proc/1/root/var/lib/kubelet/kubeconfig'), { path: '/var/lib/kubelet/kubeconfig', mount: '/proc/1/root' });
  assert.equal(normalizePath('/root/.bash_history').path, '/root/.bash_history');
  assert.equal(normalizePath('$HOME/.bash_history').path, '~/.bash_history');
  assert.equal(normalizePath('.zsh_history', '/home/deploy').path, '/home/deploy/.zsh_history');
  assert.equal(normalizePath('/hostile/etc/shadow').path, '/hostile/etc/shadow');
});

test('glob matching is linear and right', () => {
  assert.ok(globMatch('.*_history', '.bash_history'));
  assert.ok(globMatch('apt-daily*', 'apt-daily-upgrade.timer'));
  assert.ok(!globMatch('*.gz', 'syslog'));
  assert.ok(!globMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(200)));
});

test('every node-c detection returns on 1 MB hostile command lines and paths without firing', () => {
  const ctx = context();
  const hostile = [
    'a'.repeat(1 << 20),
    '-o '.repeat(1 << 18),
    'http://'.repeat(1 << 17),
    '$('.repeat(1 << 18),
    '"'.repeat(1 << 20),
    "'".repeat(1 << 20),
    '/..'.repeat(1 << 18),
    '> '.repeat(1 << 19),
    '`'.repeat(1 << 20),
    '*'.repeat(1 << 20),
  ];
  for (const text of hostile) {
    const events: (ProcessExecEvent | FileAccessEvent)[] = [
      exec(['sh', '-c', text]),
      exec(['touch', '-r', text, text], '/usr/bin/touch'),
      exec(['docker', 'run', text], '/usr/bin/docker'),
      exec(['useradd', text], '/usr/sbin/useradd'),
      exec(['kill', text], '/bin/kill'),
    ];
    events.push({ ...exec(['python3']), kind: 'file.access', operation: 'unlink', path: text, success: true } as FileAccessEvent);
    for (const event of events) {
      for (const d of DETECTIONS) {
        if (!(d.kinds as readonly string[]).includes(event.kind)) continue;
        const found = (d.detect as (e: typeof event, c: DetectionContext) => unknown)(event, ctx);
        if (d !== privilegedExecutionInContainer) assert.equal(found, undefined, `${d.type} fired on hostile input`);
      }
    }
  }
});
