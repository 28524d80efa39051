/**
 * @module events/fields
 * The field table rules are checked against: per event kind, every field a rule condition may
 * read, with its type, a description, and how to read it from an event. Types and paths are
 * DERIVED from the zod schema of the event model (events/schema.ts), so the table, the CEL type
 * declarations and the generated reference (docs/rules.md) cannot drift from the model; only the
 * descriptions are written here, and a test fails when one is missing or left over.
 *
 * Reading follows protobuf's CEL semantics: an absent field reads as its type's zero value ('',
 * 0, false, [], {}), and `has(field)` tells whether it was present. Numbers are CEL ints.
 */
import type { z } from 'zod';
import type { EventKind, VigilEvent } from './model.js';
import { eventSchema } from './schema.js';

export type FieldType =
  | { k: 'string' | 'int' | 'bool' | 'dyn' | 'double' | 'uint' | 'null' | 'bytes' }
  | { k: 'list'; elem: FieldType }
  | { k: 'map'; key: FieldType; value: FieldType }
  | { k: 'object'; fields: Readonly<Record<string, FieldType>> };

export interface FieldSpec {
  /** Dotted path as a condition names it: 'process.executable'. */
  path: string;
  type: FieldType;
  /** Absent in some events (so `has(path)` means something). */
  optional: boolean;
  /** Allowed values, for enumerations. */
  values?: readonly string[];
  description: string;
}

export function typeName(t: FieldType): string {
  switch (t.k) {
    case 'list':
      return `list<${typeName(t.elem)}>`;
    case 'map':
      return `map<${typeName(t.key)}, ${typeName(t.value)}>`;
    case 'object':
      return `{${Object.keys(t.fields).join(', ')}}`;
    default:
      return t.k;
  }
}

