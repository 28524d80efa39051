/**
 * @module detections/node/lib/tools
 * What a process runs, read the way the tool-, miner- and download-detections need it: the process
 * itself plus every command of the shell script it was given (sh -c, eval, nested -c, $(…), <(…),
 * `…`), each with its program name (wrappers such as sudo/nohup/env and busybox applets resolved),
 * its arguments, the script file an interpreter runs, and how commands feed each other (pipes,
 * substitutions, redirections). Also matching program names against indicator lists.
 *
 * The reading is one linear scan with no regular expressions, bounded in input (MAX_MATCH_CHARS),
 * commands (MAX_COMMANDS) and nesting (MAX_DEPTH), so attacker-written command lines cost at most
 * what a 64 KiB one does. The reading is kept per process in lib/analysis, so the detections that
 * read one event parse it once. Readings derived from it (downloads, mining signs) are kept on the
 * view itself, in `memo`.
 */
import { screenPiece } from '../../../engine/screen.js';
import type { ProcessInfo } from '../../../events/model.js';
import type { IndicatorEntry, IndicatorList } from '../../../indicators/indicators.js';
import { analysisOf } from './analysis.js';
import { basename, isShell, MAX_MATCH_CHARS, programName } from './process.js';

/** One command: the process itself, or a command of its shell script. */
export interface Command {
  /** Lower-cased file name of the program run (busybox applet and wrappers resolved). */
  name: string;
  /** The program as written: a path ('./x', '/tmp/x') or a bare name. */
  program: string;
  /** Arguments after the program. */
  args: string[];
  /** The script file an interpreter runs (`sh x.sh`, `python3 sqlmap.py`, `. ./env`), as written. */
  scriptFile?: string;
  /** The command whose standard output is piped into this one. */
  pipedFrom?: Command;
  /** The command into whose arguments this one's output is substituted ($(…), `…`, <(…)). */
  substitutedInto?: Command;
  /** Where `>`/`>>` sends the standard output. */
  stdoutTo?: string;
  /** True for the executed process itself; false for a command read from its script. */
  self: boolean;
  /** Directory the script had changed to (cd) before this command, when it did. */
  cwd?: string;
  /** Called through `busybox APPLET` explicitly. */
  viaBusybox: boolean;
}

export interface ProcessView {
  commands: Command[];
  /** Inline program text of an interpreter (python -c, perl -e, php -r, ruby -e, node -e). */
  code?: string;
  /** The whole command line, bounded to MAX_MATCH_CHARS, for substring checks. */
  text: string;
  /** Readings other helpers derive from this view, computed once (keyed by helper). */
  readonly memo: Record<string, unknown>;
}

const MAX_COMMANDS = 256;
const MAX_DEPTH = 3;
const MAX_TOKEN = 4096;

export const SHELL_NAMES: ReadonlySet<string> = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'fish', 'tcsh', 'csh']);
const SCRIPT_INTERPRETERS = new Set(['perl', 'ruby', 'php', 'node', 'nodejs', 'lua', 'tclsh', 'source', '.']);
const CODE_FLAGS: Readonly<Record<string, string>> = { python: '-c', perl: '-e', ruby: '-e', php: '-r', node: '-e', nodejs: '-e' };
/** Prefix commands that run the command after them. */
const WRAPPERS = new Set(['sudo', 'doas', 'nohup', 'exec', 'env', 'nice', 'ionice', 'timeout', 'setsid', 'stdbuf', 'command', 'time', 'builtin', 'chroot', 'torsocks', 'proxychains', 'proxychains4', 'xargs']);
/** Wrapper options that take a value (sudo -u root, nice -n 10, timeout -s KILL, env -u VAR…). */
const WRAPPER_VALUE_OPTIONS = new Set(['-u', '-g', '-n', '-s', '-k', '-c', '-p', '-C', '-D', '-I', '-L']);

/** True for interpreters of scripts: shells, python*, perl, ruby, php, node… */
export function isInterpreter(name: string): boolean {
  return SHELL_NAMES.has(name) || SCRIPT_INTERPRETERS.has(name) || name.startsWith('python');
}

