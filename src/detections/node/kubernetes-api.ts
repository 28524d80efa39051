/**
 * K8S.NODE_KubernetesAPI — a process in a container calls the Kubernetes API by hand:
 * - kubectl (or oc) with any verb that reaches the API server (auth can-i, get secrets, create,
 *   exec…; client-only commands — config, completion, version --client, help — do not);
 * - curl/wget/interpreters to the API server's in-cluster names (kubernetes.default.svc…), to
 *   $KUBERNETES_SERVICE_HOST, to the `kubernetes` Service's ClusterIP when the inventory knows
 *   it, or to /api or /apis paths anywhere with `Authorization: Bearer` — and any bearer request
 *   in a script that reads the pod's service-account token.
 * Unauthenticated probes of /healthz, /livez, /readyz and /version are connectivity checks, not
 * API use, and are skipped. Images whose job is to call the API (data/indicators/
 * kubernetes-tooling-images.yaml: Argo, Flux, Tekton, kubectl images, CI runners) are silent.
 * On the node itself, kubectl is an administrator's tool: not this type.
 */
import { defineDetection } from '../../engine/detection.js';
import type { DetectionContext } from '../../engine/detection.js';
import type { ContainerContext } from '../../events/model.js';
import type { IndicatorList } from '../../indicators/indicators.js';
import { isHttpClient, isKubernetesApiHost, mentionsApiServerVariable, urlsOfCommand, mentions, hasColon } from './lib/network.js';
import { entitiesOf, lowerMatchText, placeOf } from './lib/process.js';
import { commandName, commandsOf, lowerTextOf, unwrap } from './lib/shells.js';

/** kubectl commands that never contact the API server. */
const CLIENT_ONLY = new Set(['config', 'completion', 'help', 'plugin', 'kustomize', 'options', '--help', '-h']);
const PROBE_PATHS = ['/healthz', '/livez', '/readyz', '/version'];
const TOKEN_PATHS = ['/run/secrets/kubernetes.io/serviceaccount', '/var/run/secrets/tokens/'];

/** The image reference without tag or digest. */
function repositoryOf(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** An image list compiled once per loaded list: whole repositories, and prefixes ending in '/'. */
interface ImageList {
  repositories: ReadonlySet<string>;
  prefixes: readonly string[];
  /** Answers by image: a cluster runs few images, and every event of a container asks again. */
  answers: Map<string, boolean>;
}

const MAX_IMAGE_ANSWERS = 1024;

const imageLists = new WeakMap<IndicatorList, ImageList>();

function imageListOf(list: IndicatorList): ImageList {
  let compiled = imageLists.get(list);
  if (!compiled) {
    const values = list.entries.map((e) => e.value.toLowerCase());
    compiled = { repositories: new Set(values.filter((v) => !v.endsWith('/'))), prefixes: values.filter((v) => v.endsWith('/')), answers: new Map() };
    imageLists.set(list, compiled);
  }
  return compiled;
}

export function isToolingImage(container: ContainerContext, ctx: DetectionContext, list: string): boolean {
  if (!container.image) return false;
  const compiled = imageListOf(ctx.indicators.list(list));
  let answer = compiled.answers.get(container.image);
  if (answer === undefined) {
    const repo = repositoryOf(container.image.toLowerCase());
    answer = compiled.repositories.has(repo) || compiled.prefixes.some((v) => repo.startsWith(v));
    if (compiled.answers.size >= MAX_IMAGE_ANSWERS) compiled.answers.clear();
    compiled.answers.set(container.image, answer);
  }
  return answer;
}

function kubectlCall(words: readonly string[]): string | undefined {
  const real = unwrap(words);
  const name = commandName(real);
  if (name !== 'kubectl' && name !== 'oc') return undefined;
  const verbs = real.slice(1).filter((w) => !w.startsWith('-'));
  const verb = verbs[0];
  if (!verb || CLIENT_ONLY.has(verb)) return undefined;
  if (verb === 'version' && real.includes('--client')) return undefined;
  return `${name} ${verbs.slice(0, 3).join(' ')}`;
}

function apiServerIp(ctx: DetectionContext): string | undefined {
  const service = ctx.inventory.get('Service', 'default', 'kubernetes') as { spec?: { clusterIP?: unknown } } | undefined;
  return typeof service?.spec?.clusterIP === 'string' ? service.spec.clusterIP : undefined;
}

export default defineDetection({
  type: 'K8S.NODE_KubernetesAPI',
  kinds: ['process.exec'],
  summary: 'A process in {place} called the Kubernetes API ({request}) from image {image}: {commandLine}',
  screen: {
    // kubectl; the API server's in-cluster names and environment variables; bearer-token requests
    anyOf: ['kubectl', 'kubernetes', 'bearer'],
    // oc, compared as a whole name (as a string it is in every `docker` and `localhost`)
    words: ['oc'],
    // the `kubernetes` Service's ClusterIP, known from the inventory only
    also: (event, ctx) => {
      if (!event.container || ctx.inventory.count('Service') === 0 || !hasColon(event.process)) return false;
      const ip = apiServerIp(ctx);
      return ip !== undefined && mentions(event.process, ip);
    },
  },
  detect(event, ctx) {
    const container = event.container;
    if (!container || isToolingImage(container, ctx, 'kubernetes-tooling-images')) return undefined;
    const commands = commandsOf(event.process);
    const script = lowerMatchText(event.process);
    const readsToken = TOKEN_PATHS.some((p) => script.includes(p));
    // read from the inventory only when a command is an HTTP client
    let clusterIp: string | undefined | null = null;
    let request: string | undefined;
    for (let index = 0; index < commands.length; index++) {
      const c = commands[index]!;
      if (index === 0 && commands.length > 1) continue;
      request = kubectlCall(c.words);
      if (request) break;
      const client = commandName(c.words);
      if (!isHttpClient(client)) continue;
      const text = lowerTextOf(c);
      const bearer = text.includes('authorization: bearer') || text.includes('authorization:bearer') || text.includes('--oauth2-bearer');
      const urls = urlsOfCommand(c);
      if (clusterIp === null) clusterIp = apiServerIp(ctx);
      const api = urls.find((u) => isKubernetesApiHost(u.host) || u.host === clusterIp || (bearer && (u.path.startsWith('/api/') || u.path.startsWith('/apis/') || u.path === '/api' || u.path === '/apis')));
      const viaVariable = mentionsApiServerVariable(text);
      if (!api && !viaVariable && !(bearer && readsToken)) continue;
      if (!bearer && api && PROBE_PATHS.some((p) => api.path === p || api.path.startsWith(p + '?'))) continue;
      request = `${client} ${api ? api.text : 'with the service-account token'}`;
      break;
    }
    if (!request) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { place: placeOf(event), request, image: container.image, commandLine: event.process.commandLine },
      key: [event.cluster, event.node, container.id, 'kubernetes-api'].join('|'),
    };
  },
});
