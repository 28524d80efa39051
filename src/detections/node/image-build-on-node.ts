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
import { screenPiece } from '../../engine/screen.js';
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import type { IndicatorList } from '../../indicators/indicators.js';
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

/**
 * A screen string present whenever all of `words` are: the longest screenPiece among them; null
 * when none has one but one is not ASCII (its text makes the scan fail open); undefined when no
 * string can stand for them (whitespace and quotes only).
 */
function standIn(words: readonly string[]): string | null | undefined {
  let best: string | undefined;
  for (const w of words) {
    const word = screenPiece(w);
    if (word && word.length > (best ?? '').length) best = word;
  }
  return best ?? (words.some((w) => /[^\x00-\x7f]/.test(w)) ? null : undefined);
}

interface BuilderScreen {
  /** Builders that build when given a subcommand, and a word of each subcommand. */
  withSubcommand: string[];
  subcommandWords: string[];
  /** Builders recognised by their options, and those options. */
  withOptions: string[];
  options: string[];
  /** Builders with a subcommand or option no string stands for: their name alone. */
  bare: string[];
  /** A builder whose name no string stands for. */
  unscreenable: boolean;
}

/** The image-builders list as screen strings, read once per loaded list. */
function builderScreen(list: IndicatorList): BuilderScreen {
  const screen: BuilderScreen = { withSubcommand: [], subcommandWords: [], withOptions: [], options: [], bare: [], unscreenable: false };
  for (const e of list.entries) {
    if (e.daemon === true) continue;
    const name = standIn([e.value]);
    if (name === undefined) screen.unscreenable = true;
    if (!name) continue;
    // subcommandOf matches every word of a subcommand; build() matches an option as itself or with `=value`
    const subcommands = Array.isArray(e.subcommands);
    const values = subcommands ? (e.subcommands as unknown[]).filter((v): v is string => typeof v === 'string').map((v) => v.split(' ')) : Array.isArray(e.options) ? (e.options as unknown[]).map((o) => [String(o)]) : [];
    const words = values.map(standIn);
    if (words.includes(undefined)) {
      screen.bare.push(name);
      continue;
    }
    const found = words.filter((w): w is string => !!w);
    if (subcommands) {
      screen.withSubcommand.push(name);
      screen.subcommandWords.push(...found);
    } else {
      screen.withOptions.push(name);
      screen.options.push(...found);
    }
  }
  return screen;
}

export default defineDetection({
  type: 'K8S.NODE_ImageBuildOnNode',
  kinds: ['process.exec'],
  summary: 'A container image build ({how}) ran in {place}: {command}.',
  screen: {
    // a builder whose subcommands or options no string stands for
    anyOf: (indicators) => indicators.compiled('image-builders', builderScreen).bare,
    allOf: [
      // a builder (docker, podman, buildah…) and a word of a build subcommand (build, bud, bake, buildx…)
      [(indicators) => indicators.compiled('image-builders', builderScreen).withSubcommand, (indicators) => indicators.compiled('image-builders', builderScreen).subcommandWords],
      // kaniko's executor and one of its build options
      [(indicators) => indicators.compiled('image-builders', builderScreen).withOptions, (indicators) => indicators.compiled('image-builders', builderScreen).options],
    ],
    // a configured builder name that no string can stand for
    openWhen: (indicators) => indicators.compiled('image-builders', builderScreen).unscreenable,
  },
  detect(event, ctx) {
    for (const inv of invocationsOf(event.process)) {
      const how = build(inv, ctx);
      if (how) return nodeFinding(event, { how, command: event.process.commandLine.slice(0, 300) }, 'image-build');
    }
    return undefined;
  },
});
