/**
 * @module rules/ruleset
 * A folder of user rules, loaded as one set: every `*.yaml`/`*.yml` under it (recursively) is read,
 * collected, checked and compiled (read.ts → compile.ts), with ALL errors reported at once. A set
 * with any error is not used: `vigil scan --rules` stops, and a watched set keeps serving the
 * previous good one (`RuleSet.watch`, for `vigil serve --rules`).
 */
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { loadCatalog, withUserEntries, type Catalog } from '../catalog/catalog.js';
import type { AnyDetection } from '../engine/detection.js';
import { compileRules, type CompiledRule } from './compile.js';
import { RULE_ERROR_CODES, RuleError } from './errors.js';
import { readRuleFile, type RawRuleFile } from './read.js';

export interface LoadedRules {
  dir: string;
  files: string[];
  rules: CompiledRule[];
  detections: AnyDetection[];
  /** The built-in catalogue merged with the rules' own entries: what the engine is given. */
  catalog: Catalog;
  errors: RuleError[];
  /** Per rule file, its sidecar example files (`<stem>.positive.*`, `.negative.*`, `.context.*`). */
  sidecars: Map<string, { positive?: string; negative?: string; context?: string }>;
}

const RULE_FILE = /\.ya?ml$/;
const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) out.push(...ruleFiles(path));
    else if (RULE_FILE.test(name)) out.push(path);
  }
  return out;
}

function sidecarsOf(file: string): LoadedRules['sidecars'] extends Map<string, infer V> ? V : never {
  const stem = basename(file).replace(RULE_FILE, '');
  const found: { positive?: string; negative?: string; context?: string } = {};
  for (const name of readdirSync(dirname(file))) {
    for (const role of ['positive', 'negative', 'context'] as const) {
      if (name.startsWith(`${stem}.${role}.`)) found[role] = join(dirname(file), name);
    }
  }
  return found;
}

/** Loads every rule file under `dir` as one set; `errors` lists all that is wrong, with file and line. */
export function loadRules(dir: string, builtins: Catalog = loadCatalog()): LoadedRules {
  const errors: RuleError[] = [];
  let files: string[] = [];
  try {
    files = statSync(dir).isDirectory() ? ruleFiles(dir) : [dir];
  } catch (error) {
    errors.push(new RuleError(RULE_ERROR_CODES.IO, { file: dir, line: 0 }, (error as Error).message));
  }
  const parsed: RawRuleFile[] = [];
  const sidecars: LoadedRules['sidecars'] = new Map();
  for (const file of files) {
    const near = relative(process.cwd(), file);
    const shown = near && !near.startsWith('..') ? near : file;
    let text: string;
    try {
      if (statSync(file).size > MAX_RULE_FILE_BYTES) throw new Error(`larger than ${MAX_RULE_FILE_BYTES} bytes`);
      text = readFileSync(file, 'utf8');
    } catch (error) {
      errors.push(new RuleError(RULE_ERROR_CODES.IO, { file: shown, line: 0 }, (error as Error).message));
      continue;
    }
    const read = readRuleFile(shown, text);
    errors.push(...read.errors);
    if (read.parsed) parsed.push(read.parsed);
    sidecars.set(shown, sidecarsOf(file));
  }
  const compiled = compileRules(parsed, builtins);
  errors.push(...compiled.errors);
  let catalog = builtins;
  if (errors.length === 0) catalog = withUserEntries(builtins, compiled.rules.map((r) => r.entry));
  return {
    dir,
    files,
    rules: errors.length ? [] : compiled.rules,
    detections: errors.length ? [] : compiled.rules.map((r) => r.detection),
    catalog,
    errors,
    sidecars,
  };
}

export interface ReloadEvent {
  /** The rules in force after this reload: the new set, or the previous one when the new one has errors. */
  rules: LoadedRules;
  /** The errors of the attempted load (empty when it was applied). */
  errors: RuleError[];
  applied: boolean;
}

export interface WatchOptions {
  /** Quiet time after the last change before reloading (editors write files in several steps). */
  debounceMs?: number;
}

/** A rule folder that reloads itself on change, keeping the last good set when a change breaks it. */
export class RuleSet {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;

  private constructor(
    readonly dir: string,
    private good: LoadedRules,
    private readonly builtins: Catalog,
  ) {}

  /** Loads `dir`; throws an Error listing every rule error when the set cannot be used. */
  static load(dir: string, builtins: Catalog = loadCatalog()): RuleSet {
    const loaded = loadRules(dir, builtins);
    if (loaded.errors.length) throw new Error(`rules in ${dir}:\n${loaded.errors.map((e) => '  ' + e.message).join('\n')}`);
    return new RuleSet(dir, loaded, builtins);
  }

  get current(): LoadedRules {
    return this.good;
  }

  /** Reads the folder again now; applies it only when it has no error. */
  reload(): ReloadEvent {
    const attempt = loadRules(this.dir, this.builtins);
    if (attempt.errors.length) return { rules: this.good, errors: attempt.errors, applied: false };
    this.good = attempt;
    return { rules: attempt, errors: [], applied: true };
  }

  /** Watches the folder (recursively) and calls `onReload` after each debounced change. */
  watch(onReload: (event: ReloadEvent) => void, options: WatchOptions = {}): this {
    this.close();
    const debounceMs = options.debounceMs ?? 250;
    this.watcher = watch(this.dir, { recursive: true }, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => onReload(this.reload()), debounceMs);
    });
    return this;
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
