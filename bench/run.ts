/**
 * @module bench/run
 * `npm run bench`: comparable figures for the record in BENCHMARKS.md. Each measured run is a
 * separate process pinned to one core (taskset, when present), so figures are per core and peak
 * RSS is that run's own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchAgentLive } from './agent-live.js';
import { writeAuditStream } from './audit-stream.js';
import { benchIngest, formatIngest } from './ingest.js';
import { benchLinuxAudit } from './linux-audit.js';
import { benchNodeDetections } from './node-detections.js';
import { benchProcfs } from './procfs.js';
import { benchRules } from './rules.js';
import { benchScale } from './scale.js';
import { benchTetragon } from './tetragon.js';

const here = dirname(fileURLToPath(import.meta.url));
const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 300_000);

interface ChildResult {
  events: number;
  seconds: number;
  maxRssMiB: number;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
}

function runChild(mode: string, file: string, pin: boolean): ChildResult {
  const args = [join(here, 'child.js'), mode, file];
  const r = pin ? spawnSync('taskset', ['-c', '0', process.execPath, ...args], { encoding: 'utf8' }) : spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as ChildResult;
}

function best(mode: string, file: string, pin: boolean, runs = 3): ChildResult {
  const results = Array.from({ length: runs }, () => runChild(mode, file, pin));
  return results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
try {
  const file = join(dir, 'busy-cluster-audit.jsonl');
  const bytes = await writeAuditStream(file, EVENTS);
  const pin = hasTaskset();
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${pin ? ', runs pinned to one core' : ''}`);
  console.log(`input: ${EVENTS} audit events, ${(bytes / 2 ** 20).toFixed(1)} MiB (busy-cluster mix, ~10% RequestResponse pod creations)`);
  const parse = best('parse', file, pin);
  const scanned = best('scan', file, pin);
  const rate = (r: ChildResult) => Math.round(r.events / r.seconds);
  console.log('');
  console.log('benchmark                         events/s     MiB/s   peak RSS MiB');
  console.log(`read + JSON.parse (baseline)   ${String(rate(parse)).padStart(11)} ${(bytes / 2 ** 20 / parse.seconds).toFixed(1).padStart(9)} ${parse.maxRssMiB.toFixed(0).padStart(14)}`);
  console.log(`vigil scan (all detections)    ${String(rate(scanned)).padStart(11)} ${(bytes / 2 ** 20 / scanned.seconds).toFixed(1).padStart(9)} ${scanned.maxRssMiB.toFixed(0).padStart(14)}`);
  console.log(`ratio scan / baseline: ${(rate(scanned) / rate(parse)).toFixed(2)}x`);

  console.log('');
  console.log(formatIngest(await benchIngest()));

  console.log('');
  console.log('node telemetry (in process)                    events/s');
  for (const bench of [benchLinuxAudit, benchTetragon, benchNodeDetections]) {
    const r = await bench();
    console.log(`${r.name.padEnd(40)} ${String(r.eventsPerSecond).padStart(12)}   (${r.events} events)`);
  }

  console.log('');
  const rules = await benchRules();
  console.log('user rules on a node exec stream, all built-in detections     events/s');
  console.log(`  no user rule                                           ${String(rules.none).padStart(9)}`);
  console.log(`  100 user rules on other kinds                          ${String(rules.otherKinds).padStart(9)} (${((rules.otherKinds / rules.none) * 100).toFixed(0)}%)`);
  console.log(`  100 user rules on process.exec                         ${String(rules.sameKind).padStart(9)} (${((rules.sameKind / rules.none) * 100).toFixed(0)}%)`);

  console.log('');
  console.log('/proc sampler: short-lived processes missed');
  for (const r of await benchProcfs()) {
    console.log(`${r.name.padEnd(52)} missed ${(100 * r.missedFraction).toFixed(1)}% (${r.seen}/${r.spawned} seen), sample ${r.meanSampleMs.toFixed(2)} ms mean`);
  }

  console.log('');
  console.log('several analysers (receiver → NATS JetStream → analysers → PostgreSQL)');
  console.log('analysers   events   publish ev/s   end-to-end ev/s   peak RSS per analyser (MiB)');
  try {
    for (const r of await benchScale()) {
      console.log(`${String(r.analysers).padStart(9)} ${String(r.events).padStart(8)} ${String(r.publishPerSecond).padStart(14)} ${String(r.endToEndPerSecond).padStart(17)}   ${r.analyserPeakRssMiB.join(', ')}`);
    }
  } catch (error) {
    console.log(`not run: ${(error as Error).message}`);
  }

  if (process.env.VIGIL_BENCH_LIVE !== '0') {
    console.log('');
    const seconds = Number(process.env.VIGIL_BENCH_LIVE_SECONDS ?? 60);
    try {
      const live = await benchAgentLive(200, seconds);
      console.log(`${live.name}: saw ${live.execsSeen}/${live.execsRun} execs, ${live.cpuPercentOfOneCore.toFixed(1)}% of one core, peak RSS ${live.maxRssMiB.toFixed(0)} MiB`);
    } catch (error) {
      console.log(`live agent benchmark not run: ${(error as Error).message}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
