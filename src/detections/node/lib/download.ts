/**
 * @module detections/node/lib/download
 * Downloads as the download-, miner- and backdoor-detections see them: which commands of a process
 * fetch what (curl, wget, busybox wget/tftp/ftpget, aria2c, lwp, interpreters' HTTP libraries,
 * bash's /dev/tcp), where the file goes (a path, or standard output into a pipe), what runs it in
 * the same command line, and — for sequences across processes — a per-container record of what was
 * downloaded where, kept in a detection's bounded state table.
 */
import ipaddr from 'ipaddr.js';
import type { ExecScreen } from '../../../engine/screen.js';
import type { NodeEvent, ProcessExecEvent, ProcessInfo } from '../../../events/model.js';
import type { IndicatorList } from '../../../indicators/indicators.js';
import type { StateTable } from '../../../engine/state/store.js';
import { basename } from './process.js';
import { hasArgument, isInterpreter, joinPath, selfName, stringLiterals, toolsRun, type Command, type NameMatcher, type ProcessView, type ToolHit } from './tools.js';

export interface Url {
  text: string;
  scheme: string;
  /** Lower-cased host name or address (IPv6 without brackets). */
  host: string;
  path: string;
  /** Last path segment, lower-cased ('' for a directory). */
  file: string;
}

export interface Download {
  /** 'curl', 'wget', 'tftp', 'ftpget', 'aria2c', 'lwp', 'python', 'perl', 'php', 'ruby', 'node', 'dev-tcp'… */
  tool: string;
  command: Command;
  urls: Url[];
  /** The file written ('-' for standard output), resolved against the known directory when relative. */
  output: string;
  /** TLS verification turned off (curl -k, wget --no-check-certificate). */
  insecure: boolean;
  /** Called as `busybox wget|tftp|ftpget` explicitly. */
  viaBusybox: boolean;
  /** An inline interpreter program or a raw /dev/tcp request rather than a download tool. */
  unusualClient: boolean;
}

const CURL_VALUE_SHORT = new Set('oHduAeXxbcTmwKFrzCEYyUPtQD'.split(''));
const CURL_VALUE_LONG = new Set([
  'output', 'header', 'data', 'data-raw', 'data-binary', 'data-urlencode', 'user', 'user-agent', 'referer', 'request', 'proxy', 'cookie',
  'cookie-jar', 'upload-file', 'connect-timeout', 'max-time', 'retry', 'retry-delay', 'retry-max-time', 'write-out', 'config', 'resolve',
  'cacert', 'cert', 'key', 'form', 'range', 'limit-rate', 'interface', 'dns-servers', 'output-dir', 'url', 'proxy-user', 'oauth2-bearer',
]);
const WGET_VALUE_SHORT = new Set('OoaPUetTwiBQlARDIX'.split(''));
const WGET_VALUE_LONG = new Set([
  'output-document', 'output-file', 'append-output', 'directory-prefix', 'user-agent', 'header', 'tries', 'timeout', 'post-data', 'post-file',
  'user', 'password', 'http-user', 'http-password', 'input-file', 'execute', 'base', 'quota', 'level', 'accept', 'reject', 'domains', 'wait',
  'ca-certificate', 'certificate', 'private-key', 'load-cookies', 'save-cookies', 'referer', 'method', 'body-data',
]);
const DOWNLOADERS = new Set(['curl', 'wget', 'wget2', 'tftp', 'ftpget', 'aria2c', 'lwp-download', 'lwp-request', 'get', 'fetch']);

/**
 * What the text of every download downloadsOf reads contains, for the exec screens of the
 * detections built on it: a downloader's name (compared whole, so `apt-get` is not `get`), the
 * inline code of an interpreter that has view.code (python*, perl, ruby, php, node) with its URL's
 * '://', or bash's /dev/tcp with its `GET /`.
 */
export const DOWNLOAD_SCREEN = {
  words: [...DOWNLOADERS],
  allOf: [
    [['://'], ['python', 'perl', 'ruby', 'php', 'node']],
    [['/dev/tcp/'], ['get']],
  ],
} as const satisfies ExecScreen;
const CODE_APIS = [
  'urllib', 'urlopen', 'urlretrieve', 'requests.get', 'http.client', 'httplib', 'lwp', 'http::tiny', 'getstore', 'file_get_contents',
  'fopen(', 'copy(', 'open-uri', 'net::http', 'uri.open', 'http.get', 'https.get', 'fetch(', 'curl_exec', 'io::socket',
];

