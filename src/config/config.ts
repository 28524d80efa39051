/**
 * @module config/config
 * vigil.yaml: settings for detections (learning periods, windows), indicator extensions. Validated
 * with a clear message naming the file and the setting at fault.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { exceptionSchema } from '../alerts/exceptions.js';

export const configSchema = z
  .object({
    /** Per alert type: settings for its detection, e.g. K8S_ServiceAccountRareOperation: {learningHours: 48}. */
    detections: z.record(z.string().regex(/^K8S(\.NODE)?_[A-Za-z_]+$/, 'an alert type such as K8S_PrivilegedContainer'), z.record(z.string(), z.unknown())).default({}),
    /** Extra indicator entries, by list name (data/indicators/NAME.yaml or NAME.txt). */
    indicators: z
      .object({
        lists: z.record(z.string(), z.array(z.union([z.string(), z.object({ value: z.string() }).passthrough()]))).optional(),
        addresses: z.record(z.string(), z.array(z.string())).optional(),
      })
      .default({}),
    /** Findings that are benign here: type, fields to match, reason, optional expiry. */
    exceptions: z.array(exceptionSchema).default([]),
  })
  .passthrough();

export type VigilConfig = z.infer<typeof configSchema>;

/** Reads and validates a config file; no file means the defaults. */
export function loadConfig(path?: string): VigilConfig {
  if (!path) return configSchema.parse({});
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