/** The lower-cased program name of an executed process (busybox applets resolved). */
export function selfName(process: ProcessInfo): { name: string; viaBusybox: boolean } {
  const name = programName(process).toLowerCase();
  if (name !== 'busybox') return { name, viaBusybox: false };
  const argv0 = basename(process.args[0] ?? '').toLowerCase();
  if (argv0 && argv0 !== 'busybox') return { name: argv0, viaBusybox: false };
  const applet = process.args[1];
  // Applets are lower-case; `busybox MIRAI` asks busybox for a missing applet (a bot's probe).
  return applet && !/^[A-Z]/.test(applet) ? { name: basename(applet).toLowerCase(), viaBusybox: true } : { name, viaBusybox: false };
}

/** The commands a process runs (itself first), parsed once per process (lib/analysis) and shared. */
export function viewOf(process: ProcessInfo): ProcessView {
  const analysis = analysisOf(process);
  return (analysis.view ??= buildView(process));
}

function buildView(process: ProcessInfo): ProcessView {
  const text = process.commandLine.length > MAX_MATCH_CHARS ? process.commandLine.slice(0, MAX_MATCH_CHARS) : process.commandLine;
  const view: ProcessView = { commands: [], text, memo: {} };
  const { name, viaBusybox } = selfName(process);
  let args = process.args.slice(viaBusybox ? 2 : 1);
  if (args.length > MAX_COMMANDS) args = args.slice(0, MAX_COMMANDS);
  const self = finishCommand([process.executable || process.args[0] || '', ...args], true, undefined, viaBusybox, name);
  if (self) view.commands.push(self);
  const script = isShell(process) || name === 'su' ? scriptArgument(process, text) : undefined;
  if (script !== undefined) parseScript(script, view.commands, 1);
  else if (self) {
    const family = self.name.startsWith('python') ? 'python' : self.name;
    const flag = CODE_FLAGS[family];
    if (flag) {
      const i = self.args.findIndex((a) => a === flag || (a.startsWith('-') && !a.startsWith('--') && a.endsWith(flag.slice(1))));
      if (i >= 0) view.code = self.args.slice(i + 1).join(' ').slice(0, MAX_MATCH_CHARS);
    }
    // Shell commands inside the program text: os.system('curl … | sh'), `…`, exec("…").
    if (view.code && RUNS_SHELL.some((k) => view.code!.includes(k))) {
      for (const literal of stringLiterals(view.code)) if (literal.includes(' ')) parseScript(literal, view.commands, 2);
    }
  }
  return view;
}

const RUNS_SHELL = ['system(', 'popen(', 'subprocess', 'exec(', 'spawn', 'shell_exec', 'passthru', '`'];
const MAX_LITERALS = 64;

/** The quoted string literals of a program text, in order (bounded in number). */
export function stringLiterals(code: string): string[] {
  const literals: string[] = [];
  for (let i = 0; i < code.length && literals.length < MAX_LITERALS; i++) {
    const q = code[i];
    if (q !== '"' && q !== "'") continue;
    const end = code.indexOf(q, i + 1);
    if (end < 0) break;
    literals.push(code.slice(i + 1, end));
    i = end;
  }
  return literals;
}

/**
 * The script of `sh -c SCRIPT`. With exact argv (kernel audit) it is the argument after -c; when a
 * source joined and re-split the arguments (Tetragon), it is the rest of the command line after
 * the -c flag, outer quotes removed.
 */
