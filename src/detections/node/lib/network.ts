/**
 * @module detections/node/lib/network
 * Where a command line points on the network: URLs and `host:port` pairs found in it (by index
 * scans, not backtracking patterns, and bounded in count), whether an address is loopback,
 * on the internet, whether a host is the Kubernetes API server, references to given hosts
 * (metadata endpoints) with or without a scheme, ssh invocations and their forwards, and which
 * programs send HTTP requests.
 */
import type { NetConnectEvent, ProcessInfo } from '../../../events/model.js';
import { canonicalIp, isNonPublicIp } from '../../../indicators/ip.js';
import { withoutRemoved } from '../../../engine/screen.js';
import { IdentityMemo } from './analysis.js';
import { MAX_MATCH_CHARS } from './process.js';
import { lowerTextOf, type SimpleCommand } from './shells.js';

/** Most URLs taken from one command line. */
const MAX_URLS = 32;

export interface UrlRef {
  scheme: string;
  /** Lower-cased host without brackets (an IPv6 literal stays as written inside them). */
  host: string;
  port?: number;
  /** Path and query as written ('/' when absent). */
  path: string;
  text: string;
}

const SCHEMES = ['http://', 'https://', 'ldap://', 'ldaps://', 'rmi://', 'dns://', 'socks4://', 'socks4a://', 'socks5://', 'socks5h://', 'socks://', 'tcp://', 'ws://', 'wss://'];
/** Characters that end a URL in a command line: whitespace, quotes, shell operators. */
const URL_END = new Set([' ', '\t', '\n', '\r', '"', "'", '`', '|', ';', '&', '<', '>', ')', '}', ',']);

const commandUrls = new IdentityMemo<SimpleCommand, readonly UrlRef[]>();

/** urlsIn() of a command's lower-cased text, read once per command (shared: not to be changed). */
export function urlsOfCommand(command: SimpleCommand): readonly UrlRef[] {
  return commandUrls.get(command, (c) => urlsIn(lowerTextOf(c)));
}

/** The URLs in a command line (scheme://host[:port][/path]), lower-cased scheme and host. */
export function urlsIn(text: string): UrlRef[] {
  const lower = clip(text).toLowerCase();
  const out: UrlRef[] = [];
  let from = 0;
  while (out.length < MAX_URLS) {
    const at = lower.indexOf('://', from);
    if (at < 0) break;
    from = at + 3;
    let s = at;
    while (s > 0 && s > at - 10 && isSchemeChar(lower[s - 1]!)) s--;
    const scheme = lower.slice(s, at + 3);
    if (!SCHEMES.includes(scheme)) continue;
    let e = from;
    while (e < lower.length && !URL_END.has(lower[e]!)) e++;
    const rest = lower.slice(from, e);
    const parsed = splitAuthority(rest);
    if (!parsed.host) continue;
    out.push({ scheme: scheme.slice(0, -3), host: parsed.host, port: parsed.port, path: parsed.path, text: lower.slice(s, e) });
  }
  return out;
}

function isSchemeChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/** host[:port][/path] from the part after `scheme://` (user info dropped). */
function splitAuthority(rest: string): { host: string; port?: number; path: string } {
  let slash = rest.indexOf('/');
  if (slash < 0) slash = rest.indexOf('?') >= 0 ? rest.indexOf('?') : rest.length;
  let authority = rest.slice(0, slash);
  const path = rest.slice(slash) || '/';
  const atSign = authority.lastIndexOf('@');
  if (atSign >= 0) authority = authority.slice(atSign + 1);
  const hp = splitHostPort(authority);
  return { host: hp?.host ?? '', port: hp?.port, path };
}

/**
 * `host:port`, `[v6]:port` or a bare host; undefined when the text has no host part. A port that is
 * not a number 0–65535 leaves the port undefined.
 */
export function splitHostPort(text: string): { host: string; port?: number } | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) return undefined;
    const host = t.slice(1, close);
    return { host, port: portOf(t.slice(close + 1).replace(/^:/, '')) };
  }
  const colons = t.split(':').length - 1;
  if (colons > 1) return { host: t }; // a bare IPv6 literal
  const colon = t.indexOf(':');
  if (colon < 0) return { host: t };
  return { host: t.slice(0, colon), port: portOf(t.slice(colon + 1)) };
}

function portOf(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const ip = canonicalIp(h);
  return ip !== undefined && (ip.startsWith('127.') || ip === '::1' || ip === '0.0.0.0' || ip === '::');
}

