/**
 * @module events/schema
 * The event model as a runtime schema, for events that arrive already normalised (Vigil's JSON
 * lines, the analyser's POST /v1/events). Times may be given as ISO 8601 text or epoch ms;
 * `commandLine` defaults to argv joined, `ancestors` to none.
 */
import { z } from 'zod';
import { FILE_OPERATIONS, type VigilEvent } from './model.js';

const time = z.union([z.number().finite(), z.string().datetime({ offset: true }).transform((s) => Date.parse(s))]);

const common = {
  id: z.string().min(1).max(512),
  time,
  source: z.string().max(64).default('vigil'),
  cluster: z.string().max(253).optional(),
  clusterInfo: z
    .object({ cloud: z.enum(['azure', 'aws', 'gcp']).optional(), region: z.string().optional(), resourceId: z.string().optional(), project: z.string().optional() })
    .optional(),
  origin: z.string().optional(),
};

const processInfo = z
  .object({
    pid: z.number().int().nonnegative(),
    ppid: z.number().int().nonnegative().optional(),
    executable: z.string(),
    args: z.array(z.string()).default([]),
    commandLine: z.string().optional(),
    cwd: z.string().optional(),
    uid: z.number().int().optional(),
    euid: z.number().int().optional(),
    gid: z.number().int().optional(),
    auid: z.number().int().optional(),
    tty: z.string().optional(),
    comm: z.string().optional(),
    startTime: z.number().optional(),
    execId: z.string().optional(),
    inInitTree: z.boolean().optional(),
  })
  .transform((p) => ({ ...p, commandLine: p.commandLine ?? (p.args.length ? p.args.join(' ') : p.executable) }));

const container = z.object({
  id: z.string(),
  name: z.string().optional(),
  image: z.string().optional(),
  imageId: z.string().optional(),
  pod: z.string().optional(),
  namespace: z.string().optional(),
  podUid: z.string().optional(),
  workload: z.string().optional(),
  workloadKind: z.string().optional(),
  privileged: z.boolean().optional(),
  runtime: z.string().optional(),
});

const node = {
  ...common,
  node: z.string().default(''),
  process: processInfo,
  ancestors: z.array(processInfo).max(64).default([]),
  container: container.optional(),
};

const user = z.object({ username: z.string(), uid: z.string().optional(), groups: z.array(z.string()).default([]), extra: z.record(z.string(), z.array(z.string())).optional() });

export const eventSchema = z.discriminatedUnion('kind', [
  z.object({ ...node, kind: z.literal('process.exec') }),
  z.object({
    ...node,
    kind: z.literal('file.access'),
    operation: z.enum(FILE_OPERATIONS),
    path: z.string(),
    targetPath: z.string().optional(),
    success: z.boolean().default(true),
  }),
  z.object({
    ...node,
    kind: z.literal('net.connect'),
    family: z.enum(['inet', 'inet6', 'unix']),
    remoteAddress: z.string(),
    remotePort: z.number().int().min(0).max(65535).optional(),
    protocol: z.enum(['tcp', 'udp']).optional(),
    success: z.boolean().default(true),
  }),
  z.object({
    ...node,
    kind: z.literal('process.namespace'),
    operation: z.enum(['unshare', 'setns', 'clone']),
    namespaces: z.array(z.string()),
    success: z.boolean().default(true),
  }),
  z.object({
    ...common,
    kind: z.literal('k8s.audit'),
    auditID: z.string(),
    stage: z.string(),
    level: z.string().default('Metadata'),
    verb: z.string(),
    requestURI: z.string().default(''),
    user,
    impersonatedUser: user.optional(),
    sourceIPs: z.array(z.string()).default([]),
    userAgent: z.string().default(''),
    objectRef: z
      .object({
        resource: z.string(),
        subresource: z.string().optional(),
        namespace: z.string().optional(),
        name: z.string().optional(),
        apiGroup: z.string().default(''),
        apiVersion: z.string().optional(),
        uid: z.string().optional(),
      })
      .optional(),
    responseCode: z.number().int().optional(),
    responseReason: z.string().optional(),
    requestObject: z.unknown().optional(),
    responseObject: z.unknown().optional(),
    annotations: z.record(z.string(), z.string()).default({}),
  }),
  z.object({
    ...common,
    kind: z.literal('k8s.object'),
    change: z.enum(['snapshot', 'added', 'modified', 'deleted']),
    object: z.object({ kind: z.string(), metadata: z.object({ name: z.string().optional(), namespace: z.string().optional() }).passthrough() }).passthrough(),
  }),
  z.object({
    ...common,
    kind: z.literal('cloud.activity'),
    provider: z.enum(['azure', 'aws']),
    operation: z.string(),
    identity: z.object({
      id: z.string(),
      name: z.string().optional(),
      type: z.enum(['managed-identity', 'service-principal', 'user', 'assumed-role', 'web-identity', 'other']),
      addon: z.string().optional(),
      serviceAccount: z.string().optional(),
      claims: z.record(z.string(), z.string()).optional(),
    }),
    callerIp: z.string().optional(),
    status: z.string().optional(),
    success: z.boolean(),
    resource: z.string().optional(),
    userAgent: z.string().optional(),
  }),
  z.object({ ...common, kind: z.literal('pipeline.loss'), reason: z.string(), count: z.number().nonnegative(), node: z.string().optional(), detail: z.string().optional() }),
]);

/** A value checked against the model, or the first problems with their paths. */
export function parseVigilEvent(value: unknown, origin?: string): VigilEvent | { error: string } {
  const parsed = eventSchema.safeParse(value);
  if (!parsed.success) {
    return { error: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ') };
  }
  const event = parsed.data as VigilEvent;
  if (origin && !event.origin) event.origin = origin;
  return event;
}
