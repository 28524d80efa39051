/** pg_hba.conf parsing and the first-match rule, which the fixtures only touch in a few shapes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHba, remoteTrustRule } from './exposed-postgres-trust-auth.js';

const trustLine = (text: string) => remoteTrustRule(parseHba(text))?.line;

test('pg_hba.conf: columns, comments, quotes, netmasks, continuations', () => {
  const rules = parseHba(['# comment', 'local all all peer', 'host "my db" all 10.0.0.0 255.0.0.0 md5 # trailing', 'hostssl all all \\', '   0.0.0.0/0 trust', 'include_dir conf.d', 'host broken'].join('\n'));
  assert.deepEqual(
    rules.map((r) => [r.line, r.type, r.database, r.address, r.range?.prefix, r.method]),
    [
      [2, 'local', 'all', undefined, undefined, 'peer'],
      [3, 'host', '"my db"', '10.0.0.0', 8, 'md5'],
      [4, 'hostssl', 'all', '0.0.0.0/0', 0, 'trust'],
    ],
  );
});

test('remote trust: loopback and local trust do not count', () => {
  assert.equal(trustLine('local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nhost all all samehost trust'), undefined);
  assert.equal(trustLine('host all all 0.0.0.0/0 scram-sha-256'), undefined);
  assert.equal(trustLine('hostnossl all all all trust'), 1);
  assert.equal(trustLine('host all all 127.0.0.1 255.0.0.0 trust\nhost all all 10.1.0.0/16 trust'), 2);
  assert.equal(trustLine('host all all .example.com TRUST'), 1, 'host names are remote; methods are case-insensitive');
});

test('remote trust: a line shadowed by an earlier rule for every client never applies', () => {
  assert.equal(trustLine('host all all all scram-sha-256\nhost all all 0.0.0.0/0 trust'), undefined);
  assert.equal(trustLine('host all all 0.0.0.0/0 reject\nhostssl all all 203.0.113.0/24 trust'), undefined);
  // Narrower or other-database rules do not shadow.
  assert.equal(trustLine('host all all 10.0.0.0/8 md5\nhost all all 0.0.0.0/0 trust'), 2);
  assert.equal(trustLine('host app all all md5\nhost all all all trust'), 2);
  assert.equal(trustLine('hostssl all all all md5\nhostnossl all all all trust'), 2, 'hostssl does not catch non-SSL clients');
  assert.equal(trustLine('# "quoted # not a comment"\nhost all all 0.0.0.0/0 trust # "x'), 2);
});
