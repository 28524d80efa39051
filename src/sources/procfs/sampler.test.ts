import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';
import type { NetConnectEvent, ProcessExecEvent } from '../../events/model.js';
import { ProcfsSampler, type ProcfsEvent } from './sampler.js';

/** Collects a running sampler's events and waits for one that matches. */
function collector() {
  const events: ProcfsEvent[] = [];
  const waiters: { match: (e: ProcfsEvent) => boolean; resolve: (e: ProcfsEvent) => void }[] = [];
  return {
    events,
    onEvent(event: ProcfsEvent) {
      events.push(event);
      for (const w of waiters) if (w.match(event)) w.resolve(event);
    },
    async waitFor<E extends ProcfsEvent>(what: string, match: (e: ProcfsEvent) => boolean, ms = 5000): Promise<E> {
      const found = events.find(match);
      if (found) return found as E;
      return new Promise<E>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen within ${ms} ms: ${what}`)), ms);
        waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e as E)) });
      });
    },
  };
}

function kill(children: ChildProcess[]): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

test('sees real processes with argv, ppid, ancestry and uid', async () => {
  const sampler = new ProcfsSampler({ intervalMs: 20, node: 'test-node' });
  const seen = collector();
  const children: ChildProcess[] = [];
  sampler.start((e) => seen.onEvent(e));
  try {
    const sleeper = spawn('sleep', ['30.5'], { stdio: 'ignore' });
    children.push(sleeper);
    // `sh -c` with two commands, so that sh forks sleep instead of exec'ing it.
    const shell = spawn('sh', ['-c', 'sleep 31.5; true'], { stdio: 'ignore' });
    children.push(shell);
    const short = spawn('sleep', ['0.3'], { stdio: 'ignore' });
    children.push(short);

    const a = await seen.waitFor<ProcessExecEvent>('sleep 30.5', (e) => e.kind === 'process.exec' && e.process.pid === sleeper.pid);
    assert.deepEqual(a.process.args, ['sleep', '30.5']);
    assert.equal(a.process.commandLine, 'sleep 30.5');
    assert.equal(a.process.ppid, process.pid);
    assert.match(a.process.executable, /\/sleep$/);
    assert.equal(a.process.uid, process.getuid?.());
    assert.equal(a.process.cwd, process.cwd());
    assert.equal(a.ancestors[0].pid, process.pid);
    assert.equal(a.node, 'test-node');
    assert.equal(a.source, 'procfs');
    assert.ok(a.process.execId?.startsWith(`${sleeper.pid}:`));

    const sh = await seen.waitFor<ProcessExecEvent>('sh -c', (e) => e.kind === 'process.exec' && e.process.pid === shell.pid);
    assert.deepEqual(sh.process.args, ['sh', '-c', 'sleep 31.5; true']);
    const child = await seen.waitFor<ProcessExecEvent>('sleep under sh', (e) => e.kind === 'process.exec' && e.process.commandLine === 'sleep 31.5');
    assert.equal(child.process.ppid, shell.pid);
    assert.deepEqual(child.ancestors.slice(0, 2).map((p) => p.pid), [shell.pid, process.pid]);

    const s = await seen.waitFor<ProcessExecEvent>('short-lived sleep 0.3', (e) => e.kind === 'process.exec' && e.process.pid === short.pid);
    assert.deepEqual(s.process.args, ['sleep', '0.3']);
    await once(short, 'exit');
  } finally {
    sampler.stop();
    kill(children);
  }
  const stats = sampler.stats();
  assert.ok(stats.samples >= 2 && stats.processesSeen >= 4 && stats.errors === 0, JSON.stringify(stats));
});

test('sees a real outbound TCP connection and its owner, not the accepting side', async () => {
  const server: Server = createServer((socket) => socket.on('error', () => {}));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const sampler = new ProcfsSampler({ intervalMs: 20, connectionIntervalMs: 20 });
  const seen = collector();
  sampler.start((e) => seen.onEvent(e));
  const client = spawn(process.execPath, ['-e', `require('net').connect(${port}, '127.0.0.1'); setTimeout(() => {}, 20000)`], { stdio: 'ignore' });
  try {
    const c = await seen.waitFor<NetConnectEvent>('connect to the test server', (e) => e.kind === 'net.connect' && e.remotePort === port);
    assert.equal(c.remoteAddress, '127.0.0.1');
    assert.equal(c.family, 'inet');
    assert.equal(c.protocol, 'tcp');
    assert.equal(c.process.pid, client.pid);
    assert.equal(c.process.args[0], process.execPath);
    assert.equal(c.ancestors[0]?.pid, process.pid);
    // Give the sampler a few more passes: the server's accepted socket must not be reported.
    await new Promise((r) => setTimeout(r, 150));
    const mine = seen.events.filter((e): e is NetConnectEvent => e.kind === 'net.connect' && (e.remotePort === port || e.process.pid === process.pid));
    assert.equal(mine.length, 1, JSON.stringify(mine));
  } finally {
    sampler.stop();
    kill([client]);
    server.close();
  }
  assert.ok(sampler.stats().connectionsAttributed >= 1);
});

test('processes present at start are a baseline, not events', () => {
  const sampler = new ProcfsSampler({ intervalMs: 1000 });
  const events: ProcfsEvent[] = [];
  sampler.start((e) => events.push(e));
  sampler.stop();
  assert.equal(events.filter((e) => e.kind === 'process.exec' && e.process.pid === process.pid).length, 0);
  assert.ok(sampler.stats().processesTracked > 0);
  assert.throws(() => new ProcfsSampler({ intervalMs: 0 }), /at least 1/);
});
