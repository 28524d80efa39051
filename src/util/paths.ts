/**
 * @module util/paths
 * Where Vigil's own files are: data files and fixtures live beside the sources, outside dist/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package's root folder (the one with package.json), from wherever this module runs. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('vigil: cannot find package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  root = dir;
  return dir;
}

/** A path inside the package, e.g. dataPath('catalog', 'alerts.yaml'). */
export function dataPath(...parts: string[]): string {
  return join(packageRoot(), 'data', ...parts);
}

/**
 * The source-tree twin of a compiled file's folder: tests run from dist/ but their fixtures sit
 * beside the .ts files in src/.
 */
export function sourceDirOf(moduleUrl: string): string {
  const dir = dirname(fileURLToPath(moduleUrl));
  const distRoot = join(packageRoot(), 'dist');
  return dir.startsWith(distRoot) ? join(packageRoot(), dir.slice(distRoot.length + 1)) : dir;
}
