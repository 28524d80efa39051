/**
 * @module bench/tetragon
 * Decoding throughput of the Tetragon export: a generated stream shaped like a busy node's file
 * (mostly process_exec with pod identity and parents, some file and connect kprobes, exits).
 */
import { performance } from 'node:perf_hooks';
import { openTetragon } from '../src/sources/tetragon/format.js';

const NODE = 'aks-nodepool1-38291734-vmss000002';

function execId(ktime: number, pid: number): string {
  return Buffer.from(`${NODE}:${ktime}:${pid}`).toString('base64');
}

function hex64(seed: number): string {
  let out = '';
  let x = seed >>> 0 || 1;
  while (out.length < 64) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

const BINARIES = ['/bin/sh', '/usr/bin/curl', '/usr/local/bin/python3', '/usr/bin/cat', '/bin/ls', '/usr/bin/grep', '/app/server'];
const ARGS = ['-c "sleep 1; echo done"', '-fsSL https://example.com/health', 'manage.py runserver 0.0.0.0:8000', '/etc/hosts', '-la /tmp', '-r TODO /app', '--port 8080'];

/** The lines of a synthetic export: ~85% exec, ~10% kprobes, ~5% exits. */
export function generateTetragonLines(count: number): string[] {
  const pods = Array.from({ length: 40 }, (_, i) => ({
    namespace: ['payments', 'web', 'batch', 'monitoring'][i % 4],
    name: `app-${i}-7c9f6d-x2k4q`,
    uid: `5d0c8a1e-2b7f-4f3a-9c61-${hex64(i).slice(0, 12)}`,
    container: {
      id: `containerd://${hex64(i + 1000)}`,
      name: `app-${i}`,
      image: { id: `registry.example.com/app-${i}@sha256:${hex64(i + 2000)}`, name: `registry.example.com/app-${i}:1.${i}.0` },
      start_time: '2025-03-13T22:04:51Z',
      pid: 1,
    },
    pod_labels: { app: `app-${i}`, team: 'platform' },
    workload: `app-${i}`,
    workload_kind: 'Deployment',
  }));
  const lines: string[] = [];
  const base = Date.parse('2025-03-14T09:00:00Z');
  let pid = 100_000;
  let previous = execId(1, 1);
  for (let i = 0; i < count; i++) {
    const time = new Date(base + i * 3).toISOString().replace('Z', '123456Z');
    const pod = pods[i % pods.length];
    const r = i % 20;
    if (r < 17) {
      pid++;
      const id = execId(90_000_000_000_000 + i * 1000, pid);
      const b = i % BINARIES.length;
      lines.push(
        JSON.stringify({
          process_exec: {
            process: { exec_id: id, pid, uid: 0, cwd: '/app', binary: BINARIES[b], arguments: ARGS[b], flags: 'execve clone', start_time: time, auid: 4294967295, pod, docker: pod.container.id.slice(13, 44), parent_exec_id: previous, tid: pid, in_init_tree: true },
            parent: { exec_id: previous, pid: pid - 1, uid: 0, cwd: '/app', binary: '/bin/sh', flags: 'execve', start_time: time, auid: 4294967295, parent_exec_id: execId(1, 1), tid: pid - 1 },
          },
          node_name: NODE,
          time,
        }),
      );
      previous = id;
    } else if (r === 17) {
      lines.push(
        JSON.stringify({
          process_kprobe: {
            process: { exec_id: previous, pid, uid: 0, binary: '/usr/bin/cat', pod },
            function_name: 'security_file_permission',
            args: [{ file_arg: { path: '/etc/shadow', permission: '-rw-r-----' } }, { int_arg: 4 }],
            return: { int_arg: 0 },
            action: 'KPROBE_ACTION_POST',
            policy_name: 'vigil-sensitive-files',
          },
          node_name: NODE,
          time,
        }),
      );
    } else if (r === 18) {
      lines.push(
        JSON.stringify({
          process_kprobe: {
            process: { exec_id: previous, pid, uid: 0, binary: '/usr/bin/curl', pod },
            function_name: 'tcp_connect',
            args: [{ sock_arg: { family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP', saddr: '10.244.3.17', daddr: `203.0.113.${i % 250}`, sport: 40000 + (i % 20000), dport: 443, cookie: String(18446623145882791936n + BigInt(i)) } }],
            action: 'KPROBE_ACTION_POST',
            policy_name: 'vigil-egress',
          },
          node_name: NODE,
          time,
        }),
      );
    } else {
      lines.push(JSON.stringify({ process_exit: { process: { exec_id: previous, pid, binary: '/bin/ls' }, status: 0, time }, node_name: NODE, time }));
    }
  }
  return lines;
}

export async function benchTetragon(): Promise<{ name: string; events: number; seconds: number; eventsPerSecond: number }> {
  const lines = generateTetragonLines(250_000);
  let events = 0;
  let issues = 0;
  const decoder = openTetragon({ event: () => events++, issue: () => issues++ }, {});
  const start = performance.now();
  for (let i = 0; i < lines.length; i++) decoder.line(lines[i], { file: 'bench', line: i + 1 });
  decoder.end();
  const seconds = (performance.now() - start) / 1000;
  if (issues > 0) throw new Error(`benchTetragon: ${issues} decode issues in generated input`);
  return { name: 'tetragon decode', events, seconds, eventsPerSecond: Math.round(events / seconds) };
}
