/**
 * K8S.NODE_PrivilegedExecutionInContainer — a command ran in a privileged container from outside
 * the container's own process tree (kubectl exec, crictl exec, nsenter: the process does not
 * descend from the container's init), or an interactive shell (a shell on a terminal, no -c
 * script) ran in one. A privileged container's commands have the host's devices and
 * capabilities; someone driving one by hand is one step from the node. Aggregated per container.
 *
 * Not this: the container's own processes (its entrypoint and children — a privileged CNI or
 * monitoring agent at work), and its exec probes (liveness/readiness/startup commands from the
 * pod spec, when the pod is known to the inventory). A process without container context, or in
 * a container not known to be privileged, is not judged.
 * Decided: setuid escalation (euid 0, uid ≠ 0) in an unprivileged container is confined by the
 * runtime and is not "a command with high privileges" in this sense; it does not fire.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import type { ProcessExecEvent } from '../../events/model.js';
import { isRecord } from '../../inventory/pod-spec.js';
import { nodeFinding } from './lib/files.js';
import { isShell, shellScript } from './lib/process.js';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];

/** True when the command is one of the exec probes the pod spec gives this container. */
function isExecProbe(event: ProcessExecEvent, ctx: DetectionContext): boolean {
  const c = event.container;
  if (!c?.pod || !c.name) return false;
  const pod = ctx.inventory.get('Pod', c.namespace, c.pod);
  const spec = pod && isRecord(pod.spec) ? pod.spec : undefined;
  const containers = spec && Array.isArray(spec.containers) ? spec.containers : [];
  const own = containers.find((x): x is Record<string, unknown> => isRecord(x) && x.name === c.name);
  if (!own) return false;
  const argv = event.process.args.join('\u0000');
  return PROBES.some((name) => {
    const probe = own[name];
    const exec = isRecord(probe) && isRecord(probe.exec) ? probe.exec : undefined;
    return Array.isArray(exec?.command) && exec.command.join('\u0000') === argv;
  });
}

export default defineDetection({
  type: 'K8S.NODE_PrivilegedExecutionInContainer',
  kinds: ['process.exec'],
  summary: 'Command {command} ran in privileged {place} ({how}), image {image}.',
  screen: {
    // decided by facts, not text: a privileged container, and a process from outside its tree or on a terminal
    also: (event) => event.container?.privileged === true && (event.process.inInitTree === false || event.process.tty !== undefined),
  },
  detect(event, ctx) {
    const c = event.container;
    if (c?.privileged !== true) return undefined;
    const interactive = isShell(event.process) && event.process.tty !== undefined && shellScript(event.process) === undefined;
    const fromOutside = event.process.inInitTree === false;
    if (!interactive && !fromOutside) return undefined;
    if (!interactive && isExecProbe(event, ctx)) return undefined;
    const how = fromOutside ? (interactive ? 'interactive shell started from outside the container (kubectl exec)' : 'started from outside the container (kubectl exec or nsenter)') : 'interactive shell';
    const finding = nodeFinding(event, { command: event.process.commandLine.slice(0, 200), how, image: c.image ?? '(unknown)' }, 'privileged-exec');
    return { ...finding, key: `container:${c.id}` };
  },
});
