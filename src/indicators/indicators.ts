/**
 * @module indicators/indicators
 * Indicator data (miner images, attack tools, sensitive paths, Tor exits…) lives in data files
 * under data/indicators/, each with its provenance, loaded once on first use, and extended from
 * configuration without a code change.
 *
 * A list file is YAML: `{name, description, provenance: [...], entries: [{value, ...}]}`; what
 * the other fields of an entry mean is up to the detections that read the list. An address list
 * is plain text, one address or CIDR per line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { dataPath } from '../util/paths.js';
import { IpSet } from './ip.js';

export interface IndicatorEntry {
  value: string;
  [field: string]: unknown;
}

export interface IndicatorList {
  name: string;
  description: string;
  entries: readonly IndicatorEntry[];
  /** The same entries' values, lower-cased, for quick membership tests. */
  values: ReadonlySet<string>;
}

const listFileSchema = z.object({
  name: z.string(),
  description: z.string(),
  provenance: z.array(z.record(z.string(), z.unknown())).min(1),
  entries: z.array(z.object({ value: z.string().min(1) }).passthrough()),
});

export interface IndicatorExtensions {
  /** Extra entries per list name (from vigil.yaml `indicators:`). */
  lists?: Record<string, (string | IndicatorEntry)[]>;
  /** Extra addresses per address-list name. */
  addresses?: Record<string, string[]>;
}

export class Indicators {
  private readonly lists = new Map<string, IndicatorList>();
  private readonly ipSets = new Map<string, IpSet>();
  /** Per list, what detections derived from it (compiled patterns, maps), by deriving function. */
  private readonly derived = new Map<string, Map<(list: IndicatorList) => unknown, unknown>>();

  constructor(
    private readonly dir = dataPath('indicators'),
    private readonly extensions: IndicatorExtensions = {},
  ) {}

  /** The named list (data/indicators/NAME.yaml), loaded and validated on first use. */
  list(name: string): IndicatorList {
    let list = this.lists.get(name);
    if (!list) {
      list = this.loadList(name);
      this.lists.set(name, list);
    }
    return list;
  }

  /**
   * Something derived from a list — normalised paths, parsed patterns, a lookup map — built once
   * per list and deriving function, so that detections do not redo it for every event. `build`
   * must be a stable (module-level) function.
   */
  compiled<T>(name: string, build: (list: IndicatorList) => T): T {
    let byBuilder = this.derived.get(name);
    if (!byBuilder) {
      byBuilder = new Map();
      this.derived.set(name, byBuilder);
    }
    if (!byBuilder.has(build)) byBuilder.set(build, build(this.list(name)));
    return byBuilder.get(build) as T;
  }

  /** The named address set (data/indicators/NAME.txt). */
  ipSet(name: string): IpSet {
    let set = this.ipSets.get(name);
    if (!set) {
      const file = join(this.dir, `${name}.txt`);
      if (!existsSync(file)) throw new Error(`indicator address list '${name}' not found (${file})`);
      set = IpSet.parse(readFileSync(file, 'utf8'));
      for (const extra of this.extensions.addresses?.[name] ?? []) set.add(extra);
      this.ipSets.set(name, set);
    }
    return set;
  }

  private loadList(name: string): IndicatorList {
    const file = join(this.dir, `${name}.yaml`);
    if (!existsSync(file)) throw new Error(`indicator list '${name}' not found (${file})`);
    const parsed = listFileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      throw new Error(`${file}: not a valid indicator list: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const entries: IndicatorEntry[] = parsed.data.entries as IndicatorEntry[];
    for (const extra of this.extensions.lists?.[name] ?? []) {
      entries.push(typeof extra === 'string' ? { value: extra } : extra);
    }
    return {
      name,
      description: parsed.data.description,
      entries,
      values: new Set(entries.map((e) => e.value.toLowerCase())),
    };
  }
}
