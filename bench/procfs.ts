/**
 * @module bench/procfs
 * What the /proc sampler costs and how many short-lived processes it misses: a shell runs
 * `/bin/true` many times in a row (each lives a millisecond or so, reaped at once by the shell,
 * not left as a zombie for us to find) while a sampler runs at a given interval.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ProcfsSampler } from '../src/sources/procfs/sampler.js';

export interface ProcfsMissResult {
  name: string;
  intervalMs: number;
  spawned: number;
  seen: number;
  missedFraction: number;
  meanSampleMs: number;
  maxSampleMs: number;
}

/** `command` is run `count` times in a row; it must be an absolute path whose name ends the exe link. */
export async function benchProcfsMisses(intervalMs: number, count = 500, command = '/bin/true'): Promise<ProcfsMissResult> {
  const name = command.split(' ')[0].split('/').pop() as string;
  const sampler = new ProcfsSampler({ intervalMs });
  let shellPid = -1;
  let seen = 0;
  sampler.start((event) => {
    if (event.kind === 'process.exec' && event.process.ppid === shellPid && event.process.executable.endsWith('/' + name)) seen++;
  });
  const shell = spawn('sh', ['-c', `i=0; while [ $i -lt ${count} ]; do ${command}; i=$((i+1)); done`], { stdio: 'ignore' });
  shellPid = shell.pid ?? -1;
  await once(shell, 'exit');
  sampler.stop();
  const stats = sampler.stats();
  return {
    name: `procfs misses @${intervalMs}ms: ${count} × ${command}`,
    intervalMs,
    spawned: count,
    seen,
    missedFraction: 1 - seen / count,
    meanSampleMs: stats.meanSampleMs,
    maxSampleMs: stats.maxSampleMs,
  };
}

/**
 * The figures quoted in docs/procfs.md: 500 `/bin/true` (about a millisecond each) and 100
 * `sleep 0.05`, at 100 ms and at 20 ms.
 */
export async function benchProcfs(): Promise<ProcfsMissResult[]> {
  const out: ProcfsMissResult[] = [];
  for (const intervalMs of [100, 20]) {
    out.push(await benchProcfsMisses(intervalMs, 500, '/bin/true'));
    out.push(await benchProcfsMisses(intervalMs, 100, '/bin/sleep 0.05'));
  }
  return out;
}