function scriptArgument(process: ProcessInfo, text: string): string | undefined {
  const args = process.args;
  for (let i = 1; i < args.length - 1; i++) {
    const a = args[i]!;
    if (a.startsWith('-') && !a.startsWith('--') && a.includes('c')) {
      if (i + 2 >= args.length || !/^["']/.test(args[i + 1]!)) return clip(args[i + 1]!);
      const at = text.indexOf(` ${a} `);
      return at < 0 ? clip(args[i + 1]!) : stripOuterQuotes(text.slice(at + a.length + 2));
    }
  }
  return undefined;
}

function clip(s: string): string {
  return s.length > MAX_MATCH_CHARS ? s.slice(0, MAX_MATCH_CHARS) : s;
}

function stripOuterQuotes(s: string): string {
  const t = s.trim();
  const q = t[0];
  return (q === '"' || q === "'") && t.endsWith(q) && t.length >= 2 ? t.slice(1, -1) : t;
}

interface Builder {
  tokens: string[];
  stdoutTo?: string;
  pipedFrom?: Command;
  substitutedInto?: Builder;
  /** Filled when the builder is finished, so substitutions opened inside it can point at it. */
  command?: Command;
  pending: Command[];
}

/**
 * Splits a shell script into commands. Quotes group words; `;` `&` `&&` `||` newlines end a
 * command; `|` pipes; `$(…)`, `<(…)` and backticks open a nested command whose output goes into
 * the enclosing one. Good enough for attribution, not a shell: it never fails, whatever the input.
 */
function parseScript(script: string, out: Command[], depth: number, cwdIn?: string): void {
  let cwd = cwdIn;
  // Scripts name their URLs once: `s=http://…; curl $s/x`. Simple assignments are followed.
  const vars = new Map<string, string>();
  let current: Builder = { tokens: [], pending: [] };
  const stack: { builder: Builder; dq: boolean; tick: boolean }[] = [];
  let token = '';
  let inToken = false;
  let dq = false;
  let redirect: 'out' | 'in' | undefined;

  const endToken = () => {
    if (!inToken) return;
    if (redirect === 'out') current.stdoutTo = token;
    else if (redirect === undefined) {
      if (current.tokens.length < MAX_COMMANDS) current.tokens.push(token.length > MAX_TOKEN ? token.slice(0, MAX_TOKEN) : token);
    }
    redirect = undefined;
    token = '';
    inToken = false;
  };
  const endCommand = (pipe: boolean): void => {
    endToken();
    const b = current;
    let command: Command | undefined;
    if (b.tokens.length && b.tokens.every(isAssignment)) {
      for (const a of b.tokens) if (vars.size < MAX_VARS) vars.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    } else if (b.tokens.length && out.length < MAX_COMMANDS) {
      command = finishCommand(vars.size ? b.tokens.map((t) => expandVariables(t, vars)) : b.tokens, false, cwd);
      if (command) {
        command.stdoutTo = b.stdoutTo;
        command.pipedFrom = b.pipedFrom;
        b.command = command;
        for (const inner of b.pending) inner.substitutedInto = command;
        out.push(command);
        if (command.name === 'cd' && command.args[0]) cwd = joinPath(cwd, command.args[0]);
        expandNested(command, out, depth, cwd);
      }
    }
    current = { tokens: [], pending: [], pipedFrom: pipe ? command : undefined };
  };
  const openSubstitution = (tick: boolean) => {
    endToken();
    stack.push({ builder: current, dq, tick });
    current = { tokens: [], pending: [], substitutedInto: current };
    dq = false;
  };
  const closeSubstitution = () => {
    endToken();
    const inner = current;
    const frame = stack.pop()!;
    current = inner; // finish the inner command, then resume the outer one
    endCommand(false);
    if (inner.command) frame.builder.pending.push(inner.command);
    current = frame.builder;
    dq = frame.dq;
    inToken = true; // the substitution's text stands in a word of the outer command
  };

  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === '\\') {
      i++;
      if (i < script.length && script[i] !== '\n') {
        token += script[i];
        inToken = true;
      }
      continue;
    }
    if (c === "'" && !dq) {
      const end = script.indexOf("'", i + 1);
      token += script.slice(i + 1, end < 0 ? script.length : end);
      inToken = true;
      i = end < 0 ? script.length : end;
      continue;
    }
    if (c === '"') {
      dq = !dq;
      inToken = true;
      continue;
    }
    if (c === '$' && script[i + 1] === '(') {
      openSubstitution(false);
      i++;
      continue;
    }
    if (c === '`') {
      const top = stack[stack.length - 1];
      if (top?.tick) closeSubstitution();
      else openSubstitution(true);
      continue;
    }
    if (dq) {
      token += c;
      continue;
    }
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
        endToken();
        continue;
      case '\n':
      case ';':
        endCommand(false);
        continue;
      case '&':
        if (script[i + 1] === '>') {
          endToken();
          redirect = 'out';
          i += script[i + 2] === '>' ? 2 : 1;
          continue;
        }
        if (script[i + 1] === '&') i++;
        endCommand(false);
        continue;
      case '|':
        if (script[i + 1] === '|') {
          i++;
          endCommand(false);
        } else {
          if (script[i + 1] === '&') i++;
          endCommand(true);
        }
        continue;
      case '<':
        if (script[i + 1] === '(') {
          openSubstitution(false);
          i++;
          continue;
        }
        endToken();
        redirect = 'in';
        continue;
      case '>': {
        // `2>` / `2>&1` redirect another descriptor: not the output this reading follows.
        const fd = inToken && /^[0-9]$/.test(token) ? token : undefined;
        if (fd) {
          token = '';
          inToken = false;
        } else endToken();
        if (script[i + 1] === '>') i++;
        if (script[i + 1] === '&') {
          i++;
          while (i + 1 < script.length && /[0-9-]/.test(script[i + 1]!)) i++;
          continue;
        }
        redirect = fd && fd !== '1' ? 'in' : 'out';
        continue;
      }
      case '(':
        if (!inToken) continue;
        token += c;
        continue;
      case ')':
        if (stack.length && !stack[stack.length - 1]!.tick) closeSubstitution();
        else endCommand(false);
        continue;
      case '#':
        if (!inToken) {
          const nl = script.indexOf('\n', i);
          i = nl < 0 ? script.length : nl - 1;
          continue;
        }
        token += c;
        continue;
      default: {
        // a run of plain characters joins the token at once, not one concatenation each
        let j = i + 1;
        while (j < script.length && isPlainChar(script, j)) j++;
        token += j === i + 1 ? c : script.slice(i, j);
        inToken = true;
        i = j - 1;
      }
    }
  }
  while (stack.length) closeSubstitution();
  endCommand(false);
}

