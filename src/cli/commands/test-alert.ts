/**
 * @module cli/commands/test-alert
 * `vigil test-alert`: checks a pipeline end to end. It runs Defender's documented trigger — an
 * executable named `asc_alerttest_662jfi039n` run with the arguments `testing eicar pipe` — which
 * every node source sees as a process execution and K8S.NODE_EICAR turns into a test alert. Run it
 * on a node (or inside a container) where `vigil agent` is watching.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';

export const TEST_ALERT_PROGRAM = 'asc_alerttest_662jfi039n';
export const TEST_ALERT_ARGS = ['testing', 'eicar', 'pipe'] as const;

export function registerTestAlert(program: Command, setExit: (code: number) => void): void {
  program
    .command('test-alert')
    .description(`run the harmless test trigger (${TEST_ALERT_PROGRAM} ${TEST_ALERT_ARGS.join(' ')}) that raises K8S.NODE_EICAR`)
    .action(() => {
      // A copy of /bin/true under the trigger's name: harmless, and seen by every source as an exec.
      const dir = mkdtempSync(join(tmpdir(), 'vigil-test-alert-'));
      const path = join(dir, TEST_ALERT_PROGRAM);
      try {
        copyFileSync('/bin/true', path);
        chmodSync(path, 0o755);
        const r = spawnSync(path, [...TEST_ALERT_ARGS], { stdio: 'inherit' });
        if (r.error) throw r.error;
        process.stderr.write(`vigil test-alert: ran ${path} ${TEST_ALERT_ARGS.join(' ')}; a watching agent raises K8S.NODE_EICAR\n`);
        setExit(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
