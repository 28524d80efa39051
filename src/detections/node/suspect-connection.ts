/**
 * K8S.NODE_SuspectConnection — traffic sent through a SOCKS proxy, in a container or on the node:
 * - ssh/plink -D or -o DynamicForward (a SOCKS proxy through the server);
 * - curl --socks4/--socks4a/--socks5/--socks5-hostname, or any proxy given as a socks URL
 *   (`-x socks5h://…`, `--preproxy`, `all_proxy=socks5://…` prefixes and exports, wget
 *   `-e https_proxy=socks5://…`, git `-c http.proxy=socks5://…`, pip `--proxy socks5://…`);
 * - proxifiers (proxychains, torsocks, torify, tsocks) and a Tor client started in a container
 *   (names in data/indicators/socks-tools.yaml);
 * - a connection to a well-known SOCKS port (settings `socksPorts`, default Tor's 9050/9150 and
 *   1080) on a non-loopback address, by anything but the Tor daemon itself.
 * A SOCKS proxy on loopback still fires for the command-line forms: `--socks5 127.0.0.1:9050` is
 * the Tor client's local port, the very case this type is about.
 */
import { defineDetection } from '../../engine/detection.js';
import type { DetectionContext } from '../../engine/detection.js';
import type { NetConnectEvent, ProcessExecEvent } from '../../events/model.js';
import { isLoopback, parseSsh, SSH_CLIENTS } from './lib/network.js';
import { entitiesOf, placeOf, programName } from './lib/process.js';
import { commandName, commandsOf, lowerTextOf, unwrap } from './lib/shells.js';

const SOCKS_URL_SCHEMES = ['socks4://', 'socks4a://', 'socks5://', 'socks5h://', 'socks://'];
/** Programs that only read or print text: a socks URL in their arguments is not a connection. */
const TEXT_TOOLS = new Set(['grep', 'egrep', 'fgrep', 'rg', 'cat', 'less', 'more', 'head', 'tail', 'sed', 'vi', 'vim', 'nano', 'man', 'find', 'echo', 'printf']);
const CURL_SOCKS_OPTIONS = new Set(['--socks4', '--socks4a', '--socks5', '--socks5-hostname']);

interface Hit {
  form: string;
  target?: string;
}

function socksUrlTarget(lower: string): string | undefined {
  for (const scheme of SOCKS_URL_SCHEMES) {
    const at = lower.indexOf(scheme);
    if (at < 0) continue;
    let end = at + scheme.length;
    while (end < lower.length && end < at + 300 && !' \t\n"\'`;|&)'.includes(lower[end]!)) end++;
    return lower.slice(at + scheme.length, end).replace(/\/$/, '') || '(unspecified)';
  }
  return undefined;
}

function execHit(event: ProcessExecEvent, ctx: DetectionContext): Hit | undefined {
  const tools = ctx.indicators.list('socks-tools');
  const commands = commandsOf(event.process);
  for (let index = 0; index < commands.length; index++) {
    const c = commands[index]!;
    const real = unwrap(c.words);
    const name = commandName(real);
    // A shell's own line repeats its script, whose commands follow one by one.
    const url = index === 0 && commands.length > 1 ? undefined : TEXT_TOOLS.has(name) ? undefined : socksUrlTarget(lowerTextOf(c));
    if (url) return { form: `${name} through a socks proxy URL`, target: url };
    if (SSH_CLIENTS.has(name)) {
      const ssh = parseSsh(real);
      if (ssh.socks.length) return { form: `${name} -D ${ssh.socks[0]}`, target: ssh.destination };
    }
    if (name === 'curl') {
      const i = real.findIndex((w) => CURL_SOCKS_OPTIONS.has(w) || [...CURL_SOCKS_OPTIONS].some((o) => w.startsWith(o + '=')));
      if (i > 0) return { form: `curl ${real[i]!.split('=')[0]}`, target: real[i]!.includes('=') ? real[i]!.split('=')[1] : real[i + 1] };
    }
    const entry = tools.entries.find((t) => t.value === name);
    if (entry && (entry.containerOnly !== true || event.container)) return { form: name };
  }
  return undefined;
}

function connectHit(event: NetConnectEvent, ctx: DetectionContext): Hit | undefined {
  const ports = Array.isArray(ctx.settings.socksPorts) ? (ctx.settings.socksPorts as unknown[]) : [];
  if (event.family === 'unix' || event.remotePort === undefined || !ports.includes(event.remotePort)) return undefined;
  if (isLoopback(event.remoteAddress) || programName(event.process) === 'tor') return undefined;
  return { form: `connection to SOCKS port ${event.remotePort}`, target: `${event.remoteAddress}:${event.remotePort}` };
}

export default defineDetection({
  type: 'K8S.NODE_SuspectConnection',
  kinds: ['process.exec', 'net.connect'],
  summary: 'SOCKS connection ({form}) to {target} from {place}: {commandLine}',
  defaults: { socksPorts: [1080, 9050, 9150] },
  screen: {
    // socks URLs and curl's --socks options; ssh-family -D; proxifiers and the Tor client by name
    anyOf: (indicators) => ['socks', ...SSH_CLIENTS, ...indicators.list('socks-tools').values],
  },
  detect(event, ctx) {
    const hit = event.kind === 'process.exec' ? execHit(event, ctx) : connectHit(event, ctx);
    if (!hit) return undefined;
    return {
      entities: { ...entitiesOf(event), remoteAddress: hit.target },
      facts: { form: hit.form, target: hit.target ?? 'an unnamed proxy', place: placeOf(event), commandLine: event.process.commandLine },
    };
  },
});