/** Characters the script reader may treat specially outside double quotes (a superset: stopping early is harmless). */
const TOKEN_BREAKS = new Set(['\\', "'", '"', '`', ' ', '\t', '\r', '\n', ';', '&', '|', '<', '>', '(', ')', '#']);

/** True when the script reader, inside a token outside quotes, only appends script[i]. */
function isPlainChar(script: string, i: number): boolean {
  const c = script[i]!;
  return !TOKEN_BREAKS.has(c) && !(c === '$' && script[i + 1] === '(');
}

const MAX_VARS = 64;

/** `$NAME` and `${NAME}` replaced by the script's own earlier assignments; others left as written. */
function expandVariables(token: string, vars: ReadonlyMap<string, string>): string {
  if (!token.includes('$')) return token;
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const braced = token[i + 1] === '{';
    let j = braced ? i + 2 : i + 1;
    while (j < token.length && /[A-Za-z0-9_]/.test(token[j]!)) j++;
    const name = token.slice(braced ? i + 2 : i + 1, j);
    const value = name ? vars.get(name) : undefined;
    if (value === undefined || (braced && token[j] !== '}')) {
      out += c;
      continue;
    }
    out += value;
    i = braced ? j : j - 1;
  }
  return out.length > MAX_TOKEN ? out.slice(0, MAX_TOKEN) : out;
}

/** Scripts inside a command: `sh -c …`, `su -c …`, `eval …`. */
function expandNested(command: Command, out: Command[], depth: number, cwd: string | undefined): void {
  if (depth >= MAX_DEPTH) return;
  if (command.name === 'eval') {
    parseScript(command.args.join(' '), out, depth + 1, cwd);
    return;
  }
  if (!SHELL_NAMES.has(command.name) && command.name !== 'su') return;
  const i = command.args.findIndex((a) => a.startsWith('-') && !a.startsWith('--') && a.includes('c'));
  if (i >= 0 && command.args[i + 1] !== undefined) parseScript(command.args[i + 1]!, out, depth + 1, cwd);
}

function isAssignment(token: string): boolean {
  const eq = token.indexOf('=');
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const ch = token.charCodeAt(i);
    const ok = (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95 || (i > 0 && ch >= 48 && ch <= 57);
    if (!ok) return false;
  }
  return true;
}

