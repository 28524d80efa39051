/**
 * The dashboard end to end in a real browser: Debian's chromium driven by playwright-core against
 * a real `vigil serve` (the CLI, on a random loopback port, temp data dir), fed through the real
 * ingest endpoints with audit events whose names, user agents and ConfigMap data carry markup
 * payloads. Log in, list, filter, open an alert, change its status; the payloads must show as
 * text and never run. Fails (does not skip) when chromium is not installed.
 *
 * VIGIL_SCREENSHOTS=DIR keeps screenshots of the pages (for looking at the design, not committed).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { discoverDetections } from '../../detections/registry.js';
import { auditEvent, privilegedPod } from '../../testing/audit-events.js';
import { eventList } from '../../testing/server.js';
import { packageRoot } from '../../util/paths.js';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const TOKEN = 'dashboard-e2e-token-5f0c1d9a7b';
const SCREENSHOTS = process.env.VIGIL_SCREENSHOTS;

/** Each payload would set window.__pwned if it ever ran as markup. */
const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const SVG = '<svg onload="window.__pwned=3">';

/** The list shows 50 alerts a page. */
const PAGE_SIZE = 50;
const BATCH_PODS = PAGE_SIZE;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function pod(name: string, namespace: string, container: string, image: string): Record<string, unknown> {
  const spec = privilegedPod(name, namespace) as { spec: { containers: Record<string, unknown>[] } };
  spec.spec.containers[0] = { ...spec.spec.containers[0], name: container, image };
  return spec;
}

function createPod(name: string, namespace: string, options: { container?: string; image?: string; user?: string; userAgent?: string; time: string }) {
  const object = pod(name, namespace, options.container ?? 'shell', options.image ?? 'busybox:1.36');
  return auditEvent({ verb: 'create', resource: 'pods', namespace, name, requestObject: object, responseObject: object, user: options.user, userAgent: options.userAgent, time: options.time });
}

const corefile = (extra: string) => `.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n${extra}    forward . /etc/resolv.conf\n    cache 30\n}\n`;
function updateCoreDns(time: string) {
  const object = (extra: string) => ({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: corefile(extra) } });
  const rewrite = `    rewrite name exact login.example.com ${SCRIPT}.example.net\n`;
  return auditEvent({ verb: 'update', resource: 'configmaps', namespace: 'kube-system', name: 'coredns', requestObject: object(rewrite), responseObject: object(rewrite), time });
}

/** The events the test feeds: alerts with payloads, and ordinary ones around them. */
function auditEvents() {
  return [
    // Enough ordinary alerts for a second page of the list; sent first, so listed last (newest first).
    ...Array.from({ length: BATCH_PODS }, (_, i) => createPod(`job-${i}`, 'batch', { time: minutesAgo(300 + i) })),
    createPod(`web-${IMG}`, 'payments', { container: SCRIPT, image: `registry.example.com/${SVG}:1`, userAgent: `kubectl/v1.30.2 ${IMG}`, user: `mallory${SCRIPT}@example.com`, time: minutesAgo(50) }),
    createPod('debug-shell', 'default', { time: minutesAgo(170) }),
    createPod('node-exporter-x7', 'monitoring', { time: minutesAgo(400) }),
    createPod('tooling-0', 'ci', { time: minutesAgo(30) }),
    auditEvent({ verb: 'deletecollection', resource: 'events', namespace: 'kube-system', user: `eve${SVG}@example.com`, time: minutesAgo(20) }),
    updateCoreDns(minutesAgo(10)),
  ];
}

/** An exec that raises the test alert (when this build has K8S.NODE_EICAR), its parent's command line a payload. */
function eicarExec() {
  return {
    kind: 'process.exec',
    id: 'e2e-exec-1',
    time: minutesAgo(5),
    source: 'tetragon',
    node: 'aks-nodepool1-38291734-vmss000002',
    process: { pid: 41017, executable: '/tmp/asc_alerttest_662jfi039n', args: ['/tmp/asc_alerttest_662jfi039n', 'testing', 'eicar', 'pipe'], cwd: '/tmp', uid: 0, ppid: 4101 },
    ancestors: [{ pid: 4101, executable: '/bin/sh', args: ['sh', '-c', `echo ${IMG}; ${SCRIPT}`], cwd: '/app', uid: 0 }],
    container: { id: '995d3bb7f0c0e90eb63945e9171a61c5555d458e0aa8e3d4c0979d20853d3c53', name: 'api', image: 'registry.example.com/payments/api:1.14.2', pod: `api-${SVG}`, namespace: 'payments', runtime: 'containerd', workload: 'api', workloadKind: 'Deployment' },
  };
}

