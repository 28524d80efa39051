// Event assembly: EOE, PROCTITLE, timeout of event time, the bound on open events and records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler, type AssembledEvent } from './assembler.js';
import { parseRecord, type AuditRecord } from './record.js';

function rec(line: string): AuditRecord {
  const r = parseRecord(line);
  if ('error' in r) throw new Error(r.error);
  return r.record;
}
const at = { file: 'a.log', line: 1 };

function collect(options = {}) {
  const out: AssembledEvent[] = [];
  return { out, asm: new Assembler((e) => out.push(e), options) };
}

test('assembler: EOE closes an event (af_unix feed) and is not kept as a record', () => {
  const { out, asm } = collect();
  asm.add(rec('type=SYSCALL msg=audit(100.000:1): syscall=42'), at);
  asm.add(rec('type=SOCKADDR msg=audit(100.000:1): saddr=0200'), at);
  assert.equal(out.length, 0);
  asm.add(rec('type=EOE msg=audit(100.000:1): '), at);
  assert.deepEqual(out.map((e) => [e.id, e.records.map((r) => r.type)]), [['100.000:1', ['SYSCALL', 'SOCKADDR']]]);
  asm.add(rec('type=EOE msg=audit(100.000:1): '), at);
  assert.equal(out.length, 1, 'a stray EOE is dropped');
});

test('assembler: without EOE, a newer event closes those older than the timeout (event time)', () => {
  const { out, asm } = collect({ timeoutMs: 2000 });
  asm.add(rec('type=SYSCALL msg=audit(100.000:1): syscall=2'), at);
  asm.add(rec('type=SYSCALL msg=audit(101.000:2): syscall=2'), at);
  assert.equal(out.length, 0, 'one second is within the timeout');
  asm.add(rec('type=SYSCALL msg=audit(102.500:3): syscall=2'), at);
  assert.deepEqual(out.map((e) => e.id), ['100.000:1']);
  asm.expire(105_000);
  assert.deepEqual(out.map((e) => e.id), ['100.000:1', '101.000:2', '102.500:3']);
});

test('assembler: the same serial on two nodes are two events; userspace records stand alone', () => {
  const { out, asm } = collect();
  asm.add(rec('node=a type=SYSCALL msg=audit(100.000:7): syscall=59'), at);
  asm.add(rec('node=b type=SYSCALL msg=audit(100.000:7): syscall=59'), at);
  asm.add(rec("type=USER_LOGIN msg=audit(100.100:9): pid=1 msg='res=success'"), at);
  assert.deepEqual(out.map((e) => e.id), ['100.100:9']);
  asm.flush();
  assert.deepEqual(out.map((e) => [e.node, e.records.length]), [[undefined, 1], ['a', 1], ['b', 1]]);
});

test('assembler: the table of open events is bounded; the oldest closes first', () => {
  const { out, asm } = collect({ maxOpen: 3 });
  for (let s = 1; s <= 10; s++) asm.add(rec(`type=SYSCALL msg=audit(100.000:${s}): syscall=59`), at);
  assert.equal(asm.pending, 3);
  assert.deepEqual(out.map((e) => e.id), ['1', '2', '3', '4', '5', '6', '7'].map((s) => `100.000:${s}`));
});

test('assembler: records beyond the per-event bound are counted, not kept', () => {
  const { out, asm } = collect({ maxRecords: 4 });
  for (let k = 0; k < 10; k++) asm.add(rec(`type=PATH msg=audit(100.000:1): item=${k}`), at);
  asm.flush();
  assert.equal(out[0].records.length, 4);
  assert.equal(out[0].dropped, 6);
});
