import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCgroupFile, parseCgroupPath } from './cgroup.js';

const CID = '8f2b6c1d9e0a4b3c7d5e6f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c';
const UID = '5d0c8a1e-2b7f-4f3a-9c61-8e2d4b7a1f09';
const UID_ = UID.replace(/-/g, '_');

test('cgroup paths of every runtime, driver and QoS class', () => {
  const cases: [string, { containerId?: string; runtime?: string; podUid?: string; qos?: string }][] = [
    // containerd, systemd driver
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${CID}.scope`, { containerId: CID, runtime: 'containerd', podUid: UID, qos: 'Burstable' }],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${CID}.scope`, { containerId: CID, runtime: 'containerd', podUid: UID, qos: 'BestEffort' }],
    // Guaranteed: no QoS level in the path
    [`/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${CID}.scope`, { containerId: CID, runtime: 'containerd', podUid: UID, qos: 'Guaranteed' }],
    // CRI-O, systemd driver; its monitor is not the container
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${CID}.scope`, { containerId: CID, runtime: 'cri-o', podUid: UID, qos: 'BestEffort' }],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-conmon-${CID}.scope`, { podUid: UID, qos: 'BestEffort' }],
    // Docker / cri-dockerd, systemd driver
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/docker-${CID}.scope`, { containerId: CID, runtime: 'docker', podUid: UID, qos: 'Burstable' }],
    // cgroupfs driver, any runtime
    [`/kubepods/burstable/pod${UID}/${CID}`, { containerId: CID, podUid: UID, qos: 'Burstable' }],
    [`/kubepods/besteffort/pod${UID}/${CID}`, { containerId: CID, podUid: UID, qos: 'BestEffort' }],
    [`/kubepods/pod${UID}/${CID}`, { containerId: CID, podUid: UID, qos: 'Guaranteed' }],
    // the pod's sandbox-level cgroup itself
    [`/kubepods/burstable/pod${UID}`, { podUid: UID, qos: 'Burstable' }],
    // a kind node: pods nest inside the node's own docker container; the innermost wins
    [`/system.slice/docker-${'a'.repeat(64)}.scope/kubepods/besteffort/pod${UID}/${CID}`, { containerId: CID, podUid: UID, qos: 'BestEffort' }],
    // plain Docker and podman outside Kubernetes
    [`/system.slice/docker-${CID}.scope`, { containerId: CID, runtime: 'docker' }],
    [`/docker/${CID}`, { containerId: CID }],
    [`/machine.slice/libpod-${CID}.scope/container`, { containerId: CID, runtime: 'podman' }],
    // host processes
    ['/system.slice/containerd.service', {}],
    ['/system.slice/kubelet.service', {}],
    ['/user.slice/user-1000.slice/session-3.scope', {}],
    ['/init.scope', {}],
    ['/', {}],
    // near misses: a 63-hex id, a pod-looking name that is not a UID
    [`/system.slice/docker-${CID.slice(1)}.scope`, {}],
    ['/kubepods.slice/kubepods-podnotauid.slice', {}],
  ];
  for (const [path, want] of cases) {
    const { path: _path, ...got } = parseCgroupPath(path);
    assert.deepEqual(got, want, path);
  }
});

test('/proc/PID/cgroup files: v2, v1 and hybrid', () => {
  const v2 = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${CID}.scope\n`;
  assert.equal(parseCgroupFile(v2).containerId, CID);
  const v1 = [
    `12:memory:/kubepods/burstable/pod${UID}/${CID}`,
    `11:cpu,cpuacct:/kubepods/burstable/pod${UID}/${CID}`,
    `1:name=systemd:/kubepods/burstable/pod${UID}/${CID}`,
    '',
  ].join('\n');
  assert.deepEqual(parseCgroupFile(v1), { path: `/kubepods/burstable/pod${UID}/${CID}`, containerId: CID, podUid: UID, qos: 'Burstable' });
  // Hybrid: the unified line says '/', the v1 hierarchies hold the path.
  const hybrid = ['9:name=systemd:/', `4:memory:/kubepods/besteffort/pod${UID}/${CID}`, '0::/', ''].join('\n');
  assert.equal(parseCgroupFile(hybrid).containerId, CID);
  const host = '0::/system.slice/sshd.service\n';
  assert.deepEqual(parseCgroupFile(host), { path: '/system.slice/sshd.service' });
  assert.deepEqual(parseCgroupFile('garbage\n\u0000::\n'), { path: '' });
  assert.deepEqual(parseCgroupFile(''), { path: '' });
});
