/**
 * @module bench/agent-live
 * The live agent under load: a separate process runs 200 execs/s of a marker binary for a while,
 * and the agent (kernel audit source + container context + every detection) in its own process
 * reports its CPU time, peak RSS and how many of the marker execs it saw. Needs root and auditd.
 *
 *   node dist/bench/agent-live.js child MARKER SECONDS   (the measured agent, used by benchAgentLive)
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinuxAuditAgent } from '../src/agent/linux-audit/agent.js';
import { ContainerEnricher } from '../src/enrichment/container/enricher.js';
import { LiveEngine } from '../src/engine/live.js';
import { isNodeEvent } from '../src/events/model.js';

export interface AgentLiveResult {
  name: string;
  execsRun: number;
  execsSeen: number;
  seconds: number;
  cpuPercentOfOneCore: number;
  maxRssMiB: number;
}

async function child(marker: string, seconds: number): Promise<void> {
  let seen = 0;
  const live = await LiveEngine.create({ onAlert: () => {} });
  const enricher = new ContainerEnricher();
  const agent = new LinuxAuditAgent({
    sink: {
      event: (event) => {
        const e = isNodeEvent(event) && !event.container ? enricher.enrich(event) : event;
        if (e.kind === 'process.exec' && e.process.executable === marker) seen++;
        live.process(e);
      },
      issue: () => {},
    },
    mode: 'file',
    log: () => {},
  });
  await agent.start();
  process.stdout.write('ready\n');
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, (seconds + 3) * 1000));
  const cpu = process.cpuUsage(cpuStart);
  const elapsed = (performance.now() - started) / 1000;
  await agent.stop();
  live.stop();
  process.stdout.write(JSON.stringify({ seen, cpuSeconds: (cpu.user + cpu.system) / 1e6, elapsed, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
}

/** Runs `rate` execs/s of `path` for `seconds`; resolves with how many ran. */
function load(path: string, rate: number, seconds: number): Promise<number> {
  const script = `let n=0;const {spawn}=require('child_process');const t=setInterval(()=>{for(let i=0;i<${rate / 20};i++){const c=spawn(${JSON.stringify(path)},[],{stdio:'ignore'});c.on('exit',()=>{});n++;}},50);setTimeout(()=>{clearInterval(t);setTimeout(()=>{console.log(n)},500)},${seconds * 1000});`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** The pid auditd registered with the kernel (0 when none). */
function auditdPid(): number {
  const r = spawnSync('auditctl', ['-s'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('auditctl -s failed: the live agent benchmark needs root and auditd');
  return Number(/^pid (\d+)/m.exec(r.stdout)?.[1] ?? 0);
}

export async function benchAgentLive(rate = 200, seconds = 60): Promise<AgentLiveResult> {
  // Start auditd for the run if it is not running, and stop it again afterwards.
  let startedAuditd = 0;
  if (auditdPid() === 0) {
    if (spawnSync('auditd', []).status !== 0) throw new Error('could not start auditd');
    for (let i = 0; i < 50 && auditdPid() === 0; i++) await new Promise((r) => setTimeout(r, 100));
    startedAuditd = auditdPid();
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-bench-'));
  const marker = join(dir, 'vigil-bench-marker');
  copyFileSync('/bin/true', marker);
  try {
    const agent = spawn(process.execPath, [fileURLToPath(import.meta.url), 'child', marker, String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    agent.stdout.on('data', (d: Buffer) => (out += d));
    while (!out.includes('ready\n')) await new Promise((r) => setTimeout(r, 100));
    const execsRun = await load(marker, rate, seconds);
    await new Promise((resolve) => agent.on('exit', resolve));
    const result = JSON.parse(out.split('\n').filter(Boolean).pop()!) as { seen: number; cpuSeconds: number; elapsed: number; maxRssMiB: number };
    return {
      name: `live agent, linux-audit, ${rate} execs/s for ${seconds} s`,
      execsRun,
      execsSeen: result.seen,
      seconds: result.elapsed,
      cpuPercentOfOneCore: (100 * result.cpuSeconds) / result.elapsed,
      maxRssMiB: result.maxRssMiB,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (startedAuditd) process.kill(startedAuditd, 'SIGTERM');
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, Number(process.argv[4]));
