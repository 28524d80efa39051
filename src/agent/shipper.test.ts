/**
 * The shipper against a real HTTP receiver on loopback: batches with the token, a spool while the
 * receiver is down drained oldest first when it is back, and a full spool that drops the oldest
 * batch and says so with a pipeline.loss event.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProcessExecEvent } from '../events/model.js';
import { EventShipper } from './shipper.js';

function exec(i: number): ProcessExecEvent {
  return {
    kind: 'process.exec',
    id: `1741944067.${i}:${48213 + i}`,
    time: 1741944067000 + i,
    source: 'linux-audit',
    node: 'n1',
    process: { pid: 1000 + i, executable: '/usr/bin/id', args: ['id'], commandLine: 'id' },
    ancestors: [],
  };
}

interface Receiver {
  server: Server;
  url: string;
  bodies: string[];
  auth: (string | undefined)[];
}

async function receiver(port = 0): Promise<Receiver> {
  const bodies: string[] = [];
  const auth: (string | undefined)[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push(body);
    auth.push(req.headers.authorization);
    res.writeHead(202).end();
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, auth };
}

function ids(bodies: string[]): string[] {
  return bodies.flatMap((b) => b.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id));
}

test('batches reach the analyser with the bearer token', async () => {
  const r = await receiver();
  const shipper = new EventShipper({ url: r.url, token: 's3cret', spoolDir: mkdtempSync(join(tmpdir(), 'vigil-spool-')), batchSize: 2, log: () => {} });
  for (let i = 0; i < 5; i++) shipper.push(exec(i));
  await shipper.stop();
  r.server.close();
  assert.deepEqual(ids(r.bodies), [0, 1, 2, 3, 4].map((i) => exec(i).id));
  assert.equal(r.bodies.length, 3);
  assert.ok(r.auth.every((a) => a === 'Bearer s3cret'));
  assert.equal(shipper.stats.sent, 5);
});

test('while the analyser is down batches wait in the spool, then go oldest first', async () => {
  const probe = await receiver();
  const port = (probe.server.address() as AddressInfo).port;
  probe.server.close();
  await once(probe.server, 'close');
  const spoolDir = mkdtempSync(join(tmpdir(), 'vigil-spool-'));
  const shipper = new EventShipper({ url: `http://127.0.0.1:${port}`, spoolDir, batchSize: 2, timeoutMs: 500, log: () => {} });
  for (let i = 0; i < 4; i++) shipper.push(exec(i));
  await shipper.flush();
  assert.equal(readdirSync(spoolDir).length, 2, 'two batches spooled');
  const r = await receiver(port);
  shipper.push(exec(4));
  await shipper.stop();
  r.server.close();
  assert.deepEqual(ids(r.bodies), [0, 1, 2, 3, 4].map((i) => exec(i).id));
  assert.equal(readdirSync(spoolDir).length, 0, 'spool drained');
});

test('a full spool drops its oldest batch and ships a pipeline.loss event saying so', async () => {
  const probe = await receiver();
  const port = (probe.server.address() as AddressInfo).port;
  probe.server.close();
  await once(probe.server, 'close');
  const spoolDir = mkdtempSync(join(tmpdir(), 'vigil-spool-'));
  const batchBytes = JSON.stringify(exec(0)).length * 2 + 2;
  const shipper = new EventShipper({ url: `http://127.0.0.1:${port}`, spoolDir, batchSize: 2, timeoutMs: 500, maxSpoolBytes: batchBytes * 2 + 10, log: () => {} });
  for (let i = 0; i < 6; i++) shipper.push(exec(i));
  await shipper.flush();
  assert.equal(shipper.stats.dropped, 2);
  const r = await receiver(port);
  await shipper.stop();
  r.server.close();
  const received = r.bodies.flatMap((b) => b.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; id: string; count?: number; reason?: string }));
  assert.deepEqual(received.filter((e) => e.kind === 'process.exec').map((e) => e.id), [2, 3, 4, 5].map((i) => exec(i).id));
  const loss = received.find((e) => e.kind === 'pipeline.loss');
  assert.ok(loss, 'the drop is shipped as an event');
  assert.equal(loss.count, 2);
  assert.equal(loss.reason, 'spool-full');
});
