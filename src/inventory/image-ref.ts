/**
 * @module inventory/image-ref
 * Container image references (`container.image`) as the container runtimes read them
 * (`[registry[:port]/]path[:tag][@digest]`, Docker Hub by default, `library/` for official images),
 * and the ways detections match them against indicator entries: a registry (with `*` for one DNS
 * label, e.g. regional ECR hosts) and a path prefix; whole path segments anywhere in the path; or
 * the path's last segments, with `*` globs ('jupyter/*-notebook'). Segment matching lets a mirror's
 * or proxy cache's prefix ('mirror/bitnami/redis') still match.
 */

/**
 * Longest reference considered. The runtimes refuse repository names over 255 characters, so a
 * longer reference never runs: it is junk, not parsed (and bounds all matching below).
 */
export const MAX_IMAGE_CHARS = 1024;

export const DOCKER_HUB = 'docker.io';

export interface ImageRef {
  /** Lower-cased registry host (with port): 'docker.io', 'registry.k8s.io', 'localhost:5000'. */
  registry: string;
  /** Lower-cased repository path inside the registry: 'library/nginx', 'coredns/coredns'. */
  path: string;
  /** As written: tags are case-sensitive. */
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

/** A glob over one segment where `*` stands for any text; matched with indexOf, never a regex. */
function globMatches(text: string, pattern: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return text === pattern;
  if (!text.startsWith(parts[0]!)) return false;
  let at = parts[0]!.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  const last = parts[parts.length - 1]!;
  return text.length - last.length >= at && text.endsWith(last);
}

/**
 * Does `path` end with the pattern's segments, each a glob ('bitnami/redis' matches
 * 'mirror/bitnami/redis'; 'redis' matches 'library/redis' and any '…/redis'; 'jupyter/*-notebook'
 * matches 'jupyter/scipy-notebook')?
 */
export function endsWithSegments(path: string, pattern: string): boolean {
  const segments = path.split('/');
  const wanted = pattern.toLowerCase().split('/');
  if (wanted.length > segments.length) return false;
  const offset = segments.length - wanted.length;
  return wanted.every((p, i) => globMatches(segments[offset + i]!, p));
}
