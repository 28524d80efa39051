/**
 * @module detections/registry
 * Finds the detections: every module under detections/control-plane/ and detections/node/ (tests
 * and the `lib/` helper folders aside) default-exports exactly one detection. Adding a detection is
 * adding a file; a module that exports something else is an error, not silently ignored.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyDetection } from '../engine/detection.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DETECTION_AREAS = ['control-plane', 'node'] as const;

export interface DiscoveredDetection {
  detection: AnyDetection;
  /** Module path relative to the detections folder, without extension: 'control-plane/privileged-container'. */
  module: string;
}

function modulesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'lib') out.push(...modulesUnder(path));
    } else if (name.endsWith('.js') && !name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

function isDetection(value: unknown): value is AnyDetection {
  const d = value as AnyDetection;
  return typeof d === 'object' && d !== null && typeof d.type === 'string' && Array.isArray(d.kinds) && typeof d.detect === 'function';
}

let cached: Promise<DiscoveredDetection[]> | undefined;

export function discoverDetections(): Promise<DiscoveredDetection[]> {
  cached ??= (async () => {
    const found: DiscoveredDetection[] = [];
    const types = new Map<string, string>();
    for (const area of DETECTION_AREAS) {
      for (const path of modulesUnder(join(here, area))) {
        const module = relative(here, path).replace(/\.js$/, '');
        const exported = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
        if (!isDetection(exported)) throw new Error(`detections/${module}: does not default-export a detection`);
        const previous = types.get(exported.type);
        if (previous) throw new Error(`detections/${module}: ${exported.type} is already detected by ${previous}`);
        types.set(exported.type, module);
        found.push({ detection: exported, module });
      }
    }
    return found;
  })();
  return cached;
}

export async function loadDetections(): Promise<AnyDetection[]> {
  return (await discoverDetections()).map((d) => d.detection);
}
