/**
 * @module detections/node/lib/files
 * What node detections about files need: the commands a process runs (its argv, or the simple
 * commands of a `sh -c` script with their redirections, wrappers such as sudo/chroot/nsenter
 * removed), paths normalised against host-root mount prefixes (/host, /proc/1/root…) and `..`,
 * the user account a path belongs to, and the few file classes several detections share.
 * Everything here scans its input once, left to right, with bounded length: no regular expression
 * runs over attacker-controlled text.
 */
import type { Finding } from '../../../engine/detection.js';
import type { NodeEvent, ProcessInfo } from '../../../events/model.js';
import type { IndicatorList, Indicators } from '../../../indicators/indicators.js';
import { analysisOf, IdentityMemo } from './analysis.js';
import { basename, entitiesOf, lowerProgramName, MAX_MATCH_CHARS, placeOf, programName, shellScript } from './process.js';

export interface Redirect {
  /** '>' (truncate), '>>' (append) or '<' (read). */
  op: '>' | '>>' | '<';
  target: string;
}

/** One simple command: its words with quotes removed, its redirections, its pipeline. */
export interface SimpleCommand {
  words: string[];
  redirects: Redirect[];
  /** Commands joined by `|` share a pipeline number. */
  pipeline: number;
  /** NAME=value words before the command. */
  assignments: string[];
}

/** Nested `sh -c` and `$(…)` are parsed to this depth; deeper text is left as words. */
const MAX_DEPTH = 3;
/** A script yields at most this many commands (a long one-liner has dozens, not thousands). */
const MAX_COMMANDS = 512;

interface Parser {
  commands: SimpleCommand[];
  pipeline: number;
  depth: number;
}

function newCommand(p: Parser): SimpleCommand {
  return { words: [], redirects: [], pipeline: p.pipeline, assignments: [] };
}

/** Characters parseInto treats specially inside a word; any other one just extends the word. */
const WORD_BREAKS = new Set(['\\', "'", '"', '`', ' ', '\t', '\r', '\n', ';', '|', '&', '(', ')', '>', '<']);

