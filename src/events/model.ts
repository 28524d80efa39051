/**
 * @module events/model
 * The one event model every source normalises into and every detection reads.
 * A discriminated union on `kind`: common fields once, a payload per kind. Detections never see a
 * source's raw format; a new source never touches a detection.
 */

export type Severity = 'informational' | 'low' | 'medium' | 'high';
export const SEVERITIES: readonly Severity[] = ['informational', 'low', 'medium', 'high'];

/** Fields every event carries, whatever its kind. */
export interface EventCommon {
  /**
   * The source's own id for this event, copied into alert evidence: the audit event's auditID,
   * Tetragon's exec_id, the kernel audit id as auditd prints it ("1741944067.412:48213"), a cloud
   * record's id. Not necessarily unique across stages (an audit request logs several stages).
   */
  id: string;
  /** Event time in milliseconds since the epoch (the time it happened, not when we read it). */
  time: number;
  /** Name of the source format that produced it: 'k8s-audit', 'aks', 'linux-audit', 'tetragon'… */
  source: string;
  /** Cluster name, when known. Stateful detections partition their state by it. */
  cluster?: string;
  /** What the wrapper told us about the cluster (cloud, region, resource id). */
  clusterInfo?: ClusterInfo;
  /** Where it was read from, for error messages and evidence ("audit.log:1203"). */
  origin?: string;
}

export interface ClusterInfo {
  cloud?: 'azure' | 'aws' | 'gcp';
  region?: string;
  /** Azure resource id, EKS cluster ARN or GCP project/location/cluster. */
  resourceId?: string;
  project?: string;
}

// ---------------------------------------------------------------------------------------------
// Control plane

export interface K8sUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface K8sObjectRef {
  /** Plural resource name: 'pods', 'clusterrolebindings'… */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** '' is the core group. */
  apiGroup: string;
  apiVersion?: string;
  uid?: string;
}

/** One `audit.k8s.io/v1` Event: one stage of one API request. */
export interface K8sAuditEvent extends EventCommon {
  kind: 'k8s.audit';
  auditID: string;
  stage: 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic' | string;
  level: string;
  verb: string;
  requestURI: string;
  user: K8sUser;
  impersonatedUser?: K8sUser;
  /** As logged: X-Forwarded-For entries first, the TCP peer last (the only trustworthy one). */
  sourceIPs: string[];
  userAgent: string;
  objectRef?: K8sObjectRef;
  /** responseStatus.code; absent at RequestReceived. */
  responseCode?: number;
  responseReason?: string;
  requestObject?: unknown;
  responseObject?: unknown;
  annotations: Record<string, string>;
}

/** A Kubernetes object as it stands (kubectl get -o json, a manifest, or the API's watch). */
export interface K8sObjectEvent extends EventCommon {
  kind: 'k8s.object';
  /** 'snapshot' for a one-off read; 'added' | 'modified' | 'deleted' from a watch. */
  change: 'snapshot' | 'added' | 'modified' | 'deleted';
  object: K8sObject;
}

