// Rebuilding argv from EXECVE records as the kernel splits them (audit_log_execve_info).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessExecEvent } from '../../events/model.js';
import { decodeLines } from './testing.js';

const STAMP = '1741944090.007:48250';
const BUDGET = 7500;

/** Writes argv as the kernel does: hex when needed, long args as aN_len + aN[i] chunks across records. */
function kernelExecve(args: string[]): string[] {
  const records: string[] = [];
  let body = `argc=${args.length}`;
  let room = BUDGET;
  const flush = () => {
    records.push(`type=EXECVE msg=audit(${STAMP}): ${body}`);
    body = '';
    room = BUDGET;
  };
  args.forEach((arg, k) => {
    const bytes = Buffer.from(arg, 'utf8');
    const hex = bytes.some((b) => b < 0x21 || b > 0x7e || b === 0x22);
    const encoded = hex ? bytes.toString('hex').toUpperCase() : `"${arg}"`;
    if (encoded.length + 8 <= room) {
      body += `${body ? ' ' : ''}a${k}=${encoded}`;
      room -= encoded.length + 8;
      return;
    }
    // Quoted chunks are each quoted; hex chunks are plain slices of the hex.
    const raw = hex ? encoded : arg;
    body += `${body ? ' ' : ''}a${k}_len=${raw.length}`;
    let offset = 0;
    let chunk = 0;
    while (offset < raw.length) {
      if (room < 64) flush();
      const take = Math.min(raw.length - offset, room - 32);
      const piece = raw.slice(offset, offset + take);
      body += `${body ? ' ' : ''}a${k}[${chunk}]=${hex ? piece : `"${piece}"`}`;
      room -= take + 32;
      offset += take;
      chunk++;
    }
  });
  if (body) flush();
  return records;
}

function exec(args: string[], extra: string[] = []): string[] {
  return [
    `type=SYSCALL msg=audit(${STAMP}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=4242 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="python3" exe="/usr/bin/python3.11" key="vigil_exec"`,
    ...kernelExecve(args),
    ...extra,
    `type=CWD msg=audit(${STAMP}): cwd="/"`,
    `type=PROCTITLE msg=audit(${STAMP}): proctitle=707974686F6E33002D63`,
  ];
}

test('execve: a long hex argument split across several EXECVE records is rebuilt whole', () => {
  const payload = 'import base64,os;exec(base64.b64decode(' + 'QUJD'.repeat(5000) + '))  # spaced';
  const lines = exec(['python3', '-c', payload]);
  assert.ok(lines.filter((l) => l.startsWith('type=EXECVE')).length >= 3, 'the fixture really spans several records');
  assert.match(lines[1], / a2_len=\d+ a2\[0\]=/);
  const { events, issues } = decodeLines(lines);
  assert.deepEqual(issues, []);
  const e = events[0] as ProcessExecEvent;
  assert.deepEqual(e.process.args, ['python3', '-c', payload]);
});

test('execve: a long quoted argument in chunks, and many short arguments over two records', () => {
  const long = 'x'.repeat(12000);
  const many = Array.from({ length: 1500 }, (_, k) => `arg${k}`);
  for (const args of [['echo', long, 'tail'], ['echo', ...many]]) {
    const { events } = decodeLines(exec(args));
    assert.deepEqual((events[0] as ProcessExecEvent).process.args, args);
  }
});

test('execve: a lost EXECVE record is reported and the rest kept', () => {
  const lines = exec(['python3', '-c', 'y'.repeat(20000)]);
  const withoutLast = lines.filter((l, k) => !(l.startsWith('type=EXECVE') && k === lines.findLastIndex((m) => m.startsWith('type=EXECVE'))));
  const { events, issues } = decodeLines([...withoutLast.slice(0, 2), ...withoutLast.slice(2)]);
  const args = (events[0] as ProcessExecEvent).process.args;
  assert.equal(args.length, 3);
  assert.ok(args[2].length < 20000 && args[2].startsWith('yyy'));
  const missing = decodeLines(exec(['a', 'b', 'c']).map((l) => (l.startsWith('type=EXECVE') ? `type=EXECVE msg=audit(${STAMP}): argc=3 a0="a"` : l)));
  assert.deepEqual((missing.events[0] as ProcessExecEvent).process.args, ['a']);
  assert.match(missing.issues[0].reason, /2 of the EXECVE arguments are missing/);
  assert.equal(issues.length, 0, 'a cut chunk list is not announced as missing arguments');
});
