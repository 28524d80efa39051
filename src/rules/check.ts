/**
 * @module rules/check
 * Loader stage 3, check: types a parsed CEL condition against the field table of the rule's event
 * kinds (events/fields.ts), the named lists and the macros, and rejects what would misbehave at
 * run time — an unknown field, a comparison of mismatched types, an unknown function, a
 * non-literal or invalid regular expression. @bufbuild/cel's own checker covers only constants and
 * identifiers (0.6), so this one walks the whole AST; evaluation stays the library's.
 *
 * It also rewrites the AST in place for evaluation: a macro name is replaced by the macro's
 * (checked) expression, and `has(field)` on an event field becomes a read of the field's presence
 * (fields read as their zero value when absent, protobuf style, so has() must ask the event).
 */
import type { parse } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { typeName, type FieldSpec, type FieldType } from '../events/fields.js';
import { RULE_ERROR_CODES, type RuleErrorCode } from './errors.js';

type ParsedExpr = ReturnType<typeof parse>;
export type Expr = NonNullable<ParsedExpr['expr']>;

/** The binding name under which an event field's presence is read. */
export const PRESENCE_PREFIX = 'has:';
export const LISTS = 'lists';
/** Longest pattern `matches()` accepts. RE2 runs in linear time; this bounds its automaton. */
export const MAX_PATTERN_CHARS = 1024;

export class CheckError extends Error {
  constructor(
    readonly code: RuleErrorCode,
    /** The expression at fault (positions come from its parse's sourceInfo). */
    readonly exprId: bigint,
    message: string,
    /** Set when the fault is inside a macro: the macro's name. */
    readonly macro?: string,
  ) {
    super(message);
  }
}

export interface CheckContext {
  /** The rule's event kinds (for messages) and the fields they all have. */
  kinds: readonly string[];
  fields: ReadonlyMap<string, FieldSpec>;
  lists: ReadonlyMap<string, FieldType>;
  /** A fresh, unchecked copy of a macro's parsed expression, or undefined when there is none. */
  macro(name: string): Expr | undefined;
}

export interface CheckResult {
  type: FieldType;
  /** Event field paths the condition reads (for example output and test diffs). */
  reads: Set<string>;
}

const T = {
  bool: { k: 'bool' },
  int: { k: 'int' },
  uint: { k: 'uint' },
  double: { k: 'double' },
  string: { k: 'string' },
  bytes: { k: 'bytes' },
  null: { k: 'null' },
  dyn: { k: 'dyn' },
} as const satisfies Record<string, FieldType>;
const listOf = (elem: FieldType): FieldType => ({ k: 'list', elem });

const isNum = (t: FieldType) => t.k === 'int' || t.k === 'uint' || t.k === 'double';
const isDyn = (t: FieldType) => t.k === 'dyn';

/** Whether values of these types can be compared for equality (numbers compare across types). */
function comparable(a: FieldType, b: FieldType): boolean {
  if (isDyn(a) || isDyn(b)) return true;
  if (isNum(a) && isNum(b)) return true;
  if (a.k === 'list' && b.k === 'list') return comparable(a.elem, b.elem);
  if (a.k === 'map' && b.k === 'map') return comparable(a.key, b.key) && comparable(a.value, b.value);
  return typeName(a) === typeName(b);
}

function unify(types: FieldType[]): FieldType {
  const known = types.filter((t) => !isDyn(t));
  if (known.length === 0) return T.dyn;
  const first = known[0]!;
  return known.every((t) => typeName(t) === typeName(first)) ? first : T.dyn;
}

/** `a.b.c` of plain identifiers, or undefined. */
function qualifiedName(expr: Expr): string | undefined {
  if (expr.exprKind.case === 'identExpr') return expr.exprKind.value.name;
  if (expr.exprKind.case === 'selectExpr' && !expr.exprKind.value.testOnly) {
    const operand = expr.exprKind.value.operand;
    const base = operand && qualifiedName(operand);
    return base === undefined ? undefined : `${base}.${expr.exprKind.value.field}`;
  }
  return undefined;
}

