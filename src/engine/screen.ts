/**
 * @module engine/screen
 * The exec screen: most processes a node runs are of no interest to most node detections, yet
 * reading a command line properly (shell syntax, wrappers, paths, URLs) is what costs. A detection
 * may therefore declare an {@link ExecScreen}: strings of which at least one appears in the text of
 * every process it can fire on. One pass of an Aho–Corasick automaton over the process's text
 * tells which detections may care; the others skip the event without reading it — the node-side
 * counterpart of indexing audit detections by verb and resource.
 *
 * A screen must never hide an event its detection would fire on. The text is therefore scanned as
 * the command-line readers could at most make of it: ASCII lower-cased, with the characters they
 * remove (quotes, backslashes, backticks) removed. Text the readers could turn into other letters
 * — non-ASCII (Unicode case folding), ANSI-C quoting (`$'\x63url'`), variables the script assigns
 * itself (`a=cu; $a'rl'`) — passes every screen: it is rare in benign processes, so failing open
 * costs little. `src/detections/node/screens.test.ts` checks on every fixture, the benign corpus
 * and mutated attacks that screened and unscreened engines raise the same alerts.
 *
 * Short program names (`w`, `id`, `nc`, `get`) occur inside many words, so a screen may also ask
 * for whole words: for names a detection compares whole (a command's file name, an argument). The
 * scan marks a boundary (a NUL fed to the automaton) at the start and end of each text and on both
 * sides of every character that can end a shell word or a path segment (all but letters, digits,
 * `.`, `_` and `-`); a whole-word pattern is the pattern between such marks. A backtick, which the
 * readers remove but which ends a command word (`a\`w\``), makes the scan fail open when the
 * screens ask for words.
 */
import type { ProcessExecEvent } from '../events/model.js';
import type { Indicators } from '../indicators/indicators.js';
import type { DetectionContext } from './detection.js';

/** Screen strings, or a function of the engine's indicator lists that gives them. */
export type ScreenStrings = readonly string[] | ((indicators: Indicators) => readonly string[]);

/** One group of an `allOf` entry: strings, or whole words. */
export type ScreenGroup = ScreenStrings | { readonly words: ScreenStrings };

export interface ExecScreen {
  /**
   * Lower-case ASCII strings without whitespace, quotes, backslashes or backticks: the screen
   * passes when one of them appears in the event's executable, command line, arguments or working
   * directory (as scanned above). Name a path by its file name (`shadow`, not `/etc/shadow`: paths
   * are normalised before they are compared).
   */
  readonly anyOf?: ScreenStrings;
  /**
   * Also passes when one of these appears as a whole word: between the start or end of a text and
   * a character other than a letter, digit, `.`, `_` or `-` (`w`, `id` as commands; `/etc/passwd` as
   * an argument). Only for names the detection compares whole, never by prefix or without extension.
   */
  readonly words?: ScreenStrings;
  /**
   * Also passes when, for one entry, a string of each of its groups appears (an interpreter and a
   * socket call); a group given as `{ words }` asks for whole words.
   */
  readonly allOf?: readonly (readonly ScreenGroup[])[];
  /**
   * What the text cannot vouch for — the ancestry, the container, state learned from earlier
   * events: a cheap test; true lets the event through whatever the text says.
   */
  readonly also?: (event: ProcessExecEvent, ctx: DetectionContext) => boolean;
  /**
   * Asked once, when the engine builds its screens: true makes the screen pass every exec (an
   * operator's list value that no screen string can stand for).
   */
  readonly openWhen?: (indicators: Indicators) => boolean;
}

/**
 * The screens of a list of exec detections, numbered by their place in it: one automaton over all
 * their strings, and per detection the alternatives (lists of string groups) that let an event pass.
 * The engine asks a detection's `also` itself, with the detection's context.
 */
export class ExecScreens {
  private readonly automaton: ScreenAutomaton;
  /** Detections without a screen: every exec passes. */
  private readonly unscreened: readonly number[];
  /** Per group: the alternatives it opens (a detection, and the other groups it needs). */
  private readonly opens: readonly (readonly { detection: number; rest: readonly number[] }[])[];
  /** 1 where the text of the event last scanned lets it through to the detection. */
  private readonly passed: Uint8Array;