/** Turns argv-like tokens into a Command: assignments and wrappers skipped, busybox resolved. */
function finishCommand(tokens: string[], self: boolean, cwd: string | undefined, selfBusybox = false, selfNameKnown?: string): Command | undefined {
  let i = 0;
  let viaBusybox = selfBusybox;
  if (!self) {
    for (;;) {
      while (i < tokens.length && (isAssignment(tokens[i]!) || tokens[i] === '{' || tokens[i] === '!' || tokens[i] === '(')) i++;
      const word = basename(tokens[i] ?? '').toLowerCase();
      // `command -v x` asks whether x exists; it does not run it.
      if (word === 'command' && /^-[vV]$/.test(tokens[i + 1] ?? '')) break;
      if (WRAPPERS.has(word)) {
        i++;
        while (i < tokens.length && tokens[i]!.startsWith('-')) {
          if (WRAPPER_VALUE_OPTIONS.has(tokens[i]!)) i++;
          i++;
        }
        if (word === 'timeout' || word === 'chroot') i++;
        continue;
      }
      if (word === 'busybox' && i + 1 < tokens.length && !/^[A-Z]/.test(tokens[i + 1]!)) {
        i++;
        viaBusybox = true;
        continue;
      }
      break;
    }
  }
  const program = tokens[i];
  if (program === undefined || program === '') return undefined;
  const name = selfNameKnown ?? basename(program).toLowerCase();
  const args = tokens.slice(i + 1);
  const command: Command = { name, program, args, self, viaBusybox, cwd };
  if (isInterpreter(name)) command.scriptFile = scriptFileOf(name, args);
  return command;
}

/** The first operand of an interpreter, when it is not running inline code. */
function scriptFileOf(name: string, args: readonly string[]): string | undefined {
  const family = name.startsWith('python') ? 'python' : name;
  const codeFlag = CODE_FLAGS[family];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-' || a === '-s') return undefined;
    if (a.startsWith('-')) {
      if (SHELL_NAMES.has(name) && !a.startsWith('--') && a.includes('c')) return undefined;
      if (codeFlag && (a === codeFlag || (!a.startsWith('--') && a.endsWith(codeFlag.slice(1)) && a.length <= 3))) return undefined;
      if (a === '-m' && family === 'python') return args[i + 1];
      continue;
    }
    return a;
  }
  return undefined;
}

/** `base` + `path` the way `cd` and relative outputs combine (no symlinks, no `..` resolution needed). */
export function joinPath(base: string | undefined, path: string): string {
  if (path.startsWith('/')) return path;
  const rel = path.startsWith('./') ? path.slice(2) : path;
  if (!base) return rel;
  return base.endsWith('/') ? base + rel : `${base}/${rel}`;
}

/** The names a command may be known by: its program, and the script an interpreter runs. */
export function namesOf(command: Command): string[] {
  const names = [command.name];
  if (command.scriptFile) names.push(basename(command.scriptFile).toLowerCase());
  return names;
}

const EXTENSIONS = new Set(['sh', 'py', 'pl', 'rb', 'php', 'js', 'bin', 'elf', 'out', 'exe', 'x86_64', 'amd64']);

function stripExtension(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 && EXTENSIONS.has(name.slice(dot + 1)) ? name.slice(0, dot) : undefined;
}

/** A name list compiled for lookups: exact names (with or without extension) and prefix names. */
export interface NameMatcher {
  match(name: string): IndicatorEntry | undefined;
}

const matchers = new WeakMap<IndicatorList, Map<string, NameMatcher>>();

/** Names whose answers a matcher keeps. */
const MAX_MATCHER_ANSWERS = 4096;

function isNameBoundary(ch: string | undefined): boolean {
  return ch === undefined || ch === '-' || ch === '_' || ch === '.' || (ch >= '0' && ch <= '9');
}

/**
 * What every name nameMatcher matches to an entry contains: its value lower-cased, cut at the last
 * dot (the matcher also matches the value without its extension, and names that start with it).
 */
export function nameCore(value: string): string {
  const v = value.toLowerCase();
  const dot = v.lastIndexOf('.');
  return dot > 0 ? v.slice(0, dot) : v;
}

/** Exec-screen strings for list entries that name programs (see nameCore); values that leave none are skipped. */
export function nameScreens(entries: readonly IndicatorEntry[]): string[] {
  const strings: string[] = [];
  for (const { value } of entries) {
    const piece = screenPiece(nameCore(value));
    if (piece) strings.push(piece);
  }
  return strings;
}

/**
 * Matcher over a list's entries (those passing `filter`, memoised per list and filter id). A name
 * matches an entry equal to it or to it without a script/binary extension, or an entry marked
 * `prefix: true` that it starts with, followed by a separator, a digit or nothing.
 */
