/**
 * @module cli/options
 * Option parsing shared by the commands: enumerations checked with a clear message.
 */
import { InvalidArgumentError } from 'commander';
import { SEVERITIES, type Severity } from '../events/model.js';

export function oneOf<T extends string>(allowed: readonly T[], what: string): (value: string) => T {
  return (value: string) => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`${what} must be one of ${allowed.join(', ')}`);
    return value as T;
  };
}

export const parseSeverity = oneOf<Severity>(SEVERITIES, 'severity');

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}
