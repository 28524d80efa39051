/**
 * `vigil agent` as a process: the /proc source feeding detection, Prometheus metrics that show
 * events and shipping, the spool while the analyser is down, and a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../testing/kernel.js';
import { packageRoot } from '../util/paths.js';

const bin = join(packageRoot(), 'bin', 'vigil.js');

test('the agent counts what it reads and what it ships, and spools while the analyser is down', { timeout: 60_000 }, async () => {
  const spoolDir = mkdtempSync(join(tmpdir(), 'vigil-agent-spool-'));
  // Port 9 on loopback: nothing listens there, so shipping fails and the spool fills.
  const agent = spawn(process.execPath, [bin, 'agent', '--source', 'procfs', '--metrics', '127.0.0.1:0', '--analyser', 'http://127.0.0.1:9', '--spool-dir', spoolDir, '--pods', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  agent.stderr.on('data', (d: Buffer) => (stderr += d));
  try {
    const url = await waitFor('the metrics address', () => /metrics at (http:\/\/\S+)/.exec(stderr)?.[1]);
    for (let i = 0; i < 5; i++) spawnSync('sleep', ['0.3']);
    let metrics = '';
    for (let i = 0; i < 100; i++) {
      metrics = await (await fetch(url)).text();
      if (/vigil_agent_events_total\{source="procfs",kind="process\.exec"\} [1-9]/.test(metrics) && /vigil_agent_ship_failures [1-9]/.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(metrics, /vigil_agent_events_total\{source="procfs",kind="process\.exec"\} [1-9]/);
    assert.match(metrics, /vigil_agent_ship_failures [1-9]/);
    assert.ok(readdirSync(spoolDir).length > 0, 'batches wait in the spool');
    assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
  } finally {
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent.once('exit', resolve));
    rmSync(spoolDir, { recursive: true, force: true });
  }
  assert.equal(agent.exitCode, 0, stderr);
  assert.match(stderr, /shipped 0 events; [1-9]\d* bytes left in the spool; 0 dropped/);
});
