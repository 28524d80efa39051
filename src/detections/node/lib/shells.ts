/**
 * @module detections/node/lib/shells
 * Reading shell command lines the way node detections need to: a script (`sh -c "a | b; c && d"`)
 * split into simple commands with their words, quotes respected; wrappers (`env`, `nohup`,
 * `timeout`, `busybox`…) looked through to the program really run; the commands a process runs,
 * whether it is the program itself or a shell given a script. One linear pass per script, with
 * caps on length, words and commands, so attacker-sized input costs a bounded amount.
 */
import type { ProcessInfo } from '../../../events/model.js';
import { analysisOf, IdentityMemo } from './analysis.js';
import { basename, isShell, MAX_MATCH_CHARS, programName, shellScript } from './process.js';

/** Most simple commands taken from one script; the rest is ignored (the head carries the intent). */
const MAX_COMMANDS = 128;
/** Most words kept per simple command. */
const MAX_WORDS = 128;
/** How deep `sh -c "bash -c '…'"` is followed. */
const MAX_NESTING = 3;

/** A simple command: its words (quotes removed) and how it was joined to the one before. */
export interface SimpleCommand {
  words: string[];
  /** The separator before it: '' for the first, '|', '||', '&&', ';', '&' or a newline. */
  joinedBy: string;
  /** Its text as written (redirections included), for substring checks. */
  text: string;
}

/** Characters splitCommands may treat specially inside a word (a superset: stopping early is harmless). */
const SPLIT_BREAKS = new Set(['\\', "'", '"', '`', ' ', '\t', '\n', ';', '|', '&', '>', '<', '(', ')', '{', '}']);

/** True when splitCommands, inside a word outside quotes and substitutions, only appends text[i]. */
function isPlain(text: string, i: number): boolean {
  const c = text[i]!;
  return !SPLIT_BREAKS.has(c) && !(c === '$' && text[i + 1] === '(');
}

/**
 * Splits a shell script into simple commands on `|`, `||`, `&&`, `;`, `&` and newlines, outside
 * quotes, `$(…)` and backticks. Redirections (`>&`, `2>&1`, `&>`, `|&`) are not separators;
 * they stay in the words (`>&`, `/dev/tcp/h/p` become separate words when written apart).
 */
