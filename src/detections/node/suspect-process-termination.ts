/**
 * K8S.NODE_SuspectProcessTermination — an attempt to stop security monitoring: a security tool's
 * process killed (kill/pkill/killall by name, `kill -9 $(pidof falco)`,
 * `ps aux | grep aegis | awk '{print $2}' | xargs kill -9`), its service stopped, disabled,
 * masked or killed (systemctl, service, /etc/init.d/…, update-rc.d, chkconfig, rc-service), its
 * uninstaller run or its install folder removed (the Alibaba/Tencent agent uninstallers of
 * TeamTNT/Kinsing/Rocke scripts), SELinux switched to permissive (`setenforce 0`, writing 0 to
 * /sys/fs/selinux/enforce), AppArmor torn down (aa-teardown), the ufw firewall disabled. Tool
 * names, uninstallers and folders: data/indicators/security-tools.yaml.
 *
 * Decided: `kill -0` (a liveness check) and reload signals (HUP, USR1, USR2) do not stop a tool
 * and do not fire; restarts do not fire; `iptables -F` does not fire (CNI plugins and kube-proxy
 * flush chains routinely — too common to mean anything here). Package managers stopping a
 * tool's service during its upgrade or removal are not this.
 */
import { screenPiece } from '../../engine/screen.js';
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { ProcessExecEvent } from '../../events/model.js';
import type { IndicatorList } from '../../indicators/indicators.js';
import { DELETERS, hasFlag, invocationsOf, nodeFinding, normalizePath, optionValue, positionals, underPackageManager, type Invocation } from './lib/files.js';
import { lowerMatchText } from './lib/process.js';

const KILLERS = new Set(['kill', 'pkill', 'killall', 'skill', 'killall5']);
const NOT_STOPPING_SIGNALS = new Set(['0', 'HUP', 'SIGHUP', '1', 'USR1', 'SIGUSR1', '10', 'USR2', 'SIGUSR2', '12', 'CONT', 'SIGCONT', '18']);
const SERVICE_STOP_VERBS = new Set(['stop', 'disable', 'mask', 'kill']);
const SYSTEMCTL_VALUE_OPTIONS = new Set(['-t', '--type', '-s', '--signal', '-p', '--property', '-H', '--host', '-M', '--machine', '--root', '--kill-whom', '--job-mode']);

interface Tools {
  names: Map<string, string>;
  commands: { text: string; vendor: string }[];
  dirs: { path: string; vendor: string }[];
}

const toolsByList = new WeakMap<IndicatorList, Tools>();

/** The security-tools list sorted by how entries match, once per loaded list. */
function toolsOf(ctx: DetectionContext): Tools {
  const list = ctx.indicators.list('security-tools');
  let tools = toolsByList.get(list);
  if (!tools) {
    tools = readTools(list);
    toolsByList.set(list, tools);
  }
  return tools;
}

function readTools(list: IndicatorList): Tools {
  const tools: Tools = { names: new Map(), commands: [], dirs: [] };
  for (const e of list.entries) {
    const vendor = typeof e.vendor === 'string' ? e.vendor : e.value;
    if (e.match === 'command') tools.commands.push({ text: e.value.toLowerCase(), vendor });
    else if (e.match === 'dir') tools.dirs.push({ path: e.value, vendor });
    else tools.names.set(e.value.toLowerCase(), vendor);
  }
  return tools;
}

/** Security-tool names among the words of a unit or service list (auditd.service → auditd). */
function toolNamesIn(text: string, tools: Tools): string[] {
  const found: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9_.-]+/)) {
    const word = raw.endsWith('.service') ? raw.slice(0, -8) : raw;
    if (word && tools.names.has(word) && !found.includes(word)) found.push(word);
  }
  return found;
}

/**
 * Security-tool names anywhere in a kill pipeline's text: pkill -f and grep take patterns, not
 * names (`pkill -f aliyun`, `grep '[a]egis'`), so names are looked for as substrings.
 */
function toolNamesMentioned(text: string, tools: Tools): string[] {
  const flat = text.toLowerCase().replace(/[[\]\\]/g, '');
  return [...tools.names.keys()].filter((name) => flat.includes(name));
}

/** The signal a kill-family command sends, as given ('9', 'KILL', 'HUP'), or 'TERM'. */
function signalOf(args: readonly string[]): string {
  const named = optionValue(args, ['-s', '--signal'], ['--signal']);
  if (named) return named.toUpperCase();
  // -9, -KILL, -SIGTERM; single lower-case letters are options (-f, -x, -u)
  const dash = args.find((a) => /^-[A-Za-z0-9]{1,10}$/.test(a) && !/^-[a-z]$/.test(a));
  return dash ? dash.slice(1).toUpperCase().replace(/^SIG/, '') : 'TERM';
}

