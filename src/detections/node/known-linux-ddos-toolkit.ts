/**
 * K8S.NODE_KnownLinuxDDoSToolkit — a DDoS toolkit is seen: a program of a public flooding toolkit
 * runs (slowloris, HULK, MHDDoS, db1000n, hping3 --flood…), or a file of a Linux DDoS bot's
 * installation (BillGates/Elknot, XorDDoS: data/indicators/ddos-toolkits.yaml, kind path) is
 * written, created, renamed into place or run. A failed write of such a file is reported too: the
 * toolkit tried to install itself.
 */
import { defineDetection } from '../../engine/detection.js';
import type { IndicatorEntry } from '../../indicators/indicators.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, nameMatcher, viewOf, nameCore } from './lib/tools.js';
import { scopeOf, toolsRunOrPiped } from './lib/download.js';

const WRITES = new Set(['write', 'create', 'rename', 'link', 'symlink', 'chmod', 'open']);

const isPath = (e: IndicatorEntry): boolean => e.kind === 'path';
const isProgram = (e: IndicatorEntry): boolean => e.kind === 'program';

export default defineDetection({
  type: 'K8S.NODE_KnownLinuxDDoSToolkit',
  kinds: ['process.exec', 'file.access'],
  summary: 'DDoS toolkit {family} seen in {place}: {what}.',
  screen: {
    // a toolkit program run by name, as the script an interpreter runs, or as the file fetched and piped to a shell
    anyOf: (indicators) => indicators.list('ddos-toolkits').entries.filter(isProgram).map((e) => nameCore(e.value)),
    // a bot's installed file run: the executable compared whole, as detect does
    also: (event, ctx) => nameMatcher(ctx.indicators.list('ddos-toolkits'), 'paths', isPath).match(event.process.executable) !== undefined,
  },
  detect(event, ctx) {
    const list = ctx.indicators.list('ddos-toolkits');
    const paths = nameMatcher(list, 'paths', isPath);
    if (event.kind === 'file.access') {
      if (!WRITES.has(event.operation)) return undefined;
      for (const path of [event.path, event.targetPath]) {
        const entry = path ? paths.match(path) : undefined;
        if (!entry) continue;
        return {
          entities: { ...entitiesOf(event), file: path },
          facts: { family: String(entry.family ?? entry.value), place: placeOf(event), what: `${event.operation} ${path} by ${event.process.executable}` },
          key: `${scopeOf(event)}|${entry.family ?? entry.value}`,
        };
      }
      return undefined;
    }
    const installed = paths.match(event.process.executable);
    if (installed) {
      return {
        entities: entitiesOf(event),
        facts: { family: String(installed.family ?? installed.value), place: placeOf(event), what: `${event.process.executable} runs` },
        key: `${scopeOf(event)}|${installed.family ?? installed.value}`,
      };
    }
    const programs = nameMatcher(list, 'programs', isProgram);
    const hit = toolsRunOrPiped(viewOf(event.process), event.process, programs)[0];
    if (!hit) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { family: String(hit.entry.family ?? hit.entry.value), place: placeOf(event), what: commandText(hit.command) },
      key: `${scopeOf(event)}|${hit.entry.family ?? hit.entry.value}`,
    };
  },
});