  constructor(screens: readonly (ExecScreen | undefined)[], indicators: Indicators) {
    const patterns: ScreenPattern[] = [];
    const opens: { detection: number; rest: number[] }[][] = [];
    const alwaysSeen: number[] = [];
    const group = (strings: ScreenStrings, word = false): number => {
      const g = opens.length;
      opens.push([]);
      if (typeof strings !== 'function') {
        // written in the code: a string that cannot match is a mistake, and the automaton says so
        for (const text of strings) patterns.push({ text, owner: g, word });
        return g;
      }
      // from indicator lists an operator may extend: a value no scan can find opens the group
      for (const value of strings(indicators)) {
        const text = value.toLowerCase();
        if (isPattern(text)) patterns.push({ text, owner: g, word });
        else if (!alwaysSeen.includes(g)) alwaysSeen.push(g);
      }
      return g;
    };
    const unscreened: number[] = [];
    screens.forEach((screen, detection) => {
      if (!screen || screen.openWhen?.(indicators)) {
        unscreened.push(detection);
        return;
      }
      const alternatives: number[][] = [];
      if (screen.anyOf) alternatives.push([group(screen.anyOf)]);
      if (screen.words) alternatives.push([group(screen.words, true)]);
      for (const entry of screen.allOf ?? []) alternatives.push(entry.map((g) => ('words' in g ? group(g.words, true) : group(g))));
      for (const [first, ...rest] of alternatives) opens[first!]!.push({ detection, rest });
    });
    this.unscreened = unscreened;
    this.opens = opens;
    this.passed = new Uint8Array(screens.length);
    this.automaton = new ScreenAutomaton(patterns, opens.length, alwaysSeen);
  }

  /**
   * Reads an exec event's text once and settles which detections its text lets through: from the
   * groups the scan saw, not by asking every detection.
   */
  scan(event: ProcessExecEvent): void {
    const hits = this.automaton.scan(event.process);
    const passed = this.passed;
    if (hits.all) {
      passed.fill(1);
      return;
    }
    passed.fill(0);
    for (const d of this.unscreened) passed[d] = 1;
    for (let k = 0; k < hits.count; k++) {
      for (const { detection, rest } of this.opens[hits.list[k]!]!) {
        if (passed[detection]) continue;
        let all = true;
        for (const g of rest) {
          if (!hits.seen[g]) {
            all = false;
            break;
          }
        }
        if (all) passed[detection] = 1;
      }
    }
  }

  /**
   * Whether the text of the event last scanned lets it through to the detection at `index` (an
   * unscreened detection always); when not, the detection's `also` has the last word.
   */
  textPasses(index: number): boolean {
    return this.passed[index] === 1;
  }
}