/** Descriptions by path (shared by every kind that has the path). */
const DESCRIPTIONS: Record<string, string> = {
  kind: 'The event kind.',
  id: "The source's own id for the event (auditID, Tetragon exec_id, auditd serial).",
  time: 'Event time, milliseconds since the epoch.',
  source: "Source format that produced it ('k8s-audit', 'tetragon', 'linux-audit'…).",
  cluster: 'Cluster name, when known.',
  'clusterInfo.cloud': 'Cloud of the cluster, when a wrapper told us.',
  'clusterInfo.region': 'Region of the cluster.',
  'clusterInfo.resourceId': 'Azure resource id, EKS cluster ARN or GCP cluster path.',
  'clusterInfo.project': 'GCP project.',
  origin: 'Where the event was read from (file:line).',
  node: 'Node name.',
  'process.pid': 'PID (host PID namespace).',
  'process.ppid': 'Parent PID.',
  'process.executable': 'Absolute path of the executed file.',
  'process.args': 'argv; args[0] is the name the program was called by.',
  'process.commandLine': 'argv joined with spaces.',
  'process.cwd': 'Working directory.',
  'process.uid': 'Real user id.',
  'process.euid': 'Effective user id.',
  'process.gid': 'Group id.',
  'process.auid': 'Login uid (absent when unset).',
  'process.tty': 'Controlling terminal.',
  'process.comm': 'Kernel task name (at most 16 bytes, set by the process itself).',
  'process.startTime': 'Process start time, ms since the epoch.',
  'process.execId': "Source's process id (Tetragon exec_id).",
  'process.inInitTree': "False when the process does not descend from the container's init (kubectl exec, nsenter).",
  ancestors: 'Parent first, then grandparent…; each has the fields of `process` (`ancestors[0].executable`).',
  'container.id': 'Runtime container id; absent for processes on the node itself, so `has(container.id)` means "in a container".',
  'container.name': 'Container name.',
  'container.image': 'Image reference.',
  'container.imageId': 'Image digest reference.',
  'container.pod': 'Pod name.',
  'container.namespace': 'Pod namespace.',
  'container.podUid': 'Pod uid.',
  'container.workload': 'Owning workload (Deployment, DaemonSet… name).',
  'container.workloadKind': 'Owning workload kind.',
  'container.privileged': 'Whether the container runs privileged.',
  'container.runtime': 'Container runtime.',
  operation: 'The operation.',
  path: 'File path (absolute when the source can tell).',
  targetPath: 'New name for rename, link and symlink.',
  success: 'Whether the operation succeeded.',
  family: 'Address family.',
  remoteAddress: 'Remote IP address (canonical form) or unix socket path.',
  remotePort: 'Remote port.',
  protocol: 'Transport protocol.',
  namespaces: "Namespaces changed: 'mnt', 'pid', 'net', 'user'…",
  auditID: 'Audit id of the request.',
  stage: 'Audit stage (RequestReceived, ResponseComplete…).',
  level: 'Audit level (Metadata, Request, RequestResponse).',
  verb: "API verb: 'get', 'list', 'create', 'patch'…",
  requestURI: 'Request URI.',
  'user.username': 'Authenticated user name.',
  'user.uid': 'User uid.',
  'user.groups': 'User groups.',
  'user.extra': 'Extra user attributes.',
  'impersonatedUser.username': 'User impersonated (absent without impersonation).',
  'impersonatedUser.uid': 'Uid of the impersonated user.',
  'impersonatedUser.groups': 'Groups of the impersonated user.',
  'impersonatedUser.extra': 'Extra attributes of the impersonated user.',
  sourceIPs: 'Source IPs as logged: X-Forwarded-For entries first, the TCP peer last.',
  userAgent: 'User agent.',
  'objectRef.resource': "Plural resource: 'pods', 'secrets'…",
  'objectRef.subresource': "Subresource: 'exec', 'log'…",
  'objectRef.namespace': 'Namespace of the object (absent for cluster-wide requests).',
  'objectRef.name': 'Object name (absent for list and watch).',
  'objectRef.apiGroup': "API group ('' is core).",
  'objectRef.apiVersion': 'API version.',
  'objectRef.uid': 'Object uid.',
  responseCode: 'HTTP status of the response (absent at RequestReceived).',
  responseReason: 'Reason of a failed response.',
  requestObject: 'Request body (dyn: not type-checked; guard with has()).',
  responseObject: 'Response body (dyn: not type-checked; guard with has()).',
  annotations: 'Audit annotations (authorization decision and reason…).',
  change: 'How the object was seen.',
  'object.kind': 'Object kind.',
  'object.metadata.name': 'Object name.',
  'object.metadata.namespace': 'Object namespace.',
  object: 'The whole object (dyn: not type-checked; guard with has()).',
  'object.metadata': 'The object metadata (dyn: labels, annotations, ownerReferences…).',
  provider: 'Cloud provider.',
  'identity.id': 'Stable identity id (principal id, role ARN).',
  'identity.name': 'Identity name.',
  'identity.type': 'Identity type.',
  'identity.addon': 'AKS add-on or EKS pod identity the identity was recognised as.',
  'identity.serviceAccount': 'Kubernetes service account an AWS role was assumed for.',
  'identity.claims': 'Token claims.',
  callerIp: 'Caller IP address.',
  status: "Provider status ('Succeeded', 'Failed', an error code).",
  resource: 'Resource acted upon.',
  reason: "Why data was lost: 'kernel-audit-lost', 'queue-full'…",
  count: 'How many events were lost.',
  detail: 'Details of the loss.',
};

/** Paths whose own description is per kind (the same name means different things). */
const KIND_DESCRIPTIONS: Partial<Record<EventKind, Record<string, string>>> = {
  'file.access': { operation: 'File operation.' },
  'process.namespace': { operation: 'System call: unshare, setns or clone.' },
  'cloud.activity': { operation: "Provider operation: 'Microsoft.Compute/virtualMachines/write', 'ec2:RunInstances'…", userAgent: 'Caller user agent.' },
  'pipeline.loss': { node: 'Node that lost data, when known.' },
};

type AnyZod = z.ZodType & { _zod: { def: { type: string; [key: string]: unknown } } };

interface Derived {
  type: FieldType;
  optional: boolean;
  values?: string[];
  /** Nested object shape to flatten into dotted paths; `open` when it also passes unknown keys through. */
  shape?: Record<string, AnyZod>;
  open?: boolean;
}

