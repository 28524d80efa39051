/**
 * K8S_ExposedPostgresTrustAuth — Postgres that accepts remote connections without credentials
 * (`trust`) became reachable from the Internet through a load balancer. The Service's port must
 * lead to the Postgres container's port (lib/exposure.ts postgresTargets), and the container's
 * configuration must grant remote trust in one of the ways the pod spec shows:
 * - POSTGRES_HOST_AUTH_METHOD=trust (official image), in `env`, from a ConfigMap key, or through
 *   `envFrom` a ConfigMap (with its prefix);
 * - Bitnami's ALLOW_EMPTY_PASSWORD=yes with no POSTGRESQL_PASSWORD/POSTGRES_PASSWORD (the image
 *   then writes `host all all 0.0.0.0/0 trust` and only rewrites it to md5 when a password is set);
 * - a pg_hba.conf from a mounted ConfigMap — the file `-c hba_file=` names, else any mounted
 *   pg_hba.conf (Bitnami copies /bitnami/postgresql/conf over its own) — whose first matching rule
 *   for some remote client is `trust` (parsed: comments, quotes, continuation lines, host/hostssl/
 *   hostnossl/hostgssenc, netmask column; loopback-only and shadowed lines do not count).
 * initdb's --auth=trust / --auth-host=trust (POSTGRES_INITDB_ARGS) are deliberately not counted:
 * initdb writes host lines for 127.0.0.1/32 and ::1/128 only, and the official image appends
 * `host all all all <method>` for everyone else.
 *
 * Fires when the last piece arrives: the Service, the workload, or the ConfigMap, in any order;
 * from audit requests or snapshots. Secrets are not in the inventory, so trust set from a Secret is
 * not seen. Refused requests changed nothing and do not fire.
 */
import ipaddr from 'ipaddr.js';
import { defineDetection } from '../../engine/detection.js';
import type { K8sObject } from '../../events/model.js';
import { cidrContains, parseCidr, type Cidr } from '../../indicators/ip.js';
import {
  environmentOf,
  exposureAuditIndex,
  exposureChanges,
  exposureFinding,
  MAX_MATCH_CHARS,
  mountedConfigFiles,
  postgresTargets,
  targetsOf,
  type ClusterView,
  type Target,
} from './lib/exposure.js';

const MAX_HBA_CHARS = 64 * 1024;
const HOST_TYPES = new Set(['host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc']);
const LOOPBACK = [parseCidr('127.0.0.0/8')!, parseCidr('::1/128')!];

export interface HbaRule {
  /** 1-based line where the rule starts. */
  line: number;
  type: string;
  database: string;
  user: string;
  address?: string;
  /** The address as a range, when it is one (CIDR, or address plus netmask column). */
  range?: Cidr;
  method: string;
  text: string;
}

/** Text before an unquoted '#'. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === '#' && !quoted) return line.slice(0, i);
  }
  return line;
}

/** Whitespace-separated tokens; double quotes keep spaces (and are kept, so "all" is not the keyword). */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === ' ' || ch === '\t')) {
      if (current) tokens.push(current);
      current = '';
    } else current += ch;
  }
  if (current) tokens.push(current);
  return tokens;
}

function rangeOf(address: string, mask: string | undefined): Cidr | undefined {
  if (!mask) return address.includes('/') ? parseCidr(address) : undefined;
  try {
    const prefix = ipaddr.parse(mask).prefixLengthFromSubnetMask();
    return prefix === null ? undefined : parseCidr(`${address}/${prefix}`);
  } catch {
    return undefined;
  }
}

/** The rules of a pg_hba.conf, in order (`include` directives and malformed lines are skipped). */
export function parseHba(text: string): HbaRule[] {
  const rules: HbaRule[] = [];
  const lines = text.slice(0, MAX_HBA_CHARS).split('\n');
  let pending = '';
  let start = 0;
  lines.forEach((raw, index) => {
    const line = stripComment(raw.replace(/\r$/, ''));
    // PostgreSQL 16+: a backslash at the end of a line continues it.
    if (line.trimEnd().endsWith('\\')) {
      if (!pending) start = index + 1;
      pending += line.trimEnd().slice(0, -1) + ' ';
      return;
    }
    const full = pending + line;
    const lineNo = pending ? start : index + 1;
    pending = '';
    const tokens = tokenize(full);
    const type = tokens[0]?.toLowerCase();
    if (!type) return;
    if (type === 'local') {
      if (tokens.length >= 4) rules.push({ line: lineNo, type, database: tokens[1]!, user: tokens[2]!, method: tokens[3]!.toLowerCase(), text: full.trim() });
      return;
    }
    if (!HOST_TYPES.has(type) || tokens.length < 5) return;
    const address = tokens[3]!;
    const withMask = !address.includes('/') && ipaddr.isValid(address);
    const method = tokens[withMask ? 5 : 4];
    if (!method) return;
    rules.push({ line: lineNo, type, database: tokens[1]!, user: tokens[2]!, address, range: rangeOf(address, withMask ? tokens[4] : undefined), method: method.toLowerCase(), text: full.trim().slice(0, 200) });
  });
  return rules;
}