export function splitCommands(script: string): SimpleCommand[] {
  const text = script.length > MAX_MATCH_CHARS ? script.slice(0, MAX_MATCH_CHARS) : script;
  const out: SimpleCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let start = 0;
  let joinedBy = '';
  let quote: '' | "'" | '"' = '';
  let depth = 0; // $( … ) and backtick nesting: separators inside belong to the inner command
  let backtick = false;

  const endWord = () => {
    if (inWord && words.length < MAX_WORDS) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (end: number, next: string) => {
    endWord();
    if (words.length && out.length < MAX_COMMANDS) out.push({ words, joinedBy, text: text.slice(start, end).trim() });
    words = [];
    joinedBy = next;
  };

  for (let i = 0; i < text.length && out.length < MAX_COMMANDS; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      depth++;
      word += '$(';
      inWord = true;
      i++;
      continue;
    }
    if (c === '`') {
      backtick = !backtick;
      word += c;
      inWord = true;
      continue;
    }
    if (depth > 0 || backtick) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      word += c;
      continue;
    }
    if (c === ' ' || c === '\t') {
      endWord();
      continue;
    }
    if (c === '\n' || c === ';') {
      endCommand(i, c === ';' ? ';' : '\n');
      start = i + 1;
      continue;
    }
    if (c === '|') {
      const next = text[i + 1];
      if (next === '|') {
        endCommand(i, '||');
        i++;
      } else {
        endCommand(i, '|');
        if (next === '&') i++; // |& pipes stderr too
      }
      start = i + 1;
      continue;
    }
    if (c === '&') {
      const prev = text[i - 1];
      const next = text[i + 1];
      if (next === '&') {
        endCommand(i, '&&');
        i++;
        start = i + 1;
        continue;
      }
      // >&, <&, &> and &>> are redirections, not the background operator.
      if (prev === '>' || prev === '<' || next === '>') {
        word += c;
        inWord = true;
        continue;
      }
      endCommand(i, '&');
      start = i + 1;
      continue;
    }
    if ((c === '>' || c === '<') && !inWord) {
      // A redirection operator is a word of its own even when written against its target.
      let op = c;
      while (i + 1 < text.length && (text[i + 1] === '>' || text[i + 1] === '&') && op.length < 3) op += text[++i];
      if (op.endsWith('&')) while (i + 1 < text.length && op.length < 12 && ((text[i + 1]! >= '0' && text[i + 1]! <= '9') || text[i + 1] === '-')) op += text[++i];
      inWord = true;
      word = op;
      endWord();
      continue;
    }
    if ((c === '>' || c === '<') && inWord && /^[0-9]*$/.test(word)) {
      // 2>&1, 0<&196: the fd number belongs to the redirection.
      let op = word + c;
      while (i + 1 < text.length && (text[i + 1] === '>' || text[i + 1] === '&') && op.length < 6) op += text[++i];
      // 2>&1, >&- : the fd duplicated belongs to the operator.
      if (op.endsWith('&')) while (i + 1 < text.length && op.length < 12 && ((text[i + 1]! >= '0' && text[i + 1]! <= '9') || text[i + 1] === '-')) op += text[++i];
      word = op;
      endWord();
      continue;
    }
    if (c === '(' || c === ')' || c === '{' || c === '}') {
      // Subshells and groups: `(cmd)`, `{ cmd; }` — treat the bracket as a separator-free boundary.
      if (!inWord || c === '(' || c === ')') {
        endWord();
        continue;
      }
    }
    // a run of plain characters joins the word at once, not one concatenation each
    let j = i + 1;
    while (j < text.length && isPlain(text, j)) j++;
    word += j === i + 1 ? c : text.slice(i, j);
    inWord = true;
    i = j - 1;
  }
  endCommand(text.length, '');
  return out;
}

/** Programs that run their arguments as another command; how many of their own words to skip. */
const WRAPPERS = new Set(['env', 'nohup', 'exec', 'sudo', 'doas', 'nice', 'ionice', 'setsid', 'stdbuf', 'time', 'timeout', 'command', 'builtin', 'chroot', 'su-exec', 'gosu', 'tini', 'dumb-init']);
/** Wrappers whose first non-option argument is theirs, not the command's (timeout 10 cmd, chroot /host cmd). */
const WRAPPERS_WITH_OPERAND = new Set(['timeout', 'chroot', 'su-exec', 'gosu']);

/**
 * The words of the command really run: leading `VAR=value` assignments and wrappers
 * (`env -i X=1 nohup timeout 5 cmd …`, `busybox nc …`) skipped. Returns the words from the
 * program on. A wrapper with nothing after it is itself the command (`env` prints the
 * environment, `nohup` alone fails): its words are returned.
 */
export function unwrap(words: readonly string[]): readonly string[] {
  return unwrapped(words).real;
}

/** The basenames of the wrappers a command line goes through before its program (`['sudo', 'nohup']`). */
export function wrappersOf(words: readonly string[]): readonly string[] {
  return unwrapped(words).wrappers;
}

interface Unwrapped {
  start: number;
  wrappers: readonly string[];
  /** The words from the program on (the words themselves when nothing was skipped). */
  real: readonly string[];
  /** commandName(): the file name of real[0], '' when there is none. */
  name: string;
}

/**
 * Not memoised: reading a command's wrappers costs less than a lookup, and a memo keyed by word
 * arrays threw V8 into repeated deoptimisation (measured: the commands of an `sh -c` script cost
 * 2 µs without it, 6–10 µs with it).
 */
