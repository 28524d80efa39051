/**
 * K8S.NODE_Webshell — a web server or application runtime (data/indicators/web-server-processes.yaml)
 * starts a shell or a reconnaissance command (data/indicators/recon-commands.yaml) in a container:
 * the runtime is the nearest non-shell process among the first three ancestors, so
 * `php-fpm → sh -c "id; uname -a"` and `java → sh → whoami` both count.
 * What a web app legitimately runs stays silent:
 * - a `sh -c` script with no recon command in it (PHP mail() → sendmail, `ulimit -n` from Java,
 *   `git rev-parse` from node, ImageMagick), and shells given a script file;
 * - the runtime's own children that are not shells (nginx workers, php-fpm pool workers, the
 *   ingress-nginx controller's `nginx -s reload`, whose parent is not a web server anyway);
 * - single probes a runtime library makes: `uname` with one of -p/-m/-s/-r/-i/-o (Python's
 *   platform module), `id` about a named user (`id -gn hdfs`).
 * Interactive or bare shells (`sh`, `bash -i`) under a web server fire.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import type { IndicatorEntry, IndicatorList } from '../../indicators/indicators.js';
import type { ProcessExecEvent, ProcessInfo } from '../../events/model.js';
import { entitiesOf, placeOf, programName } from './lib/process.js';
import { commandsOf, isShellProcess, reconNameOf, scriptOf, unwrap } from './lib/shells.js';

const MAX_ANCESTORS = 3;
const LIBRARY_UNAME_FLAGS = new Set(['-p', '-m', '-s', '-r', '-i', '-o', '--machine', '--processor', '--kernel-name', '--kernel-release']);

function webServerAncestor(ancestors: readonly ProcessInfo[], servers: readonly IndicatorEntry[]): ProcessInfo | undefined {
  for (const ancestor of ancestors.slice(0, MAX_ANCESTORS)) {
    if (isShellProcess(ancestor)) continue;
    const name = programName(ancestor);
    const entry = servers.find((s) => s.value === name) ?? servers.find((s) => s.value === name.replace(/[0-9.]+$/, ''));
    if (!entry) return undefined;
    if (!Array.isArray(entry.argsAny)) return ancestor;
    const line = ` ${ancestor.commandLine.slice(0, 4096).toLowerCase()} `;
    return (entry.argsAny as unknown[]).some((a) => typeof a === 'string' && line.includes(a)) ? ancestor : undefined;
  }
  return undefined;
}

/** The web-server list's program names, as webServerAncestor compares them (exactly). */
function serverNames(list: IndicatorList): ReadonlySet<string> {
  return new Set(list.entries.map((e) => e.value));
}

/**
 * The screen: a container, and a nearest non-shell ancestor (of the first three) named like a web
 * server — what webServerAncestor requires before it reads the runtime's command line.
 */
function mayHaveWebServerParent(event: ProcessExecEvent, ctx: DetectionContext): boolean {
  if (!event.container) return false;
  const names = ctx.indicators.compiled('web-server-processes', serverNames);
  const ancestors = event.ancestors;
  for (let i = 0; i < ancestors.length && i < MAX_ANCESTORS; i++) {
    const ancestor = ancestors[i]!;
    if (isShellProcess(ancestor)) continue;
    const name = programName(ancestor);
    return names.has(name) || names.has(name.replace(/[0-9.]+$/, ''));
  }
  return false;
}

/** The recon command of `words`, unless it is a runtime library's routine probe. */
function attackerRecon(words: readonly string[], recon: readonly IndicatorEntry[]): string | undefined {
  const name = reconNameOf(words, recon);
  if (!name) return undefined;
  const real = unwrap(words);
  if (name === 'uname' && real.length === 2 && LIBRARY_UNAME_FLAGS.has(real[1]!)) return undefined;
  if (name === 'id' && real.slice(1).some((w) => !w.startsWith('-'))) return undefined;
  return name;
}

function whatRan(process: ProcessInfo, recon: readonly IndicatorEntry[]): string | undefined {
  if (isShellProcess(process)) {
    const script = scriptOf(process);
    if (script === undefined) {
      // A shell with a script file is the app's own script; with no operand (or -i) it is interactive.
      const operands = process.args.slice(1).filter((a) => !a.startsWith('-'));
      return operands.length === 0 ? 'an interactive shell' : undefined;
    }
    const found = commandsOf(process)
      .slice(1)
      .map((c) => attackerRecon(c.words, recon))
      .filter((n): n is string => !!n);
    return found.length ? `a shell running ${[...new Set(found)].slice(0, 5).join(', ')}` : undefined;
  }
  return attackerRecon(process.args.length ? process.args : [process.executable], recon);
}

export default defineDetection({
  type: 'K8S.NODE_Webshell',
  kinds: ['process.exec'],
  summary: '{server} in {place} started {what}: {commandLine}',
  screen: {
    // decided by the ancestry: any shell or recon command may be the web shell's, so no text vouches for it
    also: mayHaveWebServerParent,
  },
  detect(event, ctx) {
    const container = event.container;
    if (!container) return undefined;
    const server = webServerAncestor(event.ancestors, ctx.indicators.list('web-server-processes').entries);
    if (!server) return undefined;
    const what = whatRan(event.process, ctx.indicators.list('recon-commands').entries);
    if (!what) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { server: programName(server), place: placeOf(event), what, commandLine: event.process.commandLine },
      key: [event.cluster, event.node, container.id, 'webshell', server.pid].join('|'),
    };
  },
});
