/**
 * K8S.NODE_SuspectPortForwarding — a port forward or relay whose far end is on the internet (a
 * public IP literal or a public DNS name; private, loopback, link-local and in-cluster names are
 * not "external"), in a container or on the node:
 * - ssh/autossh/plink/dbclient with -L/-R or -o LocalForward/RemoteForward, through or to an
 *   external host (-D is a SOCKS proxy: K8S.NODE_SuspectConnection);
 * - socat joining two network addresses (TCP-LISTEN…,fork → TCP:ext:port, or two connects);
 * - netcat relays: a listener that runs another netcat/socat to an external host
 *   (`ncat -l … --sh-exec "ncat ext 80"`), or two netcats joined by a pipe;
 * - reverse-tunnel tools (data/indicators/tunnel-tools.yaml: chisel client, frpc, ngrok, gost,
 *   rathole, bore…): reported when the server they name is external, or when none is named on
 *   the command line (a config file: the server such tools dial is outside by design).
 * Not here: chisel *server* (the listening end, which dials nothing), DNS tunnels like iodine
 * (tunnelling, not port forwarding), kubectl port-forward (goes through the API server).
 */
import { defineDetection } from '../../engine/detection.js';
import type { IndicatorEntry } from '../../indicators/indicators.js';
import { forwardHosts, isExternalHost, parseSsh, splitHostPort, SSH_CLIENTS } from './lib/network.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandName, commandsOf, type SimpleCommand, splitCommands, unwrap } from './lib/shells.js';

const NETCATS = new Set(['nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd']);
const RELAY_CLIENTS = new Set([...NETCATS, 'socat', 'ssh']);

interface Hit {
  form: string;
  target: string;
}

function externalOperand(words: readonly string[]): string | undefined {
  for (const w of words.slice(1)) {
    if (w.startsWith('-')) continue;
    const hp = splitHostPort(w);
    if (hp && isExternalHost(hp.host)) return hp.port !== undefined ? `${hp.host}:${hp.port}` : hp.host;
  }
  return undefined;
}

function sshForward(real: readonly string[]): Hit | undefined {
  const name = commandName(real);
  if (!SSH_CLIENTS.has(name)) return undefined;
  const ssh = parseSsh(name === 'sshpass' ? unwrapSshpass(real) : real);
  if (!ssh.forwards.length) return undefined;
  const hosts = [ssh.destination, ...ssh.forwards.flatMap((f) => forwardHosts(f.spec))].filter((h): h is string => !!h);
  const external = hosts.find((h) => isExternalHost(h));
  if (!external) return undefined;
  return { form: `${name} -${ssh.forwards.map((f) => f.flag).join(' -')} ${ssh.forwards[0]!.spec}`, target: external };
}

function unwrapSshpass(real: readonly string[]): string[] {
  const at = real.findIndex((w, i) => i > 0 && SSH_CLIENTS.has(w.slice(w.lastIndexOf('/') + 1)) && !w.startsWith('-'));
  return at > 0 ? real.slice(at) : [...real];
}

const SOCAT_NETWORK = /^(tcp|tcp4|tcp6|udp|udp4|udp6|openssl|ssl|sctp|socks4|socks4a|socks5|proxy)(-listen|-connect|-recvfrom)?:/;

function socatRelay(real: readonly string[]): Hit | undefined {
  if (commandName(real) !== 'socat') return undefined;
  const addresses = real.slice(1).filter((w) => !w.startsWith('-')).map((a) => a.toLowerCase());
  if (addresses.length < 2 || !addresses.slice(0, 2).every((a) => SOCAT_NETWORK.test(a))) return undefined;
  for (const a of addresses.slice(0, 2)) {
    if (a.includes('-listen:')) continue;
    const body = a.slice(a.indexOf(':') + 1).split(',')[0]!;
    const hp = splitHostPort(body);
    if (hp && isExternalHost(hp.host)) return { form: 'socat relay', target: body };
  }
  return undefined;
}