function unwrapped(words: readonly string[]): Unwrapped {
  const { start, wrappers } = wrapperSpan(words);
  const real = start === 0 ? words : words.slice(start);
  return { start, wrappers, real, name: real.length ? basename(real[0]!) : '' };
}

/** Shared by every command without wrappers (most of them): nothing to allocate. */
const NO_WRAPPERS: readonly string[] = Object.freeze([]);

function wrapperSpan(words: readonly string[]): { start: number; wrappers: readonly string[] } {
  let wrappers: string[] | undefined;
  let i = 0;
  let lastWrapper = -1;
  for (let guard = 0; guard < 16 && i < words.length; guard++) {
    const w = words[i]!;
    if (isAssignment(w)) {
      i++;
      continue;
    }
    const name = basename(w);
    if (name === 'busybox' && i + 1 < words.length && !words[i + 1]!.startsWith('-')) {
      (wrappers ??= []).push(name);
      i++;
      break;
    }
    if (!WRAPPERS.has(name)) break;
    (wrappers ??= []).push(name);
    lastWrapper = i;
    i++;
    while (i < words.length && (words[i]!.startsWith('-') || (name === 'env' && isAssignment(words[i]!)))) {
      // Options that take a value (`sudo -u user`, `timeout -s KILL`, `nice -n 5`) swallow the next word.
      const opt = words[i]!;
      i += /^-[usngCkp]$/.test(opt) && i + 1 < words.length ? 2 : 1;
    }
    if (WRAPPERS_WITH_OPERAND.has(name) && i < words.length) i++;
  }
  if (i >= words.length && lastWrapper >= 0) return { start: lastWrapper, wrappers: wrappers!.slice(0, -1) };
  return { start: Math.min(i, words.length), wrappers: wrappers ?? NO_WRAPPERS };
}

function isAssignment(word: string): boolean {
  const eq = word.indexOf('=');
  return eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word.slice(0, eq));
}

/** The program name of a simple command, after wrappers: '/usr/bin/curl' → 'curl'. */
export function commandName(words: readonly string[]): string {
  return unwrapped(words).name;
}

/**
 * The script a shell process was given with -c. Tetragon joins argv into one string and the
 * split back may cut a quoted script into pieces; when the script argument opens a quote it
 * does not close, the rest of the command line after -c is taken and unquoted.
 */
export function scriptOf(process: ProcessInfo): string | undefined {
  const script = shellScript(process);
  if (script === undefined) return undefined;
  const q = script[0];
  if ((q === '"' || q === "'") && !(script.length > 1 && script.endsWith(q))) {
    const line = process.commandLine.length > MAX_MATCH_CHARS ? process.commandLine.slice(0, MAX_MATCH_CHARS) : process.commandLine;
    const at = line.indexOf(script.slice(0, Math.min(script.length, 64)));
    if (at >= 0) {
      const tail = line.slice(at + 1);
      const end = tail.lastIndexOf(q);
      return end >= 0 ? tail.slice(0, end) : tail;
    }
  }
  if ((q === '"' || q === "'") && script.length > 1 && script.endsWith(q)) return script.slice(1, -1);
  return script;
}

/**
 * Every simple command a process runs: the process's own argv (wrappers looked through) and, for a
 * shell given -c, the commands of its script, following nested `sh -c` scripts a few levels deep.
 * Read once per process (lib/analysis) and shared: callers must not change it.
 */
export function commandsOf(process: ProcessInfo): readonly SimpleCommand[] {
  const analysis = analysisOf(process);
  return (analysis.commands ??= readCommands(process));
}

function readCommands(process: ProcessInfo): SimpleCommand[] {
  const own: SimpleCommand = { words: process.args.length ? process.args.slice(0, MAX_WORDS) : [process.executable], joinedBy: '', text: clip(process.commandLine) };
  const out: SimpleCommand[] = [own];
  const script = scriptOf(process);
  if (script !== undefined) collect(script, out, 1);
  return out;
}

