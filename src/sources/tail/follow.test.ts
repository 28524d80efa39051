// The file follower on a real file: appends, a partial last line, rotation by rename, truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFollower } from './follow.js';

function setup(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
  const path = join(dir, 'audit.log');
  const lines: string[] = [];
  const notices: string[] = [];
  const follower = new FileFollower(path, { line: (t, n) => lines.push(`${n}:${t}`), notice: (m) => notices.push(m) }, { pollMs: 60_000, ...options });
  return { dir, path, lines, notices, follower, done: async () => { await follower.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

test('follow: starts at the end by default, then delivers appended lines; a partial line waits', async () => {
  const t = setup();
  try {
    writeFileSync(t.path, 'old 1\nold 2\n');
    await t.follower.start();
    appendFileSync(t.path, 'new 1\nnew 2\npart');
    await t.follower.poll();
    assert.deepEqual(t.lines, ['1:new 1', '2:new 2']);
    appendFileSync(t.path, 'ial\r\n');
    await t.follower.poll();
    assert.deepEqual(t.lines, ['1:new 1', '2:new 2', '3:partial']);
  } finally {
    await t.done();
  }
});

test('follow: rotation by rename drains the old file, then reads the new one from its start', async () => {
  const t = setup({ fromStart: true });
  try {
    writeFileSync(t.path, 'a\n');
    await t.follower.start();
    appendFileSync(t.path, 'b\nunfinished');
    renameSync(t.path, t.path + '.1');
    writeFileSync(t.path, 'c\n');
    await t.follower.poll();
    assert.deepEqual(t.lines, ['1:a', '2:b', '3:unfinished', '1:c']);
    assert.match(t.notices.join('\n'), /rotated/);
    appendFileSync(t.path, 'd\n');
    appendFileSync(t.path + '.1', 'written to the old file after we left\n');
    await t.follower.poll();
    assert.deepEqual(t.lines.slice(4), ['2:d']);
  } finally {
    await t.done();
  }
});

test('follow: a file that is not there yet is picked up when it appears; truncation restarts', async () => {
  const t = setup();
  try {
    await t.follower.start();
    writeFileSync(t.path, 'first\n');
    await t.follower.poll();
    assert.deepEqual(t.lines, ['1:first']);
    truncateSync(t.path, 0);
    appendFileSync(t.path, 'x\n');
    await t.follower.poll();
    assert.deepEqual(t.lines, ['1:first', '1:x']);
  } finally {
    await t.done();
  }
});

test('follow: a line longer than the bound is skipped and reported; the next line is intact', async () => {
  const t = setup({ fromStart: true, maxLineBytes: 1000 });
  try {
    writeFileSync(t.path, 'ok\n' + 'x'.repeat(200_000) + '\nafter\n' + 'y'.repeat(500) + '\n');
    await t.follower.start();
    assert.deepEqual(t.lines.map((l) => l.slice(0, 12)), ['1:ok', '3:after', '4:' + 'y'.repeat(10)]);
    assert.match(t.notices[0], /:2: line longer than 1000 bytes skipped/);
  } finally {
    await t.done();
  }
});