function netcatExecRelay(real: readonly string[]): Hit | undefined {
  if (!NETCATS.has(commandName(real))) return undefined;
  for (let i = 1; i < real.length - 1; i++) {
    const w = real[i]!;
    if (w !== '-e' && w !== '-c' && w !== '--exec' && w !== '--sh-exec') continue;
    for (const inner of splitCommands(real[i + 1]!)) {
      const innerReal = unwrap(inner.words);
      if (!RELAY_CLIENTS.has(commandName(innerReal))) continue;
      const target = externalOperand(innerReal);
      if (target) return { form: `${commandName(real)} relay`, target };
    }
  }
  return undefined;
}

function pipedRelay(commands: readonly SimpleCommand[]): Hit | undefined {
  let netcats = 0;
  let target: string | undefined;
  for (const c of commands) {
    if (c.joinedBy !== '|') {
      netcats = 0;
      target = undefined;
    }
    const real = unwrap(c.words);
    if (!NETCATS.has(commandName(real))) continue;
    netcats++;
    target ??= externalOperand(real);
    if (netcats >= 2 && target) return { form: 'netcat pipe relay', target };
  }
  return undefined;
}

function tunnelTool(real: readonly string[], tools: readonly IndicatorEntry[]): Hit | undefined {
  const name = commandName(real);
  const tool = tools.find((t) => t.value === name);
  if (!tool) return undefined;
  const subcommand = typeof tool.subcommand === 'string' ? tool.subcommand : undefined;
  if (subcommand && !real.includes(subcommand)) return undefined;
  const flags = Array.isArray(tool.serverFlags) ? (tool.serverFlags as unknown[]).filter((f): f is string => typeof f === 'string') : [];
  const named: string[] = [];
  for (let i = 1; i < real.length; i++) {
    const w = real[i]!;
    const eq = w.indexOf('=');
    const flag = eq > 0 ? w.slice(0, eq) : w;
    if (flags.includes(flag)) {
      const value = eq > 0 ? w.slice(eq + 1) : real[i + 1];
      if (value) named.push(value);
    } else if (subcommand && real[i - 1] === subcommand && !w.startsWith('-')) named.push(w);
  }
  if (!named.length) return { form: name, target: 'its configured server' };
  for (const value of named) {
    const noScheme = value.includes('://') ? value.slice(value.indexOf('://') + 3) : value;
    const hp = splitHostPort(noScheme.split('/')[0]!);
    if (hp && isExternalHost(hp.host)) return { form: name, target: noScheme.split('/')[0]! };
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S.NODE_SuspectPortForwarding',
  kinds: ['process.exec'],
  summary: 'Port forwarding ({form}) to external {target} from {place}: {commandLine}',
  screen: {
    // ssh-family forwards; socat relays; netcat relays (-e/--sh-exec, or two netcats piped); tunnel tools by name
    anyOf: (indicators) => [...SSH_CLIENTS, 'socat', ...NETCATS, ...indicators.list('tunnel-tools').values],
  },
  detect(event, ctx) {
    const tools = ctx.indicators.list('tunnel-tools').entries;
    const commands = commandsOf(event.process);
    let hit: Hit | undefined;
    for (const c of commands) {
      const real = unwrap(c.words);
      hit = sshForward(real) ?? socatRelay(real) ?? netcatExecRelay(real) ?? tunnelTool(real, tools);
      if (hit) break;
    }
    hit ??= pipedRelay(commands.slice(1));
    if (!hit) return undefined;
    return {
      entities: { ...entitiesOf(event), remoteAddress: hit.target },
      facts: { form: hit.form, target: hit.target, place: placeOf(event), commandLine: event.process.commandLine },
      key: [event.cluster, event.node, event.container?.id, 'port-forwarding', hit.target].join('|'),
    };
  },
});
