/**
 * `vigil serve` and `vigil demo` as processes: refusals with clear messages, the env and config
 * layers, and the demo end to end (starts, replays through the real endpoints, prints the login
 * link, alerts retrievable through the API, stops on SIGTERM and removes its store).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/config.js';
import { packageRoot } from '../util/paths.js';

const bin = join(packageRoot(), 'bin', 'vigil.js');
const dir = mkdtempSync(join(tmpdir(), 'vigil-serve-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function vigil(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_TOKEN: '', ...env }, timeout: 20_000 });
  return { code: r.status, stderr: r.stderr };
}

test('serve refuses what it cannot do safely, with exit 2 and a clear message', () => {
  const dataDir = join(dir, 'refused');
  const cases: [string[], RegExp][] = [
    [['--store', 'postgres://vigil@db.invalid/vigil', '--token', 'x'.repeat(20)], /store: postgres postgres:\/\/vigil@db.invalid\/vigil: getaddrinfo/],
    [['--no-auth', '--listen', '0.0.0.0:0'], /--no-auth is only allowed when listening on loopback, not on 0\.0\.0\.0/],
    [[], /a token is required/],
    [['--token', 'short'], /at least 16 characters/],
    [['--listen', 'nowhere', '--token', 'x'.repeat(20)], /--listen must be HOST:PORT/],
    [['--tls-cert', join(dir, 'missing.pem'), '--tls-key', join(dir, 'missing.key'), '--token', 'x'.repeat(20)], /TLS certificate: ENOENT/],
  ];
  for (const [args, message] of cases) {
    const r = vigil(['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('settings: flags over VIGIL_* variables over vigil.yaml; errors name the variable or file', () => {
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, 'server:\n  listen: 127.0.0.1:9000\n  retentionDays: 7\noutputs:\n  - type: file\n    path: /tmp/a.jsonl\n');
  const config = loadConfig(file, { VIGIL_RETENTION_DAYS: '14', VIGIL_NO_AUTH: 'true', VIGIL_OUTPUTS: '[{type: slack, url: "https://hooks.slack.com/services/T/B/X"}]' });
  assert.equal(config.server.listen, '127.0.0.1:9000');
  assert.equal(config.server.retentionDays, 14);
  assert.equal(config.server.noAuth, true);
  assert.deepEqual(config.outputs.map((o) => o.type), ['slack']);
  assert.throws(() => loadConfig(file, { VIGIL_RETENTION_DAYS: 'soon' }), /VIGIL_RETENTION_DAYS: 'soon' is not a number/);
  assert.throws(() => loadConfig(file, { VIGIL_OUTPUTS: '[{type: webhook, url: "ftp://x"}]' }), /VIGIL_OUTPUTS: outputs\.0\.url: an http:\/\/ or https:\/\/ URL/);
  writeFileSync(file, 'outputs:\n  - type: syslog\n    host: siem\n    protocol: sctp\n');
  assert.throws(() => loadConfig(file), new RegExp(`${file}: outputs\\.0\\.protocol`));
});

test('vigil demo: replays the story through the endpoints, prints the link, serves the alerts, stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [bin, 'demo', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/Dashboard: /.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  const link = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)/.exec(stdout);
  assert.ok(link, `no login link in:\n${stdout}\n${stderr}`);
  const [, url, token] = link;
  assert.match(stdout, /Replayed the attack story: 1042 audit events to POST \/v1\/audit, 19 node events to POST \/v1\/events/);
  const r = await fetch(`${url}/v1/alerts?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
  const { alerts } = (await r.json()) as { alerts: { type: string; entities: { resource?: { name?: string } } }[] };
  assert.ok(alerts.some((a) => a.type === 'K8S_PrivilegedContainer' && a.entities.resource?.name === 'node-debugger'));
  assert.match(stdout, new RegExp(`${alerts.length} alert\\(s\\)`));
  const session = await fetch(`${url}/?token=${token}`, { redirect: 'manual' });
  assert.equal(session.status, 303);
  const dataDir = /store: sqlite (\S+)\/vigil\.db/.exec(stderr)![1]!;
  assert.ok(existsSync(dataDir));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.equal(existsSync(dataDir), false, 'the temporary store is removed');
});
