/**
 * K8S.NODE_PrivilegedContainerArtifacts — a container-runtime command started a container with
 * the host's full reach: `docker|podman|nerdctl run|create --privileged`, `--cap-add=ALL`, or the
 * node's root bind-mounted in (`-v /:/host`, `--mount type=bind,source=/,…`); `ctr run
 * --privileged` (any namespace, k8s.io included); `kubectl run --privileged` or with an
 * --overrides spec setting privileged; and the Docker Engine API called directly
 * (`curl --unix-socket /var/run/docker.sock …/containers/create` with "Privileged":true or a
 * "/:" bind). CLIs and subcommands: data/indicators/container-clis.yaml.
 *
 * Decided: `--pid=host`/`--net=host` alone (monitoring agents run so) is not privileged mode;
 * `crictl runp` reads its privileged setting from a config file the command line does not show
 * and is not judged; inspecting a container's privileged flag is not starting one.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import { invocationsOf, nodeFinding, optionValue, subcommandOf, type Invocation } from './lib/files.js';
import type { IndicatorEntry, IndicatorList } from '../../indicators/indicators.js';

/** The privileged-mode options among a run command's arguments. */
function privilegedOptions(args: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '--privileged' || a === '--privileged=true') found.push('--privileged');
    const next = args[i + 1] ?? '';
    if ((a === '--cap-add' && next.toUpperCase() === 'ALL') || a.toUpperCase() === '--CAP-ADD=ALL') found.push('--cap-add=ALL');
    const volume = a === '-v' || a === '--volume' ? next : a.startsWith('--volume=') ? a.slice(9) : a.startsWith('-v') && a.length > 2 ? a.slice(2) : undefined;
    if (volume !== undefined && /^\/+:/.test(volume)) found.push(`-v ${volume}`);
    const mount = a === '--mount' ? next : a.startsWith('--mount=') ? a.slice(8) : undefined;
    if (mount !== undefined && mount.split(',').some((kv) => /^(?:source|src)=\/+$/.test(kv))) found.push(`--mount ${mount}`);
  }
  return found;
}

function overridesPrivileged(args: readonly string[]): boolean {
  const overrides = optionValue(args, [], ['--overrides']);
  return overrides !== undefined && /"privileged"\s{0,8}:\s{0,8}true/i.test(overrides.slice(0, 65536));
}

/** curl/wget to the Docker API creating a privileged or host-root container. */
function dockerApiCreate(inv: Invocation): string | undefined {
  if (inv.program !== 'curl' && inv.program !== 'wget') return undefined;
  const text = inv.args.join(' ').slice(0, 65536);
  if (!text.includes('/containers/create')) return undefined;
  if (/"Privileged"\s{0,8}:\s{0,8}true/.test(text)) return 'Docker API containers/create with "Privileged":true';
  if (/"Binds"\s{0,8}:\s{0,8}\[\s{0,8}"\/+:/.test(text)) return 'Docker API containers/create binding the host root';
  return undefined;
}

/** The container CLIs by name (the first entry of a name, as a search in order finds it). */
function clisByName(list: IndicatorList): ReadonlyMap<string, IndicatorEntry> {
  const byName = new Map<string, IndicatorEntry>();
  for (const e of list.entries) if (!byName.has(e.value)) byName.set(e.value, e);
  return byName;
}

function privilegedStart(inv: Invocation, ctx: DetectionContext): { how: string; cli: string } | undefined {
  const api = dockerApiCreate(inv);
  if (api) return { how: api, cli: inv.program };
  const entry = ctx.indicators.compiled('container-clis', clisByName).get(inv.program);
  // subcommandOf finds nothing among no candidates: most programs are not container CLIs
  if (!Array.isArray(entry?.subcommands)) return undefined;
  const sub = subcommandOf(inv.args, entry.subcommands as string[]);
  if (!sub) return undefined;
  const options = privilegedOptions(sub.rest);
  if (inv.program === 'kubectl' && overridesPrivileged(sub.rest)) options.push('--overrides with privileged: true');
  return options.length ? { how: `${inv.program} ${sub.subcommand} ${options.join(' ')}`, cli: inv.program } : undefined;
}

export default defineDetection({
  type: 'K8S.NODE_PrivilegedContainerArtifacts',
  kinds: ['process.exec'],
  summary: 'A privileged container was started ({how}) by {process} in {place}.',
  screen: {
    // --privileged, a kubectl --overrides or Docker API "Privileged": true; --cap-add ALL;
    // the host root as a volume or API bind (-v /:/host, "Binds":["/:…"]); --mount source=/ or src=/
    anyOf: ['privileged', 'cap-add', '/:', 'source=/', 'src=/'],
  },
  detect(event, ctx) {
    for (const inv of invocationsOf(event.process)) {
      const found = privilegedStart(inv, ctx);
      if (found) return nodeFinding(event, { how: found.how }, found.cli);
    }
    return undefined;
  },
});