interface Serve {
  url: string;
  loginUrl: string;
  child: ChildProcess;
  dataDir: string;
}

/** `vigil serve` as an operator starts it; resolves with the addresses it prints. */
async function startServe(): Promise<Serve> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'vigil.js'), 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--token', TOKEN], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  const printed = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start within 30 s:\n${output}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /API at (\S+)\/v1\/ {2}\(dashboard login: (\S+)\)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', (code) => reject(new Error(`vigil serve exited (${code}):\n${output}`)));
  });
  return { url: printed[1]!, loginUrl: printed[2]!, child, dataDir };
}

async function api(serve: Serve, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(serve.url + path, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers } });
}

interface Watch {
  problems: string[];
}

/** Every dialog, uncaught error and console error of the page is a failure. */
function watch(page: Page): Watch {
  const w: Watch = { problems: [] };
  page.on('dialog', (dialog) => {
    w.problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => w.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') w.problems.push(`console ${message.type()}: ${message.text()}`);
  });
  return w;
}

async function assertNothingRan(page: Page, w: Watch): Promise<void> {
  // Expressions as strings: they run in the page, and this program is not typed for the DOM.
  assert.equal(await page.evaluate('window.__pwned'), undefined, 'a payload ran');
  // The page's only script is its own; no element came from a payload.
  assert.deepEqual(await page.evaluate('[...document.scripts].map((s) => new URL(s.src).pathname)'), ['/assets/app.js']);
  assert.equal(await page.locator('img:not([src^="/assets/"]), svg [onload], [onerror], [onload]').count(), 0);
  assert.deepEqual(w.problems, []);
}

