/**
 * K8S.NODE_ImageBuildOnNode — a container image is being built on a cluster node: `docker build`
 * (and `docker image build`, `docker builder build`, `docker buildx build|bake`,
 * `docker compose build`), `podman build`, `buildah bud|build`, `nerdctl build`, `buildctl build`,
 * `img build`, kaniko's executor (recognised by --dockerfile/--context/--destination) — tools and
 * subcommands in data/indicators/image-builders.yaml.
 *
 * Decided: builds inside containers (docker-in-docker, kaniko or BuildKit in a CI pod) fire too:
 * they run on the node, and an attacker's build there escapes the registry's scanning just the
 * same. Informational; CI clusters that build in pods suppress this by namespace. Not this:
 * listing, pulling, inspecting (`docker images`, `docker pull`, `docker buildx ls`), help output,
 * and non-image builds (`go build`, `npm run build`, `make`).
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import { invocationsOf, nodeFinding, subcommandOf, type Invocation } from './lib/files.js';

function build(inv: Invocation, ctx: DetectionContext): string | undefined {
  const entry = ctx.indicators.list('image-builders').entries.find((e) => e.value === inv.program && e.daemon !== true);
  if (!entry) return undefined;
  if (inv.args.includes('--help') || inv.args.includes('-h')) return undefined;
  if (Array.isArray(entry.subcommands)) {
    const sub = subcommandOf(inv.args, entry.subcommands as string[]);
    return sub ? `${inv.program} ${sub.subcommand}` : undefined;
  }
  const options = Array.isArray(entry.options) ? (entry.options as string[]) : [];
  const given = inv.args.filter((a) => options.some((o) => a === o || a.startsWith(o + '=')));
  // kaniko's executor: a build needs at least two of its build options
  return given.length >= 2 ? `${inv.program} ${given.join(' ')}` : undefined;
}

export default defineDetection({
  type: 'K8S.NODE_ImageBuildOnNode',
  kinds: ['process.exec'],
  summary: 'A container image build ({how}) ran in {place}: {command}.',
  detect(event, ctx) {
    for (const inv of invocationsOf(event.process)) {
      const how = build(inv, ctx);
      if (how) return nodeFinding(event, { how, command: event.process.commandLine.slice(0, 300) }, 'image-build');
    }
    return undefined;
  },
});
