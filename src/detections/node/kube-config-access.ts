/**
 * K8S.NODE_KubeConfigAccess — the kubelet's credentials (kubeconfigs, bootstrap kubeconfigs,
 * client certificates under /var/lib/kubelet/pki, GKE's /etc/srv/kubernetes, k3s/RKE2 agent
 * kubeconfigs, kubeadm's admin.conf — data/indicators/kubelet-credentials.yaml) were read or
 * named by a process other than the kubelet and its helpers: `cat /host/etc/kubernetes/kubelet.conf`
 * from a container with the node's root mounted, `kubectl --kubeconfig /var/lib/kubelet/kubeconfig`,
 * `KUBECONFIG=… kubectl`, `tar`/`base64`/`cp` of the pki folder, `chroot /host cat …`; and file
 * events on those paths.
 *
 * Decided: AKS's /etc/kubernetes/azure.json (the cloud-provider service principal the kubelet
 * uses) is one of these credentials. admin.conf counts too (it is cluster-admin); kubeadm on the
 * node itself is allowed. Allowed readers (data/indicators/kubelet-credential-readers.yaml): the
 * kubelet and everything it starts (credential-provider plugins), kubeadm/nodeadm/cloud-init
 * provisioning on the node, GKE's node-problem-detector on the node. Metadata-only commands
 * (stat, ls -l, chmod — CIS benchmark checks) and package managers do not fire. Failed reads are
 * still attempts and fire.
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, NodeEvent, ProcessExecEvent } from '../../events/model.js';
import { contentPathsIn, inPathList, invocationsOf, nodeFinding, normalizePath, underPackageManager } from './lib/files.js';
import { lowerProgramName } from './lib/process.js';
import type { IndicatorEntry, IndicatorList } from '../../indicators/indicators.js';

const LIST = 'kubelet-credentials';

/**
 * The file names of a path list (kubelet.conf, pki for the folder /var/lib/kubelet/pki): a path
 * that is or lies below an entry holds its last segment, written out in the command or its cwd.
 */
function fileNames(list: ReadonlySet<string>): string[] {
  return [...new Set([...list].map((path) => path.slice(path.lastIndexOf('/') + 1) || path))];
}

/** The reader list by lower-cased program name (the first entry of a name wins, as a search in order finds it). */
function readersByName(list: IndicatorList): ReadonlyMap<string, IndicatorEntry> {
  const byName = new Map<string, IndicatorEntry>();
  for (const e of list.entries) if (!byName.has(e.value.toLowerCase())) byName.set(e.value.toLowerCase(), e);
  return byName;
}

/** The kubelet, or a reader allowed where this event happened, runs this process or an ancestor. */
function allowedReader(event: NodeEvent, ctx: DetectionContext): boolean {
  const readers = ctx.indicators.compiled('kubelet-credential-readers', readersByName);
  if (allowedAs(readers.get(lowerProgramName(event.process)), event)) return true;
  for (const p of event.ancestors) if (allowedAs(readers.get(lowerProgramName(p)), event)) return true;
  return false;
}

function allowedAs(entry: IndicatorEntry | undefined, event: NodeEvent): boolean {
  return entry !== undefined && (entry.nodeOnly !== true || event.container === undefined);
}

function fromExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  const invocations = invocationsOf(event.process);
  if (!invocations.length) return undefined;
  const listed = (p: string) => inPathList(p, ctx.indicators, LIST);
  const literals = ctx.indicators.list(LIST).values;
  for (const inv of invocations) {
    const file = contentPathsIn(inv, event.process.cwd, listed, literals)[0];
    if (file) return nodeFinding(event, { file, how: `named by ${inv.program || 'a redirection'}` }, file, file);
  }
  return undefined;
}

function fromFile(event: FileAccessEvent, ctx: DetectionContext): Finding | undefined {
  if (event.operation === 'chmod' || event.operation === 'chown' || event.operation === 'utimes') return undefined;
  const file = normalizePath(event.path, event.process.cwd).path;
  if (!inPathList(file, ctx.indicators, LIST)) return undefined;
  return nodeFinding(event, { file, how: `${event.operation}${event.success ? '' : ' (denied)'}` }, file, file);
}

export default defineDetection({
  type: 'K8S.NODE_KubeConfigAccess',
  kinds: ['process.exec', 'file.access'],
  summary: 'Kubelet credentials {file} were accessed ({how}) by {process} in {place}.',
  screen: {
    // a listed file named by path, redirection, assignment (KUBECONFIG=) or inside interpreter code
    anyOf: (indicators) => fileNames(indicators.list(LIST).values),
  },
  detect(event, ctx) {
    if (allowedReader(event, ctx) || underPackageManager(event, ctx.indicators)) return undefined;
    return event.kind === 'process.exec' ? fromExec(event, ctx) : fromFile(event, ctx);
  },
});