interface Option {
  name: string;
  value?: string;
}

/** Splits curl/wget-style arguments into options (with values) and operands. */
function readOptions(args: readonly string[], valueShort: ReadonlySet<string>, valueLong: ReadonlySet<string>): { options: Option[]; operands: string[] } {
  const options: Option[] = [];
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) options.push({ name, value: a.slice(eq + 1) });
      else if (valueLong.has(name)) options.push({ name, value: args[++i] });
      else options.push({ name });
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        if (valueShort.has(ch)) {
          options.push({ name: ch, value: j + 1 < a.length ? a.slice(j + 1) : args[++i] });
          break;
        }
        options.push({ name: ch });
      }
    } else operands.push(a);
  }
  return { options, operands };
}

function option(options: readonly Option[], ...names: string[]): Option | undefined {
  for (let i = options.length - 1; i >= 0; i--) if (names.includes(options[i]!.name)) return options[i];
  return undefined;
}

/** A URL or scheme-less `host/path` operand, else undefined. Linear scans only. */
export function parseUrl(raw: string, defaultScheme = 'http'): Url | undefined {
  let text = raw.trim();
  if (text.length > 2048) text = text.slice(0, 2048);
  let scheme = defaultScheme;
  let rest = text;
  const sep = text.indexOf('://');
  if (sep > 0) {
    scheme = text.slice(0, sep).toLowerCase();
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return undefined;
    rest = text.slice(sep + 3);
  } else if (!/^[A-Za-z0-9[]/.test(text) || (!text.includes('/') && !text.includes('.'))) return undefined;
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i];
    if (ch === '/' || ch === '?' || ch === '#') {
      end = i;
      break;
    }
  }
  let authority = rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    host = authority.slice(1, close < 0 ? undefined : close);
  } else {
    const colon = authority.indexOf(':');
    host = colon >= 0 ? authority.slice(0, colon) : authority;
  }
  host = host.toLowerCase();
  if (!host || (sep < 0 && !host.includes('.'))) return undefined;
  let path = rest.slice(end);
  const q = path.search(/[?#]/);
  if (q >= 0) path = path.slice(0, q);
  return { text, scheme, host, path: path || '/', file: basename(path).toLowerCase() };
}

function urlsIn(operands: readonly string[], scheme?: string): Url[] {
  const urls: Url[] = [];
  for (const o of operands) {
    const url = parseUrl(o, scheme);
    if (url) urls.push(url);
  }
  return urls;
}

function resolved(path: string, command: Command, process: ProcessInfo): string {
  if (path === '-' || path.startsWith('/')) return path;
  return joinPath(command.cwd ?? process.cwd, path);
}

function fileOf(urls: readonly Url[]): string {
  return urls.find((u) => u.file)?.file ?? '';
}

/** The download a command performs, if it is one. */
function downloadOfCommand(command: Command, process: ProcessInfo): Download | undefined {
  const name = command.name;
  if (!DOWNLOADERS.has(name)) return undefined;
  const base = { command, viaBusybox: command.viaBusybox, unusualClient: false };
  const out = (path: string | undefined) => resolved(path ?? command.stdoutTo ?? '-', command, process);
  if (name === 'curl') {
    const { options, operands } = readOptions(command.args, CURL_VALUE_SHORT, CURL_VALUE_LONG);
    const urls = urlsIn([...operands, ...options.filter((o) => o.name === 'url').map((o) => o.value ?? '')]);
    if (!urls.length) return undefined;
    const o = option(options, 'o', 'output')?.value;
    const remote = option(options, 'O', 'remote-name', 'remote-name-all');
    const dir = option(options, 'output-dir')?.value;
    const target = o ?? (remote ? joinPath(dir, fileOf(urls) || 'index.html') : undefined);
    const insecure = option(options, 'k', 'insecure') !== undefined;
    return { ...base, tool: 'curl', urls, output: out(target), insecure };
  }
  if (name === 'wget' || name === 'wget2') {
    const { options, operands } = readOptions(command.args, WGET_VALUE_SHORT, WGET_VALUE_LONG);
    const urls = urlsIn(operands);
    if (!urls.length) return undefined;
    const o = option(options, 'O', 'output-document')?.value;
    const dir = option(options, 'P', 'directory-prefix')?.value;
    const target = o === '-' ? undefined : (o ?? joinPath(dir, fileOf(urls) || 'index.html'));
    const insecure = option(options, 'no-check-certificate') !== undefined;
    return { ...base, tool: 'wget', urls, output: out(target), insecure };
  }
  if (name === 'tftp') {
    // busybox: tftp -g -r REMOTE [-l LOCAL] HOST [PORT]; tftp-hpa: tftp HOST -c get REMOTE [LOCAL]
    const { options, operands } = readOptions(command.args, new Set(['r', 'l', 'b', 'm']), new Set());
    const get = operands.indexOf('get');
    const remote = option(options, 'r')?.value ?? (get >= 0 ? operands[get + 1] : undefined);
    const host = operands.find((o, i) => (get < 0 || (i !== get + 1 && i !== get + 2)) && o !== 'get' && o.includes('.'));
    if (!remote || !host) return undefined;
    const url = parseUrl(`tftp://${host}/${remote}`);
    if (!url) return undefined;
    return { ...base, tool: 'tftp', urls: [url], output: out(option(options, 'l')?.value ?? (get >= 0 ? operands[get + 2] : undefined) ?? basename(remote)), insecure: false };
  }
  if (name === 'ftpget') {
    const { operands } = readOptions(command.args, new Set(['u', 'p', 'P']), new Set());
    const [host, local, remote] = operands;
    const url = host && remote ? parseUrl(`ftp://${host}/${remote}`) : undefined;
    if (!url || !local) return undefined;
    return { ...base, tool: 'ftpget', urls: [url], output: out(local), insecure: false };
  }
  if (name === 'aria2c') {
    const { options, operands } = readOptions(command.args, new Set(['o', 'd', 'x', 's', 'j', 'i']), new Set(['out', 'dir']));
    const urls = urlsIn(operands);
    if (!urls.length) return undefined;
    const target = joinPath(option(options, 'd', 'dir')?.value, option(options, 'o', 'out')?.value ?? fileOf(urls));
    return { ...base, tool: 'aria2c', urls, output: out(target), insecure: option(options, 'check-certificate')?.value === 'false' };
  }
  // lwp-download URL [LOCAL]; GET / lwp-request URL (stdout); fetch -o FILE URL
  const { options, operands } = readOptions(command.args, new Set(['o', 'm']), new Set());
  const urls = urlsIn(operands.slice(0, 1));
  if (!urls.length) return undefined;
  const target = name === 'lwp-download' ? (operands[1] ?? fileOf(urls)) : option(options, 'o')?.value;
  return { ...base, tool: name === 'fetch' ? 'fetch' : 'lwp', urls, output: out(target), insecure: false };
}

/** Inline interpreter code that fetches a URL (python -c urllib…, perl -e LWP…, php -r file_get_contents…). */
function downloadOfCode(view: ProcessView, process: ProcessInfo): Download | undefined {
  const code = view.code;
  const self = view.commands[0];
  if (!code || !self) return undefined;
  const lower = code.toLowerCase();
  if (!CODE_APIS.some((api) => lower.includes(api))) return undefined;
  const urls: Url[] = [];
  const literals: string[] = [];
  // String literals: URLs among them are fetched, the first absolute path is where it is written.
  for (const literal of stringLiterals(code)) {
    if (literal.includes(' ')) continue;
    if (literal.includes('://')) {
      const url = parseUrl(literal);
      if (url) urls.push(url);
    } else if (literal.startsWith('/') && !literal.includes(' ')) literals.push(literal);
  }
  if (!urls.length) return undefined;
  const tool = self.name.startsWith('python') ? 'python' : self.name;
  return { tool, command: self, urls, output: resolved(literals[0] ?? '-', self, process), insecure: false, viaBusybox: false, unusualClient: true };
}

/** bash's /dev/tcp used to fetch a file: `exec 3<>/dev/tcp/HOST/PORT; echo -e "GET /x …" >&3`. */
function downloadOfDevTcp(view: ProcessView, process: ProcessInfo): Download | undefined {
  const text = view.text;
  const at = text.indexOf('/dev/tcp/');
  if (at < 0 || text.indexOf('GET /', at) < 0) return undefined;
  const rest = text.slice(at + 9, at + 9 + 300).toLowerCase();
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const host = rest.slice(0, slash);
  const get = text.indexOf('GET /', at);
  const path = text.slice(get + 4, get + 4 + 512).split(/[\s\\"']/, 1)[0] ?? '/';
  const url = parseUrl(`http://${host}${path}`);
  const self = view.commands[0];
  if (!url || !self) return undefined;
  const target = view.commands.find((c) => c.stdoutTo && !c.stdoutTo.startsWith('/dev/tcp/'))?.stdoutTo;
  return { tool: 'dev-tcp', command: self, urls: [url], output: resolved(target ?? '-', self, process), insecure: false, viaBusybox: false, unusualClient: true };
}

/** Every download the process performs (kept with its view). */
export function downloadsOf(view: ProcessView, process: ProcessInfo): readonly Download[] {
  let list = view.memo.downloads as Download[] | undefined;
  if (list) return list;
  list = [];
  for (const command of view.commands) {
    const d = downloadOfCommand(command, process);
    if (d) list.push(d);
  }
  const code = downloadOfCode(view, process);
  if (code) list.push(code);
  const tcp = downloadOfDevTcp(view, process);
  if (tcp) list.push(tcp);
  view.memo.downloads = list;
  return list;
}

// ---------------------------------------------------------------------------------------------
// Hosts

/** True when `host` equals an entry of the list or ends with "." + entry (label boundary). */
export function hostInList(host: string, list: IndicatorList): boolean {
  let h = host.endsWith('.') ? host.slice(0, -1) : host;
  for (let guard = 0; guard < 127; guard++) {
    if (list.values.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
  return false;
}

/** Address ranges that stay inside the cluster or the machine. Everything else is the internet. */
const INTERNAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'carrierGradeNat', 'uniqueLocal', 'unspecified', 'multicast', 'broadcast']);

/**
 * The address when `host` is an IP literal (dotted, or the decimal/hex single-number forms
 * `http://3405803821/` that hide an address), else undefined.
 */
export function ipLiteral(host: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const first = host.charCodeAt(0);
  // Names start with a letter (or are labels like 3com.com, which fail the checks below cheaply).
  if (!(first >= 48 && first <= 57) && !host.includes(':')) return undefined;
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(host)) {
    const parts = host.split('.').map(Number);
    return parts.every((p) => p <= 255) ? (ipaddr.fromByteArray(parts) as ipaddr.IPv4) : undefined;
  }
  if (host.includes(':') && ipaddr.IPv6.isValid(host)) {
    const parsed = ipaddr.parse(host);
    return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
  }
  if (/^(0x[0-9a-f]{1,8}|[0-9]{1,10})$/.test(host)) {
    const n = Number(host);
    if (n > 0 && n <= 0xffffffff) return ipaddr.fromByteArray([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]) as ipaddr.IPv4;
  }
  return undefined;
}

/** An IP literal outside private, loopback and link-local space. Documentation ranges count as outside. */
export function isExternalIp(host: string): boolean {
  const range = ipRangeOf(host);
  return range !== null && !INTERNAL_RANGES.has(range);
}

export function isInternalHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.svc') || host.endsWith('.local') || host.includes('.svc.cluster.')) return true;
  const range = ipRangeOf(host);
  return range !== null && INTERNAL_RANGES.has(range);
}

/** Hosts whose range is remembered; the memo is emptied when full (hosts are attacker-chosen). */
const MAX_REMEMBERED_HOSTS = 1024;
const rangeByHost = new Map<string, string | null>();

/**
 * The ipaddr.js range of an IP-literal host ('private', 'loopback', 'unicast'…), null for a name.
 * Remembered: a node fetches from the same few hosts all day, several detections ask about each
 * download, and classifying an address against every special range is what costs.
 */
function ipRangeOf(host: string): string | null {
  let range = rangeByHost.get(host);
  if (range === undefined) {
    range = ipLiteral(host)?.range() ?? null;
    if (host.length <= 255) {
      if (rangeByHost.size >= MAX_REMEMBERED_HOSTS) rangeByHost.clear();
      rangeByHost.set(host, range);
    }
  }
  return range;
}

/** An https download from a vendor's official host (data/indicators/trusted-download-hosts.yaml). */
export function fromTrustedHosts(download: Download, trusted: IndicatorList): boolean {
  return download.urls.every((u) => u.scheme === 'https' && hostInList(u.host, trusted));
}

// ---------------------------------------------------------------------------------------------
// What runs the download

/** Interpreters and the shell built-ins that run text: `… | sh`, `bash <(curl …)`, `eval "$(wget -O- …)"`. */
function runsText(command: Command): boolean {
  return isInterpreter(command.name) || command.name === 'eval' || command.name === 'source' || command.name === '.';
}

const DEV_NULL = '/dev/null';

/** True for a path the program refers to `path` by (same absolute path, or same file name when either is relative). */
export function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.startsWith('/') && b.startsWith('/')) return false;
  return basename(a) === basename(b) && basename(a) !== '';
}