export function nameMatcher(list: IndicatorList, filterId = 'all', filter: (e: IndicatorEntry) => boolean = () => true): NameMatcher {
  let byFilter = matchers.get(list);
  if (!byFilter) {
    byFilter = new Map();
    matchers.set(list, byFilter);
  }
  let matcher = byFilter.get(filterId);
  if (matcher) return matcher;
  const exact = new Map<string, IndicatorEntry>();
  const prefixes: { value: string; entry: IndicatorEntry }[] = [];
  for (const entry of list.entries) {
    if (!filter(entry)) continue;
    const value = entry.value.toLowerCase();
    exact.set(value, entry);
    const bare = stripExtension(value);
    if (bare && !exact.has(bare)) exact.set(bare, entry);
    if (entry.prefix === true) prefixes.push({ value, entry });
  }
  const lookup = (raw: string): IndicatorEntry | undefined => {
    // A hidden copy (.kinsing, /tmp/.tsunami) is the same program.
    const name = raw.startsWith('.') && raw.length > 1 ? raw.slice(1) : raw;
    const hit = exact.get(name);
    if (hit) return hit;
    const bare = stripExtension(name);
    if (bare) {
      const h = exact.get(bare);
      if (h) return h;
    }
    for (const p of prefixes) if (name.startsWith(p.value) && isNameBoundary(name[p.value.length])) return p.entry;
    return undefined;
  };
  // Every detection asks about the same few program names for every event: answers are kept
  // (null: no entry), emptied when full so that crafted names cannot grow the memo.
  const answers = new Map<string, IndicatorEntry | null>();
  matcher = {
    match(raw: string): IndicatorEntry | undefined {
      let answer = answers.get(raw);
      if (answer === undefined) {
        answer = lookup(raw) ?? null;
        if (answers.size >= MAX_MATCHER_ANSWERS) answers.clear();
        answers.set(raw, answer);
      }
      return answer ?? undefined;
    },
  };
  byFilter.set(filterId, matcher);
  return matcher;
}

/** Arguments that only ask a tool about itself: running it for its version or help is not using it. */
const SELF_QUERY = new Set(['--version', '-version', '-v', '-V', '--help', '-h', '-help', 'version', 'help', '--usage']);

export function onlyAsksAboutItself(command: Command): boolean {
  return command.args.length > 0 && command.args.length <= 2 && command.args.every((a) => SELF_QUERY.has(a));
}

/** True when one of `command`'s arguments is one of `values` (also as `--opt=value`). */
export function hasArgument(command: Command, values: readonly unknown[]): boolean {
  for (const a of command.args) {
    const eq = a.indexOf('=');
    for (const v of values) if (a === v || (eq > 0 && a.slice(eq + 1) === v)) return true;
  }
  return false;
}

export interface ToolHit {
  command: Command;
  entry: IndicatorEntry;
  /** The name that matched (program or script). */
  name: string;
}

/**
 * Commands of `view` that run a program of the list: by name, honouring each entry's
 * `onlyWithArgs` / `unlessArgs`, and skipping runs that only print the version or help.
 */
export function toolsRun(view: ProcessView, matcher: NameMatcher): ToolHit[] {
  const hits: ToolHit[] = [];
  for (const command of view.commands) {
    // the names of namesOf(), without building the list for every command
    const hit = toolHit(command, matcher, command.name) ?? (command.scriptFile ? toolHit(command, matcher, basename(command.scriptFile).toLowerCase()) : undefined);
    if (hit) hits.push(hit);
  }
  return hits;
}

function toolHit(command: Command, matcher: NameMatcher, name: string): ToolHit | undefined {
  const entry = matcher.match(name);
  if (!entry) return undefined;
  if (onlyAsksAboutItself(command)) return undefined;
  if (Array.isArray(entry.onlyWithArgs) && !hasArgument(command, entry.onlyWithArgs)) return undefined;
  if (Array.isArray(entry.unlessArgs) && hasArgument(command, entry.unlessArgs)) return undefined;
  return { command, entry, name };
}

/** A command line for descriptions: program and arguments, clipped. */
export function commandText(command: Command): string {
  const text = [command.program, ...command.args].join(' ');
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
}
