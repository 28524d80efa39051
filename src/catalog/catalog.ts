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
