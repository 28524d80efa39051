/**
 * @module catalog/catalog
 * The alert catalogue as data (data/catalog/alerts.yaml): the 58 alert types with title,
 * severity, tactics, techniques, what they mean and what an operator does about them. Alert
 * metadata always comes from here, never from strings in detection code.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CatalogEntry } from '../engine/detection.js';
import { dataPath } from '../util/paths.js';

const entrySchema = z.object({
  type: z.string().regex(/^K8S(\.NODE)?_[A-Za-z_]+$/),
  title: z.string().min(1),
  evidence: z.enum(['audit', 'config', 'cloud', 'runtime']),
  severity: z.enum(['informational', 'low', 'medium', 'high']),
  tactics: z.array(z.string()).min(1),
  techniques: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)),
  preview: z.boolean().default(false),
  notes: z.array(z.number()).default([]),
  what: z.string().min(1),
  remediation: z.string().min(1),
});

export type Catalog = ReadonlyMap<string, CatalogEntry>;

/**
 * User rule types are `PREFIX_Name` with a prefix of their own (USER, or an organisation's), so
 * they can never take a catalogue type's name: K8S is reserved for the catalogue.
 */
const USER_RULE_TYPE = /^(?!K8S)[A-Z][A-Z0-9]{1,15}_[A-Za-z0-9_]{1,100}$/;
export const ALERT_TYPE = /^(K8S(\.NODE)?_[A-Za-z_]+|(?!K8S)[A-Z][A-Z0-9]{1,15}_[A-Za-z0-9_]{1,100})$/;

export function isUserRuleType(type: string): boolean {
  return USER_RULE_TYPE.test(type);
}

/** The built-in catalogue with user rules' entries; a type in both is an error. */
export function withUserEntries(catalog: Catalog, entries: readonly CatalogEntry[]): Catalog {
  const merged = new Map(catalog);
  for (const entry of entries) {
    if (merged.has(entry.type)) throw new Error(`alert type '${entry.type}' is defined twice`);
    merged.set(entry.type, entry);
  }
  return merged;
}

let cached: Catalog | undefined;

/** The catalogue, validated, by type id. Throws with the entry and field at fault. */
export function loadCatalog(file = dataPath('catalog', 'alerts.yaml')): Catalog {
  if (cached && file === dataPath('catalog', 'alerts.yaml')) return cached;
  const raw: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a list of alert types`);
  const catalog = new Map<string, CatalogEntry>();
  raw.forEach((item, index) => {
    const parsed = entrySchema.safeParse(item);
    if (!parsed.success) {
      const where = (item as { type?: string })?.type ?? `entry ${index + 1}`;
      throw new Error(`${file}: ${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    if (catalog.has(parsed.data.type)) throw new Error(`${file}: ${parsed.data.type} is listed twice`);
    catalog.set(parsed.data.type, { ...parsed.data, remediation: parsed.data.remediation.trim() });
  });
  if (file === dataPath('catalog', 'alerts.yaml')) cached = catalog;
  return catalog;
}