/** True when parseInto, inside a word, would only append text[i] to it. */
function isWordChar(text: string, i: number): boolean {
  const c = text[i]!;
  return !WORD_BREAKS.has(c) && !(c === '$' && text[i + 1] === '(');
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/** Index after the `)` that closes the `$(` or `(` opened before `start`, or text.length. */
function closeParen(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return text.length;
}

/**
 * Split shell text into simple commands. Quotes are removed, `$(…)` and backquoted text stay in
 * the word (and are parsed as commands of their own), redirections are taken out of the words.
 * Not a shell: enough to see what a one-liner does, and linear in its length.
 */
export function parseScript(text: string, depth = 0): SimpleCommand[] {
  const p: Parser = { commands: [], pipeline: 0, depth };
  parseInto(p, text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text);
  return p.commands;
}

/** A script's `$(…)` and backquoted parts parsed as commands: at most this many. */
const MAX_SUBSTITUTIONS = 64;

function parseInto(p: Parser, text: string): void {
  const first = p.commands.length;
  let cmd = newCommand(p);
  let word = '';
  let inWord = false;
  let pendingRedirect: Redirect['op'] | undefined;
  const nested: string[] = [];

  const endWord = (): void => {
    if (!inWord) return;
    if (pendingRedirect) {
      cmd.redirects.push({ op: pendingRedirect, target: word });
      pendingRedirect = undefined;
    } else if (cmd.words.length === 0 && isAssignment(word)) cmd.assignments.push(word);
    else if (!(cmd.words.length === 0 && SKIPPED_KEYWORDS.has(word))) cmd.words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (samePipeline: boolean): void => {
    endWord();
    if ((cmd.words.length || cmd.redirects.length || cmd.assignments.length) && p.commands.length < MAX_COMMANDS) p.commands.push(cmd);
    if (!samePipeline) p.pipeline++;
    cmd = newCommand(p);
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') word += text[i + 1];
      inWord = true;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      word += text.slice(i + 1, stop);
      inWord = true;
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      let segment = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        segment += text[j];
      }
      if (segment.includes('$(')) collectSubstitutions(segment, nested);
      word += segment;
      inWord = true;
      i = j;
    } else if (c === '$' && text[i + 1] === '(') {
      const end = closeParen(text, i + 2);
      const inner = text.slice(i, end);
      word += inner;
      if (nested.length < MAX_SUBSTITUTIONS) nested.push(inner.slice(2, inner.endsWith(')') ? -1 : undefined));
      inWord = true;
      i = end - 1;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      const stop = end < 0 ? text.length : end;
      if (nested.length < MAX_SUBSTITUTIONS) nested.push(text.slice(i + 1, stop));
      word += text.slice(i, stop + 1);
      inWord = true;
      i = stop;
    } else if (c === '#' && !inWord) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (isSpace(c)) {
      endWord();
    } else if (c === '\n' || c === ';') {
      endCommand(false);
    } else if (c === '|') {
      if (text[i + 1] === '|') {
        endCommand(false);
        i++;
      } else endCommand(true);
    } else if (c === '&') {
      if (text[i + 1] === '>') {
        // &> and &>>: both streams to a file
        endWord();
        i++;
        pendingRedirect = text[i + 1] === '>' ? '>>' : '>';
        if (pendingRedirect === '>>') i++;
      } else if (text[i + 1] === '&') {
        endCommand(false);
        i++;
      } else endCommand(false);
    } else if (c === '(' || c === ')' || c === '{' || c === '}') {
      if ((c === '{' || c === '}') && inWord) word += c;
      else endCommand(false);
    } else if (c === '>' || c === '<') {
      // a word of digits right before is the descriptor (2>/dev/null)
      if (inWord && /^\d{1,2}$/.test(word)) {
        word = '';
        inWord = false;
      } else endWord();
      let op: Redirect['op'] = c === '<' ? '<' : '>';
      if (text[i + 1] === c) {
        i++;
        if (c === '>') op = '>>';
        else if (text[i + 1] === '<') i++; // here-string
        else op = '<'; // here-document: its delimiter is taken as the target
      } else if (text[i + 1] === '|') i++;
      if (text[i + 1] === '&') {
        // >&2, 2>&1: descriptor duplication, no file
        i++;
        while (i + 1 < text.length && /[0-9-]/.test(text[i + 1]!)) i++;
        continue;
      }
      pendingRedirect = op;
    } else {
      // a run of ordinary characters joins the word at once, not one concatenation each
      let j = i + 1;
      while (j < text.length && isWordChar(text, j)) j++;
      word += j === i + 1 ? c : text.slice(i, j);
      inWord = true;
      i = j - 1;
    }
  }
  endCommand(false);
  if (p.depth < MAX_DEPTH) {
    for (const inner of nested.slice(0, MAX_SUBSTITUTIONS)) {
      p.depth++;
      parseInto(p, inner);
      p.depth--;
    }
  }
  // `sh -c SCRIPT` inside a script: its commands are this script's too
  if (p.depth < MAX_DEPTH) {
    const count = p.commands.length;
    for (let k = first; k < count; k++) {
      const inv = invocationOf(p.commands[k]!);
      const inner = inv ? innerScriptOf(inv) : undefined;
      if (inner !== undefined) {
        p.depth++;
        parseInto(p, inner);
        p.depth--;
      }
    }
  }
}

function collectSubstitutions(text: string, out: string[]): void {
  for (let i = text.indexOf('$('); i >= 0 && out.length < MAX_SUBSTITUTIONS; i = text.indexOf('$(', i + 2)) {
    const end = closeParen(text, i + 2);
    out.push(text.slice(i + 2, text[end - 1] === ')' ? end - 1 : end));
  }
}

const SKIPPED_KEYWORDS = new Set(['!', 'then', 'else', 'elif', 'do', 'if', 'while', 'until', 'time', 'exec', 'command', 'builtin']);

function isAssignment(word: string): boolean {
  const eq = word.indexOf('=');
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const c = word.charCodeAt(i);
    const ok = c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

const SHELL_NAMES = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);

/** The script of a `sh -c SCRIPT` command given as words. */
/** innerScript() of an invocation's words, without building them when its program is no shell or busybox. */
function innerScriptOf(inv: Invocation): string | undefined {
  const name = basename(inv.program);
  if (name !== 'busybox' && !SHELL_NAMES.has(name)) return undefined;
  return innerScript([inv.program, ...inv.args]);
}

function innerScript(words: readonly string[]): string | undefined {
  let i = 0;
  if (basename(words[0] ?? '') === 'busybox') i = 1;
  if (!SHELL_NAMES.has(basename(words[i] ?? ''))) return undefined;
  for (let j = i + 1; j < words.length - 1; j++) {
    const a = words[j]!;
    if (a.startsWith('-') && !a.startsWith('--') && a.includes('c')) return words[j + 1];
  }
  return undefined;
}

