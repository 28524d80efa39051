/**
 * K8S.NODE_ImdsCall — a process in a container asks the cloud metadata service for identity
 * material: an Azure managed-identity token, AWS role credentials or an IMDSv2 session token, a GCP
 * service-account token or identity, Alibaba RAM or Oracle instance-principal credentials (paths in
 * data/indicators/metadata-credential-paths.yaml), through curl, wget, busybox, PowerShell or an
 * interpreter given the URL on its command line, directly or inside a shell script.
 * Decisions:
 * - Containers only: node agents (azure-cns, aws-node, the kubelet's credential providers) call
 *   IMDS from the node by design.
 * - hostNetwork pods are containers like any other: their agents use SDKs, whose requests carry
 *   no URL on a command line, so a command-line request from one is as unusual as from any pod.
 * - A bare connection to 169.254.169.254:80 is not reported: it carries no path, and every cloud
 *   SDK in every pod makes one for region or instance lookups — too weak to call token theft.
 * - Non-identity paths (instance id, region, network, Azure /metadata/instance) do not fire.
 */
import { defineDetection } from '../../engine/detection.js';
import type { IndicatorList } from '../../indicators/indicators.js';
import { hostReferencesInLower, isHttpClient } from './lib/network.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandName, commandsOf, lowerTextOf } from './lib/shells.js';

const hostsByList = new WeakMap<IndicatorList, string[]>();

/** The metadata hosts the list names, computed once per loaded list. */
function hostsOf(list: IndicatorList): string[] {
  let hosts = hostsByList.get(list);
  if (!hosts) {
    hosts = [...new Set(list.entries.flatMap((p) => (Array.isArray(p.hosts) ? (p.hosts as unknown[]).map(String) : [])))];
    hostsByList.set(list, hosts);
  }
  return hosts;
}

export default defineDetection({
  type: 'K8S.NODE_ImdsCall',
  kinds: ['process.exec'],
  summary: 'A {client} process in {place} requested {cloud} identity material from the metadata service ({url}): {commandLine}',
  screen: {
    // the metadata host as written: detect looks for it verbatim in the lower-cased command text
    anyOf: (indicators) => hostsOf(indicators.list('metadata-credential-paths')),
  },
  detect(event, ctx) {
    if (!event.container) return undefined;
    const list = ctx.indicators.list('metadata-credential-paths');
    const paths = list.entries;
    const hosts = hostsOf(list);
    const commands = commandsOf(event.process);
    for (let index = 0; index < commands.length; index++) {
      const c = commands[index]!;
      // A shell's own line repeats its script, whose commands follow one by one.
      if (index === 0 && commands.length > 1) continue;
      const client = commandName(c.words);
      if (!isHttpClient(client)) continue;
      for (const ref of hostReferencesInLower(lowerTextOf(c), hosts)) {
        const entry = paths.find((p) => ref.path.startsWith(p.value) && Array.isArray(p.hosts) && (p.hosts as unknown[]).includes(ref.host));
        if (!entry) continue;
        return {
          entities: { ...entitiesOf(event), remoteAddress: ref.host },
          facts: { client, place: placeOf(event), cloud: String(entry.cloud), url: ref.host + ref.path, commandLine: event.process.commandLine },
          key: [event.cluster, event.node, event.container.id, 'imds', client].join('|'),
        };
      }
    }
    return undefined;
  },
});
