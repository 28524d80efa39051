/**
 * deploy/: renders and schema-checks every kustomization through deploy/validate.sh (needs kubectl:
 * Debian package kubernetes-client), then checks the least-privilege promises of the manifests and
 * lints the Dockerfile (hadolint is not packaged by Debian).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../../src/util/paths.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const root = packageRoot();
const out = mkdtempSync(join(tmpdir(), 'vigil-deploy-'));
const OVERLAYS = ['kernel-audit', 'procfs', 'tetragon'] as const;

function rendered(name: string): Obj[] {
  const text = readFileSync(join(out, `${name}.yaml`), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((d) => d !== null);
}
function agentOf(overlay: string): Obj {
  const ds = rendered(`overlays-${overlay}`).find((d) => d.kind === 'DaemonSet');
  assert.ok(ds, `overlay ${overlay} renders no DaemonSet`);
  return ds;
}
function podSpecs(docs: Obj[]): { name: string; spec: Obj }[] {
  return docs.filter((d) => d.kind === 'Deployment' || d.kind === 'DaemonSet').map((d) => ({ name: `${d.kind}/${d.metadata.name}`, spec: d.spec.template.spec }));
}

describe('deploy/', () => {
  after(() => rmSync(out, { recursive: true, force: true }));

  // The tests below read what this one renders.
  test('every kustomization renders and passes the schema check', () => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.error) assert.fail('kubectl is not installed: deploy/ cannot be validated. Install the Debian package kubernetes-client.');
    const run = spawnSync('bash', [join(root, 'deploy', 'validate.sh')], { encoding: 'utf8', env: { ...process.env, VIGIL_DEPLOY_OUT: out } });
    assert.equal(run.status, 0, `deploy/validate.sh failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /validate-schema: \d+ documents in \d+ files, 0 problem\(s\)/);
  });

  test('every container drops all capabilities, cannot escalate and has a read-only root', () => {
    for (const overlay of OVERLAYS) {
      for (const { name, spec } of podSpecs(rendered(`overlays-${overlay}`))) {
        assert.ok(!spec.hostNetwork && !spec.hostIPC, `${overlay} ${name}: host network or IPC`);
        assert.equal(spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${overlay} ${name}: seccomp`);
        for (const c of spec.containers) {
          const sc = c.securityContext ?? {};
          assert.equal(sc.privileged ?? false, false, `${overlay} ${name}: privileged`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${overlay} ${name}: allowPrivilegeEscalation`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${overlay} ${name}: readOnlyRootFilesystem`);
          assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${overlay} ${name}: capabilities.drop`);
        }
        const hostVolumes = new Set((spec.volumes ?? []).filter((v: Obj) => v.hostPath).map((v: Obj) => v.name));
        for (const c of spec.containers) {
          for (const m of c.volumeMounts ?? []) if (hostVolumes.has(m.name)) assert.equal(m.readOnly, true, `${overlay} ${name}: host path ${m.mountPath} is writable`);
        }
      }
    }
  });

  test('only the kernel-audit agent is root, with CAP_AUDIT_CONTROL alone', () => {
    for (const overlay of OVERLAYS) {
      for (const { name, spec } of podSpecs(rendered(`overlays-${overlay}`))) {
        const added = spec.containers.flatMap((c: Obj) => c.securityContext?.capabilities?.add ?? []);
        const isKernelAgent = overlay === 'kernel-audit' && name === 'DaemonSet/vigil-agent';
        assert.deepEqual(added, isKernelAgent ? ['AUDIT_CONTROL'] : [], `${overlay} ${name}: added capabilities`);
        if (isKernelAgent) assert.equal(spec.securityContext.runAsUser, 0);
        else {
          assert.equal(spec.securityContext.runAsNonRoot, true, `${overlay} ${name}: runAsNonRoot`);
          assert.equal(spec.securityContext.runAsUser, 10001, `${overlay} ${name}: runAsUser`);
        }
      }
    }
  });

  test('each overlay gives its agent one source and only the host access it needs', () => {
    const expected = {
      'kernel-audit': { source: '--source=linux-audit', hostPID: true, hostPaths: ['/', '/run/audit'] },
      procfs: { source: '--source=procfs', hostPID: true, hostPaths: [] },
      tetragon: { source: '--source=tetragon:/var/log/tetragon/tetragon.log', hostPID: false, hostPaths: ['/var/log/tetragon'] },
    };
    for (const overlay of OVERLAYS) {
      const spec = agentOf(overlay).spec.template.spec;
      const sources = spec.containers[0].args.filter((a: string) => a.startsWith('--source'));
      assert.deepEqual(sources, [expected[overlay].source], overlay);
      assert.equal(spec.hostPID ?? false, expected[overlay].hostPID, `${overlay}: hostPID`);
      const paths = (spec.volumes as Obj[]).filter((v) => v.hostPath).map((v) => v.hostPath.path).sort();
      assert.deepEqual(paths, expected[overlay].hostPaths, `${overlay}: host paths`);
      // The token is there for the pod directory alone (RBAC: read pods, checked below).
      assert.equal(spec.automountServiceAccountToken, true, `${overlay}: the agent reads this node's pods`);
      assert.ok(spec.containers[0].args.includes('--pods=kubernetes'), `${overlay}: --pods=kubernetes`);
    }
  });

  test('RBAC is read-only and never reaches Secrets', () => {
    for (const role of rendered('base').filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role')) {
      for (const rule of role.rules) {
        assert.deepEqual([...rule.verbs].sort(), ['get', 'list', 'watch'], `${role.metadata.name}: verbs`);
        assert.ok(!rule.resources.includes('secrets') && !rule.resources.includes('*'), `${role.metadata.name}: resources`);
        assert.ok(!rule.resources.some((r: string) => r.includes('/')), `${role.metadata.name}: subresources`);
      }
    }
  });

  test('Dockerfile: pinned bases, non-root final stages, lean apt layers, no ADD', () => {
    const lines = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n');
    const stages: { from: string; user?: string }[] = [];
    for (const line of lines) {
      const [instruction, ...rest] = line.trim().split(/\s+/);
      const args = rest.join(' ');
      if (instruction === 'FROM') {
        const image = rest[0];
        assert.ok(stages.some((s) => s.from === image) || /^[\w./-]+:[\w.-]+$/.test(image), `FROM ${image}: pin a tag`);
        assert.ok(!image.endsWith(':latest'), `FROM ${image}: not latest`);
        stages.push({ from: rest[2] ?? image });
      }
      if (instruction === 'USER') stages[stages.length - 1].user = args;
      assert.notEqual(instruction, 'ADD', 'use COPY, not ADD');
      if (instruction === 'RUN' && args.includes('apt-get install')) {
        assert.match(args, /--no-install-recommends/, 'apt-get install without --no-install-recommends');
        assert.match(args, /rm -rf \/var\/lib\/apt\/lists/, 'apt lists left in the layer');
      }
    }
    for (const target of ['analyser', 'agent']) {
      const stage = stages.find((s) => s.from === target);
      assert.equal(stage?.user, '10001:10001', `target ${target} runs as 10001`);
    }
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    assert.ok(ignored.includes('deploy'), '.dockerignore keeps deploy/ (and its token.txt) out of the build context');
  });
});
