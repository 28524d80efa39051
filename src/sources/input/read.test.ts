/**
 * Input robustness: malformed, truncated, oversized, mistyped and binary input gets a clear error
 * with file and line, never stops the run, and loses none of the good events around it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { scan } from '../../scan/scan.js';
import { auditEvent, jsonl, privilegedPod } from '../../testing/audit-events.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-input-'));

function podCreate(name: string) {
  return auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', requestObject: privilegedPod(name, 'default') });
}

async function scanText(name: string, content: string | Buffer) {
  const path = join(dir, name);
  writeFileSync(path, content);
  return scan({ paths: [path] });
}

test('a malformed line between good events is reported with file and line; the good events are kept', async () => {
  const text = JSON.stringify(podCreate('a')) + '\n{"kind":"Event", "auditID": \n' + JSON.stringify(podCreate('b')) + '\n';
  const result = await scanText('malformed.log', text);
  assert.equal(result.stats.eventsRead, 2);
  assert.equal(result.stats.rejected, 1);
  assert.match(result.stats.firstRejections[0]!, /malformed\.log:2: not valid JSON/);
  assert.equal(result.alerts.filter((a) => a.type === 'K8S_PrivilegedContainer').length, 2);
});

test('a truncated last line (no newline, cut mid-object) is reported; the events before it are kept', async () => {
  const full = JSON.stringify(podCreate('c'));
  const result = await scanText('truncated.log', full + '\n' + full.slice(0, 200));
  assert.equal(result.stats.eventsRead, 1);
  assert.equal(result.stats.rejected, 1);
  assert.match(result.stats.firstRejections[0]!, /truncated\.log:2:/);
});

test('a 50 MB line is skipped with its size; the lines after it are read', async () => {
  const huge = '{"kind":"Event","junk":"' + 'x'.repeat(50 * 1024 * 1024) + '"}';
  const result = await scanText('huge.log', JSON.stringify(podCreate('d')) + '\n' + huge + '\n' + JSON.stringify(podCreate('e')) + '\n');
  assert.equal(result.stats.eventsRead, 2);
  assert.equal(result.stats.rejected, 1);
  assert.match(result.stats.firstRejections[0]!, /huge\.log:2: line of 50\.0 MiB is over the 16 MiB limit/);
});

test('wrong field types are rejected naming the field', async () => {
  const bad = [
    { ...podCreate('f'), verb: 42 },
    { ...podCreate('g'), sourceIPs: '198.51.100.1' },
    { ...podCreate('h'), user: 'alice' },
    { ...podCreate('i'), responseStatus: { code: '201' } },
    { ...podCreate('j'), requestReceivedTimestamp: 'yesterday', stageTimestamp: 'today' },
  ];
  const result = await scanText('types.log', jsonl([...bad, podCreate('k')]));
  assert.equal(result.stats.eventsRead, 1);
  assert.equal(result.stats.rejected, 5);
  const reasons = result.stats.firstRejections.join('\n');
  assert.match(reasons, /types\.log:1: field 'verb' must be a string, got number/);
  assert.match(reasons, /types\.log:2: field 'sourceIPs' must be an array, got string/);
  assert.match(reasons, /types\.log:3: field 'user' must be an object, got string/);
  assert.match(reasons, /types\.log:4: field 'responseStatus\.code' must be a number, got string/);
  assert.match(reasons, /types\.log:5: .*invalid requestReceivedTimestamp/);
});

test('binary garbage in the middle of a log never crashes and loses nothing around it', async () => {
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
  const content = Buffer.concat([Buffer.from(JSON.stringify(podCreate('l')) + '\n'), garbage, Buffer.from('\n' + JSON.stringify(podCreate('m')) + '\n')]);
  const result = await scanText('garbage.log', content);
  assert.equal(result.stats.eventsRead, 2);
  assert.ok(result.stats.rejected >= 1);
  assert.deepEqual(result.fileErrors, []);
});

test('a file that is nothing but binary is an unreadable input, named', async () => {
  const result = await scanText('random.bin', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 31 + 7) % 256)));
  assert.equal(result.fileErrors.length, 1);
  assert.match(result.fileErrors[0]!.reason, /format not recognised/);
});

test('EventList documents, JSON arrays, gzip, CRLF and folders are all read', async () => {
  const sub = join(dir, 'tree', 'nested');
  mkdirSync(sub, { recursive: true });
  const eventList = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [podCreate('n'), podCreate('o')] };
  writeFileSync(join(dir, 'tree', 'webhook-batch.json'), JSON.stringify(eventList, null, 2));
  writeFileSync(join(dir, 'tree', 'array.json'), JSON.stringify([podCreate('p')], null, 1));
  writeFileSync(join(sub, 'audit.log.gz'), gzipSync(jsonl([podCreate('q'), podCreate('r')])));
  writeFileSync(join(sub, 'crlf.log'), JSON.stringify(podCreate('s')) + '\r\n' + JSON.stringify(podCreate('t')) + '\r\n');
  writeFileSync(join(sub, 'eventlist-lines.log'), JSON.stringify(eventList) + '\n');
  const result = await scan({ paths: [join(dir, 'tree')] });
  assert.deepEqual(result.fileErrors, []);
  assert.equal(result.stats.rejected, 0, result.stats.firstRejections.join('; '));
  assert.equal(result.stats.files, 5);
  assert.equal(result.stats.eventsRead, 9);
});

test('a truncated gzip file keeps what was decompressed and names the file', async () => {
  const gz = gzipSync(jsonl(Array.from({ length: 2000 }, (_, i) => podCreate(`z${i}`))));
  const result = await scanText('cut.log.gz', gz.subarray(0, Math.floor(gz.length * 0.8)));
  assert.ok(result.stats.eventsRead > 100, `read ${result.stats.eventsRead}`);
  assert.equal(result.fileErrors.length, 1);
  assert.match(result.fileErrors[0]!.path, /cut\.log\.gz/);
});

test('a missing path is an error naming it; other paths are still read', async () => {
  const good = join(dir, 'good.log');
  writeFileSync(good, jsonl([podCreate('u')]));
  const result = await scan({ paths: [join(dir, 'does-not-exist.log'), good] });
  assert.equal(result.stats.eventsRead, 1);
  assert.deepEqual(result.fileErrors.map((e) => e.reason), ['no such file or folder']);
});