export interface DownloadRun {
  download: Download;
  /** The command that runs what was downloaded. */
  runner: Command;
  /** How: 'pipe' (… | sh), 'substitution' (sh -c "$(curl …)"), 'file' (download to P, then P runs). */
  how: 'pipe' | 'substitution' | 'file';
  /** The file run, for 'file'. */
  path?: string;
}

/** Downloads of this one command line whose content it also runs (kept with its view). */
export function downloadsRun(view: ProcessView, process: ProcessInfo): readonly DownloadRun[] {
  let runs = view.memo.runs as DownloadRun[] | undefined;
  if (runs) return runs;
  runs = readDownloadsRun(view, process);
  view.memo.runs = runs;
  return runs;
}

function readDownloadsRun(view: ProcessView, process: ProcessInfo): DownloadRun[] {
  const runs: DownloadRun[] = [];
  const commands = view.commands;
  for (const download of downloadsOf(view, process)) {
    const source = download.command;
    if (download.output === '-') {
      const piped = commands.find((c) => c.pipedFrom === source && runsText(c));
      if (piped) {
        runs.push({ download, runner: piped, how: 'pipe' });
        continue;
      }
      const into = source.substitutedInto;
      if (into && runsText(into)) runs.push({ download, runner: into, how: 'substitution' });
      continue;
    }
    if (download.output === DEV_NULL || download.unusualClient) continue;
    const from = commands.indexOf(source);
    for (let i = from + 1; i < commands.length; i++) {
      const c = commands[i]!;
      const runsFile = (c.program.includes('/') && samePath(resolved(c.program, c, process), download.output)) || (c.scriptFile !== undefined && runsText(c) && samePath(resolved(c.scriptFile, c, process), download.output));
      if (runsFile) {
        runs.push({ download, runner: c, how: 'file', path: download.output });
        break;
      }
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// Sequences across processes

/** Where a sequence is followed: the container, or the node for host processes. */
export function scopeOf(event: NodeEvent): string {
  return event.container ? `c:${event.container.id}` : `n:${event.node}`;
}

export interface DropRecord {
  time: number;
  path: string;
  url: string;
  download: ProcessExecEvent;
  chmod?: ProcessExecEvent;
}

const KEEP_ARG_CHARS = 512;
const KEEP_ARGS = 32;

const KEEP_COMMAND_LINE_CHARS = 2048;

/** The process itself when it is within the bounds already (most are): events are never changed. */
function trimProcess(p: ProcessInfo): ProcessInfo {
  if (p.args.length <= KEEP_ARGS && p.commandLine.length <= KEEP_COMMAND_LINE_CHARS && p.args.every((a) => a.length <= KEEP_ARG_CHARS)) return p;
  const args = p.args.slice(0, KEEP_ARGS).map((a) => (a.length > KEEP_ARG_CHARS ? a.slice(0, KEEP_ARG_CHARS) : a));
  return { ...p, args, commandLine: p.commandLine.length > KEEP_COMMAND_LINE_CHARS ? p.commandLine.slice(0, KEEP_COMMAND_LINE_CHARS) : p.commandLine };
}

/** Small enough to keep in state as evidence (bounded command line, two ancestors): the event itself when it is. */
export function trimEvent(event: ProcessExecEvent): ProcessExecEvent {
  const process = trimProcess(event.process);
  if (process === event.process && event.ancestors.length <= 2 && event.ancestors.every((a) => trimProcess(a) === a)) return event;
  return { ...event, process, ancestors: event.ancestors.slice(0, 2).map(trimProcess) };
}

/** Notes every file this exec downloads (those `keep` accepts), keyed by scope and absolute path. */
export function recordDownloads(event: ProcessExecEvent, view: ProcessView, table: StateTable<DropRecord>, keep: (d: Download) => boolean): void {
  let kept: ProcessExecEvent | undefined;
  for (const d of downloadsOf(view, event.process)) {
    if (d.output === '-' || d.output === DEV_NULL || !d.output.startsWith('/') || !keep(d)) continue;
    kept ??= trimEvent(event);
    table.set(`${scopeOf(event)}|${d.output}`, { time: event.time, path: d.output, url: d.urls[0]!.text.slice(0, 512), download: kept });
  }
}

/** A chmod mode that grants execution: symbolic with +…x, or octal with an odd digit among the last three. */
function grantsExecute(mode: string): boolean {
  const plus = mode.indexOf('+');
  if (plus >= 0) return mode.indexOf('x', plus) > plus;
  if (!/^[0-7]{3,4}$/.test(mode)) return false;
  return [...mode.slice(-3)].some((d) => Number(d) % 2 === 1);
}

/** Notes `chmod +x P` (or a mode with an execute bit) on a recorded download. */
export function recordChmod(event: ProcessExecEvent, view: ProcessView, table: StateTable<DropRecord>, windowMs: number): void {
  for (const c of view.commands) {
    if (c.name !== 'chmod' || c.args.length < 2) continue;
    const mode = c.args.find((a) => !a.startsWith('-'));
    if (!mode || !grantsExecute(mode)) continue;
    for (const target of c.args.slice(c.args.indexOf(mode) + 1)) {
      const key = `${scopeOf(event)}|${resolved(target, c, event.process)}`;
      const record = table.get(key);
      if (record && event.time - record.time <= windowMs && event.time >= record.time) table.set(key, { ...record, chmod: trimEvent(event) });
    }
  }
}

/** The recorded download this exec runs (the program itself, or the script an interpreter runs), within the window. */
export function runOfRecordedDownload(event: ProcessExecEvent, view: ProcessView, table: StateTable<DropRecord>, windowMs: number): DropRecord | undefined {
  const self = view.commands[0];
  const candidates = [event.process.executable];
  if (self?.scriptFile) candidates.push(resolved(self.scriptFile, self, event.process));
  for (const path of candidates) {
    if (!path.startsWith('/')) continue;
    const record = table.get(`${scopeOf(event)}|${path}`);
    if (record && event.time >= record.time && event.time - record.time <= windowMs && record.download.id !== event.id) return record;
  }
  return undefined;
}

/** The window setting in milliseconds. */
export function windowMsOf(settings: Readonly<Record<string, unknown>>): number {
  const s = Number(settings.windowSeconds);
  return (Number.isFinite(s) && s > 0 ? s : 300) * 1000;
}

/** Directories where dropped payloads hide: temporary and shared-memory space, and hidden directories. */
const DROP_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/', '/run/user/', '/dev/mqueue/'];

export function isDropLocation(path: string): boolean {
  if (DROP_DIRS.some((d) => path.startsWith(d))) return true;
  return isHiddenPath(path);
}

/** A path with a hidden component (`/root/.x/payload`, `/tmp/.ICE-unix/.k`), `.`/`..` aside. */
export function isHiddenPath(path: string): boolean {
  for (let i = path.indexOf('/.'); i >= 0; i = path.indexOf('/.', i + 1)) {
    const next = path[i + 2];
    if (next !== undefined && next !== '/' && !(next === '.' && (path[i + 3] === '/' || path[i + 3] === undefined))) return true;
  }
  return false;
}

/**
 * Commands that run a program of the list (tools.ts `toolsRun`), plus scripts fetched and run in
 * one go (`curl -L …/linpeas.sh | sh`): the fetched file's name is what runs.
 */
export function toolsRunOrPiped(view: ProcessView, process: ProcessInfo, matcher: NameMatcher): ToolHit[] {
  const hits = toolsRun(view, matcher);
  for (const run of downloadsRun(view, process)) {
    if (run.how === 'file') continue;
    for (const url of run.download.urls) {
      const entry = url.file ? matcher.match(url.file) : undefined;
      if (entry && !(Array.isArray(entry.onlyWithArgs) && !hasArgument(run.runner, entry.onlyWithArgs))) {
        hits.push({ command: run.download.command, entry, name: url.file });
        break;
      }
    }
  }
  return hits;
}

/**
 * Whether an exec may run a download remembered in `table` (keyed `scope|path`): the lookups of
 * runOfRecordedDownload made wider and cheaper, for exec screens. It looks up the executable, and
 * for an interpreter (whose script file is one of its arguments, resolved against the working
 * directory) every argument; it ignores the window.
 */
export function mayRunRememberedDownload(event: ProcessExecEvent, table: StateTable<DropRecord>): boolean {
  if (table.size === 0) return false;
  const prefix = `${scopeOf(event)}|`;
  const p = event.process;
  if (table.has(prefix + p.executable)) return true;
  if (!isInterpreter(selfName(p).name)) return false;
  for (let i = 1; i < p.args.length; i++) if (table.has(prefix + joinPath(p.cwd, p.args[i]!))) return true;
  return false;
}
