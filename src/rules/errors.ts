/**
 * @module rules/errors
 * Rule loading errors: a stable code, the file and line at fault, and a message. Every stage of
 * the loader (read, collect, check, compile) reports through these, never by throwing a bare Error,
 * so `vigil scan --rules` and the serve reload list them all at once.
 */

export const RULE_ERROR_CODES = {
  YAML: 'VIGIL_RULE_YAML',
  SCHEMA: 'VIGIL_RULE_SCHEMA',
  ID: 'VIGIL_RULE_ID',
  DUPLICATE: 'VIGIL_RULE_DUPLICATE',
  SYNTAX: 'VIGIL_RULE_SYNTAX',
  UNKNOWN_FIELD: 'VIGIL_RULE_UNKNOWN_FIELD',
  TYPE: 'VIGIL_RULE_TYPE',
  UNKNOWN_FUNCTION: 'VIGIL_RULE_UNKNOWN_FUNCTION',
  REGEX: 'VIGIL_RULE_REGEX',
  MACRO: 'VIGIL_RULE_MACRO',
  LIST: 'VIGIL_RULE_LIST',
  EXAMPLE: 'VIGIL_RULE_EXAMPLE',
  IO: 'VIGIL_RULE_IO',
} as const;
export type RuleErrorCode = (typeof RULE_ERROR_CODES)[keyof typeof RULE_ERROR_CODES];

/** A place in a rule file (1-based). */
export interface Loc {
  file: string;
  line: number;
  col?: number;
}

export function locText(loc: Loc): string {
  return `${loc.file}:${loc.line}${loc.col ? ':' + loc.col : ''}`;
}

export class RuleError extends Error {
  constructor(
    readonly code: RuleErrorCode,
    readonly loc: Loc,
    readonly detail: string,
  ) {
    super(`${locText(loc)}: ${detail} [${code}]`);
    this.name = 'RuleError';
  }
}
