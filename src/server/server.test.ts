/**
 * The analyser over real HTTP on loopback with a real SQLite store in a temp dir: durable ingest,
 * back-pressure, auth and sessions, TLS, security headers, the alerts API, suppressions, metrics.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { alertFixture } from '../../test/contracts/store.contract.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { auditEvent, privilegedPod } from '../testing/audit-events.js';
import { eventList, testServer, TEST_TOKEN, type TestServer } from '../testing/server.js';
import { tokenMatches } from './auth.js';
import { kubeConfig, recordedApiServer } from '../sources/kubernetes-api/testing.js';

const servers: TestServer[] = [];
async function serve(...args: Parameters<typeof testServer>): Promise<TestServer> {
  const s = await testServer(...args);
  servers.push(s);
  return s;
}
after(async () => {
  for (const s of servers.splice(0)) await s.dispose().catch(() => undefined);
});

const privileged = (name: string, namespace = 'default') =>
  auditEvent({ verb: 'create', resource: 'pods', namespace, requestObject: privilegedPod(name, namespace), responseObject: privilegedPod(name, namespace), time: new Date().toISOString() });
const leases = (n: number) => Array.from({ length: n }, (_, i) => auditEvent({ verb: 'get', resource: 'configmaps', namespace: 'default', name: `cm-${i}` }));

describe('ingest', () => {
  test('an accepted batch is in the spool before the 2xx, even when detection throws on it', async () => {
    const s = await serve({}, { processEvent: () => { throw new Error('engine exploded'); } });
    const body = eventList([privileged('a'), privileged('b')]);
    const r = await s.call('/v1/audit', { method: 'POST', json: body });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { accepted: 2, rejected: 0, errors: [] });
    await s.settle();
    const db = new Database(join(s.dataDir, 'vigil.db'), { readonly: true });
    const rows = db.prepare('SELECT format, events, body, error FROM spool').all() as { format: string; events: number; body: string; error: string }[];
    db.close();
    assert.equal(rows.length, 1);
    assert.deepEqual(JSON.parse(rows[0]!.body), body);
    assert.equal(rows[0]!.events, 2);
    assert.match(rows[0]!.error, /engine exploded/);
    assert.ok(s.logs.some((l) => /detection failed on spool batch/.test(l)));
  });

  test('batches spooled before a stop are replayed at start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-serve-'));
    const store = new SqliteStore(join(dataDir, 'vigil.db'));
    await store.spool({ format: 'k8s-audit', framing: 'json', body: JSON.stringify(eventList([privileged('left-over')])), events: 1 });
    await store.close();
    const s = await serve({}, { dataDir });
    await s.settle();
    const alerts = (await (await s.call('/v1/alerts?type=K8S_PrivilegedContainer')).json()) as { alerts: { entities: { resource?: { name?: string } } }[] };
    assert.equal(alerts.alerts.length, 1);
    assert.ok(s.logs.some((l) => /replayed 1 event/.test(l)));
    await s.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a full queue answers 429 with Retry-After and counts the refused events', async () => {
    // Slices of one slow event keep the first batch in the queue while the second arrives.
    const s = await serve({ server: { queueEvents: 1000 } }, { sliceEvents: 1, processEvent: () => { const end = Date.now() + 5; while (Date.now() < end); } });
    assert.equal((await s.call('/v1/audit', { method: 'POST', json: eventList(leases(1000)) })).status, 200);
    const refused = await s.call('/v1/audit', { method: 'POST', json: eventList(leases(200)) });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'VIGIL_ERR_QUEUE_FULL');
    assert.equal((await s.call('/readyz', { auth: false })).status, 503, 'not ready while the queue is full');
    const metrics = await (await s.call('/metrics')).text();
    assert.match(metrics, /vigil_ingest_dropped_events_total\{source="k8s-audit",reason="queue_full"\} 200/);
    assert.match(metrics, /vigil_queue_events \d+/);
  });

  test('bodies well above 1 MB are accepted; undecodable events are counted, the good ones kept', async () => {
    const s = await serve();
    const big = eventList([...leases(2500), { kind: 'Event', apiVersion: 'audit.k8s.io/v1', verb: 'get' }]);
    assert.ok(JSON.stringify(big).length > 1_000_000);
    const r = await s.call('/v1/audit', { method: 'POST', json: big });
    assert.equal(r.status, 200);
    const answer = (await r.json()) as { accepted: number; rejected: number; errors: string[] };
    assert.equal(answer.accepted, 2500);
    assert.equal(answer.rejected, 1);
    assert.match(answer.errors[0]!, /items\[2500\]/);
    const bad = await s.call('/v1/audit', { method: 'POST', body: '{"kind":"EventList", nope', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    const none = await s.call('/v1/audit', { method: 'POST', json: eventList([{ kind: 'Event' }]) });
    assert.equal(none.status, 400);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'VIGIL_ERR_NO_VALID_EVENTS');
  });

  test('the managed clouds post their own wrappers: AKS records, EKS CloudWatch events, GKE entries', async () => {
    const s = await serve();
    const event = privileged('from-the-cloud', 'cloudy');
    const aksBody = { records: [{ time: new Date().toISOString(), resourceId: '/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD-01', category: 'kube-audit', operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read', properties: { log: JSON.stringify(event), pod: 'kube-apiserver-5c8d9f7b6-qm2zt', stream: 'stdout' } }] };
    const r = await s.call('/v1/audit/aks', { method: 'POST', json: aksBody });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { accepted: 1, rejected: 0, errors: [] });
    const eksBody = { events: [{ timestamp: Date.now(), logStreamName: 'kube-apiserver-audit-3f9a6c1e0b2d47e58a11c0d9e7f4b2a6', message: JSON.stringify(privileged('from-eks', 'cloudy')) }] };
    assert.equal((await s.call('/v1/audit/eks', { method: 'POST', json: eksBody })).status, 200);
    await s.settle();
    const alerts = (await (await s.call('/v1/alerts?type=K8S_PrivilegedContainer&namespace=cloudy')).json()) as { alerts: { entities: { cluster?: string; resource?: { name?: string } } }[] };
    assert.deepEqual(alerts.alerts.map((a) => a.entities.resource?.name).sort(), ['from-eks', 'from-the-cloud']);
    assert.ok(alerts.alerts.some((a) => a.entities.cluster === 'aks-prod-01'), 'the AKS resource id names the cluster');
  });

  test('POST /v1/events takes JSON lines and JSON arrays of Vigil events, validated as scan does', async () => {
    const s = await serve();
    const exec = (id: string) => ({ kind: 'process.exec', id, time: '2026-11-20T09:00:00Z', source: 'tetragon', node: 'n1', process: { pid: 10, executable: '/bin/ls', args: ['ls'] } });
    const lines = [JSON.stringify(exec('e1')), JSON.stringify({ kind: 'process.exec', id: 'e2' })].join('\n');
    const r = await s.call('/v1/events', { method: 'POST', body: lines, headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(r.status, 200);
    const answer = (await r.json()) as { accepted: number; rejected: number; errors: string[] };
    assert.deepEqual([answer.accepted, answer.rejected], [1, 1]);
    assert.match(answer.errors[0]!, /\/v1\/events:2/);
    const arr = await s.call('/v1/events', { method: 'POST', json: [exec('e3'), exec('e4')] });
    assert.deepEqual(await arr.json(), { accepted: 2, rejected: 0, errors: [] });
  });
});

describe('auth and security', () => {
  test('a missing or wrong token is 401 on ingest, API and metrics; health probes are open', async () => {
    const s = await serve();
    for (const [path, method] of [['/v1/audit', 'POST'], ['/v1/events', 'POST'], ['/v1/alerts', 'GET'], ['/metrics', 'GET'], ['/v1/suppressions', 'GET']] as const) {
      const missing = await s.call(path, { method, auth: false, ...(method === 'POST' ? { json: [] } : {}) });
      assert.equal(missing.status, 401, `${method} ${path} without token`);
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="vigil"');
      const wrong = await s.call(path, { method, headers: { authorization: `Bearer ${TEST_TOKEN}x` }, ...(method === 'POST' ? { json: [] } : {}) });
      assert.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
    }
    assert.equal((await s.call('/healthz', { auth: false })).status, 200);
    assert.equal((await s.call('/readyz', { auth: false })).status, 200);
    assert.equal((await s.call('/', { auth: false })).status, 303, 'the dashboard sends to its login page');
  });

  test('token comparison hashes first: any length, no throw, exact match only', () => {
    assert.equal(tokenMatches(TEST_TOKEN, TEST_TOKEN), true);
    assert.equal(tokenMatches('', TEST_TOKEN), false);
    assert.equal(tokenMatches(TEST_TOKEN + TEST_TOKEN, TEST_TOKEN), false);
    assert.equal(tokenMatches(TEST_TOKEN.slice(0, -1) + 'X', TEST_TOKEN), false);
  });

  test('the ?token= link gives an HttpOnly SameSite=Strict session for the API, not for ingest', async () => {
    const s = await serve();
    const bad = await s.call('/?token=wrong', { auth: false });
    assert.equal(bad.status, 401);
    const link = await s.call(`/v1/alerts?limit=5&token=${TEST_TOKEN}`, { auth: false });
    assert.equal(link.status, 303);
    assert.equal(link.headers.get('location'), '/v1/alerts?limit=5');
    const cookie = link.headers.get('set-cookie')!;
    assert.match(cookie, /^vigil_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const session = cookie.split(';')[0]!;
    assert.equal((await s.call('/v1/alerts', { auth: false, headers: { cookie: session } })).status, 200);
    assert.equal((await s.call('/v1/audit', { method: 'POST', auth: false, headers: { cookie: session }, json: eventList([]) })).status, 401);
    const crossSite = await s.call('/v1/alerts/x', { method: 'PATCH', auth: false, headers: { cookie: session, origin: 'https://evil.example' }, json: { status: 'resolved', by: 'x', reason: 'xxx' } });
    assert.equal(crossSite.status, 403);
    const login = await s.call('/v1/session', { method: 'POST', auth: false, json: { token: TEST_TOKEN } });
    assert.equal(login.status, 204);
    const form = await s.call('/v1/session', { method: 'POST', auth: false, body: `token=${TEST_TOKEN}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 303);
    assert.equal((await s.call('/v1/session', { method: 'POST', auth: false, json: { token: 'nope' } })).status, 401);
    const logout = await s.call('/v1/session', { method: 'DELETE', auth: false, headers: { cookie: session } });
    assert.match(logout.headers.get('set-cookie')!, /Max-Age=0/);
    assert.equal((await s.call('/v1/alerts', { auth: false, headers: { cookie: session } })).status, 401, 'the session ended');
  });

  test('no CORS headers, even for a preflight; a strict CSP and friends on every answer', async () => {
    const s = await serve();
    const origin = { origin: 'https://evil.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization' };
    for (const r of [await s.call('/v1/alerts', { headers: origin }), await s.call('/v1/alerts', { method: 'OPTIONS', headers: origin, auth: false }), await s.call('/nowhere', { auth: false })]) {
      for (const name of r.headers.keys()) assert.ok(!name.startsWith('access-control-'), `${name} must not be sent`);
      const csp = r.headers.get('content-security-policy')!;
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  test('TLS with a certificate and key; the session cookie is then Secure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const s = await serve({ server: { tlsCert: cert, tlsKey: key } });
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = httpsRequest(s.url + path, { ca: readFileSync(cert), headers }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal((await get('/v1/alerts', { authorization: `Bearer ${TEST_TOKEN}` })).status, 200);
    assert.equal((await get('/v1/alerts', {})).status, 401);
    const link = await get(`/?token=${TEST_TOKEN}`, {});
    assert.match(String(link.headers['set-cookie']), /; Secure$/);
    await assert.rejects(fetch(s.url + '/healthz'), 'a client that does not trust the certificate is refused');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('alerts API', () => {
  async function seeded(n: number): Promise<TestServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-serve-'));
    const store = new SqliteStore(join(dataDir, 'vigil.db'));
    const now = Date.now();
    await store.saveAlerts(Array.from({ length: n }, (_, i) => {
      const a = alertFixture(i + 1);
      const t = new Date(now - (n - i) * 60_000).toISOString();
      return { ...a, firstSeen: t, lastSeen: t };
    }));
    await store.close();
    const s = await serve({}, { dataDir });
    return s;
  }

  test('paging with cursors walks every alert once, newest first; limit is 1..1000', async () => {
    const s = await seeded(30);
    const ids: string[] = [];
    let next: string | null = null;
    do {
      const page = (await (await s.call(`/v1/alerts?limit=12${next ? `&cursor=${encodeURIComponent(next)}` : ''}`)).json()) as { alerts: { id: string }[]; next: string | null };
      ids.push(...page.alerts.map((a) => a.id));
      next = page.next;
    } while (next);
    assert.equal(ids.length, 30);
    assert.equal(new Set(ids).size, 30);
    assert.equal(ids[0], 'alert-0030');
    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'cursor=bogus', 'severity=critical', 'since=yesterday', 'colour=red']) {
      const r = await s.call(`/v1/alerts?${bad}`);
      assert.equal(r.status, 400, bad);
    }
    const all = await s.call('/v1/alerts?limit=1000');
    assert.equal(((await all.json()) as { alerts: unknown[] }).alerts.length, 30);
  });

  test('filters: type, severity, namespace, status (comma lists) and since', async () => {
    const s = await seeded(12);
    const ids = async (q: string) => ((await (await s.call(`/v1/alerts?${q}`)).json()) as { alerts: { id: string }[] }).alerts.map((a) => a.id).sort();
    assert.deepEqual(await ids('namespace=payments'), ['alert-0004', 'alert-0008', 'alert-0012']);
    assert.deepEqual(await ids('type=K8S_PrivilegedContainer&severity=high'), ['alert-0003', 'alert-0009']);
    assert.deepEqual(await ids('severity=high,medium&namespace=payments&status=active'), ['alert-0004', 'alert-0008', 'alert-0012']);
    const since = new Date(Date.now() - 2.5 * 60_000).toISOString();
    assert.deepEqual(await ids(`since=${since}`), ['alert-0011', 'alert-0012']);
    assert.deepEqual(await ids('status=resolved'), []);
  });

  test('PATCH moves an active alert to resolved or dismissed with who, when and why, once', async () => {
    const s = await seeded(3);
    const before = Date.now();
    const r = await s.call('/v1/alerts/alert-0001', { method: 'PATCH', json: { status: 'resolved', by: 'alice', reason: 'pod removed' } });
    assert.equal(r.status, 200);
    const alert = (await r.json()) as { status: string; statusChange: { status: string; by: string; at: string; reason: string } };
    assert.equal(alert.status, 'resolved');
    assert.equal(alert.statusChange.by, 'alice');
    assert.equal(alert.statusChange.reason, 'pod removed');
    assert.ok(Date.parse(alert.statusChange.at) >= before - 1000);
    const got = (await (await s.call('/v1/alerts/alert-0001')).json()) as { status: string; statusChange: unknown };
    assert.deepEqual(got.statusChange, alert.statusChange);
    assert.equal((await s.call('/v1/alerts/alert-0001', { method: 'PATCH', json: { status: 'dismissed', by: 'bob', reason: 'again' } })).status, 409);
    assert.equal((await s.call('/v1/alerts/alert-0002', { method: 'PATCH', json: { status: 'dismissed', by: 'bob', reason: 'lab cluster' } })).status, 200);
    assert.equal((await s.call('/v1/alerts/alert-0003', { method: 'PATCH', json: { status: 'active', by: 'bob', reason: 'reopen' } })).status, 400);
    assert.equal((await s.call('/v1/alerts/alert-0003', { method: 'PATCH', json: { status: 'resolved', reason: 'who?' } })).status, 400);
    assert.equal((await s.call('/v1/alerts/nope', { method: 'PATCH', json: { status: 'resolved', by: 'a', reason: 'gone' } })).status, 404);
    assert.equal((await s.call('/v1/alerts/nope')).status, 404);
  });

  test('text from the cluster comes back as JSON data, byte for byte', async () => {
    const s = await serve();
    const evil = '<img src=x onerror=alert(1)>';
    await s.call('/v1/audit', { method: 'POST', json: eventList([privileged(evil)]) });
    await s.settle();
    const r = await s.call('/v1/alerts');
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    const { alerts } = (await r.json()) as { alerts: { entities: { pod?: string; resource?: { name?: string } } }[] };
    assert.ok(JSON.stringify(alerts).includes(evil));
  });
});

describe('suppressions', () => {
  test('a vigil.yaml rule raises the alert dismissed, counted, kept; API rules apply until they expire', async () => {
    const s = await serve({
      suppressions: [{ type: 'K8S_PrivilegedContainer', reason: 'debug pods in the lab namespace', match: { namespace: 'lab' } }],
    });
    await s.call('/v1/audit', { method: 'POST', json: eventList([privileged('p1', 'lab')]) });
    await s.settle();
    const { alerts } = (await (await s.call('/v1/alerts?status=dismissed')).json()) as { alerts: { status: string; statusChange: { by: string; reason: string } }[] };
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]!.statusChange.by, /^suppression:config-[0-9a-f]{12}$/);
    assert.equal(alerts[0]!.statusChange.reason, 'debug pods in the lab namespace');

    const expired = await s.call('/v1/suppressions', { method: 'POST', json: { type: '*', reason: 'was a maintenance window', expires: '2020-01-01T00:00:00Z', match: { namespace: 'ops' }, by: 'alice' } });
    assert.equal(expired.status, 201);
    const live = await s.call('/v1/suppressions', { method: 'POST', json: { type: 'K8S_PrivilegedContainer', reason: 'node tooling', expires: '2099-01-01T00:00:00Z', match: { namespace: 'tools', resourceName: 'agent-*' }, by: 'bob' } });
    const liveId = ((await live.json()) as { id: string }).id;
    assert.equal((await s.call('/v1/suppressions', { method: 'POST', json: { type: 'K8S_PrivilegedContainer', reason: 'x', match: {}, by: 'bob' } })).status, 400);

    await s.call('/v1/audit', { method: 'POST', json: eventList([privileged('p2', 'ops'), privileged('agent-1', 'tools'), privileged('other', 'tools')]) });
    await s.settle();
    const ns = async (status: string) =>
      ((await (await s.call(`/v1/alerts?status=${status}`)).json()) as { alerts: { entities: { namespace: string; resource: { name: string } } }[] }).alerts
        .map((a) => `${a.entities.namespace}/${a.entities.resource.name}`)
        .sort();
    assert.deepEqual(await ns('active'), ['ops/p2', 'tools/other']);
    assert.deepEqual(await ns('dismissed'), ['lab/p1', 'tools/agent-1']);

    const rules = ((await (await s.call('/v1/suppressions')).json()) as { suppressions: { id: string; source: string; expired: boolean; suppressed: number; createdBy: string }[] }).suppressions;
    assert.deepEqual(rules.map((r) => [r.source, r.expired, r.suppressed]), [['config', false, 1], ['api', true, 0], ['api', false, 1]]);
    assert.equal(rules[2]!.createdBy, 'bob');
    assert.equal((await s.call(`/v1/suppressions/${rules[0]!.id}`, { method: 'DELETE' })).status, 409);
    assert.equal((await s.call(`/v1/suppressions/${liveId}`, { method: 'DELETE' })).status, 204);
    assert.equal((await s.call(`/v1/suppressions/${liveId}`, { method: 'DELETE' })).status, 404);
    const metrics = await (await s.call('/metrics')).text();
    assert.match(metrics, /vigil_alerts_suppressed_total\{type="K8S_PrivilegedContainer"\} 2/);
  });
});

describe('metrics', () => {
  test('Prometheus exposition: events by source, alerts by type and severity, latency, queue', async () => {
    const s = await serve();
    await s.call('/v1/audit', { method: 'POST', json: eventList([privileged('m1'), ...leases(3)]) });
    await s.settle();
    const r = await s.call('/metrics');
    assert.match(r.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    assert.match(text, /^vigil_ingest_events_total\{source="k8s-audit"\} 4$/m);
    assert.match(text, /^vigil_alerts_total\{type="K8S_PrivilegedContainer",severity="\w+"\} 1$/m);
    assert.match(text, /^vigil_ingest_batch_duration_seconds_count\{source="k8s-audit"\} 1$/m);
    assert.match(text, /^vigil_detection_events_total 4$/m);
    assert.match(text, /^vigil_queue_capacity_events 100000$/m);
    assert.match(text, /^# TYPE vigil_ingest_batch_duration_seconds histogram$/m);
  });
});

describe('user rules', () => {
  const rule = (id: string, prefix: string) => `rules:
  - id: ${id}
    title: Binary executed from ${prefix}
    severity: high
    tactics: [Execution]
    techniques: [T1059]
    description: A process ran a file from ${prefix}.
    remediation: Find how the file got there and rebuild the workload.
    kinds: [process.exec]
    summary: '{process.executable} ran on {node}'
    condition: process.executable.startsWith("${prefix}")
`;
  const exec = (id: string, executable: string) => JSON.stringify({ kind: 'process.exec', id, time: new Date().toISOString(), source: 'tetragon', node: 'n1', process: { pid: 7, executable, args: [executable] }, ancestors: [] });
  const alertTypes = async (s: TestServer) =>
    ((await (await s.call('/v1/alerts')).json()) as { alerts: { type: string }[] }).alerts.map((a) => a.type).filter((t) => t.startsWith('USER_')).sort();

  test('--rules: rules run in the analyser and reload on change; a broken change keeps the previous set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    writeFileSync(join(dir, 'shm.yaml'), rule('USER_ExecFromDevShm', '/dev/shm/'));
    const s = await serve({}, { rulesDir: dir });
    await s.call('/v1/events', { method: 'POST', body: exec('e1', '/dev/shm/x') + '\n', headers: { 'content-type': 'application/x-ndjson' } });
    await s.settle();
    assert.deepEqual(await alertTypes(s), ['USER_ExecFromDevShm']);

    writeFileSync(join(dir, 'tmp.yaml'), rule('USER_ExecFromVarTmp', '/var/tmp/'));
    await waitUntil(() => s.logs.some((l) => /rules reloaded .*: 2 rule/.test(l)));
    await s.call('/v1/events', { method: 'POST', body: exec('e2', '/var/tmp/y') + '\n', headers: { 'content-type': 'application/x-ndjson' } });
    await s.settle();
    assert.deepEqual(await alertTypes(s), ['USER_ExecFromDevShm', 'USER_ExecFromVarTmp']);

    writeFileSync(join(dir, 'broken.yaml'), 'rules:\n  - id: USER_Broken\n    condition: process.nope == 1\n');
    await waitUntil(() => s.logs.some((l) => /not reloaded, the previous set stays in force/.test(l)));
    await s.call('/v1/events', { method: 'POST', body: exec('e3', '/var/tmp/z') + '\n', headers: { 'content-type': 'application/x-ndjson' } });
    await s.settle();
    const alerts = (await (await s.call('/v1/alerts?type=USER_ExecFromVarTmp')).json()) as { alerts: unknown[] };
    assert.equal(alerts.alerts.length, 2, 'the previous rules still run');
    rmSync(dir, { recursive: true, force: true });
  });

  test('--rules with errors refuses to start and says where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    writeFileSync(join(dir, 'bad.yaml'), 'rules:\n  - id: USER_Bad\n    kinds: [process.exec]\n    condition: process.nope == 1\n');
    await assert.rejects(serve({}, { rulesDir: dir }), /bad\.yaml:\d+/);
    rmSync(dir, { recursive: true, force: true });
  });
});

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('live cluster objects', () => {
  test('--watch-cluster: objects listed and watched through the API reach the detections once', async () => {
    const api = await recordedApiServer();
    try {
      const s = await serve({}, { watchCluster: { kubeConfig: kubeConfig(api.port) } });
      api.release();
      await waitUntil(() => s.logs.some((l) => /watching the cluster's objects/.test(l)));
      let types: string[] = [];
      for (let i = 0; i < 100 && !(types.includes('K8S_ClusterAdminBinding') && types.includes('K8S_PrivilegedContainer')); i++) {
        await s.settle();
        types = ((await (await s.call('/v1/alerts')).json()) as { alerts: { type: string }[] }).alerts.map((a) => a.type);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(types.includes('K8S_ClusterAdminBinding'), `alerts: ${types.join(', ')}`);
      assert.ok(types.includes('K8S_PrivilegedContainer'), `alerts: ${types.join(', ')}`);
      // The re-list and the watch bring the same privileged pods again: not new containers.
      const pods = ((await (await s.call('/v1/alerts?type=K8S_PrivilegedContainer')).json()) as { alerts: { entities: { pod?: string } }[] }).alerts.map((a) => a.entities.pod);
      assert.equal(new Set(pods).size, pods.length, `one alert per pod: ${pods.join(', ')}`);
    } finally {
      await api.close();
    }
  });
});
