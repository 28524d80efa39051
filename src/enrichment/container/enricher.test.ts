import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerContext, ProcessExecEvent } from '../../events/model.js';
import { ContainerEnricher } from './enricher.js';
import type { PodDirectory } from './directory.js';

const CID = '3c1f9a7e5b2d4c6a8e0f1b3d5c7a9e2f4b6d8c0a1e3f5b7d9c2a4e6f8b0d1c3e';
const UID = '0b6f8a2c-4d1e-4f3a-8b5c-7e9d1a3c5f70';

/** Where cgroup v2 is mounted: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones. */
function cgroup2Mount(): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = line.split(' - ');
    if (after?.startsWith('cgroup2 ')) return before.split(' ')[4];
  }
  return undefined;
}

function event(pid: number, extra: Partial<ProcessExecEvent> = {}): ProcessExecEvent {
  return {
    kind: 'process.exec',
    id: String(pid),
    time: Date.now(),
    source: 'linux-audit',
    node: 'n1',
    process: { pid, executable: '/bin/sleep', args: ['sleep'], commandLine: 'sleep' },
    ancestors: [],
    ...extra,
  };
}

const directory: PodDirectory = {
  lookup: (id) => (id === CID ? ({ id, name: 'api', pod: 'api-0', namespace: 'payments', image: 'api:1' } satisfies ContainerContext) : undefined),
  start: async () => {},
  stop: async () => {},
};

test('a real process moved into a kubepods-shaped cgroup v2 is attributed to its container and pod', async (t) => {
  const mount = cgroup2Mount();
  if (!mount) {
    t.skip('no cgroup v2 hierarchy is mounted on this machine');
    return;
  }
  // Composed as the kubelet's systemd driver and containerd name them.
  const parts = ['kubepods.slice', 'kubepods-burstable.slice', `kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice`, `cri-containerd-${CID}.scope`];
  const dirs = parts.map((_, i) => join(mount, ...parts.slice(0, i + 1)));
  try {
    for (const d of dirs) mkdirSync(d, { recursive: true });
  } catch (error) {
    t.skip(`cannot create a cgroup under ${mount}: ${(error as Error).message}`);
    return;
  }
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dirs[dirs.length - 1], 'cgroup.procs'), String(child.pid));
    const enricher = new ContainerEnricher({ directory });
    const live = enricher.enrich(event(child.pid as number));
    assert.deepEqual(live.container, { id: CID, runtime: 'containerd', podUid: UID, name: 'api', pod: 'api-0', namespace: 'payments', image: 'api:1' });

    // The same process, after it exited: remembered.
    child.kill('SIGKILL');
    await once(child, 'exit');
    const late = enricher.enrich(event(child.pid as number));
    assert.equal(late.container?.id, CID);
    assert.equal(enricher.stats().fromCache, 1);

    // An exited process never seen before, whose parent is the process we know.
    const orphan = enricher.enrich(event(4_000_000, { ancestors: [{ pid: child.pid as number, executable: '/bin/sleep', args: [], commandLine: '' }] }));
    assert.equal(orphan.container?.podUid, UID);
    assert.equal(enricher.stats().fromParent, 1);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    for (const d of dirs.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Left for the next run; it holds no process.
      }
    }
  }
});

test('host processes get no container; a bare container id is completed from the directory', () => {
  const enricher = new ContainerEnricher({ directory });
  const own = enricher.enrich(event(process.pid));
  assert.equal(own.container, undefined);
  assert.equal(enricher.stats().host, 1);
  const partial = enricher.enrich(event(process.pid, { container: { id: CID, podUid: UID } }));
  assert.equal(partial.container?.pod, 'api-0');
  assert.equal(partial.container?.podUid, UID);
  // A pid that does not exist and has no known parent stays unresolved.
  enricher.enrich(event(4_000_001));
  assert.equal(enricher.stats().unresolved, 1);
  // A pid that now belongs to another process (start times far apart) is not used.
  const reused = enricher.enrich(event(process.pid, { process: { pid: process.pid, executable: '', args: [], commandLine: '', startTime: 1 } }));
  assert.equal(reused.container, undefined);
  assert.equal(enricher.stats().unresolved, 2);
});
