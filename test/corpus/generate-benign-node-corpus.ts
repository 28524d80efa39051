/**
 * Writes test/corpus/benign-node-day.jsonl.gz: one realistic day (2026-03-15, UTC) of node
 * activity on a three-node AKS-style cluster running common workloads, in Vigil's normalised
 * JSON lines — web servers, databases, JVM services, CI jobs, system daemons, the kubelet and the
 * container runtime, probes, package installs in init containers, an administrator's SSH session,
 * monitoring agents. Nothing in it is an attack: every node detection must stay silent on it
 * (test/corpus/benign-corpus.test.ts), except what test/corpus/known-fps.csv lists with a reason.
 *
 * Deterministic (fixed seed): `npm run build && node dist/test/corpus/generate-benign-node-corpus.js --write`.
 * Left out on purpose: image builds (`docker build`, kaniko) — K8S.NODE_ImageBuildOnNode fires
 * on those by design.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../../src/util/paths.js';

type Json = Record<string, unknown>;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(20260315);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

const DAY = Date.parse('2026-03-15T00:00:00Z');
const NODES = ['aks-nodepool1-38291734-vmss000000', 'aks-nodepool1-38291734-vmss000001', 'aks-nodepool1-38291734-vmss000002'];

let serial = 41000;
let ktime = 880000000000;
let nextPid = 200000;

interface Proc {
  pid: number;
  executable: string;
  args: string[];
  cwd?: string;
  uid?: number;
  tty?: string;
  inInitTree?: boolean;
}

interface Container {
  id: string;
  name: string;
  image: string;
  pod: string;
  namespace: string;
  privileged?: boolean;
  workload?: string;
  workloadKind?: string;
}

function hex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

function container(name: string, image: string, pod: string, namespace: string, extra: Partial<Container> = {}): Container {
  return { id: hex(64), name, image, pod, namespace, ...extra };
}

const SYSTEMD: Proc = { pid: 1, executable: '/usr/lib/systemd/systemd', args: ['/sbin/init'] };
const shim = (c: Container): Proc => ({ pid: 3000 + (parseInt(c.id.slice(0, 4), 16) % 900), executable: '/usr/bin/containerd-shim-runc-v2', args: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', c.id, '-address', '/run/containerd/containerd.sock'] });
const runcExec = (c: Container): Proc => ({ pid: nextPid, executable: '/usr/bin/runc', args: ['runc', '--root', '/run/containerd/runc/k8s.io', '--log', `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${c.id}/log.json`, '--log-format', 'json', 'exec', '--process', `/tmp/runc-process${int(100000000, 999999999)}`, '--detach', '--pid-file', `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${c.id}/${hex(64)}.pid`, c.id] });

const events: Json[] = [];

function processJson(p: Proc, source: string, node: string): Json {
  const out: Json = { pid: p.pid, executable: p.executable, args: p.args, commandLine: p.args.join(' ') };
  if (p.cwd) out.cwd = p.cwd;
  out.uid = p.uid ?? 0;
  if (p.tty) out.tty = p.tty;
  if (p.inInitTree !== undefined) out.inInitTree = p.inInitTree;
  if (source === 'tetragon') out.execId = Buffer.from(`${node}:${ktime}:${p.pid}`).toString('base64');
  else out.auid = p.tty ? 1000 : 4294967295;
  return out;
}

interface Where {
  node: string;
  container?: Container;
  ancestors: Proc[];
  source?: 'tetragon' | 'linux-audit';
}

function emit(kind: string, time: number, where: Where, proc: Proc, extra: Json = {}): void {
  const source = where.source ?? (where.container ? 'tetragon' : 'linux-audit');
  ktime += int(1000000, 90000000);
  serial += 1;
  const process = processJson(proc, source, where.node);
  const id =
    source === 'tetragon'
      ? kind === 'process.exec'
        ? (process.execId as string)
        : Buffer.from(`${where.node}:${ktime + 17}:${proc.pid}`).toString('base64')
      : `${Math.floor(time / 1000)}.${String(time % 1000).padStart(3, '0')}:${serial}`;
  const event: Json = { kind, id, time: new Date(time).toISOString(), source, node: where.node, process, ancestors: where.ancestors.map((a) => processJson(a, source, where.node)) };
  if (where.container) event.container = { ...where.container, runtime: 'containerd' };
  Object.assign(event, extra);
  events.push(event);
}

function exec(time: number, where: Where, args: string[], executable: string, more: Partial<Proc> = {}): Proc {
  const proc: Proc = { pid: nextPid++, executable, args, ...more };
  emit('process.exec', time, where, proc);
  return proc;
}

function file(time: number, where: Where, proc: Proc, operation: string, path: string, targetPath?: string, success = true): void {
  emit('file.access', time, where, proc, { operation, path, ...(targetPath ? { targetPath } : {}), success });
}

function connect(time: number, where: Where, proc: Proc, remoteAddress: string, remotePort: number): void {
  emit('net.connect', time, where, proc, { family: 'inet', remoteAddress, remotePort, protocol: 'tcp', success: true });
}

// ---------------------------------------------------------------------------------------------
// The cluster's workloads

const [N0, N1, N2] = NODES as [string, string, string];
const web = container('nginx', 'docker.io/library/nginx:1.27.4', 'shop-frontend-5d8f7b9c4-qw2lz', 'shop', { workload: 'shop-frontend', workloadKind: 'Deployment' });
const php = container('php-fpm', 'docker.io/library/php:8.3-fpm', 'shop-frontend-5d8f7b9c4-qw2lz', 'shop', { workload: 'shop-frontend', workloadKind: 'Deployment' });
const pg = container('postgres', 'docker.io/library/postgres:16.4', 'orders-db-0', 'shop', { workload: 'orders-db', workloadKind: 'StatefulSet' });
const mysql = container('mysql', 'docker.io/library/mysql:8.4.2', 'catalog-db-0', 'shop', { workload: 'catalog-db', workloadKind: 'StatefulSet' });
const redis = container('redis', 'docker.io/library/redis:7.4', 'cache-redis-0', 'shop', { workload: 'cache-redis', workloadKind: 'StatefulSet' });
const jvm = container('orders', 'registry.example.com/shop/orders:3.8.1', 'orders-api-6b7c9d8f5-m2x7p', 'shop', { workload: 'orders-api', workloadKind: 'Deployment' });
const ingress = container('controller', 'registry.k8s.io/ingress-nginx/controller:v1.11.2', 'ingress-nginx-controller-7d9f8b6c5-r4t8k', 'ingress-nginx', { workload: 'ingress-nginx-controller', workloadKind: 'Deployment' });
const calico = container('calico-node', 'docker.io/calico/node:v3.28.1', 'calico-node-x7k2p', 'kube-system', { privileged: true, workload: 'calico-node', workloadKind: 'DaemonSet' });
const kubeProxy = container('kube-proxy', 'mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.4', 'kube-proxy-8w2lq', 'kube-system', { privileged: true, workload: 'kube-proxy', workloadKind: 'DaemonSet' });
const fluent = container('fluent-bit', 'cr.fluentbit.io/fluent/fluent-bit:3.1.9', 'fluent-bit-9xk4d', 'logging', { workload: 'fluent-bit', workloadKind: 'DaemonSet' });
const nodeExporter = container('node-exporter', 'quay.io/prometheus/node-exporter:v1.8.2', 'node-exporter-5tq8z', 'monitoring', { workload: 'node-exporter', workloadKind: 'DaemonSet' });
const datadog = container('agent', 'gcr.io/datadoghq/agent:7.57.2', 'datadog-agent-h7x2c', 'monitoring', { workload: 'datadog-agent', workloadKind: 'DaemonSet' });

/** The calico pod as the inventory knows it: its exec probes are its own. */
function podSnapshot(): void {
  events.push({
    kind: 'k8s.object',
    id: 'snapshot-kube-system-calico-node-x7k2p',
    time: new Date(DAY).toISOString(),
    source: 'vigil',
    change: 'snapshot',
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: calico.pod, namespace: 'kube-system', labels: { 'k8s-app': 'calico-node' } },
      spec: {
        hostNetwork: true,
        nodeName: N2,
        containers: [
          {
            name: 'calico-node',
            image: calico.image,
            securityContext: { privileged: true },
            livenessProbe: { exec: { command: ['/bin/calico-node', '-felix-live', '-bird-live'] }, periodSeconds: 10 },
            readinessProbe: { exec: { command: ['/bin/calico-node', '-felix-ready', '-bird-ready'] }, periodSeconds: 10 },
          },
        ],
      },
    },
  });
}

