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

/**
 * Where a condition's text sits in its file: one segment per source line of the scalar (the block
 * header aside), so an offset in the parsed text maps back to a line and column even when YAML
 * folded the lines into one.
 */
export interface TextLoc extends Loc {
  segments: { line: number; col: number; length: number }[];
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
  if (!isScalar(node) || !node.range) return { ...loc, segments: [] };
  const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  let from = node.range[0];
  if (block) from = text.indexOf('\n', from) + 1;
  else if (quoted) from++;
  const source = text.slice(from, node.range[1]);
  const segments: TextLoc['segments'] = [];
  const lines = source.split('\n');
  // A block keeps indentation beyond its first line's; continuation lines of a flow scalar lose it all.
  const blockIndent = block ? lines[0]!.length - lines[0]!.trimStart().length : 0;
  let offset = from;
  for (const raw of lines) {
    const leading = raw.length - raw.trimStart().length;
    const skip = block ? Math.min(blockIndent, leading) : segments.length === 0 ? 0 : leading;
    const pos = lineCounterPos(text, offset + skip);
    segments.push({ line: pos.line, col: pos.col, length: raw.trimEnd().length - skip });
    offset += raw.length + 1;
  }
  return { ...loc, segments };
}

function lineCounterPos(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, col: offset - before.lastIndexOf('\n') };
}

/** File line and column of offset `offset` in a condition read from `loc` (each line of the scalar is one segment). */
export function positionIn(loc: TextLoc, offset: number): Loc {
  let rest = offset;
  for (const segment of loc.segments) {
    if (rest <= segment.length) return { file: loc.file, line: segment.line, col: segment.col + rest };
    rest -= segment.length + 1;
  }
  return { file: loc.file, line: loc.line, col: loc.col };
}
