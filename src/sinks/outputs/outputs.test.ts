/**
 * Alert outputs against real local receivers: a JSON-lines file, an HTTP server that fails before
 * it succeeds (retries with backoff), Slack and Teams payload shapes, syslog over UDP and TCP
 * sockets opened here (RFC 5424 framing, CEF inside), and the analyser wiring them from vigil.yaml.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Alert } from '../../alerts/alert.js';
import { alertFixture } from '../../../test/contracts/store.contract.js';
import { auditEvent, privilegedPod } from '../../testing/audit-events.js';
import { eventList, testServer } from '../../testing/server.js';
import { slackPayload, teamsPayload } from './chat.js';
import { DeliveryQueue, type DeliveryEvents } from './delivery.js';
import { createOutputs } from './outputs.js';
import { outputSchema } from './schema.js';
import { octetFrame, rfc5424 } from './syslog.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-outputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function recorder() {
  const log: string[] = [];
  const events: DeliveryEvents = {
    sent: (o) => log.push(`sent ${o}`),
    failed: (o) => log.push(`failed ${o}`),
    dropped: (o, n) => log.push(`dropped ${o} ${n}`),
    depth: () => undefined,
  };
  return { log, events };
}

/** A local HTTP receiver answering with `statuses` in turn (then 200), recording bodies and times. */
async function receiver(statuses: number[] = []) {
  const received: { body: string; at: number; headers: IncomingMessage['headers'] }[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      received.push({ body, at: Date.now(), headers: req.headers });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

const evilAlert: Alert = alertFixture(3, {
  title: 'Privileged container detected',
  entities: { namespace: 'default', pod: '<!channel> [click](http://evil.example) *x*', process: { pid: 1, executable: '/bin/sh', commandLine: 'sh -c "curl <http://evil|ok>"' } },
});

test('file output appends one alert JSON (or OCSF) line per alert', async () => {
  const { log, events } = recorder();
  const path = join(dir, 'sub', 'alerts.jsonl');
  const [plain, ocsf] = createOutputs([outputSchema.parse({ type: 'file', path }), outputSchema.parse({ type: 'file', path: path + '.ocsf', format: 'ocsf' })], events, () => undefined);
  plain!.send(alertFixture(1));
  plain!.send(alertFixture(2));
  ocsf!.send(alertFixture(1));
  await plain!.close(1000);
  await ocsf!.close(1000);
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
  assert.deepEqual(lines.map((a) => a.id), ['alert-0001', 'alert-0002']);
  assert.equal((JSON.parse(readFileSync(path + '.ocsf', 'utf8')) as { class_uid: number }).class_uid, 2004);
  assert.equal(log.filter((l) => l.startsWith('sent')).length, 3);
});

test('webhook retries 5xx and 429 with growing backoff, gives up on other 4xx at once', async () => {
  const hook = await receiver([500, 503, 429]);
  const { log, events } = recorder();
  const [out] = createOutputs([outputSchema.parse({ type: 'webhook', url: hook.url, headers: { 'x-api-key': 'k' }, backoffMs: 40, maxAttempts: 5 })], events, () => undefined);
  out!.send(alertFixture(1));
  await out!.close(5000);
  assert.equal(hook.received.length, 4, 'three failures then the delivery');
  const gaps = hook.received.slice(1).map((r, i) => r.at - hook.received[i]!.at);
  assert.ok(gaps[0]! >= 25, `first retry after ~40 ms, was ${gaps[0]}`);
  assert.ok(gaps[1]! >= 55, `second retry after ~80 ms, was ${gaps[1]}`);
  assert.equal((JSON.parse(hook.received[3]!.body) as Alert).id, 'alert-0001');
  assert.equal(hook.received[3]!.headers['x-api-key'], 'k');
  assert.equal(hook.received[3]!.headers['content-type'], 'application/json');
  assert.deepEqual(log, ['sent webhook#1']);
  await hook.close();

  const refusing = await receiver([400, 400]);
  const second = recorder();
  const [out2] = createOutputs([outputSchema.parse({ type: 'webhook', url: refusing.url, backoffMs: 10 })], second.events, () => undefined);
  out2!.send(alertFixture(1));
  await out2!.close(2000);
  assert.equal(refusing.received.length, 1);
  assert.deepEqual(second.log, ['failed webhook#1']);
  await refusing.close();
});

test('a full delivery queue drops the oldest and counts it; the rest is delivered in order', async () => {
  const delivered: number[] = [];
  const { log, events } = recorder();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const queue = new DeliveryQueue<number>({ name: 'q', capacity: 2, maxAttempts: 1, backoffMs: 1, maxBackoffMs: 1, events, deliver: async (n) => { await gate; delivered.push(n); } });
  for (const n of [1, 2, 3, 4]) queue.push(n);
  release();
  await queue.close(1000);
  assert.deepEqual(log.filter((l) => l.startsWith('dropped')), ['dropped q 1', 'dropped q 1']);
  assert.deepEqual(delivered, [1, 3, 4], 'the one in flight completes; 2 was dropped for space');
});

test('Slack payload: Block Kit with plain_text for cluster text, escaped fallback', () => {
  const p = slackPayload(evilAlert) as { text: string; blocks: { type: string; text?: { type: string; text: string }; fields?: { type: string; text: string }[] }[] };
  assert.equal(p.text, '[high] Privileged container detected');
  assert.deepEqual(p.blocks.map((b) => b.type), ['header', 'section', 'section', 'context']);
  const texts = p.blocks.flatMap((b) => [b.text, ...(b.fields ?? [])]).filter((t): t is { type: string; text: string } => Boolean(t));
  assert.ok(texts.every((t) => t.type === 'plain_text'), 'no mrkdwn anywhere');
  assert.ok(texts.some((t) => t.text === 'Pod: <!channel> [click](http://evil.example) *x*'));
  assert.ok(p.blocks[2]!.fields!.length <= 10);
  const fallback = slackPayload({ ...evilAlert, title: '<!here> & <http://x|y>' }) as { text: string };
  assert.equal(fallback.text, '[high] &lt;!here&gt; &amp; &lt;http://x|y&gt;');
});

test('Teams payload: an Adaptive Card message with markdown characters escaped', () => {
  const p = teamsPayload(evilAlert) as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] } }[] };
  assert.equal(p.type, 'message');
  assert.equal(p.attachments[0]!.contentType, 'application/vnd.microsoft.card.adaptive');
  const card = p.attachments[0]!.content;
  assert.equal(card.type, 'AdaptiveCard');
  assert.deepEqual(card.body.map((b) => b.type), ['TextBlock', 'TextBlock', 'FactSet', 'TextBlock']);
  const pod = card.body[2]!.facts!.find((f) => f.title === 'Pod')!;
  assert.equal(pod.value, '\\<\\!channel\\> \\[click\\]\\(http://evil\\.example\\) \\*x\\*');
});

