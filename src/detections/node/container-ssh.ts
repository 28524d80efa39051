/**
 * K8S.NODE_ContainerSSH — an SSH server starts inside a container (OpenSSH sshd and its
 * per-connection sshd-session/sshd-auth, dropbear, tinysshd). The SSH client in a container is
 * other types' concern (forwarding, SOCKS); sshd on the node itself is the node's own service.
 * Runs that only check or print configuration (`sshd -t`, `-T`, `-V`) and key generation are not
 * a running server.
 */
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf, programName } from './lib/process.js';

const SSH_SERVERS = new Set(['sshd', 'sshd-session', 'sshd-auth', 'dropbear', 'dropbearmulti', 'tinysshd', 'tinyssh']);
const NOT_SERVING = new Set(['-t', '-T', '-V', '-G']);

export default defineDetection({
  type: 'K8S.NODE_ContainerSSH',
  kinds: ['process.exec'],
  summary: 'SSH server {program} runs in {place} (image {image}): {commandLine}',
  screen: {
    // the program's name (executable or argv[0]): sshd, sshd-session, sshd-auth, tinysshd; dropbear, dropbearmulti; tinyssh
    anyOf: ['sshd', 'dropbear', 'tinyssh'],
  },
  detect(event) {
    const container = event.container;
    if (!container) return undefined;
    const program = programName(event.process);
    if (!SSH_SERVERS.has(program)) return undefined;
    // dropbearmulti is dropbear, dbclient, dropbearkey… by the name it is called.
    if (program === 'dropbearmulti' && !(event.process.args[0] ?? '').endsWith('dropbear') && event.process.args[1] !== 'dropbear') return undefined;
    if (event.process.args.slice(1).some((a) => NOT_SERVING.has(a))) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { program, place: placeOf(event), image: container.image, commandLine: event.process.commandLine },
      key: [event.cluster, event.node, container.id, 'ssh-server'].join('|'),
    };
  },
});