/** What a command runs once wrappers are peeled off. */
export interface Invocation {
  /** File name of the program ('rm', 'systemctl'). */
  program: string;
  /** Its arguments (after the program word). */
  args: string[];
  redirects: Redirect[];
  assignments: string[];
  pipeline: number;
  /** Root the command runs under (chroot DIR), if any. */
  root?: string;
}

/** Wrappers that run another command, with how many of their leading arguments take a value. */
const WRAPPER_OPTIONS_WITH_VALUE: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T', '--user', '--group']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '-S', '--unset', '--chdir']),
  nohup: new Set(),
  nice: new Set(['-n', '--adjustment']),
  ionice: new Set(['-c', '-n', '-p', '--class', '--classdata']),
  stdbuf: new Set(['-i', '-o', '-e']),
  setsid: new Set(),
  timeout: new Set(['-s', '-k', '--signal', '--kill-after']),
  xargs: new Set(['-I', '-n', '-P', '-L', '-d', '-s', '-E', '-a', '--max-args', '--max-procs', '--delimiter', '--arg-file']),
  nsenter: new Set(['-t', '--target', '-S', '-G', '--setuid', '--setgid', '-w', '-r']),
  chroot: new Set(['--userspec', '--groups']),
  busybox: new Set(),
  flock: new Set(['-w', '-E', '--timeout']),
  runuser: new Set(['-u', '-g', '-G', '--user', '--group']),
  strace: new Set(['-o', '-e', '-p', '-s']),
};

/** Peel wrappers off a word list (sudo, env, nohup, timeout, xargs, chroot, nsenter, busybox…). */
export function invocationOf(command: SimpleCommand): Invocation | undefined {
  const words = command.words;
  let root: string | undefined;
  let i = 0;
  for (let guard = 0; guard < 8 && i < words.length; guard++) {
    const name = basename(words[i]!);
    const withValue = WRAPPER_OPTIONS_WITH_VALUE[name];
    if (!withValue) break;
    i++;
    // timeout DURATION, flock FILE, nice -5: their first positional is not the command
    let positionalsToSkip = name === 'timeout' || name === 'flock' ? 1 : name === 'chroot' ? 1 : 0;
    while (i < words.length) {
      const w = words[i]!;
      if (w === '--') {
        i++;
        break;
      }
      if (name === 'env' && isAssignment(w)) {
        i++;
        continue;
      }
      if (w.startsWith('-') && w.length > 1) {
        i += withValue.has(w) ? 2 : 1;
        continue;
      }
      if (positionalsToSkip > 0) {
        if (name === 'chroot') root = normalizePath(w).path;
        positionalsToSkip--;
        i++;
        continue;
      }
      break;
    }
  }
  if (i >= words.length) {
    if (!words.length && (command.redirects.length || command.assignments.length)) {
      return { program: '', args: [], redirects: command.redirects, assignments: command.assignments, pipeline: command.pipeline };
    }
    return undefined;
  }
  return {
    program: basename(words[i]!),
    args: words.slice(i + 1),
    redirects: command.redirects,
    assignments: command.assignments,
    pipeline: command.pipeline,
    root,
  };
}

/**
 * The commands a process event runs: the simple commands of its `sh -c` script (nested ones
 * included), else its own argv. Wrappers are peeled off; the result is never empty for an exec.
 * Read once per process (lib/analysis) and shared: callers must not change it.
 */
export function invocationsOf(process: ProcessInfo): readonly Invocation[] {
  const analysis = analysisOf(process);
  return (analysis.invocations ??= readInvocations(process));
}

function readInvocations(process: ProcessInfo): Invocation[] {
  const script = shellScript(process);
  const commands: SimpleCommand[] =
    script !== undefined
      ? parseScript(script)
      : [{ words: [programName(process), ...process.args.slice(1, 4096)], redirects: [], pipeline: 0, assignments: [] }];
  const out: Invocation[] = [];
  for (const c of commands) {
    const inv = invocationOf(c);
    if (inv) out.push(inv);
  }
  // a wrapper's own exec (sudo cat F) also nests: `sh -c` run through sudo
  if (script === undefined && out.length === 1) {
    const inner = innerScriptOf(out[0]!);
    if (inner !== undefined) for (const c of parseScript(inner, 1)) {
      const inv = invocationOf(c);
      if (inv) out.push(inv);
    }
  }
  return out;
}

/** Arguments that are not options (after `--` everything is positional). */
export function positionals(args: readonly string[], optionsWithValue: ReadonlySet<string> = NO_OPTIONS): string[] {
  const out: string[] = [];
  let optionsDone = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!optionsDone && a === '--') optionsDone = true;
    else if (!optionsDone && a.startsWith('-') && a.length > 1) {
      if (optionsWithValue.has(a)) i++;
    } else out.push(a);
  }
  return out;
}