/** Reads a zod schema's type; optional and default unwrap, a transform keeps its input's type. */
function derive(schema: AnyZod): Derived {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
      return { ...derive(def.innerType as AnyZod), optional: true };
    case 'default':
      return derive(def.innerType as AnyZod);
    case 'pipe':
      return derive(def.in as AnyZod);
    case 'union':
      // Times are `number | ISO text → number`: the first option is the type rules see.
      return derive((def.options as AnyZod[])[0]!);
    case 'string':
      return { type: { k: 'string' }, optional: false };
    case 'enum':
      return { type: { k: 'string' }, optional: false, values: Object.values(def.entries as Record<string, string>) };
    case 'literal':
      return { type: { k: 'string' }, optional: false, values: (def.values as unknown[]).map(String) };
    case 'number':
      return { type: { k: 'int' }, optional: false };
    case 'boolean':
      return { type: { k: 'bool' }, optional: false };
    case 'array': {
      const elem = derive(def.element as AnyZod);
      return { type: { k: 'list', elem: elem.shape ? objectType(elem.shape) : elem.type }, optional: false };
    }
    case 'record':
      return { type: { k: 'map', key: { k: 'string' }, value: derive(def.valueType as AnyZod).type }, optional: false };
    case 'object': {
      const catchall = (def.catchall as AnyZod | undefined)?._zod.def.type;
      return { type: { k: 'dyn' }, optional: false, shape: def.shape as Record<string, AnyZod>, open: catchall !== undefined && catchall !== 'never' };
    }
    case 'unknown':
    case 'any':
      return { type: { k: 'dyn' }, optional: false };
    default:
      throw new Error(`events/fields: no rule type for zod '${def.type}'`);
  }
}

function objectType(shape: Record<string, AnyZod>): FieldType {
  const fields: Record<string, FieldType> = {};
  for (const [name, schema] of Object.entries(shape)) {
    const d = derive(schema);
    fields[name] = d.shape ? objectType(d.shape) : d.type;
  }
  return { k: 'object', fields };
}

function flatten(kind: EventKind, shape: Record<string, AnyZod>, prefix: string, parentOptional: boolean, out: FieldSpec[]): void {
  for (const [name, schema] of Object.entries(shape)) {
    const path = prefix + name;
    const d = derive(schema);
    const optional = parentOptional || d.optional;
    if (d.shape) {
      flatten(kind, d.shape, path + '.', optional, out);
      if (!d.open) continue;
    }
    const description = KIND_DESCRIPTIONS[kind]?.[path] ?? DESCRIPTIONS[path];
    if (description === undefined) throw new Error(`events/fields: no description for '${path}' (${kind})`);
    out.push({ path, type: d.type, optional, values: d.values, description });
  }
}

function buildTable(): ReadonlyMap<EventKind, readonly FieldSpec[]> {
  const table = new Map<EventKind, FieldSpec[]>();
  for (const option of (eventSchema as unknown as { options: AnyZod[] }).options) {
    const shape = option._zod.def.shape as Record<string, AnyZod>;
    const kind = (shape.kind!._zod.def.values as string[])[0] as EventKind;
    const fields: FieldSpec[] = [];
    flatten(kind, shape, '', false, fields);
    table.set(kind, fields);
  }
  return table;
}

/** Per kind, in the model's order. */
export const FIELDS: ReadonlyMap<EventKind, readonly FieldSpec[]> = buildTable();

/** Paths every description covers, for the test that keeps them in step. */
export const DESCRIBED_PATHS: readonly string[] = [...Object.keys(DESCRIPTIONS), ...Object.values(KIND_DESCRIPTIONS).flatMap((d) => Object.keys(d ?? {}))];

/** The fields every one of `kinds` has (a rule over several kinds may read only these), by path. */
export function fieldsOfKinds(kinds: readonly EventKind[]): Map<string, FieldSpec> {
  const [first, ...rest] = kinds.map((k) => new Map((FIELDS.get(k) ?? []).map((f) => [f.path, f])));
  const out = new Map<string, FieldSpec>();
  for (const [path, spec] of first ?? []) {
    if (rest.every((m) => m.get(path) && typeName(m.get(path)!.type) === typeName(spec.type))) {
      out.set(path, { ...spec, optional: spec.optional || rest.some((m) => m.get(path)!.optional) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading fields as CEL values

/** Walks a dotted path; undefined when any step is absent. */
export function rawValue(event: VigilEvent, path: string): unknown {
  let value: unknown = event;
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** A model value as CEL sees it: numbers as ints, absent as the type's zero value. */
export function celValue(value: unknown, type: FieldType): unknown {
  switch (type.k) {
    case 'string':
      return typeof value === 'string' ? value : '';
    case 'int':
      return typeof value === 'number' && Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
    case 'bool':
      return value === true;
    case 'list': {
      if (!Array.isArray(value)) return [];
      return type.elem.k === 'string' ? value : value.map((v) => celValue(v, type.elem));
    }
    case 'map':
      return value !== null && typeof value === 'object' ? value : {};
    case 'object': {
      const source = (value ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, t] of Object.entries(type.fields)) out[name] = celValue(source[name], t);
      return out;
    }
    case 'dyn':
      return value === undefined ? null : value;
    default:
      return value;
  }
}

