/**
 * @module sinks/format/formats
 * The `--output` formats, by name: how a list of alerts is written to a stream.
 */
import type { Alert } from '../../alerts/alert.js';
import { VERSION } from '../../util/version.js';
import { toCef } from './cef.js';
import { toOcsf } from './ocsf.js';
import { formatTable } from './table.js';

export const OUTPUT_FORMATS = ['table', 'jsonl', 'json', 'ocsf', 'cef'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** One alert as it appears in a streaming output (one line), or undefined for whole-list formats. */
export function formatOne(alert: Alert, format: OutputFormat): string | undefined {
  switch (format) {
    case 'jsonl':
      return JSON.stringify(alert);
    case 'ocsf':
      return JSON.stringify(toOcsf(alert, VERSION));
    case 'cef':
      return toCef(alert, VERSION);
    default:
      return undefined;
  }
}

/** The whole list in one format, ready to write. */
export function formatAll(alerts: readonly Alert[], format: OutputFormat, colour = false): string {
  if (format === 'table') return alerts.length ? formatTable(alerts, colour) : '';
  if (format === 'json') return JSON.stringify(alerts, null, 2) + '\n';
  return alerts.map((a) => formatOne(a, format) + '\n').join('');
}
