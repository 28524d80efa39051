// Attacker-controlled text never crashes the decoder: random bytes, mutated records, huge lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { sourceDirOf } from '../../util/paths.js';
import { decodeLines } from './testing.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sample = readFileSync(join(sourceDirOf(import.meta.url), 'fixtures', 'sample.log'), 'utf8').split('\n').filter(Boolean);

test('fuzz: random byte lines are issues, never exceptions', () => {
  const rand = prng(1);
  const lines = Array.from({ length: 2000 }, () =>
    Buffer.from(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))).toString('latin1'),
  );
  const { events } = decodeLines(lines);
  assert.equal(events.filter((e) => e.kind !== 'pipeline.loss').length, 0);
});

test('fuzz: mutated real records decode or are reported, and never throw', () => {
  const rand = prng(2);
  const alphabet = ' ="\'{}()[]:.=0123456789abcdefABCDEF\x1d\x00\xff-_/';
  for (let round = 0; round < 300; round++) {
    const lines = sample.map((line) => {
      const chars = [...line];
      const edits = Math.floor(rand() * 6);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * (chars.length + 1));
        const op = rand();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, alphabet[Math.floor(rand() * alphabet.length)]);
        else chars.length = at;
      }
      return chars.join('');
    });
    decodeLines(lines);
  }
});

test('fuzz: 1 MB lines are refused quickly with a clear reason; the good lines around them stay', () => {
  const huge = 'type=EXECVE msg=audit(1741944067.412:48213): argc=1 a0="' + 'A'.repeat(1 << 20) + '"';
  const hex = 'type=EXECVE msg=audit(1741944067.412:48213): a0=' + 'ZZ'.repeat(1 << 19);
  const { events, issues } = decodeLines([...sample.slice(0, 6), huge, hex, ...sample.slice(6, 16)]);
  assert.equal(issues.length, 2);
  assert.match(issues[0].reason, /longer than any auditd record/);
  assert.equal(issues[0].origin.line, 7);
  assert.equal(events.filter((e) => e.kind === 'process.exec').length, 2);
});

test('fuzz: hostile values inside well-formed records', () => {
  const stamp = '1741944067.412:1';
  const { events } = decodeLines([
    `type=SYSCALL msg=audit(${stamp}): arch=c000003e syscall=59 success=yes exit=0 a0=zz a1= a2=ffffffffffffffffff items=99999999 ppid=-1 pid=99999999999999999999 auid=abc uid=1e9 comm= exe= key=`,
    `type=EXECVE msg=audit(${stamp}): argc=999999999 a0[99999999]="x" a1_len=5 a1[0]=414 a2="`,
    `type=CWD msg=audit(${stamp}): cwd=`,
    `type=PATH msg=audit(${stamp}): item=0 name= nametype=`,
    `type=SOCKADDR msg=audit(${stamp}): saddr=0A00`,
    `type=PROCTITLE msg=audit(${stamp}): proctitle=0000`,
  ]);
  assert.equal(events.length, 1);
  assert.equal(events[0].kind, 'process.exec');
});
