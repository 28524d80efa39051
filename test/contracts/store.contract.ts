/**
 * @module test/contracts/store.contract
 * The contract every Store implementation passes (SQLite now, PostgreSQL later): run
 * `runStoreContract('name', makeStore)` from the implementation's own test file. A skipped case
 * must say why in that file.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import { InvalidCursorError, type Store, type StoredAlert } from '../../src/store/store.js';

export interface StoreUnderTest {
  store: Store;
  /** Closes the store and opens it again on the same data (durability across restarts). */
  reopen(): Promise<Store>;
  /** Removes what the test created. */
  cleanup(): Promise<void>;
}

export function alertFixture(n: number, overrides: Partial<Alert> = {}): StoredAlert {
  const seen = new Date(Date.UTC(2026, 10, 20, 8, 0, n)).toISOString();
  return {
    id: `alert-${String(n).padStart(4, '0')}`,
    type: n % 2 ? 'K8S_PrivilegedContainer' : 'K8S.NODE_ReverseShell',
    title: 'A title',
    description: 'A description with <b>markup</b> from a cluster',
    severity: n % 3 === 0 ? 'high' : 'medium',
    tactics: ['PrivilegeEscalation'],
    techniques: ['T1611'],
    firstSeen: seen,
    lastSeen: seen,
    count: 1,
    status: 'active',
    entities: { cluster: 'prod', namespace: n % 4 === 0 ? 'payments' : 'default', pod: `pod-${n}` },
    evidence: [{ id: `audit-${n}`, kind: 'k8s.audit', source: 'k8s-audit', time: seen, summary: 'create pods default/x by alice → 201' }],
    remediation: 'Do the right thing.',
    ...overrides,
  };
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    const opened: StoreUnderTest[] = [];
    const fresh = async () => {
      const s = await makeStore();
      opened.push(s);
      return s;
    };
    after(async () => {
      for (const s of opened) await s.cleanup();
    });

    test('spooled batches survive a reopen, oldest first, until finished', async () => {
      const t = await fresh();
      const ids = await Promise.all([1, 2, 3].map((i) => t.store.spool({ format: 'k8s-audit', framing: 'json', body: `{"n":${i}}`, events: i })));
      assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'ids follow the order of the calls');
      const store = await t.reopen();
      const pending = await store.pendingBatches(10);
      assert.deepEqual(
        pending.map((p) => [p.id, p.format, p.framing, p.body, p.events]),
        ids.map((id, i) => [id, 'k8s-audit', 'json', `{"n":${i + 1}}`, i + 1]),
      );
      assert.ok(!Number.isNaN(Date.parse(pending[0]!.receivedAt)));
      assert.equal((await store.pendingBatches(2)).length, 2);
      await store.finishBatches([ids[0]!]);
      await store.failBatch(ids[1]!, 'engine blew up');
      assert.deepEqual((await store.pendingBatches(10)).map((p) => p.id), [ids[2]]);
    });

    test('saveAlerts inserts, then updates counts and times without touching the status', async () => {
      const { store } = await fresh();
      await store.saveAlerts([alertFixture(1)]);
      const change = { status: 'resolved' as const, by: 'alice', at: '2026-11-20T09:00:00.000Z', reason: 'fixed the pod' };
      assert.equal((await store.transition('alert-0001', ['active'], change)).outcome, 'done');
      await store.saveAlerts([alertFixture(1, { count: 7, lastSeen: '2026-11-20T10:00:00.000Z', status: 'active' })]);
      const got = await store.getAlert('alert-0001');
      assert.equal(got?.count, 7);
      assert.equal(got?.lastSeen, '2026-11-20T10:00:00.000Z');
      assert.equal(got?.status, 'resolved');
      assert.deepEqual(got?.statusChange, change);
      assert.equal(got?.description, alertFixture(1).description, 'text is kept as given');
      assert.equal(await store.getAlert('nope'), undefined);
    });

    test('transition is checked against the current status', async () => {
      const { store } = await fresh();
      await store.saveAlerts([alertFixture(2)]);
      const change = { status: 'dismissed' as const, by: 'bob', at: '2026-11-20T09:00:00.000Z', reason: 'test cluster' };
      const done = await store.transition('alert-0002', ['active'], change);
      assert.equal(done.outcome, 'done');
      assert.equal(done.outcome === 'done' && done.alert.status, 'dismissed');
      const again = await store.transition('alert-0002', ['active'], { ...change, status: 'resolved' });
      assert.equal(again.outcome, 'conflict');
      assert.equal(again.outcome === 'conflict' && again.alert.status, 'dismissed');
      assert.equal((await store.transition('missing', ['active'], change)).outcome, 'missing');
    });

    test('listAlerts pages newest first with cursors, no duplicates, null at the end', async () => {
      const { store } = await fresh();
      await store.saveAlerts(Array.from({ length: 25 }, (_, i) => alertFixture(i + 1)));
      const seen: string[] = [];
      let cursor: string | undefined;
      const sizes: number[] = [];
      for (;;) {
        const page = await store.listAlerts({}, 10, cursor);
        sizes.push(page.alerts.length);
        seen.push(...page.alerts.map((a) => a.id));
        if (!page.next) break;
        cursor = page.next;
      }
      assert.deepEqual(sizes, [10, 10, 5]);
      assert.equal(new Set(seen).size, 25);
      assert.equal(seen[0], 'alert-0025');
      // An update does not move an alert between pages.
      await store.saveAlerts([alertFixture(3, { count: 2, lastSeen: '2026-12-01T00:00:00.000Z' })]);
      assert.equal((await store.listAlerts({}, 1)).alerts[0]!.id, 'alert-0025');
      await assert.rejects(store.listAlerts({}, 10, 'garbage'), InvalidCursorError);
    });

    test('listAlerts filters by type, severity, namespace, status and since, combined with AND', async () => {
      const { store } = await fresh();
      await store.saveAlerts(Array.from({ length: 12 }, (_, i) => alertFixture(i + 1)));
      await store.transition('alert-0004', ['active'], { status: 'resolved', by: 'a', at: '2026-11-20T09:00:00.000Z', reason: 'done' });
      const ids = async (filter: Parameters<Store['listAlerts']>[0]) => (await store.listAlerts(filter, 100)).alerts.map((a) => a.id).sort();
      assert.deepEqual(await ids({ namespaces: ['payments'] }), ['alert-0004', 'alert-0008', 'alert-0012']);
      assert.deepEqual(await ids({ namespaces: ['payments'], statuses: ['active'] }), ['alert-0008', 'alert-0012']);
      assert.deepEqual(await ids({ severities: ['high'], types: ['K8S_PrivilegedContainer'] }), ['alert-0003', 'alert-0009']);
      assert.deepEqual(await ids({ types: ['K8S.NODE_ReverseShell', 'K8S_PrivilegedContainer'], since: alertFixture(11).lastSeen }), ['alert-0011', 'alert-0012']);
      assert.deepEqual(await ids({ statuses: ['dismissed'] }), []);
    });

    test('suppressions round-trip with their expiry, and dismissed alerts are counted per rule', async () => {
      const t = await fresh();
      const spec = { type: 'K8S_PrivilegedContainer', reason: 'node agents', expires: new Date('2027-01-01T00:00:00Z'), match: { namespace: 'kube-system' } };
      await t.store.addSuppression({ id: 's1', spec, createdBy: 'alice', createdAt: '2026-11-20T08:00:00.000Z' });
      await t.store.addSuppression({ id: 's2', spec: { type: '*', reason: 'lab cluster', match: { cluster: 'lab' } }, createdBy: 'bob', createdAt: '2026-11-20T08:01:00.000Z' });
      const by = (id: string) => ({ status: 'dismissed' as const, by: `suppression:${id}`, at: '2026-11-20T08:02:00.000Z', reason: 'node agents' });
      await t.store.saveAlerts([alertFixture(1, { status: 'dismissed', statusChange: by('s1') } as Partial<StoredAlert>), alertFixture(3, { status: 'dismissed', statusChange: by('s1') } as Partial<StoredAlert>)]);
      const store = await t.reopen();
      const list = await store.listSuppressions();
      assert.deepEqual(list.map((s) => s.id), ['s1', 's2']);
      assert.ok(list[0]!.spec.expires instanceof Date);
      assert.equal(list[0]!.spec.expires.toISOString(), '2027-01-01T00:00:00.000Z');
      assert.deepEqual(await store.suppressedCounts(), { s1: 2 });
      assert.deepEqual((await store.listAlerts({ suppressedBy: 's1' }, 10)).alerts.map((a) => a.status), ['dismissed', 'dismissed']);
      assert.equal(await store.deleteSuppression('s1'), true);
      assert.equal(await store.deleteSuppression('s1'), false);
      assert.deepEqual((await store.listSuppressions()).map((s) => s.id), ['s2']);
    });

    test('deleteAlertsBefore removes alerts last seen before the cutoff', async () => {
      const { store } = await fresh();
      await store.saveAlerts(Array.from({ length: 5 }, (_, i) => alertFixture(i + 1)));
      assert.equal(await store.deleteAlertsBefore(alertFixture(3).lastSeen), 2);
      assert.deepEqual((await store.listAlerts({}, 10)).alerts.map((a) => a.id), ['alert-0005', 'alert-0004', 'alert-0003']);
    });
  });
}