const REMOVED_CHARACTERS = /['"\\`]/g;

/**
 * `text` without the characters the command-line readers remove (quotes, backslashes, backticks),
 * case kept: for an `also` test that must see what the scan sees (`bu''sybox`).
 */
export function withoutRemoved(text: string): string {
  return text.includes("'") || text.includes('"') || text.includes('\\') || text.includes('`') ? text.replace(REMOVED_CHARACTERS, '') : text;
}

/**
 * The longest run of `text` that the scan can look for wherever `text` is written: quotes and
 * backslashes dropped (as the scan drops them), cut at whitespace and non-ASCII (which fails the
 * scan open anyway), lower-cased. '' when none is left: the detection must then read every exec.
 */
export function screenPiece(text: string): string {
  return text
    .replace(/['"\\`]/g, '')
    .split(/[^!-~]+/)
    .reduce((a, b) => (b.length > a.length ? b : a), '')
    .toLowerCase();
}

/** screenPiece of each value, those that leave one. */
export function screenPieces(values: Iterable<string>): string[] {
  const strings: string[] = [];
  for (const value of values) {
    const piece = screenPiece(value);
    if (piece) strings.push(piece);
  }
  return strings;
}

/** Lower-case ASCII only: the scan fails open on anything else. */
const ALPHABET = 128;
/** The automaton's table is dense (ALPHABET entries a state): this many states is about 25 MB. */
const MAX_STATES = 50_000;

/** Characters the command-line readers remove from words; the scan removes them too. */
function isRemoved(c: number): boolean {
  return c === 39 /* ' */ || c === 34 /* " */ || c === 92 /* \ */ || c === 96; /* ` */
}

function isWhitespace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Every character but letters, digits and `.`, `_`, `-` is a word boundary (NUL marks one in the
 * automaton). Those three never end a shell word or a path segment, so a program name compared
 * whole (`get`) is not taken for a piece of another (`apt-get`).
 */
function isBoundary(c: number): boolean {
  return !((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 45);
}

const MARK = 0;

/** How the scan treats each ASCII character: read as is (lower-cased), removed, or a word boundary. */
const PLAIN = 0;
const REMOVED = 1;
const BOUNDARY = 2;
const KIND = new Uint8Array(ALPHABET);
/** Each ASCII character lower-cased. */
const FOLD = new Uint8Array(ALPHABET);
for (let c = 0; c < ALPHABET; c++) {
  FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c;
  KIND[c] = isRemoved(c) ? REMOVED : isBoundary(FOLD[c]!) ? BOUNDARY : PLAIN;
}

/** A screen string as the automaton reads it: marks around boundary characters, and around a whole word. */
function encode(text: string, word: boolean): number[] {
  const codes: number[] = [];
  if (word && !isBoundary(text.charCodeAt(0))) codes.push(MARK);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isBoundary(c)) codes.push(MARK, c, MARK);
    else codes.push(c);
  }
  if (word && !isBoundary(text.charCodeAt(text.length - 1))) codes.push(MARK);
  return codes;
}

export interface ScreenPattern {
  text: string;
  owner: number;
  /** Only as a whole word. */
  word?: boolean;
}

/** The outcome of one scan: which patterns' owners were seen, or every one (failed open). */
export interface ScreenHits {
  all: boolean;
  /** 1 at an owner's index when one of its strings appeared. */
  readonly seen: Uint8Array;
  /** The owners seen, in the order first seen: `count` of them. */
  readonly list: Int32Array;
  count: number;
}

/**
 * A multi-string matcher over a process's text: patterns belong to owners (numbered from 0), and
 * a scan marks the owners whose patterns occur. Built once; scanning allocates nothing.
 */
export class ScreenAutomaton {
  /** next[state * ALPHABET + c]: the state after reading c (failure links folded in). */
  private readonly next: Int32Array;
  /** The owners each state completes a pattern of (its own and through failure links). */
  private readonly outputs: readonly (readonly number[])[];
  /** 1 where a state completes any pattern: most do not, and the scan skips them at once. */
  private readonly ends: Uint8Array;
  private readonly hits: ScreenHits;
  /** What the scan has met so far in this process: a variable reference, an assignment. */
  private variable = false;
  private assignment = false;

  /** Whole-word patterns exist: a backtick then makes the scan fail open. */
  private readonly words: boolean;

  /**
   * @param alwaysSeen owners every scan marks (a screen group an operator's value leaves open)
   */
  constructor(
    patterns: readonly ScreenPattern[],
    owners: number,
    private readonly alwaysSeen: readonly number[] = [],
  ) {
    const goto: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    for (const { text, owner, word = false } of patterns) {
      checkPattern(text);
      let state = 0;
      for (const c of encode(text, word)) {
        let to = goto[state]!.get(c);
        if (to === undefined) {
          to = goto.length;
          if (to >= MAX_STATES) throw new Error(`exec screens: more than ${MAX_STATES} automaton states; use fewer or shorter strings`);
          goto.push(new Map());
          own.push([]);
          goto[state]!.set(c, to);
        }
        state = to;
      }
      if (!own[state]!.includes(owner)) own[state]!.push(owner);
    }
    // Breadth-first: each state's failure link and full transition row, from its parent's.
    const next = new Int32Array(goto.length * ALPHABET);
    const fail = new Int32Array(goto.length);
    const outputs: number[][] = own.map((o) => [...o]);
    const queue: number[] = [];
    for (let c = 0; c < ALPHABET; c++) {
      const to = goto[0]!.get(c);
      if (to !== undefined) {
        next[c] = to;
        queue.push(to);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      for (const o of outputs[fail[state]!]!) if (!outputs[state]!.includes(o)) outputs[state]!.push(o);
      for (let c = 0; c < ALPHABET; c++) {
        const to = goto[state]!.get(c);
        if (to === undefined) next[state * ALPHABET + c] = next[fail[state]! * ALPHABET + c]!;
        else {
          fail[to] = next[fail[state]! * ALPHABET + c]!;
          next[state * ALPHABET + c] = to;
          queue.push(to);
        }
      }
    }
    this.next = next;
    this.outputs = outputs;
    this.ends = Uint8Array.from(outputs, (o) => (o.length ? 1 : 0));
    this.words = patterns.some((p) => p.word);
    this.hits = { all: false, seen: new Uint8Array(owners), list: new Int32Array(owners), count: 0 };
  }

  /**
   * Which owners' strings occur in the process's text. The result is reused by the next scan:
   * read it before scanning again.
   */
  scan(process: ProcessExecEvent['process']): ScreenHits {
    const hits = this.hits;
    // forget the last scan's owners only: most processes mark a few of many
    for (let k = 0; k < hits.count; k++) hits.seen[hits.list[k]!] = 0;
    hits.count = 0;
    hits.all = false;
    for (const o of this.alwaysSeen) {
      hits.seen[o] = 1;
      hits.list[hits.count++] = o;
    }
    this.variable = false;
    this.assignment = false;
    if (
      !this.scanText(process.executable) ||
      !this.scanText(process.commandLine) ||
      (!isJoinOf(process.commandLine, process.args) && !this.scanArgs(process.args)) ||
      (process.cwd !== undefined && !this.scanText(process.cwd)) ||
      // tools' reader expands variables the script assigned itself: `a=cu; $a'rl'`
      (this.variable && this.assignment)
    ) {
      hits.all = true;
    }
    return hits;
  }

  private scanArgs(args: readonly string[]): boolean {
    for (const arg of args) if (!this.scanText(arg)) return false;
    return true;
  }

  /** Marks the owners seen in `text`; false when the text must pass every screen. */
  private scanText(text: string): boolean {
    const next = this.next;
    const outputs = this.outputs;
    const ends = this.ends;
    const hits = this.hits;
    let state = next[MARK]!; // the start of a text is a boundary
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= ALPHABET) return false;
      const kind = KIND[c]!;
      if (kind === PLAIN) {
        state = next[state * ALPHABET + FOLD[c]!]!;
        if (ends[state]) mark(outputs[state]!, hits);
        continue;
      }
      if (kind === REMOVED) {
        if (c === 96 && this.words) return false; // a backtick ends a command word the removal would join
        // a backslash before a newline is a line continuation: both go
        if (c === 92 && text.charCodeAt(i + 1) === 10) i++;
        continue;
      }
      if (c === 36 /* $ */) {
        const after = text.charCodeAt(i + 1);
        if (after === 39) return false; // $'…': ANSI-C quoting decodes escapes
        if (after === 123 || after === 95 || (after >= 65 && after <= 90) || (after >= 97 && after <= 122)) this.variable = true;
      } else if (c === 61 /* = */) this.assignment = true;
      // a boundary character, with a mark on each side
      state = next[state * ALPHABET + MARK]!;
      if (ends[state]) mark(outputs[state]!, hits);
      state = next[state * ALPHABET + c]!;
      if (ends[state]) mark(outputs[state]!, hits);
      state = next[state * ALPHABET + MARK]!;
      if (ends[state]) mark(outputs[state]!, hits);
    }
    state = next[state * ALPHABET + MARK]!; // so is its end
    if (ends[state]) mark(outputs[state]!, hits);
    return true;
  }
}

function mark(owners: readonly number[], hits: ScreenHits): void {
  for (let k = 0; k < owners.length; k++) {
    const o = owners[k]!;
    if (hits.seen[o]) continue;
    hits.seen[o] = 1;
    hits.list[hits.count++] = o;
  }
}

/** True when `line` is `args.join(' ')`, checked without building the join. */
function isJoinOf(line: string, args: readonly string[]): boolean {
  let at = 0;
  for (let i = 0; i < args.length; i++) {
    if (i > 0) {
      if (line.charCodeAt(at) !== 32) return false;
      at++;
    }
    const a = args[i]!;
    if (!line.startsWith(a, at)) return false;
    at += a.length;
  }
  return at === line.length;
}

/** Lower-case ASCII without whitespace, quotes, backslashes or backticks, not empty. */
function isPattern(text: string): boolean {
  if (!text) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= ALPHABET || isRemoved(c) || isWhitespace(c) || (c >= 65 && c <= 90)) return false;
  }
  return true;
}

function checkPattern(text: string): void {
  if (!isPattern(text)) {
    throw new Error(`exec screens: '${text}' must be lower-case ASCII without whitespace, quotes, backslashes or backticks, and not empty`);
  }
}
