/**
 * DownloadAndRunCombo's sequence across processes depends on its window setting and on the
 * container, which the fixtures show only at the default: here the setting is changed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalog } from '../../catalog/catalog.js';
import type { AnyDetection } from '../../engine/detection.js';
import { Engine } from '../../engine/engine.js';
import { MemoryState } from '../../engine/state/store.js';
import type { ProcessExecEvent } from '../../events/model.js';
import { Indicators } from '../../indicators/indicators.js';
import detection from './download-and-run-combo.js';

function exec(id: string, seconds: number, args: string[]): ProcessExecEvent {
  return {
    kind: 'process.exec', id, time: Date.parse('2026-03-14T09:00:00Z') + seconds * 1000, source: 'vigil', node: 'n1',
    process: { pid: 1, executable: args[0]!, args, commandLine: args.join(' '), cwd: '/' }, ancestors: [],
    container: { id: 'c1', name: 'app' },
  };
}

function run(windowSeconds: number | undefined): number {
  const engine = new Engine({
    detections: [detection as unknown as AnyDetection], catalog: loadCatalog(), state: new MemoryState(), indicators: new Indicators(),
    settings: windowSeconds === undefined ? undefined : { [detection.type]: { windowSeconds } },
  });
  engine.process(exec('d', 0, ['/usr/bin/curl', '-o', '/tmp/t', 'http://files.example.net/t']));
  engine.process(exec('r', 120, ['/tmp/t']));
  return engine.stats.findings;
}

test('the run of a download counts within windowSeconds of event time, not after', () => {
  assert.equal(run(undefined), 1);
  assert.equal(run(60), 0);
});