function isLoopbackOnly(rule: HbaRule): boolean {
  const address = rule.address?.toLowerCase();
  if (address === 'samehost' || address === 'localhost') return true;
  return rule.range !== undefined && LOOPBACK.some((l) => cidrContains(l, rule.range!));
}

/** Whether `earlier` catches every connection `later` would (so `later` never applies). */
function covers(earlier: HbaRule, later: HbaRule): boolean {
  if (!(earlier.type === 'host' || earlier.type === later.type)) return false;
  if (earlier.database !== 'all' || earlier.user !== 'all') return false;
  if (earlier.address?.toLowerCase() === 'all') return true;
  return earlier.range !== undefined && later.range !== undefined && cidrContains(earlier.range, later.range);
}

/** The first rule that grants `trust` to some remote client, if any. */
export function remoteTrustRule(rules: readonly HbaRule[]): HbaRule | undefined {
  return rules.find(
    (rule, i) =>
      HOST_TYPES.has(rule.type) && rule.method === 'trust' && !isLoopbackOnly(rule) && !rules.slice(0, i).some((e) => HOST_TYPES.has(e.type) && e.method !== 'trust' && covers(e, rule)),
  );
}

/** `hba_file` given on the command line (`-c hba_file=…`, `-chba_file=…`, `--hba_file=…`, `--hba-file=…`). */
function hbaFileArgument(target: Target): string | undefined {
  const words: string[] = [];
  for (const arg of [...(target.container.command ?? []), ...(target.container.args ?? [])]) {
    if (typeof arg === 'string') words.push(...arg.slice(0, MAX_MATCH_CHARS).split(/\s+/));
  }
  for (let i = 0; i < words.length; i++) {
    let setting = words[i]!;
    if (setting === '-c') setting = words[i + 1] ?? '';
    else if (setting.startsWith('-c')) setting = setting.slice(2);
    else if (setting.startsWith('--')) setting = setting.slice(2).replace(/-/g, '_');
    else continue;
    if (setting.startsWith('hba_file=')) return setting.slice('hba_file='.length).replace(/^['"]|['"]$/g, '');
  }
  return undefined;
}

const PASSWORD_VARIABLES = ['POSTGRESQL_PASSWORD', 'POSTGRES_PASSWORD', 'POSTGRESQL_PASSWORD_FILE', 'POSTGRES_PASSWORD_FILE'];

/** How the Postgres container grants remote trust, or undefined. */
export function trustConfiguration(target: Target, service: K8sObject, view: ClusterView): string | undefined {
  const namespace = service.metadata.namespace ?? '';
  const env = environmentOf(target.container, namespace, view);
  const method = env.get('POSTGRES_HOST_AUTH_METHOD');
  if (method?.value?.trim().toLowerCase() === 'trust') return `POSTGRES_HOST_AUTH_METHOD=trust (${method.from})`;
  const empty = env.get('ALLOW_EMPTY_PASSWORD')?.value?.trim().toLowerCase();
  const hasPassword = PASSWORD_VARIABLES.some((name) => {
    const v = env.get(name);
    return v !== undefined && (v.value === undefined || v.value !== '');
  });
  if ((empty === 'yes' || empty === 'true' || empty === '1') && !hasPassword) {
    return 'ALLOW_EMPTY_PASSWORD=yes with no POSTGRESQL_PASSWORD (Bitnami then allows every address with trust)';
  }
  const hbaFile = hbaFileArgument(target);
  for (const file of mountedConfigFiles(target.container, target.spec, namespace, view)) {
    if (hbaFile ? file.path !== hbaFile : !file.path.endsWith('/pg_hba.conf')) continue;
    const rule = remoteTrustRule(parseHba(file.content));
    if (rule) return `${file.path} line ${rule.line} "${rule.text}" (ConfigMap ${file.configMap})`;
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S_ExposedPostgresTrustAuth',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: exposureAuditIndex(['configmaps']),
  summary: 'Service {service} exposes Postgres ({workload}, container {container}, image {image}) through {exposure} on ports {ports}, and it trusts remote clients without a password: {trust}. Made so by {trigger}.',
  detect(event, ctx) {
    const changes = exposureChanges(event, ctx, {
      configMaps: true,
      judge(service, exposure, view) {
        for (const target of postgresTargets(ctx, targetsOf(service, exposure, view))) {
          const trust = trustConfiguration(target, service, view);
          if (trust) return { target, trust };
        }
        return undefined;
      },
    });
    return changes.map((change) => exposureFinding(event, change, change.verdict.target, { trust: change.verdict.trust }));
  },
});
