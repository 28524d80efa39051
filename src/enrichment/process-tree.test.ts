// The bounded process table: ancestors from ppid, pid reuse, the LRU bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessInfo } from '../events/model.js';
import { ProcessTree } from './process-tree.js';

function proc(pid: number, ppid: number, startTime: number, name = `p${pid}`): ProcessInfo {
  return { pid, ppid, startTime, executable: `/bin/${name}`, args: [name], commandLine: name };
}

test('process-tree: ancestors walk ppid up to the depth bound and stop at unknown parents', () => {
  const tree = new ProcessTree({ maxDepth: 3 });
  for (let pid = 2; pid <= 10; pid++) tree.recordExec(proc(pid, pid - 1, pid));
  assert.deepEqual(tree.ancestors(10, 100).map((p) => p.pid), [10, 9, 8]);
  assert.deepEqual(tree.ancestors(3, 100).map((p) => p.pid), [3, 2]);
  assert.deepEqual(tree.ancestors(undefined), []);
});

test('process-tree: a reused pid is the newest image; images started after the event are not believed', () => {
  const tree = new ProcessTree();
  tree.recordExec(proc(50, 1, 1000, 'bash'));
  tree.recordExec(proc(60, 50, 1100, 'curl'));
  tree.recordExec(proc(50, 7, 5000, 'nginx'));
  assert.equal(tree.lookup(50, 6000)?.executable, '/bin/nginx');
  assert.equal(tree.lookup(50, 4000), undefined, 'the current pid 50 started later');
  assert.equal(tree.lookup(50, 6000, 1), undefined, 'a different parent means a different process');
  tree.recordExec(proc(50, 1, 900, 'older'));
  assert.equal(tree.lookup(50)?.executable, '/bin/nginx', 'an older image read late does not replace a newer one');
});

test('process-tree: cycles from pid reuse end the walk', () => {
  const tree = new ProcessTree();
  tree.recordExec(proc(5, 6, 1));
  tree.recordExec(proc(6, 5, 2));
  assert.deepEqual(tree.ancestors(5).map((p) => p.pid), [5, 6]);
});

test('process-tree: the table is bounded; least recently used entries go first', () => {
  const tree = new ProcessTree({ maxProcesses: 3 });
  tree.recordExec(proc(1, 0, 1));
  tree.recordExec(proc(2, 1, 2));
  tree.recordExec(proc(3, 1, 3));
  tree.lookup(1);
  tree.recordExec(proc(4, 1, 4));
  assert.equal(tree.size, 3);
  assert.equal(tree.lookup(2), undefined);
  assert.ok(tree.lookup(1));
});