function collect(script: string, out: SimpleCommand[], level: number): void {
  for (const command of splitCommands(script)) {
    if (out.length >= MAX_COMMANDS) return;
    out.push(command);
    if (level >= MAX_NESTING) continue;
    // Command substitutions run commands too: TOKEN=$(curl …), `id`.
    for (const word of command.words) {
      const inner = substitutionOf(word);
      if (inner) collect(inner, out, level + 1);
    }
    const real = unwrap(command.words);
    const name = real.length ? basename(real[0]!) : '';
    if (SHELL_NAMES.has(name)) {
      const c = real.findIndex((w, i) => i > 0 && w.startsWith('-') && !w.startsWith('--') && w.includes('c'));
      if (c > 0 && c + 1 < real.length) collect(real[c + 1]!, out, level + 1);
    }
  }
}

/** The text inside the first `$( … )` or backticks of a word, if any. */
function substitutionOf(word: string): string | undefined {
  const dollar = word.indexOf('$(');
  if (dollar >= 0) {
    const close = word.lastIndexOf(')');
    return close > dollar + 2 ? word.slice(dollar + 2, close) : undefined;
  }
  const tick = word.indexOf('`');
  const back = word.lastIndexOf('`');
  return back > tick + 1 ? word.slice(tick + 1, back) : undefined;
}

/** Shell program names (the interpreters that give `-c` scripts and interactive sessions). */
export const SHELL_NAMES: ReadonlySet<string> = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'fish', 'tcsh', 'csh', 'rbash']);

/** True when the process is a shell (busybox counted only when called as a shell). */
export function isShellProcess(process: ProcessInfo): boolean {
  if (!isShell(process)) return false;
  if (programName(process) !== 'busybox') return true;
  const called = basename(process.args[0] ?? '');
  return SHELL_NAMES.has(called) || SHELL_NAMES.has(process.args[1] ?? '');
}

/** The command line cut for matching, lower-cased. */
export function lowerText(text: string): string {
  return clip(text).toLowerCase();
}

const lowerTexts = new IdentityMemo<SimpleCommand, string>();

/** lowerText() of a command's text, computed once per command. */
export function lowerTextOf(command: SimpleCommand): string {
  return lowerTexts.get(command, (c) => lowerText(c.text));
}

function clip(text: string): string {
  return text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text;
}

/** A recon-command list entry (data/indicators/recon-commands.yaml). */
interface ReconEntry {
  value: string;
  anyArg?: unknown;
}

const reconByName = new WeakMap<readonly ReconEntry[], Map<string, ReconEntry[]>>();

/** A list's entries by value, in list order, grouped once per loaded list. */
function entriesNamed(entries: readonly ReconEntry[]): Map<string, ReconEntry[]> {
  let byName = reconByName.get(entries);
  if (!byName) {
    byName = new Map();
    for (const entry of entries) {
      const same = byName.get(entry.value);
      if (same) same.push(entry);
      else byName.set(entry.value, [entry]);
    }
    reconByName.set(entries, byName);
  }
  return byName;
}

/**
 * The recon command a simple command is, as a distinct name ('uname', 'cat /etc/passwd',
 * 'ip addr'), or undefined. `entries` are those of the recon-commands indicator list.
 */
export function reconNameOf(words: readonly string[], entries: readonly ReconEntry[]): string | undefined {
  const { real, name } = unwrapped(words);
  if (!real.length) return undefined;
  for (const entry of entriesNamed(entries).get(name) ?? []) {
    if (!Array.isArray(entry.anyArg)) return name;
    const wanted = entry.anyArg as unknown[];
    for (let i = 1; i < real.length && i < MAX_WORDS; i++) {
      const arg = real[i]!.replace(/\/+$/, '') || '/';
      if (wanted.includes(arg)) return `${name} ${arg}`;
    }
  }
  return undefined;
}
