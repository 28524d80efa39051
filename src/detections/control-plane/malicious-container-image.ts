/**
 * K8S_MaliciousContainerImage — a container is created from an image associated with digital
 * currency mining: its repository is listed (whatever the registry), its name holds a miner's
 * name (data/indicators/mining-images.yaml; a mirror's prefix such as `mirror/metal3d/xmrig`
 * still matches), or — the miner hidden in a generic image, as Kinsing
 * and TeamTNT did with stock ubuntu and alpine — its command, arguments or environment hold a
 * Stratum mining-pool URL (stratum+tcp://, stratum+ssl://, stratum2+tcp://…). Any workload kind,
 * regular, init or ephemeral containers, create, update or patch, and snapshots.
 * A refused request created nothing and does not fire. An update that leaves a mining container
 * as it was does not fire again.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import { containsSegments, parseImageRef } from '../../inventory/image-ref.js';
import type { ContainerSpec } from '../../inventory/pod-spec.js';
import { containerFinding, newlyMatching, WORKLOAD_AUDIT_INDEX, workloadChange } from './lib/workloads.js';

/** Longest text searched in one argument or environment value. */
const MAX_MATCH_CHARS = 64 * 1024;
const MAX_URL_SHOWN = 120;
/** Anchored at a found "stratum"; no nested quantifiers. */
const STRATUM_URL = /^stratum[12]?\+(?:tcp|ssl|tls):\/\/[^\s"'`]{1,120}/i;

/** The first Stratum pool URL in a text, or undefined. */
export function stratumUrl(text: string): string | undefined {
  const hay = text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text;
  const lower = hay.toLowerCase();
  for (let at = lower.indexOf('stratum'); at >= 0; at = lower.indexOf('stratum', at + 1)) {
    const found = STRATUM_URL.exec(hay.slice(at, at + 16 + MAX_URL_SHOWN));
    if (found) return found[0];
  }
  return undefined;
}

function stringsOf(container: ContainerSpec): string[] {
  const out: string[] = [];
  for (const list of [container.command, container.args]) {
    if (Array.isArray(list)) for (const item of list) if (typeof item === 'string') out.push(item);
  }
  if (Array.isArray(container.env)) {
    for (const env of container.env) if (env && typeof env.value === 'string') out.push(env.value);
  }
  return out;
}

/** Why the image's name is a miner's, from the indicator list; undefined if it is not. */
export function miningImageReason(image: string, ctx: DetectionContext): string | undefined {
  const ref = parseImageRef(image);
  if (!ref) return undefined;
  const words = ref.name.split(/[-_.]/);
  const exporter = words[words.length - 1] === 'exporter';
  for (const entry of ctx.indicators.list('mining-images').entries) {
    const value = entry.value.toLowerCase();
    if (entry.match === 'repository' && containsSegments(ref.path, value)) {
      return `repository ${ref.path} is a known mining image${typeof entry.note === 'string' ? ` (${entry.note})` : ''}`;
    }
    if (entry.match === 'token' && !exporter && ref.name.includes(value)) return `image name ${ref.name} names the miner '${value}'`;
  }
  return undefined;
}

export function miningReason(container: ContainerSpec, ctx: DetectionContext): string | undefined {
  const byImage = miningImageReason(container.image, ctx);
  if (byImage) return byImage;
  for (const text of stringsOf(container)) {
    const url = stratumUrl(text);
    if (url) return `its command, arguments or environment hold the mining-pool URL ${url}`;
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S_MaliciousContainerImage',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: WORKLOAD_AUDIT_INDEX,
  summary: 'Container {container} ({role}, image {image}) of {kind} {namespace}/{name} is a digital currency miner: {why}; set by {user}.',
  detect(event, ctx) {
    const change = workloadChange(event, ctx);
    if (!change) return undefined;
    return newlyMatching(change, (c) => miningReason(c, ctx) !== undefined).map((container) => containerFinding(change, container, { why: miningReason(container, ctx) }));
  },
});