/**
 * True when the host is an address on the internet: a public IP literal, or a DNS name that is
 * not loopback and not an in-cluster or local name. Names are judged by suffix only (no lookups).
 */
export function isExternalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!h || isLoopback(h)) return false;
  if (canonicalIp(h) !== undefined) return !isNonPublicIp(h);
  if (!h.includes('.')) return false; // single-label names resolve through the cluster's search path
  return !LOCAL_SUFFIXES.some((s) => h.endsWith(s));
}

const LOCAL_SUFFIXES = ['.local', '.internal', '.svc', '.svc.cluster.local', '.cluster.local', '.localdomain', '.lan', '.home.arpa', '.intranet', '.corp'];

/**
 * The in-cluster names of the Kubernetes API server: `kubernetes`, `kubernetes.default`,
 * `kubernetes.default.svc` and `kubernetes.default.svc.<cluster domain>`, and the environment
 * variables every pod gets for it.
 */
export function isKubernetesApiHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'kubernetes' || h === 'kubernetes.default' || h === 'kubernetes.default.svc') return true;
  if (h.startsWith('kubernetes.default.svc.')) return true;
  return API_HOST_VARIABLES.some((v) => h === `$${v}` || h === `\${${v}}`);
}

const API_HOST_VARIABLES = ['kubernetes_service_host', 'kubernetes_port_443_tcp_addr'];

/** True when a command line names the API server through the pod's environment variables. */
export function mentionsApiServerVariable(lowerText: string): boolean {
  return API_HOST_VARIABLES.some((v) => lowerText.includes('$' + v) || lowerText.includes('${' + v));
}

/** A connection that left the machine: an inet connection to a non-loopback address. */
export function isRemoteConnect(event: NetConnectEvent): boolean {
  return event.family !== 'unix' && !isLoopback(event.remoteAddress);
}

function clip(text: string): string {
  return text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text;
}

/** What an ssh (or plink/autossh/dbclient) command line asks for: where it goes and its forwards. */
export interface SshInvocation {
  /** The server's host (user@ and ssh:// dropped), when given. */
  destination?: string;
  /** -L/-R specs and -o LocalForward/RemoteForward values. */
  forwards: { flag: 'L' | 'R'; spec: string }[];
  /** -D specs and -o DynamicForward values: a local SOCKS proxy through the server. */
  socks: string[];
}

/** OpenSSH options that take an argument (ssh(1)); plink's long ones are added below. */
const SSH_ARG_OPTIONS = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));
const PLINK_LONG_OPTIONS = new Set(['-pw', '-hostkey', '-sercfg', '-proxycmd', '-sshlog', '-sshrawlog', '-loghost', '-pwfile']);
export const SSH_CLIENTS: ReadonlySet<string> = new Set(['ssh', 'autossh', 'plink', 'dbclient', 'sshpass']);

/** Reads ssh-style argv (program name first). */
export function parseSsh(words: readonly string[]): SshInvocation {
  const out: SshInvocation = { forwards: [], socks: [] };
  // autossh's own -M port (its monitoring port) comes before ssh's options.
  const autossh = (words[0] ?? '').endsWith('autossh');
  const take = (flag: string, value: string | undefined) => {
    if (value === undefined) return;
    if (flag === 'L' || flag === 'R') out.forwards.push({ flag, spec: value });
    else if (flag === 'D') out.socks.push(value);
    else if (flag === 'o') {
      const v = value.replace('=', ' ').trim();
      const sp = v.indexOf(' ');
      const key = (sp < 0 ? v : v.slice(0, sp)).toLowerCase();
      const arg = sp < 0 ? '' : v.slice(sp + 1).trim();
      if (key === 'localforward') out.forwards.push({ flag: 'L', spec: arg.replace(/\s+/, ':') });
      else if (key === 'remoteforward') out.forwards.push({ flag: 'R', spec: arg.replace(/\s+/, ':') });
      else if (key === 'dynamicforward') out.socks.push(arg);
    }
  };
  for (let i = 1; i < words.length && i < 256; i++) {
    const w = words[i]!;
    if (w === '--') {
      if (i + 1 < words.length) out.destination ??= hostOfDestination(words[i + 1]!);
      break;
    }
    if (PLINK_LONG_OPTIONS.has(w)) {
      i++;
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      // A cluster of flags (-NfR): the first letter that takes an argument takes the rest or the next word.
      for (let j = 1; j < w.length; j++) {
        const flag = w[j]!;
        if (!SSH_ARG_OPTIONS.has(flag) && !(autossh && flag === 'M')) continue;
        const attached = w.slice(j + 1);
        if (attached) take(flag, attached);
        else take(flag, words[++i]);
        break;
      }
      continue;
    }
    if (out.destination === undefined) {
      out.destination = hostOfDestination(w);
      // sshpass -p x ssh …: the wrapped ssh's own arguments follow.
      if (SSH_CLIENTS.has(out.destination)) out.destination = undefined;
    }
  }
  return out;
}

