/**
 * @module detections/control-plane/lib/images
 * Container image references as the container runtimes read them (`[registry/]path[:tag][@digest]`,
 * Docker Hub by default, `library/` for official images), and matching them against indicator
 * entries that name a registry (with `*` for one DNS label, e.g. regional ECR hosts) and a
 * repository path prefix, on path-segment boundaries.
 */

/** Longest reference considered; the API server refuses far shorter ones, so longer is junk. */
export const MAX_IMAGE_CHARS = 1024;

export const DOCKER_HUB = 'docker.io';

export interface ImageRef {
  /** Lower-cased registry host (with port): 'docker.io', 'registry.k8s.io', 'localhost:5000'. */
  registry: string;
  /** Repository path inside the registry: 'library/nginx', 'coredns/coredns'. */
  path: string;
  tag?: string;
  digest?: string;
  /** `registry/path`: the repository without tag or digest, what a baseline remembers. */
  repository: string;
  /** The path's last segment ('xmrig' of 'metal3d/xmrig'). */
  name: string;
}

/** Hostnames that index.docker.io and older clients write for Docker Hub. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/**
 * Parses an image reference the way the runtimes normalise it. The first path component is a
 * registry only if it has a dot or a port, or is `localhost` (the distribution reference rule).
 * Undefined for an empty or over-long reference.
 */
export function parseImageRef(reference: string): ImageRef | undefined {
  const text = reference.trim();
  if (!text || text.length > MAX_IMAGE_CHARS) return undefined;
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1) || undefined;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1) || undefined;
    rest = rest.slice(0, colon);
  }
  const firstSlash = rest.indexOf('/');
  let registry = DOCKER_HUB;
  let path = rest;
  if (firstSlash > 0) {
    const head = rest.slice(0, firstSlash);
    if (head.includes('.') || head.includes(':') || head === 'localhost') {
      registry = head.toLowerCase();
      path = rest.slice(firstSlash + 1);
    }
  }
  if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  path = path.toLowerCase();
  if (!path) return undefined;
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  const name = path.slice(path.lastIndexOf('/') + 1);
  return { registry, path, tag, digest, repository: `${registry}/${path}`, name };
}

/** Does `host` match `pattern`, where a `*` label stands for exactly one DNS label? */
function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.includes('*')) return pattern === host;
  const want = pattern.split('.');
  const have = host.split('.');
  if (want.length !== have.length) return false;
  return want.every((label, i) => label === '*' || label === have[i]);
}

/** Is `path` equal to `prefix` or below it (segment boundary, so 'calico' does not match 'calicox')? */
export function underPath(path: string, prefix: string): boolean {
  if (!prefix) return true;
  return path === prefix || (path.startsWith(prefix) && path.charAt(prefix.length) === '/');
}

/**
 * Does `path` hold `segments` ('metal3d/xmrig') as whole consecutive segments anywhere, so that a
 * mirror's or proxy cache's prefix ('dockerhub-cache/metal3d/xmrig') does not hide a repository?
 */
export function containsSegments(path: string, segments: string): boolean {
  return `/${path}/`.includes(`/${segments}/`);
}

/**
 * A registry-and-path pattern: 'registry.k8s.io' (the whole registry),
 * 'mcr.microsoft.com/oss/kubernetes' (that path and below),
 * '602401143452.dkr.ecr.*.amazonaws.com' (every region of one account). Docker Hub names are
 * written in full ('docker.io/calico').
 */
export interface RepositoryPattern {
  host: string;
  path: string;
}

export function parseRepositoryPattern(value: string): RepositoryPattern {
  const text = value.trim().toLowerCase().replace(/\/+$/, '');
  const slash = text.indexOf('/');
  return slash < 0 ? { host: text, path: '' } : { host: text.slice(0, slash), path: text.slice(slash + 1) };
}

export function matchesRepository(image: ImageRef, pattern: RepositoryPattern): boolean {
  return hostMatches(pattern.host, image.registry) && underPath(image.path, pattern.path);
}
