/**
 * @module inventory/patch
 * Applying a patch body to the last known object, for audit logs that record the patch but not the
 * resulting object. Merge patches (RFC 7386; strategic-merge and apply patches are treated the same
 * way, which is right for the fields detections read: images, security contexts, types, ports)
 * and JSON patches (RFC 6902: add, replace, remove).
 */
import { isRecord } from './pod-spec.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const base: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue; // strategic-merge directives ($patch, $retainKeys…)
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value);
  }
  return base;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
}

/** Applies the add/replace/remove operations it can; others (move, copy, test) are skipped. */
export function applyJsonPatch(target: unknown, ops: unknown[]): unknown {
  let doc: unknown = structuredClone(target);
  for (const raw of ops) {
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') continue;
    const op = raw as unknown as JsonPatchOp;
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.length === 0) {
      if (op.op === 'add' || op.op === 'replace') doc = structuredClone(op.value);
      continue;
    }
    let parent: unknown = doc;
    for (const part of parts.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(part)] : isRecord(parent) ? parent[part] : undefined;
      if (parent === undefined) break;
    }
    const last = parts[parts.length - 1]!;
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length) continue;
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else if (op.op === 'replace') parent[index] = structuredClone(op.value);
      else if (op.op === 'remove') parent.splice(index, 1);
    } else if (isRecord(parent)) {
      if (op.op === 'add' || op.op === 'replace') parent[last] = structuredClone(op.value);
      else if (op.op === 'remove') delete parent[last];
    }
  }
  return doc;
}