/** The value of an option given as `-x V`, `-xV`, `--long V` or `--long=V` (first occurrence). */
export function optionValue(args: readonly string[], short: readonly string[], long: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    for (const s of short) {
      if (a === s) return args[i + 1];
      if (a.startsWith(s) && !a.startsWith('--') && a.length > s.length) return a.slice(s.length);
    }
    for (const l of long) {
      if (a === l) return args[i + 1];
      if (a.startsWith(l + '=')) return a.slice(l.length + 1);
    }
  }
  return undefined;
}

/** True when a short flag letter is given, alone or combined (-rf), or one of the long names. */
export function hasFlag(args: readonly string[], letter: string, long: readonly string[] = []): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (long.includes(a) || long.some((l) => a.startsWith(l + '='))) return true;
    if (letter && a.length > 1 && a[0] === '-' && a[1] !== '-' && a.includes(letter)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Paths

/**
 * Where a container sees the node's root filesystem when it mounts it (hostPath `/`): access to
 * /host/etc/shadow is access to the node's /etc/shadow.
 */
const HOST_ROOT_PREFIXES = ['/host', '/hostfs', '/host-root', '/hostroot', '/host_root', '/rootfs', '/node', '/node-root', '/mnt/host', '/mnt/root', '/proc/1/root', '/proc/self/root'];
/** HOST_ROOT_PREFIXES with their trailing slash, built once. */
const HOST_ROOT_DIRS = HOST_ROOT_PREFIXES.map((p) => ({ prefix: p, dir: p + '/' }));
const TOP_LEVEL = new Set(['etc', 'var', 'usr', 'home', 'root', 'bin', 'sbin', 'lib', 'lib64', 'tmp', 'opt', 'run', 'srv', 'boot']);

export interface NormalPath {
  /** Absolute, `.`/`..` resolved, host-root prefix removed. `~/x` stays `~/x`. */
  path: string;
  /** The host-root prefix that was removed ('/host'), if any. */
  mount?: string;
}

/** The path segment starting at `from`: up to the next '/' or the end. */
function firstSegment(path: string, from: number): string {
  const end = path.indexOf('/', from);
  return end < 0 ? path.slice(from) : path.slice(from, end);
}

/** Resolve a path as the kernel would (relative to cwd), then strip a host-root mount prefix. */
export function normalizePath(raw: string, cwd?: string): NormalPath {
  let text = raw.length > 4096 ? raw.slice(0, 4096) : raw;
  let home = '';
  if (text === '~' || text.startsWith('~/')) home = '~';
  else if (text.startsWith('$HOME') || text.startsWith('${HOME}')) {
    home = '~';
    text = text.slice(text.startsWith('$HOME') ? 5 : 7);
  }
  if (home) text = text.replace(/^~/, '');
  else if (!text.startsWith('/')) text = (cwd && cwd.startsWith('/') ? cwd : '') + '/' + text;
  let joined: string;
  if (!home && isCanonical(text)) joined = text;
  else {
    const parts: string[] = [];
    for (const part of text.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') parts.pop();
      else parts.push(part);
    }
    if (home) return { path: '~' + (parts.length ? '/' + parts.join('/') : '') };
    joined = '/' + parts.join('/');
  }
  let mount: string | undefined;
  if (/^\/proc\/\d{1,10}\/root\//.test(joined)) {
    const cut = joined.indexOf('/root/') + 5;
    mount = joined.slice(0, cut);
    joined = joined.slice(cut);
  } else {
    for (const { prefix, dir } of HOST_ROOT_DIRS) {
      if (joined.startsWith(dir) && TOP_LEVEL.has(firstSegment(joined, dir.length))) {
        mount = prefix;
        joined = joined.slice(prefix.length);
        break;
      }
    }
  }
  return mount ? { path: joined, mount } : { path: joined };
}

/** An absolute path that resolving would leave as it is: no empty, `.` or `..` segment. */
function isCanonical(path: string): boolean {
  if (path === '/') return true;
  return (
    path.charCodeAt(0) === 47 &&
    !path.endsWith('/') &&
    !path.includes('//') &&
    !path.includes('/./') &&
    !path.endsWith('/.') &&
    !path.includes('/../') &&
    !path.endsWith('/..')
  );
}

/** Paths a command names: its positional arguments and redirection targets, normalised. */
export function pathsNamed(inv: Invocation, cwd?: string): NormalPath[] {
  const out: NormalPath[] = [];
  for (const a of inv.args) {
    if (a.startsWith('-') && !a.includes('/')) continue;
    // --file=/x and of=/x name a path after the =
    const eq = a.indexOf('=');
    const value = eq > 0 && a.indexOf('/') > eq ? a.slice(eq + 1) : a;
    if (value.includes('/') || value.startsWith('.') || value.startsWith('~')) out.push(rooted(normalizePath(value, cwd), inv.root));
  }
  for (const r of inv.redirects) out.push(rooted(normalizePath(r.target, cwd), inv.root));
  return out;
}

/** pathsNamed() as plain paths, read once per invocation and working directory (shared: not to be changed). */
function namedPathTexts(inv: Invocation, cwd: string | undefined): readonly string[] {
  const memo = namedPaths.get(inv, () => ({ cwd, paths: pathsNamed(inv, cwd).map((p) => p.path) }));
  return memo.cwd === cwd ? memo.paths : pathsNamed(inv, cwd).map((p) => p.path);
}

const namedPaths = new IdentityMemo<Invocation, { cwd: string | undefined; paths: readonly string[] }>();

function rooted(p: NormalPath, root: string | undefined): NormalPath {
  if (!root || root === '/' || p.path.startsWith('~')) return p;
  // chroot /host cat /etc/shadow reads the node's /etc/shadow
  return normalizePath(root + p.path);
}

/** The user a path belongs to: 'root' for /root/…, NAME for /home/NAME/…, undefined otherwise. */
export function ownerOfPath(path: string): string | undefined {
  if (path === '/root' || path.startsWith('/root/')) return 'root';
  if (path.startsWith('/home/')) {
    const name = path.slice(6).split('/')[0];
    return name || undefined;
  }
  return undefined;
}

/** A readable account description: 'root (uid 0)', 'deploy', 'uid 1001'. */
export function accountOf(path: string, process: ProcessInfo): string {
  const owner = ownerOfPath(path);
  const uid = process.uid;
  if (owner) return uid !== undefined && (owner === 'root') === (uid === 0) ? `${owner} (uid ${uid})` : owner;
  if (uid === 0) return 'root (uid 0)';
  return uid !== undefined ? `uid ${uid}` : 'an unknown user';
}

/**
 * Shell-style match of a name against a pattern with `*`, `?` and `[…]` (one class at most
 * consulted per position). Linear-time two-pointer algorithm; used on file names only.
 */
export function globMatch(pattern: string, name: string): boolean {
  if (pattern.length > 256 || name.length > 256) return false;
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    const pc = pattern[p];
    if (pc === '[') {
      const close = pattern.indexOf(']', p + 1);
      if (close > p && pattern.slice(p + 1, close).includes(name[n]!)) {
        p = close + 1;
        n++;
        continue;
      }
    } else if (pc === '?' || (pc !== undefined && pc !== '*' && pc === name[n])) {
      p++;
      n++;
      continue;
    }
    if (pc === '*') {
      star = p++;
      mark = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function hasGlob(text: string): boolean {
  return text.includes('*') || text.includes('?') || text.includes('[');
}

/** True when `path` (possibly a glob like /var/log/* or ~/.*_history) may name `candidate`. */
export function pathCovers(path: string, candidate: string): boolean {
  if (path === candidate) return true;
  if (!hasGlob(path)) return false;
  const pp = path.split('/');
  const cp = candidate.split('/');
  if (pp.length !== cp.length) return false;
  for (let i = 0; i < pp.length; i++) if (!globMatch(pp[i]!, cp[i]!)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Process context

/** True when the process or one of its ancestors is one of the named programs (a data list). */
export function runBy(event: NodeEvent, programs: ReadonlySet<string>): boolean {
  // Several detections ask the same lists (package managers, provisioning agents) of each event.
  const analysis = analysisOf(event.process);
  let memo = analysis.runBy;
  if (memo?.ancestors !== event.ancestors) memo = analysis.runBy = { ancestors: event.ancestors, answers: new Map() };
  let answer = memo.answers.get(programs);
  if (answer === undefined) {
    answer = readRunBy(event, programs);
    memo.answers.set(programs, answer);
  }
  return answer;
}

function readRunBy(event: NodeEvent, programs: ReadonlySet<string>): boolean {
  if (isOrRuns(event.process, programs)) return true;
  for (const ancestor of event.ancestors) if (isOrRuns(ancestor, programs)) return true;
  return false;
}

function isOrRuns(process: ProcessInfo, programs: ReadonlySet<string>): boolean {
  const analysis = analysisOf(process);
  return programs.has(analysis.lowerProgram ?? lowerProgramName(process)) || programs.has(analysis.scriptName ?? scriptName(process));
}

const INTERPRETERS = /^(?:python[0-9.]*|perl|ruby|node|sh|bash|dash)$/;

/** Script an interpreter runs (python3 /usr/sbin/waagent → 'waagent'), lower-cased, or ''. */
export function scriptName(process: ProcessInfo): string {
  const analysis = analysisOf(process);
  return (analysis.scriptName ??= readScriptName(process));
}

function readScriptName(process: ProcessInfo): string {
  if (!INTERPRETERS.test(programName(process))) return '';
  for (const a of process.args.slice(1, 4)) {
    if (!a.startsWith('-')) return basename(a).toLowerCase();
  }
  return '';
}

/** The lower-cased values of an indicator list. */
export function listValues(indicators: Indicators, name: string): ReadonlySet<string> {
  return indicators.list(name).values;
}

/** Package managers and their helpers: what they do to system files is installation, not tampering. */
export function underPackageManager(event: NodeEvent, indicators: Indicators): boolean {
  return runBy(event, listValues(indicators, 'package-managers'));
}

/** A short text naming the acting process: '/usr/bin/rm (pid 4242)'. */
export function processText(process: ProcessInfo): string {
  return `${process.executable || programName(process)} (pid ${process.pid})`;
}

/** A stable key part for where something happened: the container id, else the node. */
export function placeKey(event: NodeEvent): string {
  return event.container ? `container:${event.container.id}` : `node:${event.node}`;
}

/**
 * A finding for a node event, with `place` and `process` facts filled and a key that groups
 * repeats of the same act in the same container (or on the same node).
 */
export function nodeFinding(event: NodeEvent, facts: Record<string, string | number | undefined>, key: string, file?: string): Finding {
  const entities = entitiesOf(event);
  if (file) entities.file = file;
  return { entities, facts: { place: placeOf(event), process: processText(event.process), ...facts }, key: `${placeKey(event)}|${key}` };
}

/** The default of positionals(): no option takes a value (one shared set, not one per call). */
const NO_OPTIONS: ReadonlySet<string> = new Set();

/** Options of container/build CLIs that take a value before the subcommand (docker -H X run…). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '-n', '--namespace', '-a', '--address', '--kubeconfig', '--connection', '--url', '--root', '--runroot', '--storage-driver', '--tlscacert', '--tlscert', '--tlskey', '--cgroup-manager', '--remote', '--addr', '-s', '--server', '--cluster', '--user', '--token']);

/**
 * The subcommand among `candidates` ("buildx build") that the arguments start with, options
 * before and between the words skipped; the arguments after it are returned as `rest`.
 */
export function subcommandOf(args: readonly string[], candidates: readonly string[]): { subcommand: string; rest: string[] } | undefined {
  const words: { word: string; index: number }[] = [];
  for (let i = 0; i < args.length && words.length < 3; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      if (!a.includes('=') && GLOBAL_OPTIONS_WITH_VALUE.has(a)) i++;
      continue;
    }
    words.push({ word: a, index: i });
  }
  let best: { subcommand: string; rest: string[] } | undefined;
  for (const candidate of candidates) {
    const parts = candidate.split(' ');
    if (parts.length > words.length) continue;
    if (parts.every((p, k) => words[k]!.word === p) && (!best || candidate.length > best.subcommand.length)) {
      best = { subcommand: candidate, rest: args.slice(words[parts.length - 1]!.index + 1) };
    }
  }
  return best;
}

/** A path list compiled for lookups: every value, and the values of `match: dir` entries. */
interface PathList {
  exact: ReadonlySet<string>;
  dirs: ReadonlySet<string>;
  /** The dirs when they are few: testing each is cheaper than cutting the path at every '/'. */
  fewDirs: readonly string[] | undefined;
}

const FEW_DIRS = 8;

const pathLists = new WeakMap<IndicatorList, PathList>();

function pathListOf(list: IndicatorList): PathList {
  let compiled = pathLists.get(list);
  if (!compiled) {
    const dirs = new Set(list.entries.filter((e) => e.match === 'dir').map((e) => e.value));
    compiled = { exact: new Set(list.entries.map((e) => e.value)), dirs, fewDirs: dirs.size <= FEW_DIRS ? [...dirs] : undefined };
    pathLists.set(list, compiled);
  }
  return compiled;
}

/** A file in a path list (data/indicators entries with `match: dir` cover the tree below). */
export function inPathList(path: string, indicators: Indicators, list: string): boolean {
  const { exact, dirs, fewDirs } = pathListOf(indicators.list(list));
  if (exact.has(path)) return true;
  if (!dirs.size) return false;
  // D covers PATH when PATH starts with D and has a '/' right after it (values are never empty)
  if (fewDirs) return fewDirs.some((d) => path.charCodeAt(d.length) === 47 && path.startsWith(d));
  // a dir entry D covers PATH when PATH starts with D + '/': try each '/' of PATH as that one
  for (let slash = path.indexOf('/', 1); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    if (dirs.has(path.slice(0, slash))) return true;
  }
  return false;
}

/** A glob (or a directory) that covers a file of a path list: /var/log/*, /var/log. */
export function coversPathList(path: string, indicators: Indicators, list: string): boolean {
  for (const e of indicators.list(list).entries) {
    if ((e.match === 'dir' && path === e.value) || e.value.startsWith(path + '/')) return true;
    if (hasGlob(path) && (pathCovers(path, e.value) || (e.match === 'dir' && pathCovers(path, e.value + '/x')))) return true;
  }
  return false;
}

/** auth.log.1, syslog.2.gz, secure-20260301, messages.old: a rotated copy, not the live log. */
export function isRotatedArchive(path: string): boolean {
  const name = basename(path);
  return /\.(?:\d{1,4}|gz|xz|bz2|zst|lz4|old|bak)$/.test(name) || /-\d{8,10}$/.test(name) || /\.\d{1,4}\.gz$/.test(name);
}

/** Programs that remove files outright. */
export const DELETERS: ReadonlySet<string> = new Set(['rm', 'unlink', 'shred', 'srm', 'wipe']);

/** `find ROOT … -delete` (or -exec rm/shred/truncate/unlink): its roots and -name patterns, else undefined. */
export function findDeletion(inv: Invocation, cwd?: string): { roots: string[]; names: string[]; aged: boolean } | undefined {
  if (inv.program !== 'find') return undefined;
  const args = inv.args;
  const deletes = args.some((a, i) => a === '-delete' || ((a === '-exec' || a === '-execdir') && ['rm', 'shred', 'truncate', 'unlink'].includes(basename(args[i + 1] ?? ''))));
  if (!deletes) return undefined;
  const roots: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') || a === '(' || a === '!') break;
    roots.push(normalizePath(a, cwd).path);
  }
  const names: string[] = [];
  let aged = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '-name' || a === '-iname') && args[i + 1]) names.push(args[i + 1]!);
    if ((a === '-mtime' || a === '-mmin' || a === '-ctime' || a === '-atime' || a === '-newer') && (args[i + 1] ?? '').startsWith('+')) aged = true;
  }
  return { roots: roots.length ? roots : [normalizePath('.', cwd).path], names, aged };
}

/** The programs destructiveOn() reads beyond deleters and find: those of its switch. */
const REWRITERS: ReadonlySet<string> = new Set(['truncate', 'cp', 'install', 'dd', 'mv', 'ln', 'sed', 'perl']);

function isZeroSize(value: string | undefined): boolean {
  return value !== undefined && /^0+[kKmMgG]?$/.test(value.slice(0, 32));
}

/**
 * How a command destroys or rewrites a file of some class: deleted (rm, shred, unlink, find
 * -delete), truncated (truncate -s 0, `> FILE`), overwritten (cp/dd onto it), moved away or
 * replaced (mv), replaced by a link (ln -s /dev/null FILE), edited in place (sed -i, perl -i).
 * `matches` says whether a path is of the class; `covers` whether a glob or directory reaches one
 * (rm -rf /var/log/*). Returns the file (as written, normalised) and how, or undefined.
 */
export function destructiveOn(
  inv: Invocation,
  cwd: string | undefined,
  matches: (path: string) => boolean,
  covers: (path: string) => boolean = () => false,
): { file: string; how: string } | undefined {
  const { program, args } = inv;
  for (const r of inv.redirects) {
    if (r.op !== '>') continue;
    const path = rooted(normalizePath(r.target, cwd), inv.root).path;
    if (matches(path)) return { file: path, how: 'overwritten by redirection' };
  }
  // Other programs rewrite nothing below (`matches` and `covers` are plain tests): skip reading their paths.
  if (!DELETERS.has(program) && !REWRITERS.has(program) && program !== 'find') return undefined;
  const find = findDeletion(inv, cwd);
  if (find) {
    const under = (root: string, name: string): string => (root === '/' ? '' : root) + '/' + name;
    const hit = find.names.length
      ? find.names.some((n) => find.roots.some((root) => matches(under(root, n)) || covers(under(root, n))))
      : find.roots.some((root) => matches(root) || covers(root));
    return hit && !find.aged ? { file: find.roots[0]!, how: 'deleted with find' } : undefined;
  }
  const paths = pathsNamed({ ...inv, redirects: [] }, cwd).map((p) => p.path);
  const hit = paths.find(matches);
  if (DELETERS.has(program)) {
    if (hit) return { file: hit, how: program === 'shred' ? 'shredded' : 'deleted' };
    const recursive = hasFlag(args, 'r', ['--recursive']) || hasFlag(args, 'R');
    const wide = paths.find((p) => covers(p) && (hasGlob(p) || recursive));
    return wide ? { file: wide, how: 'deleted' } : undefined;
  }
  if (!hit) return undefined;
  const last = positionals(args, new Set(['-t', '-S', '-s', '--size', '-r', '--reference'])).at(-1);
  const lastPath = last !== undefined ? rooted(normalizePath(last, cwd), inv.root).path : undefined;
  switch (program) {
    case 'truncate':
      return isZeroSize(optionValue(args, ['-s'], ['--size'])) ? { file: hit, how: 'truncated to 0' } : undefined;
    case 'cp':
    case 'install':
      return lastPath !== undefined && matches(lastPath) ? { file: lastPath, how: 'overwritten' } : undefined;
    case 'dd': {
      const of = args.find((a) => a.startsWith('of='));
      const out = of ? rooted(normalizePath(of.slice(3), cwd), inv.root).path : undefined;
      return out !== undefined && matches(out) ? { file: out, how: 'overwritten' } : undefined;
    }
    case 'mv':
      return { file: hit, how: lastPath === hit ? 'replaced' : 'moved away' };
    case 'ln':
      return lastPath !== undefined && matches(lastPath) ? { file: lastPath, how: 'replaced by a link' } : undefined;
    case 'sed':
    case 'perl':
      return hasFlag(args, 'i', ['--in-place']) ? { file: hit, how: 'edited in place' } : undefined;
    default:
      return undefined;
  }
}

/** Programs that look at a file's metadata, never its content (ls -l /etc/shadow, stat, chmod). */
export const METADATA_PROGRAMS: ReadonlySet<string> = new Set(['ls', 'stat', 'test', '[', '[[', 'chmod', 'chown', 'chgrp', 'lsattr', 'getfacl', 'setfacl', 'readlink', 'realpath', 'find', 'du', 'namei', 'dirname', 'basename', 'getfattr']);

/**
 * Files of a path list a command reads or names as content: positional arguments, option values
 * (--kubeconfig=F), input redirections and NAME=value assignments (KUBECONFIG=F). Metadata-only
 * programs name nothing.
 */
export function contentPathsIn(inv: Invocation, cwd: string | undefined, isListed: (path: string) => boolean, literals: Iterable<string> = []): string[] {
  if (METADATA_PROGRAMS.has(inv.program)) return [];
  const out = namedPathTexts(inv, cwd).filter(isListed);
  // python -c 'open("/etc/shadow")': the path is inside the code
  if (INTERPRETERS.test(inv.program) || inv.program === 'php') {
    const code = inv.args.join(' ').slice(0, MAX_MATCH_CHARS);
    for (const literal of literals) if (code.includes(literal)) out.push(literal);
  }
  for (const a of inv.assignments) {
    const value = a.slice(a.indexOf('=') + 1);
    for (const part of value.split(':')) if (part.startsWith('/') && isListed(normalizePath(part, cwd).path)) out.push(normalizePath(part, cwd).path);
  }
  return out;
}

/** Package managers or cloud provisioning agents: account and key changes are theirs to make. */
export function underProvisioning(event: NodeEvent, indicators: Indicators): boolean {
  return underPackageManager(event, indicators) || runBy(event, listValues(indicators, 'provisioning-agents'));
}

/** Options of useradd/usermod/adduser that take a value. */
const ACCOUNT_VALUE_OPTIONS = new Set(['--ingroup', '--gecos', '--conf', '--firstuid', '--lastuid', '--firstgid', '--lastgid', '-h', '-p', '--password', '-u', '--uid', '-g', '--gid', '-G', '--groups', '-d', '--home', '--home-dir', '-s', '--shell', '-c', '--comment', '-e', '--expiredate', '-f', '--inactive', '-k', '--skel', '-K', '--key', '-R', '--root', '-P', '--prefix', '-l', '--login', '-Z', '--selinux-user']);

/** The account name a useradd/usermod command acts on. */
export function accountName(args: readonly string[]): string | undefined {
  return positionals(args, ACCOUNT_VALUE_OPTIONS).at(-1);
}
