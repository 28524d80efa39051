import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAddress, outboundConnections, parseTcpTable } from './tcp.js';
import { parseCmdline, parseStat } from './proc.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 41234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 41240 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 41241 1 0000000000000000 20 4 30 10 -1
   3: 1103F40A:B5C8 2D7100CB:0D05 02 00000001:00000000 01:00000167 00000002     0        0 51234 1 0000000000000000 200 0 0 10 -1
   4: 1103F40A:B5C9 2D7100CB:01BB 06 00000000:00000000 03:00001672 00000000     0        0 0 3 0000000000000000
   garbage line
`;

test('IPv4 and IPv6 addresses of /proc/net/tcp{,6} are little-endian words', () => {
  assert.equal(decodeAddress('0100007F'), '127.0.0.1');
  assert.equal(decodeAddress('2D7100CB'), '203.0.113.45');
  // ::1
  assert.equal(decodeAddress('00000000000000000000000001000000'), '::1');
  // 2001:db8:85a3::8a2e:370:7334 as the kernel prints it
  assert.equal(decodeAddress('B80D01200000A3852E8A000034737003'), '2001:db8:85a3::8a2e:370:7334');
  // IPv4-mapped ::ffff:10.244.3.17 becomes the IPv4 address
  assert.equal(decodeAddress('0000000000000000FFFF00001103F40A'), '10.244.3.17');
  assert.equal(decodeAddress('zz00007F'), undefined);
  assert.equal(decodeAddress('0100007'), undefined);
});

test('outbound connections: SYN_SENT or ESTABLISHED on a port the namespace does not listen on', () => {
  const rows = parseTcpTable(TCP);
  assert.equal(rows.length, 5);
  const out = outboundConnections(rows);
  assert.deepEqual(
    out.map((s) => [s.localPort, s.remoteAddress, s.remotePort, s.state, s.inode]),
    [
      [50000, '127.0.0.1', 8080, 1, '41240'],
      [46536, '203.0.113.45', 3333, 2, '51234'],
    ],
  );
});

test('/proc/PID/stat with a hostile comm, cmdline with and without NUL', () => {
  const stat = parseStat('4242 (a) b (c) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615');
  assert.deepEqual(stat, { pid: 4242, comm: 'a) b (c', state: 'S', ppid: 17, startTicks: 987654, kernelThread: false });
  const kthread = parseStat('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0');
  assert.equal(kthread?.kernelThread, true);
  assert.equal(parseStat('nonsense'), undefined);
  assert.deepEqual(parseCmdline(Buffer.from('sh\0-c\0echo a b\0')), ['sh', '-c', 'echo a b']);
  assert.deepEqual(parseCmdline(Buffer.from('nginx: worker process')), ['nginx: worker process']);
  assert.deepEqual(parseCmdline(Buffer.alloc(0)), []);
});