function hostOfDestination(word: string): string {
  let w = word;
  if (w.toLowerCase().startsWith('ssh://')) w = w.slice(6);
  const at = w.lastIndexOf('@');
  if (at >= 0) w = w.slice(at + 1);
  return (splitHostPort(w)?.host ?? w).toLowerCase();
}

/** The hosts named in a -L/-R spec ([bind:]port:host:hostport): the bind address and the target. */
export function forwardHosts(spec: string): string[] {
  const parts = spec.startsWith('[') ? [spec] : spec.split(':');
  if (parts.length === 4) return [parts[0]!, parts[2]!];
  if (parts.length === 3) return [parts[1]!];
  return [];
}

/** Programs that make HTTP requests from a command line (clients and interpreters given code). */
const HTTP_CLIENT_NAMES = new Set(['curl', 'wget', 'wget2', 'http', 'https', 'httpie', 'xh', 'aria2c', 'lwp-request', 'get', 'head', 'post', 'fetch', 'nc', 'ncat', 'socat', 'openssl', 'telnet', 'invoke-webrequest', 'invoke-restmethod', 'iwr', 'irm']);
const INTERPRETER_PREFIXES = ['python', 'perl', 'php', 'ruby', 'node', 'nodejs', 'pwsh', 'powershell', 'deno', 'bun', 'lua'];

/** True for a program that can send an HTTP request given on its command line. */
export function isHttpClient(name: string): boolean {
  const n = name.toLowerCase();
  if (HTTP_CLIENT_NAMES.has(n)) return true;
  return INTERPRETER_PREFIXES.some((p) => n === p || (n.startsWith(p) && /^[0-9.]+$/.test(n.slice(p.length))) || n === p + '.exe');
}

/**
 * Where a command line refers to one of `hosts` (lower-case), with or without a scheme: the host and
 * what follows it up to the end of the URL ('169.254.169.254/latest/api/token').
 */
export function hostReferences(text: string, hosts: readonly string[]): { host: string; path: string }[] {
  return hostReferencesInLower(clip(text).toLowerCase(), hosts);
}

/** hostReferences() of a text already clipped and lower-cased (lowerTextOf a command). */
export function hostReferencesInLower(lower: string, hosts: readonly string[]): { host: string; path: string }[] {
  const out: { host: string; path: string }[] = [];
  for (const host of hosts) {
    let from = 0;
    while (out.length < MAX_URLS) {
      const at = lower.indexOf(host, from);
      if (at < 0) break;
      from = at + host.length;
      // The host must stand alone: not the tail of a longer name or address.
      const before = at > 0 ? lower[at - 1]! : ' ';
      if (/[a-z0-9.-]/.test(before) || /[a-z0-9-]/.test(lower[from] ?? ' ')) continue;
      let end = from;
      while (end < lower.length && !URL_END.has(lower[end]!)) end++;
      let rest = lower.slice(from, end);
      if (rest.startsWith(']')) rest = rest.slice(1);
      if (rest.startsWith(':')) rest = rest.slice(rest.indexOf('/') >= 0 ? rest.indexOf('/') : rest.length);
      out.push({ host, path: rest || '/' });
    }
  }
  return out;
}

/**
 * For exec screens: whether `needle` may appear in a URL host the command-line readers take from
 * the process — in its command line or an argument, once quotes, backslashes and backticks are
 * dropped and case is set aside. Hosts are lower-cased, so a needle with upper-case letters never
 * matches one.
 */
export function mentions(process: ProcessInfo, needle: string): boolean {
  if (!needle || /['"\\`]/.test(needle)) return true;
  const lettered = /[a-z]/.test(needle);
  const has = (text: string): boolean => {
    if (text.includes(needle)) return true;
    const read = withoutRemoved(text);
    return (lettered || read !== text) && read.toLowerCase().includes(needle);
  };
  return has(process.commandLine) || process.args.some(has);
}

/** For exec screens: a URL holds `://`, so a colon in the command line or an argument (the readers drop characters, never add any). */
export function hasColon(process: ProcessInfo): boolean {
  return process.commandLine.includes(':') || process.args.some((a) => a.includes(':'));
}