export interface K8sObject {
  apiVersion?: string;
  kind: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid?: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A record of the cloud's control-plane activity log (Azure Activity Log, AWS CloudTrail). */
export interface CloudActivityEvent extends EventCommon {
  kind: 'cloud.activity';
  provider: 'azure' | 'aws';
  /** 'Microsoft.Compute/virtualMachines/write', 'ec2:RunInstances'… */
  operation: string;
  identity: CloudIdentity;
  callerIp?: string;
  /** 'Succeeded', 'Failed', or the provider's error code. */
  status?: string;
  success: boolean;
  /** The resource acted upon. */
  resource?: string;
  userAgent?: string;
}

export interface CloudIdentity {
  /** Stable id: the managed identity's principal id, the role ARN… */
  id: string;
  name?: string;
  type: 'managed-identity' | 'service-principal' | 'user' | 'assumed-role' | 'web-identity' | 'other';
  /** AKS add-on or EKS pod identity this identity was recognised as, if any. */
  addon?: string;
  /** The Kubernetes service account an AWS role was assumed for (IRSA / Pod Identity), if known. */
  serviceAccount?: string;
  claims?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Nodes

export interface ProcessInfo {
  /** Host PID namespace. */
  pid: number;
  ppid?: number;
  /** Absolute path of the executed file, as seen in the process's mount namespace. */
  executable: string;
  /** argv; args[0] is the name the program was called by. */
  args: string[];
  /** argv joined with spaces, for display and pattern matching. */
  commandLine: string;
  cwd?: string;
  uid?: number;
  euid?: number;
  gid?: number;
  /** Login uid; undefined when unset (4294967295). */
  auid?: number;
  tty?: string;
  /** Kernel task name (≤ 16 bytes, attacker-controlled). */
  comm?: string;
  startTime?: number;
  /** Source's process id (Tetragon exec_id; `pid:starttime` elsewhere). */
  execId?: string;
  /** False when the process does not descend from the container's init (kubectl exec, nsenter). */
  inInitTree?: boolean;
}

export interface ContainerContext {
  /** Runtime container id without the `containerd://` prefix. */
  id: string;
  name?: string;
  image?: string;
  imageId?: string;
  pod?: string;
  namespace?: string;
  podUid?: string;
  workload?: string;
  workloadKind?: string;
  privileged?: boolean;
  runtime?: 'containerd' | 'cri-o' | 'docker' | string;
}

/** Fields every node event carries. `container` absent means the event happened on the node itself. */
export interface NodeEventCommon extends EventCommon {
  node: string;
  process: ProcessInfo;
  /** Parent first, then grandparent…; as far as the source or the agent's cache knows. */
  ancestors: ProcessInfo[];
  container?: ContainerContext;
}

export interface ProcessExecEvent extends NodeEventCommon {
  kind: 'process.exec';
}

/** The file operations of `file.access`; a constant so that the runtime schema checks the same list. */
export const FILE_OPERATIONS = ['open', 'read', 'write', 'create', 'unlink', 'rename', 'link', 'symlink', 'chmod', 'chown', 'truncate', 'utimes'] as const;

export type FileOperation = (typeof FILE_OPERATIONS)[number];

export interface FileAccessEvent extends NodeEventCommon {
  kind: 'file.access';
  operation: FileOperation;
  /** Absolute path when the source can tell, else as the process gave it. */
  path: string;
  /** The new name for rename/link/symlink. */
  targetPath?: string;
  success: boolean;
}

export interface NetConnectEvent extends NodeEventCommon {
  kind: 'net.connect';
  family: 'inet' | 'inet6' | 'unix';
  /** IP address (canonical form) or unix socket path. */
  remoteAddress: string;
  remotePort?: number;
  protocol?: 'tcp' | 'udp';
  /** A non-blocking connect in progress (EINPROGRESS) counts as attempted, not failed. */
  success: boolean;
}

/** unshare(2), setns(2), clone(2) with CLONE_NEW* flags. */
export interface NamespaceChangeEvent extends NodeEventCommon {
  kind: 'process.namespace';
  operation: 'unshare' | 'setns' | 'clone';
  /** 'mnt', 'pid', 'net', 'user', 'uts', 'ipc', 'cgroup', 'time'. */
  namespaces: string[];
  success: boolean;
}

// ---------------------------------------------------------------------------------------------
// The pipeline's own events

/** Loss is an event, not a log line: a source or queue dropped data. */
export interface PipelineLossEvent extends EventCommon {
  kind: 'pipeline.loss';
  /** 'kernel-audit-lost', 'spool-full', 'tetragon-rate-limit', 'queue-full'… */
  reason: string;
  count: number;
  node?: string;
  detail?: string;
}

export type VigilEvent =
  | K8sAuditEvent
  | K8sObjectEvent
  | CloudActivityEvent
  | ProcessExecEvent
  | FileAccessEvent
  | NetConnectEvent
  | NamespaceChangeEvent
  | PipelineLossEvent;

export type EventKind = VigilEvent['kind'];
export type EventOfKind<K extends EventKind> = Extract<VigilEvent, { kind: K }>;
export type NodeEvent = ProcessExecEvent | FileAccessEvent | NetConnectEvent | NamespaceChangeEvent;

export const EVENT_KINDS: readonly EventKind[] = [
  'k8s.audit',
  'k8s.object',
  'cloud.activity',
  'process.exec',
  'file.access',
  'net.connect',
  'process.namespace',
  'pipeline.loss',
];

export const NODE_EVENT_KINDS: readonly NodeEvent['kind'][] = ['process.exec', 'file.access', 'net.connect', 'process.namespace'];

export function isNodeEvent(event: VigilEvent): event is NodeEvent {
  return (NODE_EVENT_KINDS as readonly string[]).includes(event.kind);
}