/** 'an int', 'a string'. */
function an(t: FieldType): string {
  const name = typeName(t);
  return `${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** The leftmost identifier of a selection chain: where a misspelt path begins. */
function rootOf(expr: Expr): Expr {
  return expr.exprKind.case === 'selectExpr' && expr.exprKind.value.operand ? rootOf(expr.exprKind.value.operand) : expr;
}

function asIdent(expr: Expr, name: string): void {
  expr.exprKind = { case: 'identExpr', value: { $typeName: 'cel.expr.Expr.Ident', name } } as Expr['exprKind'];
}

/** Receiver functions: receiver type → name → [argument types, result]. */
const METHODS: Record<string, Record<string, [FieldType[][], FieldType]>> = {
  string: {
    contains: [[[T.string]], T.bool],
    startsWith: [[[T.string]], T.bool],
    endsWith: [[[T.string]], T.bool],
    matches: [[[T.string]], T.bool],
    size: [[[]], T.int],
    lowerAscii: [[[]], T.string],
    upperAscii: [[[]], T.string],
    trim: [[[]], T.string],
    indexOf: [[[T.string], [T.string, T.int]], T.int],
    lastIndexOf: [[[T.string], [T.string, T.int]], T.int],
    replace: [[[T.string, T.string], [T.string, T.string, T.int]], T.string],
    split: [[[T.string], [T.string, T.int]], listOf(T.string)],
    substring: [[[T.int], [T.int, T.int]], T.string],
    charAt: [[[T.int]], T.string],
  },
  list: { size: [[[]], T.int], join: [[[], [T.string]], T.string] },
  map: { size: [[[]], T.int] },
};

const CONVERSIONS: Record<string, FieldType> = { int: T.int, string: T.string, double: T.double, dyn: T.dyn };

class Checker {
  readonly reads = new Set<string>();
  private readonly scopes: Map<string, FieldType>[] = [];
  private readonly expanding: string[] = [];

  constructor(private readonly ctx: CheckContext) {}

  private fail(expr: Expr, code: RuleErrorCode, message: string): never {
    throw new CheckError(code, expr.id, message);
  }

  private scoped(name: string): FieldType | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]!.get(name);
      if (t) return t;
    }
    return undefined;
  }

  private unknownField(expr: Expr, path: string): never {
    const head = path.split('.')[0]!;
    const near = [...this.ctx.fields.keys()].filter((p) => p.split('.')[0] === head).slice(0, 12);
    const several = this.ctx.kinds.length > 1 ? ' (a rule over several kinds may read only the fields they all have)' : '';
    const known = near.length ? `; known under '${head}': ${near.join(', ')}` : '';
    this.fail(rootOf(expr), RULE_ERROR_CODES.UNKNOWN_FIELD, `unknown field '${path}' in ${this.ctx.kinds.join(', ')} events${several}${known}`);
  }

  private hasValuePrefix(base: string): boolean {
    const parts = base.split('.');
    for (let n = parts.length; n > 0; n--) {
      const prefix = parts.slice(0, n).join('.');
      if (this.ctx.fields.has(prefix) || (n === 1 && this.ctx.macro(prefix))) return true;
      if (n === 2 && parts[0] === LISTS) return true;
    }
    return false;
  }

  /** A qualified name that names an event field, a list or a macro; undefined when it names none. */
  private resolveName(expr: Expr, name: string): FieldType | undefined {
    const field = this.ctx.fields.get(name);
    if (field) {
      this.reads.add(name);
      return field.type;
    }
    if (name.startsWith(LISTS + '.')) {
      const list = this.ctx.lists.get(name.slice(LISTS.length + 1));
      if (!list) this.fail(expr, RULE_ERROR_CODES.LIST, `no list named '${name.slice(LISTS.length + 1)}' (lists: ${[...this.ctx.lists.keys()].join(', ') || 'none'})`);
      return list;
    }
    if (!name.includes('.')) {
      const body = this.ctx.macro(name);
      if (body) return this.expandMacro(expr, name, body);
    }
    return undefined;
  }

  private expandMacro(expr: Expr, name: string, body: Expr): FieldType {
    if (this.expanding.includes(name)) this.fail(expr, RULE_ERROR_CODES.MACRO, `macro '${name}' refers to itself (${[...this.expanding, name].join(' → ')})`);
    this.expanding.push(name);
    let type: FieldType;
    try {
      type = this.check(body);
    } catch (error) {
      // The fault is in the macro's text: report it there, naming the macro.
      if (error instanceof CheckError && error.macro === undefined) throw new CheckError(error.code, error.exprId, error.message, name);
      throw error;
    } finally {
      this.expanding.pop();
    }
    // Splice the checked macro in. Its ids come from its own parse; evaluation does not use them.
    expr.exprKind = body.exprKind;
    return type;
  }

  check(expr: Expr): FieldType {
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr': {
        const c = kind.value.constantKind.case;
        if (c === 'boolValue') return T.bool;
        if (c === 'int64Value') return T.int;
        if (c === 'uint64Value') return T.uint;
        if (c === 'doubleValue') return T.double;
        if (c === 'stringValue') return T.string;
        if (c === 'bytesValue') return T.bytes;
        if (c === 'nullValue') return T.null;
        return this.fail(expr, RULE_ERROR_CODES.TYPE, `unsupported constant (${c})`);
      }
      case 'identExpr': {
        const name = kind.value.name;
        const local = this.scoped(name);
        if (local) return local;
        if (name === LISTS) this.fail(expr, RULE_ERROR_CODES.LIST, `name a list: lists.NAME`);
        const resolved = this.resolveName(expr, name);
        if (resolved) return resolved;
        return this.unknownField(expr, name);
      }
      case 'selectExpr': {
        const { operand, field, testOnly } = kind.value;
        if (!operand) return this.fail(expr, RULE_ERROR_CODES.SYNTAX, 'empty selection');
        const base = qualifiedName(operand);
        if (base !== undefined && this.scoped(base.split('.')[0]!) === undefined) {
          const path = `${base}.${field}`;
          const spec = this.ctx.fields.get(path);
          if (spec) {
            this.reads.add(path);
            if (!testOnly) return spec.type;
            asIdent(expr, PRESENCE_PREFIX + path);
            return T.bool;
          }
          if (!testOnly) {
            const resolved = this.resolveName(expr, path);
            if (resolved) return resolved;
          }
          // Not a field: some prefix must itself be a value (a map field, a dyn body…).
          if (!this.hasValuePrefix(base)) return this.unknownField(expr, path);
        }
        const t = this.check(operand);
        if (t.k === 'map' || isDyn(t)) return testOnly ? T.bool : t.k === 'map' ? t.value : T.dyn;
        if (t.k === 'object') {
          const f = t.fields[field];
          if (!f) this.fail(expr, RULE_ERROR_CODES.UNKNOWN_FIELD, `no field '${field}' here (fields: ${Object.keys(t.fields).join(', ')})`);
          if (testOnly) this.fail(expr, RULE_ERROR_CODES.TYPE, `has() tests event fields; compare '${field}' with its zero value instead`);
          return f;
        }
        return this.fail(expr, RULE_ERROR_CODES.TYPE, `cannot select '${field}' from ${an(t)}`);
      }
      case 'callExpr':
        return this.call(expr, kind.value.function, kind.value.target, kind.value.args);
      case 'listExpr': {
        if (kind.value.optionalIndices.length) this.fail(expr, RULE_ERROR_CODES.TYPE, 'optional list elements are not supported');
        return listOf(unify(kind.value.elements.map((e) => this.check(e))));
      }
      case 'structExpr': {
        if (kind.value.messageName) this.fail(expr, RULE_ERROR_CODES.TYPE, `message types are not available (${kind.value.messageName})`);
        const keys: FieldType[] = [];
        const values: FieldType[] = [];
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case !== 'mapKey' || !entry.value) this.fail(expr, RULE_ERROR_CODES.TYPE, 'map literal entries need a key');
          keys.push(this.check(entry.keyKind.value));
          values.push(this.check(entry.value));
        }
        return { k: 'map', key: unify(keys), value: unify(values) };
      }
      case 'comprehensionExpr': {
        const c = kind.value;
        if (c.iterVar2) this.fail(expr, RULE_ERROR_CODES.TYPE, 'two-variable comprehensions are not supported');
        const range = this.check(c.iterRange!);
        const elem = range.k === 'list' ? range.elem : range.k === 'map' ? range.key : isDyn(range) ? T.dyn : undefined;
        if (!elem) this.fail(c.iterRange!, RULE_ERROR_CODES.TYPE, `cannot iterate over ${an(range)}`);
        const accu = this.check(c.accuInit!);
        this.scopes.push(new Map([[c.iterVar, elem], [c.accuVar, accu]]));
        try {
          this.expectBool(c.loopCondition!, 'loop condition');
          this.check(c.loopStep!);
          return this.check(c.result!);
        } finally {
          this.scopes.pop();
        }
      }
      default:
        return this.fail(expr, RULE_ERROR_CODES.SYNTAX, 'empty expression');
    }
  }

  private expectBool(expr: Expr, what: string): void {
    const t = this.check(expr);
    if (t.k !== 'bool' && !isDyn(t)) this.fail(expr, RULE_ERROR_CODES.TYPE, `${what} must be a bool, not ${an(t)}`);
  }

  private call(expr: Expr, fn: string, target: Expr | undefined, args: Expr[]): FieldType {
    switch (fn) {
      case '_&&_':
      case '_||_':
        for (const a of args) this.expectBool(a, `operand of ${fn === '_&&_' ? '&&' : '||'}`);
        return T.bool;
      case '!_':
      case '@not_strictly_false':
        this.expectBool(args[0]!, 'operand of !');
        return T.bool;
      case '_==_':
      case '_!=_': {
        const [a, b] = args.map((x) => this.check(x)) as [FieldType, FieldType];
        if (!comparable(a, b)) this.fail(expr, RULE_ERROR_CODES.TYPE, `cannot compare ${an(a)} with ${an(b)}`);
        return T.bool;
      }
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_': {
        const [a, b] = args.map((x) => this.check(x)) as [FieldType, FieldType];
        const ok = isDyn(a) || isDyn(b) || (isNum(a) && isNum(b)) || (a.k === b.k && (a.k === 'string' || a.k === 'bytes' || a.k === 'bool'));
        if (!ok) this.fail(expr, RULE_ERROR_CODES.TYPE, `cannot order ${an(a)} against ${an(b)}`);
        return T.bool;
      }
      case '@in': {
        const [a, b] = args.map((x) => this.check(x)) as [FieldType, FieldType];
        if (b.k === 'list' && comparable(a, b.elem)) return T.bool;
        if (b.k === 'map' && comparable(a, b.key)) return T.bool;
        if (isDyn(b)) return T.bool;
        return this.fail(expr, RULE_ERROR_CODES.TYPE, `cannot look for ${an(a)} in ${an(b)}`);
      }
      case '_?_:_': {
        this.expectBool(args[0]!, 'condition of ?:');
        const [a, b] = [this.check(args[1]!), this.check(args[2]!)];
        if (!comparable(a, b)) this.fail(expr, RULE_ERROR_CODES.TYPE, `the branches of ?: differ (${typeName(a)}, ${typeName(b)})`);
        return unify([a, b]);
      }
      case '-_': {
        const t = this.check(args[0]!);
        if (!isNum(t) && !isDyn(t)) this.fail(expr, RULE_ERROR_CODES.TYPE, `cannot negate ${an(t)}`);
        return t;
      }
      case '_+_':
      case '_-_':
      case '_*_':
      case '_/_':
      case '_%_': {
        const [a, b] = args.map((x) => this.check(x)) as [FieldType, FieldType];
        if (isDyn(a) || isDyn(b)) return T.dyn;
        const same = typeName(a) === typeName(b);
        if (same && isNum(a) && !(fn === '_%_' && a.k === 'double')) return a;
        if (fn === '_+_' && same && a.k === 'string') return a;
        if (fn === '_+_' && a.k === 'list' && b.k === 'list') return listOf(unify([a.elem, b.elem]));
        return this.fail(expr, RULE_ERROR_CODES.TYPE, `no ${fn.replaceAll('_', '')} for ${an(a)} and ${an(b)}`);
      }
      case '_[_]': {
        const [a, i] = args.map((x) => this.check(x)) as [FieldType, FieldType];
        if (a.k === 'list' && (i.k === 'int' || isDyn(i))) return a.elem;
        if (a.k === 'map' && comparable(i, a.key)) return a.value;
        if (isDyn(a)) return T.dyn;
        return this.fail(expr, RULE_ERROR_CODES.TYPE, `cannot index ${an(a)} with ${an(i)}`);
      }
    }
    if (target) return this.method(expr, fn, target, args);
    if (fn === 'has' && args.length === 1 && args[0]!.exprKind.case === 'identExpr') {
      // has(field) on a top-level field: CEL's macro only takes a selection, so it arrives as a call.
      const name = args[0]!.exprKind.value.name;
      if (!this.ctx.fields.has(name)) return this.unknownField(args[0]!, name);
      this.reads.add(name);
      asIdent(expr, PRESENCE_PREFIX + name);
      return T.bool;
    }
    if (fn === 'size' && args.length === 1) {
      const t = this.check(args[0]!);
      if (t.k === 'string' || t.k === 'bytes' || t.k === 'list' || t.k === 'map' || isDyn(t)) return T.int;
      return this.fail(expr, RULE_ERROR_CODES.TYPE, `size() of ${an(t)}`);
    }
    if (fn === 'matches' && args.length === 2) {
      this.method(expr, 'matches', args[0]!, [args[1]!]);
      return T.bool;
    }
    const conversion = CONVERSIONS[fn];
    if (conversion && args.length === 1) {
      this.check(args[0]!);
      return conversion;
    }
    return this.fail(expr, RULE_ERROR_CODES.UNKNOWN_FUNCTION, `unknown function ${fn}() (see docs/rules.md for the functions conditions may use)`);
  }

  private method(expr: Expr, fn: string, target: Expr, args: Expr[]): FieldType {
    const receiver = this.check(target);
    const argTypes = args.map((a) => this.check(a));
    if (isDyn(receiver)) return T.dyn;
    const overloads = METHODS[receiver.k === 'list' || receiver.k === 'map' ? receiver.k : receiver.k]?.[fn];
    if (!overloads) return this.fail(expr, RULE_ERROR_CODES.UNKNOWN_FUNCTION, `no method ${fn}() on ${an(receiver)}`);
    const [signatures, result] = overloads;
    const fits = signatures.some((sig) => sig.length === argTypes.length && sig.every((s, i) => isDyn(argTypes[i]!) || typeName(s) === typeName(argTypes[i]!)));
    if (!fits) {
      const wanted = signatures.map((s) => `(${s.map(typeName).join(', ')})`).join(' or ');
      this.fail(expr, RULE_ERROR_CODES.TYPE, `${fn}${wanted} cannot take (${argTypes.map(typeName).join(', ')})`);
    }
    if (fn === 'join' && (receiver.k !== 'list' || receiver.elem.k !== 'string')) this.fail(expr, RULE_ERROR_CODES.TYPE, 'join() needs a list<string>');
    if (fn === 'matches') this.checkPattern(args[0]!);
    return result;
  }

  /** A pattern is a literal, so it can be compiled and judged now rather than on attacker input. */
  private checkPattern(pattern: Expr): void {
    const k = pattern.exprKind;
    if (k.case !== 'constExpr' || k.value.constantKind.case !== 'stringValue') {
      this.fail(pattern, RULE_ERROR_CODES.REGEX, 'matches() takes a literal pattern (so it is compiled and checked when the rule loads)');
    }
    const text = k.value.constantKind.value;
    if (text.length > MAX_PATTERN_CHARS) this.fail(pattern, RULE_ERROR_CODES.REGEX, `pattern longer than ${MAX_PATTERN_CHARS} characters`);
    try {
      RE2JS.compile(text);
    } catch (error) {
      this.fail(pattern, RULE_ERROR_CODES.REGEX, `invalid RE2 pattern: ${(error as Error).message}`);
    }
  }
}

/** Types `expr` (rewriting it for evaluation, see the module comment). Throws CheckError. */
export function checkExpr(expr: Expr, ctx: CheckContext): CheckResult {
  const checker = new Checker(ctx);
  const type = checker.check(expr);
  return { type, reads: checker.reads };
}
