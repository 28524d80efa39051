// The record scanner and the field decoders, on lines as auditd writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecord, type AuditRecord } from './record.js';
import { bytesToText, proctitleArgs, syscallArg, untrusted } from './fields.js';
import { decodeSockaddr } from './sockaddr.js';
import { syscallName } from './syscalls.js';

function record(line: string): AuditRecord {
  const r = parseRecord(line);
  assert.ok('record' in r, `parses: ${line.slice(0, 80)}`);
  return r.record;
}

test('record: RAW header, fields in order, quoted and hex values', () => {
  const r = record('type=EXECVE msg=audit(1741944067.412:48213): argc=3 a0="sh" a1="-c" a2=6375726C202D6673534C');
  assert.equal(r.type, 'EXECVE');
  assert.equal(r.stamp, '1741944067.412');
  assert.equal(r.serial, '48213');
  assert.equal(r.time, 1741944067412);
  assert.equal(r.node, undefined);
  assert.deepEqual(r.order, ['argc', 'a0', 'a1', 'a2']);
  assert.equal(untrusted(r.fields.a0), 'sh');
  assert.equal(untrusted(r.fields.a2), 'curl -fsSL');
});

test('record: ENRICHED interpretations after 0x1D go to interp; node= prefix', () => {
  const r = record(
    'node=worker-7 type=SYSCALL msg=audit(1741944067.412:48213): arch=c000003e syscall=59 key=(null)\x1dARCH=x86_64 SYSCALL=execve AUID="unset" UID="root"',
  );
  assert.equal(r.node, 'worker-7');
  assert.equal(r.fields.key, '(null)', 'the raw side stops at 0x1D');
  assert.equal(r.fields.ARCH, undefined);
  assert.equal(r.interp.SYSCALL, 'execve');
  assert.equal(r.interp.AUID, '"unset"');
  const s = record('type=SOCKADDR msg=audit(1.5:2): saddr=0200\x1dSADDR={ saddr_fam=inet laddr=203.0.113.45 lport=3333 }');
  assert.equal(s.interp.SADDR, '{ saddr_fam=inet laddr=203.0.113.45 lport=3333 }');
  assert.equal(s.time, 1500, 'short fractions are milliseconds, left-aligned');
});

test("record: userspace msg='…' payload is read too; words without = are skipped", () => {
  const r = record(
    "type=USER_CMD msg=audit(1741944100.221:48301): pid=210455 uid=1001 auid=1001 ses=17 subj=unconfined msg='cwd=\"/home/ops\" cmd=636174202F6574632F736861646F77 exe=\"/usr/bin/sudo\" terminal=pts/2 res=success'",
  );
  assert.equal(untrusted(r.fields.cmd), 'cat /etc/shadow');
  assert.equal(r.fields.res, 'success');
  assert.equal(r.fields.pid, '210455');
  const avc = record('type=AVC msg=audit(1.000:9): avc:  denied  { read } for  pid=12 comm="x" name="shadow"');
  assert.equal(avc.fields.pid, '12');
  assert.equal(untrusted(avc.fields.name), 'shadow');
});

test('record: a field named __proto__ is just a field', () => {
  const r = record('type=X msg=audit(1.000:1): __proto__=1 constructor=2');
  assert.equal(r.fields.__proto__, '1');
  assert.equal(Object.getPrototypeOf(r.fields), null);
});

test('record: bad headers say what is wrong', () => {
  assert.deepEqual(parseRecord('hello'), { error: 'not an auditd record (no "type=" at the start)' });
  assert.deepEqual(parseRecord('type=SYSCALL arch=1'), { error: 'auditd record without its "msg=audit(…)" header' });
  assert.deepEqual(parseRecord('type=SYSCALL msg=audit(12:3): x=1'), { error: 'malformed "msg=audit(seconds.millis:serial):" header' });
});

test('fields: the hex rule, (null), non-UTF-8 bytes, PROCTITLE', () => {
  assert.equal(untrusted('"plain"'), 'plain');
  assert.equal(untrusted('(null)'), '(null)');
  assert.equal(untrusted('?'), '?');
  assert.equal(untrusted('ABC'), 'ABC', 'odd-length is not hex');
  assert.equal(untrusted('2F746D702F20'), '/tmp/ ');
  assert.equal(untrusted('C3A9'), 'é');
  assert.equal(bytesToText(Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xe2, 0x82])), 'a\\xffé\\xe2\\x82');
  assert.deepEqual(proctitleArgs('7368002D6300'), ['sh', '-c']);
  assert.deepEqual(proctitleArgs('"bash"'), ['bash']);
  assert.equal(syscallArg('ffffffffffffff9c'), 0xffffffffffffff9cn);
  assert.equal(syscallArg('0x10'), undefined);
});

test('sockaddr: IPv4, IPv6, IPv4-mapped, unix, abstract unix, netlink, short', () => {
  assert.deepEqual(decodeSockaddr('02000D05CB00712D0000000000000000'), { family: 'inet', address: '203.0.113.45', port: 3333 });
  assert.deepEqual(decodeSockaddr('0A0001BB0000000020010DB885A3000000008A2E0370733400000000'), {
    family: 'inet6',
    address: '2001:db8:85a3::8a2e:370:7334',
    port: 443,
  });
  assert.deepEqual(decodeSockaddr('0A00005000000000' + '00000000000000000000FFFFC0000201' + '00000000'), { family: 'inet6', address: '192.0.2.1', port: 80 });
  assert.deepEqual(decodeSockaddr('01002F72756E2F636F6E7461696E6572642F636F6E7461696E6572642E736F636B00'), {
    family: 'unix',
    path: '/run/containerd/containerd.sock',
  });
  assert.deepEqual(decodeSockaddr('0100006B7562656C657400'), { family: 'unix', path: '@kubelet' });
  assert.deepEqual(decodeSockaddr('100000000000000000000000'), { family: 'other', number: 16 });
  assert.equal(decodeSockaddr('0200'), undefined);
  assert.equal(decodeSockaddr('0A0001BB00'), undefined);
  assert.equal(decodeSockaddr('zz'), undefined);
});

test('syscalls: names by arch, ENRICHED first', () => {
  assert.equal(syscallName('c000003e', '59', undefined), 'execve');
  assert.equal(syscallName('c00000b7', '221', undefined), 'execve');
  assert.equal(syscallName('c00000b7', '203', undefined), 'connect');
  assert.equal(syscallName('40000003', '11', undefined), 'execve');
  assert.equal(syscallName('c000003e', '42', 'connect'), 'connect');
  assert.equal(syscallName('c000003e', '9999', undefined), undefined);
  assert.equal(syscallName('deadbeef', '59', undefined), undefined);
});