function termination(inv: Invocation, pipelineText: () => string, tools: Tools, cwd: string | undefined): { tool: string; how: string } | undefined {
  const { program, args } = inv;
  if (KILLERS.has(program)) {
    const signal = signalOf(args);
    if (NOT_STOPPING_SIGNALS.has(signal) || NOT_STOPPING_SIGNALS.has('SIG' + signal)) return undefined;
    const names = toolNamesMentioned(pipelineText(), tools);
    return names.length ? { tool: names.join(', '), how: `${program} (signal ${signal})` } : undefined;
  }
  if (program === 'systemctl') {
    const [verb, ...units] = positionals(args, SYSTEMCTL_VALUE_OPTIONS);
    if (!verb || !SERVICE_STOP_VERBS.has(verb)) return undefined;
    const names = toolNamesIn(units.join(' '), tools);
    return names.length ? { tool: names.join(', '), how: `systemctl ${verb}` } : undefined;
  }
  // /etc/init.d/auditd stop: the program is the service
  const initScript = inv.args[0] === 'stop' || inv.args[0] === 'teardown';
  if (program === 'service' || program === 'rc-service' || initScript) {
    const [name, action] = program === 'service' || program === 'rc-service' ? positionals(args) : [program, args[0]];
    const names = toolNamesIn(name ?? '', tools);
    return names.length && (action === 'stop' || action === 'teardown') ? { tool: names.join(', '), how: `${program === 'service' || program === 'rc-service' ? program : 'init script'} ${action}` } : undefined;
  }
  if (program === 'update-rc.d' || program === 'chkconfig' || program === 'rc-update') {
    const words = positionals(args);
    const off = words.some((w) => w === 'disable' || w === 'remove' || w === 'off' || w === 'del' || w === 'delete');
    const names = toolNamesIn(words.join(' '), tools);
    return off && names.length ? { tool: names.join(', '), how: `${program} ${words.slice(1).join(' ')}`.trim() } : undefined;
  }
  if (program === 'setenforce') {
    const mode = positionals(args)[0]?.toLowerCase();
    return mode === '0' || mode === 'permissive' ? { tool: 'SELinux', how: 'setenforce permissive' } : undefined;
  }
  if (program === 'aa-teardown') return { tool: 'AppArmor', how: 'aa-teardown' };
  if (program === 'ufw' && positionals(args)[0] === 'disable') return { tool: 'ufw', how: 'ufw disable' };
  if (inv.redirects.some((r) => r.op === '>' && normalizePath(r.target, cwd).path === '/sys/fs/selinux/enforce') && args.includes('0')) {
    return { tool: 'SELinux', how: 'wrote 0 to /sys/fs/selinux/enforce' };
  }
  if (DELETERS.has(program) && hasFlag(args, 'r', ['--recursive'])) {
    for (const p of positionals(args)) {
      const path = normalizePath(p, cwd).path;
      const dir = tools.dirs.find((d) => path === d.path || path.startsWith(d.path + '/'));
      if (dir) return { tool: dir.vendor, how: `install folder ${path} removed` };
    }
  }
  return undefined;
}

/**
 * Screen strings for the list's entries: the uninstaller texts, and each install folder's last
 * segment (a normalised path under the folder has it as a segment, written in the path given or
 * in the working directory it is resolved against). The root folder has no segment: the
 * deleters' names stand for it.
 */
function listScreen(list: IndicatorList): string[] {
  const words: string[] = [];
  // a value that leaves no piece ('') opens the screen's group: the engine sees to that
  const add = (value: string): void => {
    words.push(screenPiece(value));
  };
  for (const e of list.entries) {
    if (e.match === 'command') add(e.value.toLowerCase());
    else if (e.match === 'dir') {
      const last = e.value.split('/').filter((s) => s !== '').at(-1);
      if (last !== undefined) add(last);
      else words.push(...DELETERS);
    }
  }
  return words;
}

function detectExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  const tools = toolsOf(ctx);
  const text = lowerMatchText(event.process);
  const uninstaller = tools.commands.find((c) => text.includes(c.text));
  if (uninstaller) return nodeFinding(event, { tool: uninstaller.vendor, how: `uninstaller ${uninstaller.text}` }, uninstaller.vendor);
  const invocations = invocationsOf(event.process);
  for (const inv of invocations) {
    // only kill-family commands read their pipeline's text: built when one asks
    const pipelineText = (): string =>
      invocations
        .filter((o) => o.pipeline === inv.pipeline)
        .map((o) => [o.program, ...o.args].join(' '))
        .join(' | ')
        .slice(0, 16 * 1024);
    const found = termination(inv, pipelineText, tools, event.process.cwd);
    if (found) return nodeFinding(event, found, found.tool);
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S.NODE_SuspectProcessTermination',
  kinds: ['process.exec'],
  summary: 'Security monitoring {tool} was targeted ({how}) by {process} in {place}.',
  screen: {
    anyOf: (indicators) => [
      // kill, pkill, killall, skill, killall5; systemctl stop|disable|mask|kill
      'kill',
      'systemctl',
      // service, rc-service and init scripts need the action stop or teardown (aa-teardown too)
      'stop',
      'teardown',
      'update-rc.d',
      'chkconfig',
      'rc-update',
      // setenforce; a redirection to /sys/fs/selinux/enforce (its last segment, in the target or the cwd)
      'enforce',
      'ufw',
      // uninstaller texts and install folders removed
      ...indicators.compiled('security-tools', listScreen),
    ],
  },
  detect(event, ctx) {
    if (underPackageManager(event, ctx.indicators)) return undefined;
    return detectExec(event, ctx);
  },
});
