/**
 * @module sources/registry
 * Every source format `vigil scan --format` knows, in the order auto-detection prefers them on a
 * tie. A name may be registered once.
 */
import aks from './aks/format.js';
import azureActivity from './azure-activity/format.js';
import cloudtrail from './cloudtrail/format.js';
import eks from './eks/format.js';
import type { SourceFormat } from './format.js';
import gke from './gke/format.js';
import k8sObjects from './k8s-objects/format.js';
import k8sAudit from './k8s-audit/format.js';
import linuxAudit from './linux-audit/format.js';
import tetragon from './tetragon/format.js';
import vigil from './vigil/format.js';

export const FORMATS: readonly SourceFormat[] = register([vigil, k8sAudit, aks, eks, gke, k8sObjects, azureActivity, cloudtrail, linuxAudit, tetragon]);

function register(formats: SourceFormat[]): SourceFormat[] {
  const names = new Set<string>();
  for (const format of formats) {
    if (names.has(format.name)) throw new Error(`source format '${format.name}' registered twice`);
    names.add(format.name);
  }
  return formats;
}

export function formatNamed(name: string): SourceFormat | undefined {
  return FORMATS.find((f) => f.name === name);
}