test('RFC 5424 framing: PRI from facility and severity, header fields, CEF message, octet counting for TCP', () => {
  const line = rfc5424(evilAlert, 'CEF:0|Vigil|Vigil|1|K8S_X|t|8|msg=a\nb', { facility: 10, appName: 'vigil', host: 'analyser 1', now: new Date('2026-11-20T08:00:00.000Z') });
  assert.equal(line, `<82>1 2026-11-20T08:00:00.000Z analyser_1 vigil ${process.pid} K8S_PrivilegedContainer - CEF:0|Vigil|Vigil|1|K8S_X|t|8|msg=a b`);
  assert.equal(octetFrame('héllo').toString(), '6 héllo');
});

test('syslog output over UDP and TCP sockets, and the analyser wiring every output from vigil.yaml', async () => {
  const udp = createSocket('udp4');
  const datagrams: string[] = [];
  udp.on('message', (m) => datagrams.push(m.toString()));
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  let tcpData = '';
  const tcp = createTcpServer((socket) => socket.on('data', (c) => (tcpData += c.toString())));
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const hook = await receiver([500]);
  const slack = await receiver();
  const teams = await receiver();
  const file = join(dir, 'served.jsonl');
  const s = await testServer({
    outputs: [
      { type: 'file', path: file },
      { type: 'webhook', url: hook.url, backoffMs: 10 },
      { type: 'slack', url: slack.url },
      { type: 'teams', url: teams.url },
      { type: 'syslog', host: '127.0.0.1', port: (udp.address() as { port: number }).port, protocol: 'udp' },
      { type: 'syslog', host: '127.0.0.1', port: (tcp.address() as { port: number }).port, protocol: 'tcp', format: 'cef' },
      { type: 'webhook', name: 'high-only', url: hook.url, minSeverity: 'high' },
    ] as never,
  });
  const pod = privilegedPod('out-1', 'default');
  await s.call('/v1/audit', { method: 'POST', json: eventList([auditEvent({ verb: 'create', resource: 'pods', namespace: 'default', requestObject: pod, responseObject: pod, time: new Date().toISOString() })]) });
  await s.settle();
  await s.close();
  const alert = JSON.parse(readFileSync(file, 'utf8').trim()) as Alert;
  assert.equal(alert.type, 'K8S_PrivilegedContainer');
  assert.equal(hook.received.length, 2, 'one 500, one retry; the high-only webhook skipped a lower alert');
  assert.equal((JSON.parse(slack.received[0]!.body) as { blocks: unknown[] }).blocks.length, 4);
  assert.equal((JSON.parse(teams.received[0]!.body) as { type: string }).type, 'message');
  assert.equal(datagrams.length, 1);
  assert.match(datagrams[0]!, /^<8\d>1 \S+Z \S+ vigil \d+ K8S_PrivilegedContainer - CEF:0\|Vigil\|Vigil\|[^|]+\|K8S_PrivilegedContainer\|/);
  const frame = /^(\d+) (.*)$/s.exec(tcpData)!;
  assert.equal(Number(frame[1]), Buffer.byteLength(frame[2]!));
  assert.match(frame[2]!, /externalId=[0-9a-f]{32}/);
  const metrics = await s.metrics.registry.getSingleMetricAsString('vigil_output_sent_total');
  assert.match(metrics, /output="syslog#5"\} 1/);
  udp.close();
  tcp.close();
  await Promise.all([hook.close(), slack.close(), teams.close()]);
  await s.dispose();
});
