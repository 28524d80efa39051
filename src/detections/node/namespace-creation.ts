/**
 * K8S.NODE_NamespaceCreation — a process in a container tries to create or enter a Linux
 * namespace: `process.namespace` events (unshare, clone with CLONE_NEW*, setns) whether they
 * succeeded or not (a refused attempt is still the attempt the alert is about), and the exec of
 * `unshare` with namespace options or of `nsenter`. The user-namespace case (`unshare -Ur`, the
 * CVE-2022-0185 route) is called out in the description.
 * Not on the node itself: runtimes create namespaces all the time. Inside the container, the
 * runtime's own processes (runc/crun init setting the container up, conmon, the shim) are the
 * container being created, not a process in it, and are skipped.
 */
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf, programName } from './lib/process.js';

const RUNTIME_PROCESSES = new Set(['runc', 'crun', 'runsc', 'youki', 'conmon', 'containerd-shim', 'containerd-shim-runc-v2', 'runc:[1:CHILD]', 'runc:[2:INIT]', 'runc:[0:PARENT]']);
/** unshare options and the namespaces they ask for. */
const UNSHARE_OPTIONS: Record<string, string> = { m: 'mnt', u: 'uts', i: 'ipc', n: 'net', p: 'pid', U: 'user', r: 'user', C: 'cgroup', T: 'time' };
const UNSHARE_LONG: Record<string, string> = { '--mount': 'mnt', '--uts': 'uts', '--ipc': 'ipc', '--net': 'net', '--pid': 'pid', '--user': 'user', '--map-root-user': 'user', '--cgroup': 'cgroup', '--time': 'time' };

function unshareNamespaces(args: readonly string[]): string[] {
  const found = new Set<string>();
  for (const a of args.slice(1)) {
    if (a.startsWith('--')) {
      const ns = UNSHARE_LONG[a.split('=')[0]!];
      if (ns) found.add(ns);
    } else if (a.startsWith('-')) {
      for (const ch of a.slice(1)) if (UNSHARE_OPTIONS[ch]) found.add(UNSHARE_OPTIONS[ch]!);
    } else break; // the program to run
  }
  return [...found];
}

export default defineDetection({
  type: 'K8S.NODE_NamespaceCreation',
  kinds: ['process.namespace', 'process.exec'],
  summary: '{how} in {place} (namespaces: {namespaces}): {commandLine}',
  screen: {
    // the exec branches: the program's name is unshare or nsenter (process.namespace events are never screened)
    anyOf: ['unshare', 'nsenter'],
  },
  detect(event) {
    const container = event.container;
    if (!container) return undefined;
    const program = programName(event.process);
    if (RUNTIME_PROCESSES.has(program) || RUNTIME_PROCESSES.has(event.process.comm ?? '')) return undefined;
    let how: string;
    let namespaces: string[];
    if (event.kind === 'process.namespace') {
      if (!event.namespaces.length) return undefined;
      how = `${program} called ${event.operation}${event.success ? '' : ' (refused)'}`;
      namespaces = event.namespaces;
    } else if (program === 'unshare') {
      namespaces = unshareNamespaces(event.process.args);
      if (!namespaces.length) return undefined;
      how = 'unshare was run';
    } else if (program === 'nsenter') {
      how = 'nsenter was run';
      namespaces = ['existing'];
    } else return undefined;
    return {
      entities: entitiesOf(event),
      facts: {
        how,
        place: placeOf(event),
        // A new user namespace gives in-container root the capabilities CVE-2022-0185-style exploits need.
        namespaces: namespaces.map((n) => (n === 'user' ? 'user, the route of CVE-2022-0185-style exploits' : n)).join(', '),
        commandLine: event.process.commandLine,
      },
      key: [event.cluster, event.node, container.id, 'namespace', program].join('|'),
    };
  },
});
