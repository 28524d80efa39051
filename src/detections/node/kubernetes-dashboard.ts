/**
 * K8S.NODE_KubernetesDashboard — a process in a container sends a request to the Kubernetes
 * Dashboard: by its Service's DNS names (kubernetes-dashboard, kubernetes-dashboard-kong-proxy,
 * kubernetes-dashboard-web/-api of the v7 chart, in any namespace), by the API server's service
 * proxy (`/api/v1/namespaces/…/services/https:kubernetes-dashboard:/proxy`), or by the ClusterIP
 * of a Service of that name when the inventory knows it; through curl, wget or an interpreter.
 * The Dashboard's own images (kubernetesui/*) are silent: its components talk to each other.
 */
import { defineDetection } from '../../engine/detection.js';
import type { DetectionContext } from '../../engine/detection.js';
import { isHttpClient, urlsOfCommand, mentions, hasColon } from './lib/network.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandName, commandsOf } from './lib/shells.js';

const SERVICE_NAMES = ['kubernetes-dashboard', 'kubernetes-dashboard-kong-proxy', 'kubernetes-dashboard-web', 'kubernetes-dashboard-api', 'kubernetes-dashboard-auth'];
const NAMESPACES = ['kubernetes-dashboard', 'kube-system'];

function isDashboardHost(host: string, ips: ReadonlySet<string>): boolean {
  if (ips.has(host)) return true;
  const first = host.split('.')[0]!;
  return SERVICE_NAMES.includes(first);
}

/** The API server's service proxy to a dashboard Service: …/services/https:kubernetes-dashboard:/proxy/. */
function isProxyPath(path: string): boolean {
  const at = path.indexOf('/services/');
  if (at < 0 || !path.includes('/proxy', at)) return false;
  const service = path.slice(at + '/services/'.length).split('/')[0]!;
  return service.split(':').some((part) => SERVICE_NAMES.includes(part));
}

function dashboardIps(ctx: DetectionContext): Set<string> {
  const ips = new Set<string>();
  for (const ns of NAMESPACES) {
    for (const name of SERVICE_NAMES) {
      const svc = ctx.inventory.get('Service', ns, name) as { spec?: { clusterIP?: unknown } } | undefined;
      if (typeof svc?.spec?.clusterIP === 'string' && svc.spec.clusterIP !== 'None') ips.add(svc.spec.clusterIP);
    }
  }
  return ips;
}

export default defineDetection({
  type: 'K8S.NODE_KubernetesDashboard',
  kinds: ['process.exec'],
  summary: 'A {client} process in {place} sent a request to the Kubernetes Dashboard ({url}): {commandLine}',
  screen: {
    // the dashboard's Service names, as a host or in an API-server proxy path
    anyOf: SERVICE_NAMES,
    // the ClusterIP of a Service of those names, known from the inventory only
    also: (event, ctx) => {
      if (!event.container || ctx.inventory.count('Service') === 0 || !hasColon(event.process)) return false;
      for (const ip of dashboardIps(ctx)) if (mentions(event.process, ip)) return true;
      return false;
    },
  },
  detect(event, ctx) {
    const container = event.container;
    if (!container || (container.image ?? '').toLowerCase().includes('kubernetesui/')) return undefined;
    const commands = commandsOf(event.process);
    // read from the inventory only when a command is an HTTP client
    let ips: Set<string> | undefined;
    for (let index = 0; index < commands.length; index++) {
      const c = commands[index]!;
      if (index === 0 && commands.length > 1) continue;
      const client = commandName(c.words);
      if (!isHttpClient(client)) continue;
      const urls = urlsOfCommand(c);
      if (!urls.length) continue;
      ips ??= dashboardIps(ctx);
      const dashboard = ips;
      const url = urls.find((u) => isDashboardHost(u.host, dashboard) || isProxyPath(u.path));
      if (!url) continue;
      return {
        entities: { ...entitiesOf(event), remoteAddress: url.host },
        facts: { client, place: placeOf(event), url: url.text, commandLine: event.process.commandLine },
        key: [event.cluster, event.node, container.id, 'kubernetes-dashboard'].join('|'),
      };
    }
    return undefined;
  },
});
