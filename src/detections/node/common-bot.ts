/**
 * K8S.NODE_CommonBot — behaviour of common Linux bot families (Mirai and its offshoots, Gafgyt/
 * Bashlite, Tsunami/Kaiten, Mozi, Sysrv, Kinsing, Muhstik…; data/indicators/linux-bots.yaml):
 *  - a bot program runs, by its family's file names (dvrHelper, mirai.x86, Mozi.m, kinsing…), or a
 *    bot loader script runs (bins.sh, also when piped from a download);
 *  - the Mirai-family shell probe: `busybox WORD` with an upper-case non-applet word (MIRAI,
 *    ECCHI…), run to check that a real busybox shell answers;
 *  - an IoT loader fetching per-CPU builds: a download of a file named by a CPU architecture
 *    (x86, mips, arm7, sora.mpsl…) from a bare public IP address, or of two such files at once.
 * Exec events describe programs that started; there is no denied form.
 */
import { screenPieces, withoutRemoved } from '../../engine/screen.js';
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, nameMatcher, viewOf, type ProcessView, nameScreens } from './lib/tools.js';
import { downloadsOf, isExternalIp, scopeOf, toolsRunOrPiped, type Download, DOWNLOAD_SCREEN } from './lib/download.js';
import type { IndicatorList, Indicators } from '../../indicators/indicators.js';
import type { ProcessInfo } from '../../events/model.js';

/** The architecture a file name names: `mips`, `x86_64`, `sora.arm7` → arm7. */
function archOf(file: string, arches: IndicatorList): string | undefined {
  if (arches.values.has(file)) return file;
  const dot = file.lastIndexOf('.');
  return dot > 0 && arches.values.has(file.slice(dot + 1)) ? file.slice(dot + 1) : undefined;
}

function loaderDownloads(view: ProcessView, process: ProcessInfo, list: IndicatorList): { download: Download; arch: string }[] {
  const found: { download: Download; arch: string }[] = [];
  for (const d of downloadsOf(view, process)) {
    for (const url of d.urls) {
      const arch = archOf(url.file, list);
      if (arch && list.entries.some((e) => e.kind === 'arch' && e.value === arch)) found.push({ download: d, arch });
    }
  }
  return found;
}

const BUSYBOX_PROBE = /^[A-Z]{4,16}$/;

const botPrograms = (list: IndicatorList) => nameScreens(list.entries.filter((e) => e.kind === 'program'));
const architectures = (list: IndicatorList) => screenPieces(list.entries.filter((e) => e.kind === 'arch').map((e) => e.value.toLowerCase()));

const BUSYBOX = /busybox/i;
const UPPER_WORD = /[A-Z]{4}/;

/**
 * The screen for the busybox probe, which the case-folded scan cannot tell from `busybox wget`:
 * busybox named somewhere, and a run of four upper-case letters once the readers' quotes and
 * backslashes are gone (`busybox 'EC''CHI'`). Anything the readers could decode fails the scan open.
 */
function mayBeBusyboxProbe(p: ProcessInfo): boolean {
  if (!BUSYBOX.test(withoutRemoved(p.commandLine)) && !BUSYBOX.test(withoutRemoved(p.executable)) && !p.args.some((a) => BUSYBOX.test(withoutRemoved(a)))) return false;
  return [p.executable, p.commandLine, ...p.args].some((t) => UPPER_WORD.test(withoutRemoved(t)));
}

export default defineDetection({
  type: 'K8S.NODE_CommonBot',
  kinds: ['process.exec'],
  summary: 'Bot behaviour ({what}) in {place}: {command}.',
  screen: {
    // a bot program run, piped from a download or downloaded
    anyOf: (indicators) => botPrograms(indicators.list('linux-bots')),
    allOf: [
      // an IoT loader: a download of a file named by an architecture, by a download tool
      [{ words: DOWNLOAD_SCREEN.words }, (indicators) => architectures(indicators.list('linux-bots'))],
      // or by an interpreter's inline code, or by bash's /dev/tcp
      ...DOWNLOAD_SCREEN.allOf.map((entry) => [...entry, (indicators: Indicators) => architectures(indicators.list('linux-bots'))]),
    ],
    // the Mirai-style busybox probe
    also: (event) => mayBeBusyboxProbe(event.process),
  },
  detect(event, ctx) {
    const list = ctx.indicators.list('linux-bots');
    const view = viewOf(event.process);
    const scope = scopeOf(event);
    const programs = nameMatcher(list, 'programs', (e) => e.kind === 'program');
    const hit = toolsRunOrPiped(view, event.process, programs)[0];
    if (hit) {
      return {
        entities: entitiesOf(event),
        facts: { what: `${String(hit.entry.family)} program ${hit.name}`, place: placeOf(event), command: commandText(hit.command) },
        key: `${scope}|${String(hit.entry.family)}`,
      };
    }
    for (const d of downloadsOf(view, event.process)) {
      const url = d.urls.find((u) => u.file && programs.match(u.file));
      if (!url) continue;
      const entry = programs.match(url.file)!;
      return {
        entities: entitiesOf(event),
        facts: { what: `${String(entry.family)} program ${url.file} downloaded`, place: placeOf(event), command: commandText(d.command) },
        key: `${scope}|${String(entry.family)}`,
      };
    }
    const probe = view.commands.find((c) => c.name === 'busybox' && c.args.length === 1 && BUSYBOX_PROBE.test(c.args[0]!));
    if (probe) {
      return {
        entities: entitiesOf(event),
        facts: { what: `Mirai-style busybox probe "${probe.args[0]}"`, place: placeOf(event), command: commandText(probe) },
        key: `${scope}|busybox-probe`,
      };
    }
    const loads = loaderDownloads(view, event.process, list);
    if (!loads.length) return undefined;
    const arches = new Set(loads.map((l) => l.arch));
    const load = loads.find((l) => l.download.urls.some((u) => isExternalIp(u.host))) ?? (arches.size >= 2 ? loads[0] : undefined);
    if (!load) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { what: `IoT loader fetching per-architecture builds (${[...arches].join(', ')})`, place: placeOf(event), command: commandText(load.download.command) },
      key: `${scope}|loader`,
    };
  },
});
