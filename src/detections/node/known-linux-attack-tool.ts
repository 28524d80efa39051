/**
 * K8S.NODE_KnownLinuxAttackTool — a tool made for attacking other machines runs: scanners,
 * brute-forcers, exploitation frameworks, poisoning tools, Kubernetes/container attack and
 * breakout tools, privilege-escalation enumerators (data/indicators/attack-tools.yaml), as the
 * program itself, as a script an interpreter runs (`python3 sqlmap.py`, `sh linpeas.sh`), or piped
 * from a download into a shell (`curl -L …/linpeas.sh | sh`). Installing a tool (`apt-get install
 * nmap`) or asking for its version/help is not running it. hping3 in flood mode is
 * KnownLinuxDDoSToolkit's. Port-forwarders (chisel…) are SuspectPortForwarding's.
 * Exec events describe programs that started; there is no denied form.
 */
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, nameMatcher, viewOf, nameCore } from './lib/tools.js';
import { scopeOf, toolsRunOrPiped } from './lib/download.js';

export default defineDetection({
  type: 'K8S.NODE_KnownLinuxAttackTool',
  kinds: ['process.exec'],
  summary: 'Attack tool {tool} ({category}) ran in {place}: {command}.',
  screen: {
    // a tool of the list run by name, as the script an interpreter runs, or as the file fetched and piped to a shell
    anyOf: (indicators) => indicators.list('attack-tools').entries.map((e) => nameCore(e.value)),
  },
  detect(event, ctx) {
    const hit = toolsRunOrPiped(viewOf(event.process), event.process, nameMatcher(ctx.indicators.list('attack-tools')))[0];
    if (!hit) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { tool: hit.name, category: String(hit.entry.category ?? 'attack tool'), place: placeOf(event), command: commandText(hit.command) },
      key: `${scopeOf(event)}|${hit.entry.value}`,
    };
  },
});