function at(minute: number, second = int(0, 59)): number {
  return DAY + minute * 60000 + second * 1000 + int(0, 999);
}

const CLASSPATH = Array.from({ length: 60 }, (_, i) => `/app/lib/${pick(['spring-core', 'spring-web', 'jackson-databind', 'netty-handler', 'kafka-clients', 'hikaricp', 'postgresql', 'slf4j-api', 'logback-classic', 'micrometer-core'])}-${i}.jar`).join(':');

function everyMinute(minute: number): void {
  const t = (s?: number) => at(minute, s);
  // web: nginx workers proxy to php-fpm and the orders API; php-fpm talks to mysql
  const nginxWorker: Proc = { pid: 5121 + (minute % 4), executable: '/usr/sbin/nginx', args: ['nginx: worker process'] };
  for (let i = 0; i < 4; i++) connect(t(), { node: N0, container: web, ancestors: [{ pid: 5120, executable: '/usr/sbin/nginx', args: ['nginx: master process', 'nginx', '-g', 'daemon off;'] }] }, nginxWorker, pick(['10.244.1.23', '10.244.2.41', '10.0.142.17']), pick([9000, 8080]));
  const fpm: Proc = { pid: 6120 + (minute % 8), executable: '/usr/local/sbin/php-fpm', args: ['php-fpm: pool www'], uid: 33 };
  file(t(), { node: N0, container: php, ancestors: [{ pid: 6100, executable: '/usr/local/sbin/php-fpm', args: ['php-fpm: master process (/usr/local/etc/php-fpm.conf)'] }] }, fpm, 'open', pick(['/var/www/html/index.php', '/var/www/html/cart.php', '/var/www/html/vendor/autoload.php']));
  connect(t(), { node: N0, container: php, ancestors: [] }, fpm, '10.0.88.4', 3306);
  // probes: exec'd by runc, outside the init tree, in unprivileged containers
  exec(t(), { node: N0, container: web, ancestors: [runcExec(web), shim(web)] }, ['sh', '-c', 'curl -fs localhost:8080/healthz'], '/bin/sh', { inInitTree: false });
  exec(t(), { node: N1, container: pg, ancestors: [runcExec(pg), shim(pg)] }, ['pg_isready', '-U', 'postgres', '-h', '127.0.0.1', '-p', '5432'], '/usr/lib/postgresql/16/bin/pg_isready', { inInitTree: false, uid: 999 });
  exec(t(), { node: N1, container: redis, ancestors: [runcExec(redis), shim(redis)] }, ['redis-cli', 'ping'], '/usr/local/bin/redis-cli', { inInitTree: false, uid: 999 });
  if (minute % 2 === 0) exec(t(), { node: N2, container: mysql, ancestors: [runcExec(mysql), shim(mysql)] }, ['mysqladmin', 'ping', '-h', '127.0.0.1', '--silent'], '/usr/bin/mysqladmin', { inInitTree: false, uid: 999 });
  // calico's own exec probes (privileged; known to the inventory)
  exec(t(), { node: N2, container: calico, ancestors: [runcExec(calico), shim(calico)] }, ['/bin/calico-node', '-felix-live', '-bird-live'], '/bin/calico-node', { inInitTree: false });
  exec(t(), { node: N2, container: calico, ancestors: [runcExec(calico), shim(calico)] }, ['/bin/calico-node', '-felix-ready', '-bird-ready'], '/bin/calico-node', { inInitTree: false });
  // the JVM service calls Kafka and Postgres
  const java: Proc = { pid: 7101, executable: '/opt/java/openjdk/bin/java', args: ['java', '-Xms512m', '-Xmx2g', '-cp', CLASSPATH, 'com.example.orders.Application'], uid: 1000 };
  connect(t(), { node: N1, container: jvm, ancestors: [shim(jvm)] }, java, pick(['10.244.2.77', '10.244.0.91']), pick([9092, 5432]));
  // postgres writes WAL and recycles old segments (autovacuum and checkpointer are forks, not execs)
  const pgProc: Proc = { pid: 8101, executable: '/usr/lib/postgresql/16/bin/postgres', args: ['postgres: checkpointer'], uid: 999 };
  file(t(), { node: N1, container: pg, ancestors: [shim(pg)] }, pgProc, 'write', `/var/lib/postgresql/data/pg_wal/0000000100000004000000${(minute % 200).toString(16).padStart(2, '0').toUpperCase()}`);
  // the kubelet on every node reads its credentials and calls the API server
  for (const node of NODES) {
    const kubelet: Proc = { pid: 1420, executable: '/usr/local/bin/kubelet', args: ['/usr/local/bin/kubelet', '--kubeconfig', '/var/lib/kubelet/kubeconfig', '--bootstrap-kubeconfig', '/var/lib/kubelet/bootstrap-kubeconfig', '--config', '/var/lib/kubelet/config.yaml'] };
    if (minute % 5 === 0) file(t(), { node, ancestors: [SYSTEMD] }, kubelet, 'read', '/var/lib/kubelet/pki/kubelet-client-current.pem');
    connect(t(), { node, ancestors: [SYSTEMD] }, kubelet, '10.0.0.1', 443);
  }
  // fluent-bit tails container logs
  const fb: Proc = { pid: 9201, executable: '/fluent-bit/bin/fluent-bit', args: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/fluent-bit.conf'] };
  file(t(), { node: pick(NODES), container: fluent, ancestors: [shim(fluent)] }, fb, 'read', `/var/log/containers/${pick(['shop-frontend', 'orders-api', 'orders-db'])}-${hex(8)}.log`);
  if (minute % 3 === 0) connect(t(), { node: N0, container: fluent, ancestors: [shim(fluent)] }, fb, '10.0.200.15', 24224);
}

function everyFiveMinutes(minute: number): void {
  const t = (s?: number) => at(minute, s);
  // datadog's process and disk checks
  const agent: Proc = { pid: 9301, executable: '/opt/datadog-agent/bin/agent/agent', args: ['agent', 'run'] };
  exec(t(), { node: pick(NODES), container: datadog, ancestors: [agent, shim(datadog)] }, ['ps', '-eo', 'pid,ppid,user,comm,args'], '/bin/ps', { inInitTree: true });
  exec(t(), { node: pick(NODES), container: datadog, ancestors: [agent, shim(datadog)] }, ['df', '-kP'], '/bin/df', { inInitTree: true });
  // kube-proxy resyncs its rules (privileged, its own process tree)
  const kp: Proc = { pid: 2801, executable: '/usr/local/bin/kube-proxy', args: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=' + N1] };
  exec(t(), { node: N1, container: kubeProxy, ancestors: [kp, shim(kubeProxy)] }, ['iptables-restore', '-w', '5', '-W', '100000', '--noflush', '--counters'], '/usr/sbin/iptables-restore', { inInitTree: true });
  // calico's felix checks routes
  const felix: Proc = { pid: 3121, executable: '/usr/bin/calico-node', args: ['calico-node', '-felix'] };
  exec(t(), { node: N2, container: calico, ancestors: [felix, { pid: 3120, executable: '/usr/bin/runsvdir', args: ['runsvdir', '-P', '/etc/service/enabled'] }, shim(calico)] }, ['ip', '-6', 'route', 'show'], '/sbin/ip', { inInitTree: true });
  // node-exporter reads /proc and /sys (no execs); it is scraped
  connect(t(), { node: N0, container: nodeExporter, ancestors: [] }, { pid: 9401, executable: '/bin/node_exporter', args: ['/bin/node_exporter', '--path.rootfs=/host'] }, '10.0.200.20', 9090);
  // liveness file touched by a worker
  exec(t(), { node: N1, container: jvm, ancestors: [runcExec(jvm), shim(jvm)] }, ['touch', '/tmp/healthy'], '/usr/bin/touch', { inInitTree: false, uid: 1000 });
}

function hourly(hour: number): void {
  const minute = hour * 60 + int(1, 50);
  const t = (s?: number) => at(minute, s);
  // cron: hourly run-parts, and cron's PAM account check reads /etc/shadow
  const cron: Proc = { pid: 900, executable: '/usr/sbin/cron', args: ['/usr/sbin/cron', '-f', '-P'] };
  for (const node of NODES) {
    const cronChild: Proc = { pid: nextPid++, executable: '/usr/sbin/cron', args: ['/usr/sbin/CRON', '-f', '-P'] };
    file(t(), { node, ancestors: [cron, SYSTEMD] }, cronChild, 'read', '/etc/shadow');
    const s = exec(t(), { node, ancestors: [cronChild, cron, SYSTEMD] }, ['/bin/sh', '-c', '   cd / && run-parts --report /etc/cron.hourly'], '/usr/bin/dash');
    exec(t(), { node, ancestors: [s, cronChild, cron] }, ['run-parts', '--report', '/etc/cron.hourly'], '/usr/bin/run-parts');
  }
  // the ingress controller regenerates and reloads nginx
  const controller: Proc = { pid: 4101, executable: '/nginx-ingress-controller', args: ['/nginx-ingress-controller', '--publish-service=ingress-nginx/ingress-nginx-controller', '--election-id=ingress-nginx-leader', '--controller-class=k8s.io/ingress-nginx'], uid: 101 };
  const w: Where = { node: N0, container: ingress, ancestors: [controller, shim(ingress)] };
  exec(t(), w, ['/usr/bin/nginx', '-c', '/tmp/nginx/nginx-cfg2207941285', '-t'], '/usr/bin/nginx', { uid: 101, inInitTree: true });
  exec(t(), w, ['/usr/bin/nginx', '-c', '/etc/nginx/nginx.conf', '-s', 'reload'], '/usr/bin/nginx', { uid: 101, inInitTree: true });
  file(t(), w, controller, 'rename', '/etc/nginx/nginx.conf.tmp', '/etc/nginx/nginx.conf');
  // openssl hashing an ingress basic-auth password (not an account's)
  if (hour === 9) exec(t(), { node: N0, container: ingress, ancestors: [controller, shim(ingress)] }, ['openssl', 'passwd', '-apr1', '-salt', 'x1y2z3', 'changeme'], '/usr/bin/openssl', { uid: 101 });
  // a CI job every hour in the ci namespace
  ciJob(hour);
}

function ciJob(hour: number): void {
  const minute = hour * 60 + int(5, 55);
  const t = (s?: number) => at(minute, s);
  const pod = `app-ci-${hour}-${hex(5)}`;
  const node = pick(NODES);
  const init = container('clone', 'docker.io/alpine/git:2.45.2', pod, 'ci');
  const main = container('build', pick(['docker.io/library/node:20-bookworm', 'docker.io/library/golang:1.23', 'docker.io/library/maven:3.9-eclipse-temurin-21']), pod, 'ci');
  exec(t(), { node, container: init, ancestors: [shim(init)] }, ['git', 'clone', '--depth', '1', 'https://github.com/example/shop-app.git', '/workspace/src'], '/usr/bin/git', { cwd: '/workspace', inInitTree: true });
  const gitChild: Proc = { pid: nextPid++, executable: '/usr/libexec/git-core/git-remote-https', args: ['git-remote-https', 'origin', 'https://github.com/example/shop-app.git'] };
  connect(t(), { node, container: init, ancestors: [shim(init)] }, gitChild, '140.82.112.3', 443);
  for (let i = 0; i < 30; i++) file(t(), { node, container: init, ancestors: [shim(init)] }, { pid: nextPid, executable: '/usr/bin/git', args: ['git', 'checkout'] }, 'create', `/workspace/src/${pick(['src', 'test', 'cmd', 'pkg'])}/${hex(6)}.${pick(['js', 'go', 'java', 'ts'])}`);
  const sh = exec(t(), { node, container: main, ancestors: [shim(main)] }, ['/bin/sh', '-c', main.image.includes('node') ? 'npm ci && npm test' : main.image.includes('golang') ? 'go build ./... && go test ./...' : 'mvn -B -q package'], '/bin/sh', { cwd: '/workspace/src', inInitTree: true });
  const w: Where = { node, container: main, ancestors: [sh, shim(main)] };
  if (main.image.includes('node')) {
    const npm = exec(t(), w, ['node', '/usr/local/bin/npm', 'ci'], '/usr/local/bin/node', { cwd: '/workspace/src' });
    connect(t(), w, npm, '104.16.24.34', 443);
    for (let i = 0; i < 40; i++) file(t(), w, npm, pick(['create', 'write', 'utimes']), `/workspace/src/node_modules/${pick(['express', 'lodash', 'react', 'jest', 'typescript'])}/${hex(4)}.js`);
    for (let i = 0; i < 5; i++) file(t(), w, npm, 'unlink', `/root/.npm/_cacache/tmp/${hex(8)}`);
    exec(t(), w, ['node', '/usr/local/bin/npm', 'test'], '/usr/local/bin/node', { cwd: '/workspace/src' });
    exec(t(), { node, container: main, ancestors: [npm, sh] }, ['sh', '-c', 'jest --ci'], '/bin/sh', { cwd: '/workspace/src' });
  } else if (main.image.includes('golang')) {
    const go = exec(t(), w, ['go', 'build', './...'], '/usr/local/go/bin/go', { cwd: '/workspace/src' });
    connect(t(), w, go, '142.250.74.81', 443);
    for (let i = 0; i < 30; i++) file(t(), w, go, 'write', `/root/.cache/go-build/${hex(2)}/${hex(64)}-d`);
    exec(t(), { node, container: main, ancestors: [go, sh] }, ['/usr/local/go/pkg/tool/linux_amd64/compile', '-o', `/tmp/go-build${int(1000000, 9999999)}/b001/_pkg_.a`, '-p', 'main'], '/usr/local/go/pkg/tool/linux_amd64/compile');
    exec(t(), w, ['go', 'test', './...'], '/usr/local/go/bin/go', { cwd: '/workspace/src' });
  } else {
    const mvn = exec(t(), w, ['/usr/share/maven/bin/mvn', '-B', '-q', 'package'], '/usr/share/maven/bin/mvn', { cwd: '/workspace/src' });
    const javaMvn = exec(t(), { node, container: main, ancestors: [mvn, sh] }, ['/opt/java/openjdk/bin/java', '-classpath', '/usr/share/maven/boot/plexus-classworlds-2.8.0.jar', '-Dclassworlds.conf=/usr/share/maven/bin/m2.conf', 'org.codehaus.plexus.classworlds.launcher.Launcher', '-B', '-q', 'package'], '/opt/java/openjdk/bin/java');
    connect(t(), w, javaMvn, '151.101.64.215', 443);
    for (let i = 0; i < 30; i++) file(t(), w, javaMvn, pick(['create', 'write']), `/root/.m2/repository/org/${pick(['springframework', 'apache', 'slf4j'])}/${hex(6)}.jar`);
  }
}

function bootAndPackages(): void {
  // init containers installing packages from the official indexes
  for (let i = 0; i < 6; i++) {
    const minute = int(0, 1400);
    const t = (s?: number) => at(minute, s);
    const c = container('init-tools', pick(['docker.io/library/debian:bookworm-slim', 'docker.io/library/ubuntu:24.04']), `report-worker-${hex(5)}-${hex(5)}`, 'batch');
    const node = pick(NODES);
    const sh = exec(t(), { node, container: c, ancestors: [shim(c)] }, ['/bin/sh', '-c', 'apt-get update && apt-get install -y --no-install-recommends curl ca-certificates postgresql-client'], '/bin/sh', { inInitTree: true });
    const apt = exec(t(), { node, container: c, ancestors: [sh, shim(c)] }, ['apt-get', 'install', '-y', '--no-install-recommends', 'curl', 'ca-certificates', 'postgresql-client'], '/usr/bin/apt-get');
    connect(t(), { node, container: c, ancestors: [sh] }, apt, '151.101.2.132', 80);
    const dpkg = exec(t(), { node, container: c, ancestors: [apt, sh] }, ['/usr/bin/dpkg', '--status-fd', '43', '--no-triggers', '--unpack', '--auto-deconfigure', '/var/cache/apt/archives/curl_7.88.1-10+deb12u8_amd64.deb'], '/usr/bin/dpkg');
    for (const f of ['/usr/bin/curl', '/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0', '/usr/share/doc/curl/copyright', '/etc/ssl/certs/ca-certificates.crt']) {
      file(t(), { node, container: c, ancestors: [apt, sh] }, dpkg, 'rename', f + '.dpkg-new', f);
      file(t(), { node, container: c, ancestors: [apt, sh] }, dpkg, 'utimes', f);
    }
    const postinst = exec(t(), { node, container: c, ancestors: [dpkg, apt, sh] }, ['/bin/sh', '/var/lib/dpkg/info/postgresql-common.postinst', 'configure'], '/bin/sh');
    exec(t(), { node, container: c, ancestors: [postinst, dpkg, apt] }, ['adduser', '--system', '--quiet', '--home', '/var/lib/postgresql', '--no-create-home', '--shell', '/bin/bash', '--group', '--gecos', 'PostgreSQL administrator', 'postgres'], '/usr/sbin/adduser');
    exec(t(), { node, container: c, ancestors: [postinst, dpkg, apt] }, ['useradd', '--system', '--home-dir', '/var/lib/postgresql', '--no-create-home', '--shell', '/bin/bash', '--gid', 'postgres', 'postgres'], '/usr/sbin/useradd');
  }
  for (let i = 0; i < 4; i++) {
    const minute = int(0, 1400);
    const c = container('setup', 'docker.io/library/python:3.12-alpine', `etl-${hex(5)}-${hex(5)}`, 'batch');
    const node = pick(NODES);
    const sh = exec(at(minute), { node, container: c, ancestors: [shim(c)] }, ['/bin/sh', '-c', 'apk add --no-cache curl jq && pip install --no-cache-dir -r /app/requirements.txt'], '/bin/sh', { inInitTree: true });
    exec(at(minute), { node, container: c, ancestors: [sh, shim(c)] }, ['apk', 'add', '--no-cache', 'curl', 'jq'], '/sbin/apk');
    const pip = exec(at(minute), { node, container: c, ancestors: [sh, shim(c)] }, ['/usr/local/bin/python', '/usr/local/bin/pip', 'install', '--no-cache-dir', '-r', '/app/requirements.txt'], '/usr/local/bin/python3.12');
    connect(at(minute), { node, container: c, ancestors: [sh] }, pip, '151.101.0.223', 443);
    // a tool tarball unpacked into /usr/local/bin keeps its packed times
    const tar = exec(at(minute), { node, container: c, ancestors: [sh, shim(c)] }, ['tar', '-xzf', '/tmp/kubectl.tgz', '-C', '/usr/local/bin'], '/bin/tar');
    file(at(minute), { node, container: c, ancestors: [sh, shim(c)] }, tar, 'utimes', '/usr/local/bin/kubectl');
  }
  // the application started with nohup, logging to its own file
  const app = container('legacy', 'registry.example.com/shop/legacy-billing:1.2.0', 'legacy-billing-7f8d9-z9x2', 'shop');
  const sh = exec(at(3), { node: N2, container: app, ancestors: [shim(app)] }, ['/bin/sh', '-c', 'nohup java -jar /opt/billing/billing.jar > /var/log/billing/billing.log 2>&1 &'], '/bin/sh', { inInitTree: true });
  exec(at(3), { node: N2, container: app, ancestors: [sh, shim(app)] }, ['java', '-jar', '/opt/billing/billing.jar'], '/opt/java/openjdk/bin/java');
  // the runtime starting pods: containerd-shim, runc, pause
  for (let i = 0; i < 40; i++) {
    const node = pick(NODES);
    const c = container('pause', 'mcr.microsoft.com/oss/kubernetes/pause:3.6', `pod-${hex(6)}`, pick(['shop', 'ci', 'batch', 'monitoring']));
    const containerd: Proc = { pid: 1010, executable: '/usr/bin/containerd', args: ['/usr/bin/containerd'] };
    const s = exec(at(int(0, 1430)), { node, ancestors: [containerd, SYSTEMD] }, shim(c).args, '/usr/bin/containerd-shim-runc-v2');
    exec(at(int(0, 1430)), { node, ancestors: [s, containerd] }, ['runc', '--root', '/run/containerd/runc/k8s.io', '--log', `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${c.id}/log.json`, '--log-format', 'json', 'create', '--bundle', `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${c.id}`, '--pid-file', `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${c.id}/init.pid`, c.id], '/usr/bin/runc');
    exec(at(int(0, 1430)), { node, container: c, ancestors: [s] }, ['/pause'], '/pause', { inInitTree: true, uid: 65535 });
  }
  // the kubelet (re)started once on a node after a config change
  exec(at(301), { node: N1, ancestors: [SYSTEMD] }, ['/usr/local/bin/kubelet', '--kubeconfig', '/var/lib/kubelet/kubeconfig', '--bootstrap-kubeconfig', '/var/lib/kubelet/bootstrap-kubeconfig', '--config', '/var/lib/kubelet/config.yaml', '--node-ip=10.224.0.5'], '/usr/local/bin/kubelet');
  file(at(301), { node: N1, ancestors: [SYSTEMD] }, { pid: 1420, executable: '/usr/local/bin/kubelet', args: ['/usr/local/bin/kubelet'] }, 'read', '/var/lib/kubelet/kubeconfig');
  file(at(302), { node: N1, ancestors: [SYSTEMD] }, { pid: 1420, executable: '/usr/local/bin/kubelet', args: ['/usr/local/bin/kubelet'] }, 'write', '/var/lib/kubelet/pki/kubelet-client-2026-03-15-05-02-11.pem');
  // waagent refreshes the admin user's key from instance metadata
  const waagent: Proc = { pid: 730, executable: '/usr/bin/python3', args: ['python3', '-u', '/usr/sbin/waagent', '-run-exthandlers'] };
  file(at(420), { node: N0, ancestors: [SYSTEMD] }, waagent, 'write', '/home/azureuser/.ssh/authorized_keys');
}

function dailyMaintenance(): void {
  for (const node of NODES) {
    // apt-daily: update lists; apt-daily-upgrade: unattended-upgrades installs security fixes
    const daily = exec(at(int(360, 400)), { node, ancestors: [SYSTEMD] }, ['/bin/sh', '/usr/lib/apt/apt.systemd.daily', 'update'], '/usr/bin/dash');
    exec(at(int(360, 400)), { node, ancestors: [daily, SYSTEMD] }, ['apt-get', '-qq', '-y', 'update'], '/usr/bin/apt-get');
    const upgrade = exec(at(int(401, 420)), { node, ancestors: [SYSTEMD] }, ['/usr/bin/python3', '/usr/bin/unattended-upgrade', '--verbose'], '/usr/bin/python3.12');
    const dpkg = exec(at(421), { node, ancestors: [upgrade, SYSTEMD] }, ['/usr/bin/dpkg', '--status-fd', '10', '--no-triggers', '--unpack', '--auto-deconfigure', '/var/cache/apt/archives/auditd_1%3a3.1.2-2.1build1.1_amd64.deb'], '/usr/bin/dpkg');
    for (const f of ['/sbin/auditctl', '/sbin/auditd', '/usr/bin/aulast', '/etc/audit/auditd.conf']) file(at(421), { node, ancestors: [upgrade] }, dpkg, 'utimes', f);
    const postinst = exec(at(422), { node, ancestors: [dpkg, upgrade, SYSTEMD] }, ['/bin/sh', '/var/lib/dpkg/info/auditd.postinst', 'configure', '1:3.1.2-2.1build1'], '/usr/bin/dash');
    exec(at(422), { node, ancestors: [postinst, dpkg, upgrade] }, ['deb-systemd-invoke', 'restart', 'auditd.service'], '/usr/bin/deb-systemd-invoke');
    exec(at(422), { node, ancestors: [postinst, dpkg, upgrade] }, ['systemctl', 'stop', 'auditd.service'], '/usr/bin/systemctl');
    // logrotate: rename, compress, delete the oldest, postrotate HUP
    const lr = exec(at(int(0, 10)), { node, ancestors: [SYSTEMD] }, ['/usr/sbin/logrotate', '/etc/logrotate.conf'], '/usr/sbin/logrotate');
    for (const log of ['syslog', 'auth.log', 'kern.log']) {
      file(at(1), { node, ancestors: [SYSTEMD] }, lr, 'unlink', `/var/log/${log}.4.gz`);
      file(at(1), { node, ancestors: [SYSTEMD] }, lr, 'rename', `/var/log/${log}.1`, `/var/log/${log}.2`);
      file(at(1), { node, ancestors: [SYSTEMD] }, lr, 'rename', `/var/log/${log}`, `/var/log/${log}.1`);
      const gz = exec(at(1), { node, ancestors: [lr, SYSTEMD] }, ['gzip', '-9', `/var/log/${log}.2`], '/usr/bin/gzip');
      file(at(1), { node, ancestors: [lr, SYSTEMD] }, gz, 'unlink', `/var/log/${log}.2`);
    }
    const post = exec(at(2), { node, ancestors: [lr, SYSTEMD] }, ['/bin/sh', '-c', '/usr/lib/rsyslog/rsyslog-rotate', 'logrotate_script', '/var/log/syslog'], '/usr/bin/dash');
    exec(at(2), { node, ancestors: [post, lr] }, ['systemctl', 'kill', '-s', 'HUP', 'rsyslog.service'], '/usr/bin/systemctl');
    // auditd and journald manage their own files
    file(at(int(600, 700)), { node, ancestors: [SYSTEMD] }, { pid: 611, executable: '/usr/sbin/auditd', args: ['/sbin/auditd'] }, 'rename', '/var/log/audit/audit.log', '/var/log/audit/audit.log.1');
    file(at(int(600, 700)), { node, ancestors: [SYSTEMD] }, { pid: 402, executable: '/usr/lib/systemd/systemd-journald', args: ['/usr/lib/systemd/systemd-journald'] }, 'unlink', `/var/log/journal/${hex(32)}/system@${hex(32)}-0000000000a1b2c3-000612d4e5f6a7b8.journal`);
    // tmpfiles cleans /tmp
    exec(at(int(700, 720)), { node, ancestors: [SYSTEMD] }, ['systemd-tmpfiles', '--clean'], '/usr/bin/systemd-tmpfiles');
  }
}

function adminSession(): void {
  // an administrator SSHes to a node to look at the kubelet
  const node = N1;
  const sshd: Proc = { pid: 2201, executable: '/usr/sbin/sshd', args: ['sshd: azureuser [priv]'] };
  file(at(600), { node, ancestors: [SYSTEMD] }, sshd, 'read', '/home/azureuser/.ssh/authorized_keys');
  file(at(600), { node, ancestors: [SYSTEMD] }, sshd, 'read', '/etc/shadow');
  const bash: Proc = { pid: 2240, executable: '/usr/bin/bash', args: ['-bash'], uid: 1000, tty: 'pts0', cwd: '/home/azureuser' };
  emit('process.exec', at(600), { node, ancestors: [sshd, SYSTEMD] }, bash);
  const w: Where = { node, ancestors: [bash, sshd] };
  const commands: [string[], string][] = [
    [['id'], '/usr/bin/id'],
    [['cat', '/etc/passwd'], '/usr/bin/cat'],
    [['df', '-h'], '/usr/bin/df'],
    [['sudo', 'crictl', 'ps'], '/usr/bin/sudo'],
    [['sudo', 'journalctl', '-u', 'kubelet', '--since', '-1h', '--no-pager'], '/usr/bin/sudo'],
    [['systemctl', 'status', 'kubelet'], '/usr/bin/systemctl'],
    [['systemctl', 'list-timers', '--all'], '/usr/bin/systemctl'],
    [['ls', '-l', '/etc/kubernetes/'], '/usr/bin/ls'],
    [['sudo', 'stat', '-c', '%a %U', '/var/lib/kubelet/kubeconfig'], '/usr/bin/sudo'],
    [['tail', '-n', '100', '/var/log/syslog'], '/usr/bin/tail'],
    [['sudo', 'ls', '-l', '/etc/shadow'], '/usr/bin/sudo'],
    [['top', '-b', '-n', '1'], '/usr/bin/top'],
    [['history'], '/usr/bin/bash'],
  ];
  let minute = 601;
  for (const [args, exe] of commands) {
    const p = exec(at(minute++), w, args, exe, { uid: 1000, tty: 'pts0', cwd: '/home/azureuser' });
    if (exe === '/usr/bin/sudo') file(at(minute), { node, ancestors: [bash, sshd] }, p, 'read', '/etc/shadow');
  }
  // bash writes its history at logout
  file(at(minute), { node, ancestors: [sshd] }, bash, 'truncate', '/home/azureuser/.bash_history');
  file(at(minute), { node, ancestors: [sshd] }, bash, 'write', '/home/azureuser/.bash_history');
}

export function generate(): string {
  podSnapshot();
  bootAndPackages();
  dailyMaintenance();
  adminSession();
  for (let minute = 0; minute < 24 * 60; minute++) {
    everyMinute(minute);
    if (minute % 5 === 0) everyFiveMinutes(minute);
    if (minute % 60 === 0) hourly(minute / 60);
  }
  events.sort((a, b) => String(a.time).localeCompare(String(b.time)));
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

if (process.argv.includes('--write')) {
  const text = generate();
  const out = join(packageRoot(), 'test', 'corpus', 'benign-node-day.jsonl.gz');
  writeFileSync(out, gzipSync(text, { level: 9 }));
  process.stdout.write(`${events.length} events written to ${out}\n`);
}
