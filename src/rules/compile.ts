/**
 * @module rules/compile
 * Loader stages 2 and 4, collect and compile: merges the lists and macros of every file of a rule
 * folder, checks each rule's condition (rules/check.ts), and turns each rule into a Detection the
 * engine indexes like a built-in one (by kind, and for audit rules by the verbs the condition
 * pins), with a catalogue entry carrying the rule's own metadata.
 *
 * Conditions are evaluated by @bufbuild/cel's planner: the checked AST is planned once at load
 * into the library's evaluator and run per event. Vigil does not compile CEL to closures itself,
 * so there is no second evaluation path to hold against an interpreter (STYLE lesson 13); the
 * library is conformance-tested against the CEL spec's suite.
 */
import { celEnv, isCelError, parse, plan, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import type { AlertEntities } from '../alerts/alert.js';
import { auditEntities, nodeEntities, summarise } from '../alerts/entities.js';
import { isUserRuleType, type Catalog } from '../catalog/catalog.js';
import type { AnyDetection, CatalogEntry, Finding } from '../engine/detection.js';
import { celValue, fieldsOfKinds, FIELDS, rawValue, type FieldType } from '../events/fields.js';
import { isNodeEvent, type EventKind, type VigilEvent } from '../events/model.js';
import { checkExpr, CheckError, LISTS, PRESENCE_PREFIX, type Expr } from './check.js';
import { RULE_ERROR_CODES, RuleError, type Loc } from './errors.js';
import { positionIn, type RawExample, type RawList, type RawMacro, type RawRule, type RawRuleFile, type TextLoc } from './read.js';

/** Longest text `matches()` looks at; RE2 is linear, this bounds the cost per call. */
export const MAX_MATCH_CHARS = 16 * 1024;
const MAX_SUMMARY_FACT = 200;

export interface CompiledRule {
  id: string;
  detection: AnyDetection;
  entry: CatalogEntry;
  loc: Loc;
  file: string;
  condition: string;
  /** Event fields the condition reads, for test diffs. */
  reads: readonly string[];
  examples: { positive: RawExample[]; negative: RawExample[] };
  /** `path = value` of each field the condition reads, for a readable test failure. */
  explain(event: VigilEvent): string;
}

export interface CompileResult {
  rules: CompiledRule[];
  errors: RuleError[];
}

type Program = (bindings: Record<string, unknown>) => unknown;

/** RE2 with compiled patterns cached (patterns are literals of the loaded rules) and input capped. */
function boundedRe2() {
  const cache = new Map<string, RE2JS>();
  return {
    compile(pattern: string) {
      let re = cache.get(pattern);
      if (!re) cache.set(pattern, (re = RE2JS.compile(pattern)));
      return { test: (text: string) => re.test(text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text) };
    },
  };
}

/**
 * Per kind, a prototype whose getters read the event's fields as CEL values (and their presence
 * under `has:path`), over the rule set's lists. One object per event serves every rule.
 */
function bindingPrototypes(lists: ReadonlyMap<string, unknown[]>): Map<EventKind, object> {
  const base: Record<string, unknown> = {};
  for (const [name, values] of lists) base[`${LISTS}.${name}`] = values;
  const out = new Map<EventKind, object>();
  for (const [kind, fields] of FIELDS) {
    const proto = Object.create(base) as object;
    for (const field of fields) {
      const steps = field.path.split('.');
      const read = (event: VigilEvent): unknown => {
        let value: unknown = event;
        for (const step of steps) {
          if (value === null || typeof value !== 'object') return undefined;
          value = (value as Record<string, unknown>)[step];
        }
        return value;
      };
      Object.defineProperty(proto, field.path, {
        get(this: { event: VigilEvent }) {
          return celValue(read(this.event), field.type);
        },
      });
      Object.defineProperty(proto, PRESENCE_PREFIX + field.path, {
        get(this: { event: VigilEvent }) {
          return read(this.event) !== undefined;
        },
      });
    }
    out.set(kind, proto);
  }
  return out;
}

function entitiesOf(event: VigilEvent): AlertEntities {
  if (isNodeEvent(event)) return nodeEntities(event);
  switch (event.kind) {
    case 'k8s.audit':
      return auditEntities(event);
    case 'k8s.object': {
      const m = event.object.metadata;
      return { cluster: event.cluster, namespace: m.namespace, resource: { kind: event.object.kind, namespace: m.namespace, name: m.name } };
    }
    case 'cloud.activity':
      return {
        cluster: event.cluster,
        identity: { id: event.identity.id, name: event.identity.name, type: event.identity.type, addon: event.identity.addon },
        sourceIPs: event.callerIp ? [event.callerIp] : undefined,
        userAgent: event.userAgent,
      };
    default:
      return { cluster: event.cluster, node: event.node };
  }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : text + '.';
}

function evidenceOf(kinds: readonly EventKind[]): CatalogEntry['evidence'] {
  if (kinds.includes('k8s.audit')) return 'audit';
  if (kinds.includes('k8s.object')) return 'config';
  if (kinds.includes('cloud.activity')) return 'cloud';
  return 'runtime';
}

/** Verbs a condition's top-level conjunction pins (`verb == "list"`, `verb in [...]`): the engine's audit index. */
function pinnedVerbs(expr: Expr): string[] | undefined {
  const k = expr.exprKind;
  if (k.case !== 'callExpr') return undefined;
  const { function: fn, args } = k.value;
  if (fn === '_&&_') return args.map(pinnedVerbs).find((v) => v !== undefined);
  const isVerb = (e: Expr | undefined) => e?.exprKind.case === 'identExpr' && e.exprKind.value.name === 'verb';
  const literal = (e: Expr | undefined) => (e?.exprKind.case === 'constExpr' && e.exprKind.value.constantKind.case === 'stringValue' ? e.exprKind.value.constantKind.value : undefined);
  if (fn === '_==_') {
    const value = isVerb(args[0]) ? literal(args[1]) : isVerb(args[1]) ? literal(args[0]) : undefined;
    return value === undefined ? undefined : [value];
  }
  if (fn === '@in' && isVerb(args[0]) && args[1]?.exprKind.case === 'listExpr') {
    const values = args[1].exprKind.value.elements.map(literal);
    return values.every((v) => v !== undefined) ? (values as string[]) : undefined;
  }
  return undefined;
}

/** A CEL parse error's "<input>:L:C: msg" as a place in the rule file. */
function syntaxError(text: string, where: TextLoc, error: Error): RuleError {
  const m = /<input>:(\d+):(\d+): ([\s\S]*)/.exec(error.message);
  if (!m) return new RuleError(RULE_ERROR_CODES.SYNTAX, where, error.message);
  const lines = text.split('\n');
  const offset = lines.slice(0, Number(m[1]) - 1).reduce((n, l) => n + l.length + 1, 0) + Number(m[2]) - 1;
  return new RuleError(RULE_ERROR_CODES.SYNTAX, positionIn(where, offset), `syntax error: ${m[3]!.split('\n')[0]}`);
}

function offsetOf(parsed: ReturnType<typeof parse>, id: bigint): number {
  return parsed.sourceInfo?.positions[String(id) as unknown as number] ?? 0;
}

const ID_RULE = 'an id PREFIX_Name: an upper-case prefix of 2-16 letters or digits other than K8S (USER, or your organisation), then letters, digits and _';

/** Compiles the rules of several files as one set (lists and macros are shared by every file). */
export function compileRules(files: readonly RawRuleFile[], builtins: Catalog): CompileResult {
  const errors: RuleError[] = [];
  const lists = new Map<string, RawList>();
  const macros = new Map<string, RawMacro>();
  for (const file of files) {
    for (const list of file.lists) {
      const seen = lists.get(list.name);
      if (seen) errors.push(new RuleError(RULE_ERROR_CODES.DUPLICATE, list.loc, `list '${list.name}' is already defined at ${seen.loc.file}:${seen.loc.line}`));
      else lists.set(list.name, list);
    }
    for (const macro of file.macros) {
      const seen = macros.get(macro.name);
      if (seen) errors.push(new RuleError(RULE_ERROR_CODES.DUPLICATE, macro.loc, `macro '${macro.name}' is already defined at ${seen.loc.file}:${seen.loc.line}`));
      else macros.set(macro.name, macro);
    }
  }
  const listTypes = new Map<string, FieldType>();
  const listValues = new Map<string, unknown[]>();
  for (const [name, list] of lists) {
    const ints = list.values.length > 0 && list.values.every((v) => typeof v === 'number');
    if (!ints && list.values.some((v) => typeof v === 'number')) {
      errors.push(new RuleError(RULE_ERROR_CODES.LIST, list.loc, `list '${name}' mixes numbers and strings`));
    }
    listTypes.set(name, { k: 'list', elem: ints ? { k: 'int' } : { k: 'string' } });
    listValues.set(name, ints ? list.values.map((v) => BigInt(v)) : list.values.map(String));
  }
  const macroParses = new Map<string, ReturnType<typeof parse>>();
  for (const [name, macro] of macros) {
    try {
      macroParses.set(name, parse(macro.condition));
    } catch (error) {
      errors.push(syntaxError(macro.condition, macro.conditionLoc, error as Error));
    }
  }

  const env: CelEnv = celEnv({ funcs: strings, re2: boundedRe2() });
  const prototypes = bindingPrototypes(listValues);
  // One bindings object per event, shared by every rule that sees it (the engine calls rules one
  // after another for the same event object).
  let lastEvent: VigilEvent | undefined;
  let lastBindings: Record<string, unknown> = {};
  const bindingsOf = (event: VigilEvent): Record<string, unknown> => {
    if (event !== lastEvent) {
      lastBindings = Object.create(prototypes.get(event.kind) ?? null) as Record<string, unknown>;
      lastBindings.event = event;
      lastEvent = event;
    }
    return lastBindings;
  };

  const rules: CompiledRule[] = [];
  const ids = new Map<string, Loc>();
  for (const file of files) {
    for (const rule of file.rules) {
      if (!rule.enabled) continue;
      const problem = idProblem(rule, builtins, ids);
      if (problem) {
        errors.push(problem);
        continue;
      }
      ids.set(rule.id, rule.loc);
      const compiled = compileRule(rule, file.file, { env, listTypes, macros, macroParses, bindingsOf });
      if (compiled instanceof RuleError) errors.push(compiled);
      else rules.push(compiled);
    }
  }
  return { rules, errors };
}

function idProblem(rule: RawRule, builtins: Catalog, ids: Map<string, Loc>): RuleError | undefined {
  if (!isUserRuleType(rule.id)) return new RuleError(RULE_ERROR_CODES.ID, rule.loc, `'${rule.id}' is not ${ID_RULE}`);
  if (builtins.has(rule.id)) return new RuleError(RULE_ERROR_CODES.ID, rule.loc, `'${rule.id}' is a built-in alert type`);
  const seen = ids.get(rule.id);
  if (seen) return new RuleError(RULE_ERROR_CODES.DUPLICATE, rule.loc, `rule '${rule.id}' is already defined at ${seen.file}:${seen.line}`);
  return undefined;
}

interface CompileEnv {
  env: CelEnv;
  listTypes: ReadonlyMap<string, FieldType>;
  macros: ReadonlyMap<string, RawMacro>;
  macroParses: ReadonlyMap<string, ReturnType<typeof parse>>;
  bindingsOf(event: VigilEvent): Record<string, unknown>;
}

function compileRule(rule: RawRule, file: string, c: CompileEnv): CompiledRule | RuleError {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rule.condition);
  } catch (error) {
    return syntaxError(rule.condition, rule.conditionLoc, error as Error);
  }
  const fields = fieldsOfKinds(rule.kinds);
  let reads: Set<string>;
  try {
    const result = checkExpr(parsed.expr!, {
      kinds: rule.kinds,
      fields,
      lists: c.listTypes,
      macro: (name) => {
        const p = c.macroParses.get(name);
        return p ? structuredClone(p.expr!) : undefined;
      },
    });
    if (result.type.k !== 'bool' && result.type.k !== 'dyn') {
      return new RuleError(RULE_ERROR_CODES.TYPE, rule.conditionLoc, `${rule.id}: the condition must be a bool, not a ${result.type.k}`);
    }
    reads = result.reads;
  } catch (error) {
    if (!(error instanceof CheckError)) throw error;
    if (error.macro) {
      const macro = c.macros.get(error.macro)!;
      const where = positionIn(macro.conditionLoc, offsetOf(c.macroParses.get(error.macro)!, error.exprId));
      return new RuleError(error.code, where, `macro '${error.macro}' (used by ${rule.id} over ${rule.kinds.join(', ')}): ${error.message}`);
    }
    return new RuleError(error.code, positionIn(rule.conditionLoc, offsetOf(parsed, error.exprId)), `${rule.id}: ${error.message}`);
  }
  const placeholders = [...(rule.summary ?? '').matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!);
  const unknown = placeholders.filter((p) => !fields.has(p));
  if (unknown.length) return new RuleError(RULE_ERROR_CODES.UNKNOWN_FIELD, rule.loc, `${rule.id}: summary names unknown field(s) ${unknown.join(', ')}`);

  const program = plan(c.env, parsed) as unknown as Program;
  const verbs = rule.kinds.length === 1 && rule.kinds[0] === 'k8s.audit' ? pinnedVerbs(parsed.expr!) : undefined;
  const entry: CatalogEntry = {
    type: rule.id,
    title: rule.title,
    evidence: evidenceOf(rule.kinds),
    severity: rule.severity,
    tactics: rule.tactics,
    techniques: rule.techniques,
    preview: false,
    notes: [],
    what: rule.description.trim(),
    remediation: rule.remediation.trim(),
  };
  const summaryOf = (event: VigilEvent): string => {
    if (!rule.summary) return summarise(event);
    return rule.summary.replace(/\{([^{}]+)\}/g, (_, path: string) => {
      const value = rawValue(event, path);
      const text = value === undefined ? '(unknown)' : typeof value === 'object' ? JSON.stringify(value) : String(value);
      return text.length > MAX_SUMMARY_FACT ? text.slice(0, MAX_SUMMARY_FACT) + '…' : text;
    });
  };
  const detection: AnyDetection = {
    type: rule.id,
    kinds: rule.kinds,
    audit: verbs ? { verbs } : undefined,
    summary: '{summary}',
    detect(event: VigilEvent): Finding | undefined {
      const result = program(c.bindingsOf(event));
      if (result === true) return { entities: entitiesOf(event), facts: { summary: sentence(summaryOf(event)) } };
      if (isCelError(result)) throw new Error(`condition failed: ${result.message}`);
      return undefined;
    },
  };
  return {
    id: rule.id,
    detection,
    entry,
    loc: rule.loc,
    file,
    condition: rule.condition,
    reads: [...reads],
    examples: rule.examples,
    explain: (event) =>
      [...reads]
        .map((path) => {
          const spec = fields.get(path)!;
          const raw = rawValue(event, path);
          return `${path} = ${raw === undefined ? `(absent, reads as ${JSON.stringify(celValue(undefined, spec.type), (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))})` : JSON.stringify(raw)}`;
        })
        .join(', '),
  };
}