/** Polls the page from here (page-side predicates would be eval, which the CSP forbids). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function shot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('dashboard in chromium', () => {
  let serve: Serve;
  let context: BrowserContext;
  let userDataDir: string;
  let expectedTypes: string[];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no browser at ${CHROMIUM}: the dashboard test needs Debian's chromium (apt-get install -y chromium) or VIGIL_CHROMIUM=/path/to/chromium`);
    }
    serve = await startServe();
    userDataDir = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });

    const audit = await api(serve, '/v1/audit', { method: 'POST', body: JSON.stringify(eventList(auditEvents())) });
    assert.equal(audit.status, 200, await audit.text());
    const events = await api(serve, '/v1/events', { method: 'POST', body: JSON.stringify([eicarExec()]) });
    assert.equal(events.status, 200, await events.text());
    const implemented = new Set((await discoverDetections()).map((d) => d.detection.type));
    expectedTypes = ['K8S_PrivilegedContainer', 'K8S_DeleteEvents', 'K8S_CoreDnsModification', ...(implemented.has('K8S.NODE_EICAR') ? ['K8S.NODE_EICAR'] : [])];
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { alerts } = (await (await api(serve, '/v1/alerts?limit=1000')).json()) as { alerts: { type: string }[] };
      // One alert per pod created, one per other event.
      if (alerts.length === auditEvents().length + expectedTypes.length - 3 && expectedTypes.every((t) => alerts.some((a) => a.type === t))) break;
      assert.ok(Date.now() < deadline, `alerts raised: ${alerts.map((a) => a.type).join(', ')}; expected ${expectedTypes.join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    if (serve) {
      const exited = new Promise((r) => serve.child.once('exit', r));
      serve.child.kill('SIGTERM');
      await exited;
      rmSync(serve.dataDir, { recursive: true, force: true });
    }
  });

  test('pages carry the strict CSP, tightened with Trusted Types; assets are served by Vigil itself', async () => {
    for (const path of ['/login', '/assets/app.js', '/assets/dashboard.css']) {
      const r = await fetch(serve.url + path);
      assert.equal(r.status, 200, path);
      const csp = r.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "require-trusted-types-for 'script'", "trusted-types 'none'"]) {
        assert.ok(csp.includes(directive), `${path}: ${directive} missing from ${csp}`);
      }
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|http:|https:/);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
    }
    const page = await fetch(serve.url + '/', { redirect: 'manual' });
    assert.equal(page.status, 303, 'no session: the page sends to the login');
    assert.equal(page.headers.get('location'), '/login');
    assert.equal((await fetch(serve.url + '/v1/alerts')).status, 401, 'the API needs the token or a session');
    assert.equal((await fetch(serve.url + '/assets/nothing.js')).status, 404);
  });

  test('log in, list, filter, open an alert, change its status: markup from the cluster stays text', async () => {
    const page = await context.newPage();
    const w = watch(page);

    // Not signed in: the login page; a wrong token is refused there.
    await page.goto(serve.url + '/');
    assert.equal(new URL(page.url()).pathname, '/login');
    await page.fill('#token', 'not-the-token-at-all');
    await page.click('button[type=submit]');
    await page.getByText('That token is not right.').waitFor();
    // The refused login is the one console error Chromium logs here (a 401 answer).
    assert.ok(w.problems.length <= 1 && w.problems.every((p) => /status of 401/.test(p)), w.problems.join('\n'));
    w.problems.length = 0;
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(serve.url + '/');
    const cookies = await context.cookies(serve.url);
    const session = cookies.find((c) => c.name === 'vigil_session');
    assert.ok(session?.httpOnly && session.sameSite === 'Strict', 'HttpOnly SameSite=Strict session cookie');
    assert.equal(await page.evaluate('document.cookie'), '', 'the session is not readable from scripts');

    // The list: every alert, the payloads as text.
    const rows = page.locator('table.alerts tbody tr');
    await rows.first().waitFor();
    const { alerts } = (await (await api(serve, '/v1/alerts?limit=1000')).json()) as { alerts: { id: string; type: string; severity: string; entities: { namespace?: string; pod?: string } }[] };
    assert.ok(alerts.length > PAGE_SIZE);
    assert.equal(await rows.count(), PAGE_SIZE);
    await page.locator('.live.ok').waitFor();
    assert.ok((await page.locator('table.alerts').textContent())!.includes(`payments/web-${IMG}`), 'the pod name shows as written');
    assert.equal(await page.locator('.tactic-head').count() > 5, true, 'the tactic matrix has its columns');
    await assertNothingRan(page, w);
    await shot(page, 'overview');

    // The next page through the API's cursor, and back.
    await page.click('button:text("Older →")');
    await until(async () => (await rows.count()) === alerts.length - PAGE_SIZE, 'the second page');
    assert.equal(await page.locator('.page-number').textContent(), 'Page 2');
    await page.click('button:text("← Newer")');
    await until(async () => (await rows.count()) === PAGE_SIZE, 'the first page again');

    // Sort by count, then filter: a namespace, a severity, a tactic from the matrix.
    await page.click('button[data-sort=count]');
    assert.equal(await page.locator('th[aria-sort=descending] button[data-sort=count]').count(), 1);
    await page.fill('input[name=namespace]', 'payments');
    await page.press('input[name=namespace]', 'Enter');
    await page.waitForURL(/namespace=payments/);
    await until(async () => (await rows.count()) === alerts.filter((a) => a.entities.namespace === 'payments').length, 'the payments alerts');
    for (const text of await rows.locator('td.entity').allTextContents()) assert.match(text, /payments\//);
    await page.click('button:text("Clear filters")');
    await page.waitForURL(serve.url + '/');
    await page.locator('.tactic-head', { hasText: 'Defense Evasion' }).click();
    await page.waitForURL(/tactic=DefenseEvasion/);
    await until(async () => (await rows.locator('td.type').allTextContents()).every((type) => type === 'K8S_DeleteEvents'), 'the Defense Evasion alerts');
    assert.equal(await rows.count(), alerts.filter((a) => a.type === 'K8S_DeleteEvents').length);
    await page.click('button:text("Clear filters")');
    await page.waitForURL(serve.url + '/');
    // The severity of the alert about the payload pod, so that it stays in the list.
    const target = alerts.find((a) => a.entities.pod?.includes(IMG))!;
    await page.check(`input[name=severity][value=${target.severity}]`);
    await page.waitForURL(new RegExp(`severity=${target.severity}`));
    await until(async () => (await rows.count()) === Math.min(PAGE_SIZE, alerts.filter((a) => a.severity === target.severity).length), `the ${target.severity} alerts`);

    // Open the alert whose pod name is a payload.
    await page.locator('table.alerts td.title a').filter({ has: page.locator('xpath=../..', { hasText: IMG }) }).first().click();
    await page.waitForURL(/\/alerts\//);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    await page.locator('.alert-head h1').waitFor();
    const details = page.locator('main');
    const entityValues = await details.locator('.entities dd').allTextContents();
    for (const expected of [`web-${IMG}`, SCRIPT, `registry.example.com/${SVG}:1`, `kubectl/v1.30.2 ${IMG}`, `mallory${SCRIPT}@example.com`]) {
      assert.ok(entityValues.includes(expected), `entity ${expected} shown as text (got ${JSON.stringify(entityValues)})`);
    }
    assert.ok((await details.locator('.description').textContent())!.includes(SCRIPT), 'the description keeps the markup as text');
    assert.ok((await details.locator('table.evidence').textContent())!.length > 0);
    assert.ok((await details.locator('.remediation li').count()) > 0, 'remediation steps');
    assert.ok((await details.textContent())!.includes('T1611'), 'techniques');
    await assertNothingRan(page, w);

    // Trusted Types: even a script of the page could not write markup.
    const refused = await page.evaluate(`(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<b>x</b>');
        return false;
      } catch {
        return true;
      }
    })()`);
    assert.ok(refused, 'Trusted Types refuse HTML strings');
    w.problems.length = 0;
    await shot(page, 'alert');

    // Resolve it, with a reason that is itself markup.
    const reason = `contained; see ${IMG}`;
    await page.fill('input[name=by]', 'Ana on call');
    await page.fill('textarea[name=reason]', reason);
    await page.click('button[data-action=resolved]');
    const change = page.locator('.status-change');
    await change.waitFor();
    assert.equal(await change.locator('.who').textContent(), 'Ana on call');
    assert.equal(await change.locator('.why').textContent(), reason);
    const stored = (await (await api(serve, `/v1/alerts/${encodeURIComponent(id)}`)).json()) as { status: string; statusChange: { by: string; reason: string } };
    assert.equal(stored.status, 'resolved');
    assert.deepEqual([stored.statusChange.by, stored.statusChange.reason], ['Ana on call', reason]);
    await page.reload();
    await page.locator('.status-change').waitFor();
    await assertNothingRan(page, w);
    await shot(page, 'alert-resolved');

    // Every alert page renders its payloads as text (ConfigMap data, user names, command lines).
    for (const alert of alerts.filter((a) => a.entities.namespace !== 'batch')) {
      await page.goto(`${serve.url}/alerts/${encodeURIComponent(alert.id)}`);
      await page.locator('.alert-head h1').waitFor();
      await assertNothingRan(page, w);
    }
    const coreDns = alerts.find((a) => a.type === 'K8S_CoreDnsModification')!;
    await page.goto(`${serve.url}/alerts/${encodeURIComponent(coreDns.id)}`);
    assert.ok((await page.locator('.description').textContent())!.includes(SCRIPT), 'ConfigMap data as text');
    if (expectedTypes.includes('K8S.NODE_EICAR')) {
      const eicar = alerts.find((a) => a.type === 'K8S.NODE_EICAR')!;
      await page.goto(`${serve.url}/alerts/${encodeURIComponent(eicar.id)}`);
      // The page renders after its fetch: wait for the head before reading every command line.
      await page.locator('.alert-head h1').waitFor();
      await page.locator('.command-line').first().waitFor();
      assert.ok((await page.locator('.command-line').allTextContents()).includes(`sh -c echo ${IMG}; ${SCRIPT}`), 'command lines as text');
    }

    // Logging out ends the session.
    await page.click('#logout');
    await page.waitForURL(/\/login$/);
    await page.goto(serve.url + '/');
    assert.equal(new URL(page.url()).pathname, '/login');

    // A link to an alert survives the login; a next page elsewhere does not.
    await page.goto(`${serve.url}/alerts/${encodeURIComponent(id)}`);
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${serve.url}/alerts/${encodeURIComponent(id)}`);
    await page.click('#logout');
    await page.waitForURL(/\/login$/);
    await page.goto(`${serve.url}/login?next=${encodeURIComponent('//evil.example/x')}`);
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(serve.url + '/');
    assert.deepEqual(w.problems, []);
    await page.close();
  });

  test('the link vigil serve prints logs in and takes the token out of the address; the list updates live', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    const w = watch(page);
    assert.match(serve.loginUrl, /\/\?token=/);
    await page.goto(serve.loginUrl);
    await page.locator('table.alerts tbody tr').first().waitFor();
    assert.equal(page.url(), serve.url + '/');

    // Live: an alert raised while the page is open shows up without a reload.
    const sent = await api(serve, '/v1/audit', { method: 'POST', body: JSON.stringify(eventList([createPod('arrived-live', 'payments', { time: new Date().toISOString() })])) });
    assert.equal(sent.status, 200);
    await until(async () => (await page.locator('table.alerts td.entity').allTextContents()).some((t) => t.includes('payments/arrived-live')), 'the new alert in the open list', 15_000);
    assert.deepEqual(w.problems, []);
    await page.close();
  });
});
