/**
 * @module rules/read
 * Loader stage 1, read: one YAML rule file → its rules, lists and macros, schema-checked, each
 * carrying the file and line it came from (the YAML parser's ranges through a LineCounter), and
 * the condition's own place so a CEL error can point into it. Pure: text in, data and errors out.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node } from 'yaml';
import { z } from 'zod';
import { EVENT_KINDS, SEVERITIES, type EventKind, type Severity } from '../events/model.js';
import { RULE_ERROR_CODES, RuleError, type Loc } from './errors.js';

/** Where a condition's text sits in its file, to turn an offset in the text into line and column. */
export interface TextLoc extends Loc {
  /** Block scalars (`|`, `>`) start on the next line at `indent`; flow scalars at `col`. */
  block: boolean;
  indent: number;
}

export interface RawExample {
  event: unknown;
  loc: Loc;
}

export interface RawRule {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  tactics: string[];
  techniques: string[];
  remediation: string;
  kinds: EventKind[];
  condition: string;
  summary?: string;
  enabled: boolean;
  examples: { positive: RawExample[]; negative: RawExample[] };
  loc: Loc;
  conditionLoc: TextLoc;
}

export interface RawDefinition {
  name: string;
  loc: Loc;
}
export interface RawList extends RawDefinition {
  values: (string | number)[];
}
export interface RawMacro extends RawDefinition {
  condition: string;
  conditionLoc: TextLoc;
}

export interface RawRuleFile {
  file: string;
  rules: RawRule[];
  lists: RawList[];
  macros: RawMacro[];
}

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

const ruleSchema = z.object({
  id: z.string(),
  title: z.string().min(1).max(200),
  description: z.string().min(1),
  severity: z.enum(SEVERITIES as [Severity, ...Severity[]]),
  tactics: z.array(z.string().regex(/^[A-Za-z]+$/, 'a MITRE tactic such as Execution')).min(1),
  techniques: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/, 'a MITRE technique such as T1059 or T1059.004')).default([]),
  remediation: z.string().min(1),
  kinds: z.array(z.enum(EVENT_KINDS as [EventKind, ...EventKind[]])).min(1),
  condition: z.string().min(1).max(8192),
  summary: z.string().max(500).optional(),
  enabled: z.boolean().default(true),
  examples: z.object({ positive: z.array(z.unknown()).default([]), negative: z.array(z.unknown()).default([]) }).strict().optional(),
}).strict();

const fileSchema = z
  .object({
    rules: z.array(z.unknown()).default([]),
    lists: z.record(z.string().regex(NAME, 'a list name: lower case, digits and _'), z.array(z.union([z.string(), z.number().int()]))).default({}),
    macros: z.record(z.string().regex(NAME, 'a macro name: lower case, digits and _'), z.string().min(1).max(8192)).default({}),
  })
  .strict();

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}

export function readRuleFile(file: string, text: string): { parsed?: RawRuleFile; errors: RuleError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (node: Node | null | undefined): Loc => {
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file, line: pos.line, col: pos.col };
  };
  if (doc.errors.length) {
    return {
      errors: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return new RuleError(RULE_ERROR_CODES.YAML, { file, line: pos.line, col: pos.col }, e.message.split('\n')[0]!);
      }),
    };
  }
  const top = fileSchema.safeParse(doc.toJS() ?? {});
  if (!top.success) return { errors: [new RuleError(RULE_ERROR_CODES.SCHEMA, at(doc.contents), issues(top.error))] };
  const root = doc.contents;
  const section = (name: string) => (isMap(root) ? (root.get(name, true) as Node | undefined) : undefined);
  const errors: RuleError[] = [];
  const result: RawRuleFile = { file, rules: [], lists: [], macros: [] };

  const listNode = section('lists');
  for (const [name, values] of Object.entries(top.data.lists)) {
    result.lists.push({ name, values, loc: at(isMap(listNode) ? (listNode.get(name, true) as Node) : listNode) });
  }
  const macroNode = section('macros');
  for (const [name, condition] of Object.entries(top.data.macros)) {
    const node = isMap(macroNode) ? (macroNode.get(name, true) as Node) : undefined;
    result.macros.push({ name, condition, loc: at(node), conditionLoc: textLoc(node, at, text) });
  }
  const ruleNodes = section('rules');
  top.data.rules.forEach((raw, index) => {
    const node = isSeq(ruleNodes) ? (ruleNodes.items[index] as Node) : undefined;
    const loc = at(node);
    const parsed = ruleSchema.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown })?.id;
      errors.push(new RuleError(RULE_ERROR_CODES.SCHEMA, loc, `${typeof id === 'string' ? id : `rule ${index + 1}`}: ${issues(parsed.error)}`));
      return;
    }
    const field = (name: string) => (isMap(node) ? (node.get(name, true) as Node | undefined) : undefined);
    const examples = field('examples');
    const exampleList = (role: 'positive' | 'negative'): RawExample[] => {
      const seq = isMap(examples) ? examples.get(role, true) : undefined;
      return (parsed.data.examples?.[role] ?? []).map((event, i) => ({ event, loc: at(isSeq(seq) ? (seq.items[i] as Node) : examples) }));
    };
    const { examples: _examples, ...meta } = parsed.data;
    result.rules.push({
      ...meta,
      examples: { positive: exampleList('positive'), negative: exampleList('negative') },
      loc,
      conditionLoc: textLoc(field('condition'), at, text),
    });
  });
  return { parsed: result, errors };
}

function textLoc(node: Node | undefined, at: (node: Node | undefined) => Loc, text: string): TextLoc {
  const loc = at(node);
  if (isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)) {
    // The value starts on the line after the indicator, at that line's indentation.
    const next = text.indexOf('\n', node.range?.[0] ?? 0) + 1;
    let indent = 0;
    while (text[next + indent] === ' ') indent++;
    return { ...loc, block: true, indent: indent + 1 };
  }
  const quoted = isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE);
  return { ...loc, col: (loc.col ?? 1) + (quoted ? 1 : 0), block: false, indent: 0 };
}

/** File line and column of offset `offset` in a condition read from `loc`. */
export function positionIn(loc: TextLoc, text: string, offset: number): Loc {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const newlines = before.split('\n').length - 1;
  const lineStart = before.lastIndexOf('\n') + 1;
  if (loc.block) return { file: loc.file, line: loc.line + 1 + newlines, col: loc.indent + (offset - lineStart) };
  return { file: loc.file, line: loc.line + newlines, col: newlines ? offset - lineStart + 1 : (loc.col ?? 1) + offset };
}
