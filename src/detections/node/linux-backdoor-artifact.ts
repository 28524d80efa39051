/**
 * K8S.NODE_LinuxBackdoorArtifact — the program that runs is a dropped payload, the way backdoors
 * are installed:
 *  - it was downloaded (in the same command line, or earlier in the same container within
 *    `windowSeconds`) into temporary or shared-memory space or a hidden path (/tmp, /var/tmp,
 *    /dev/shm, /root/.x/…) and is now run from there;
 *  - or it runs without a file: from a memfd (/memfd:…) or a deleted file ("… (deleted)");
 *  - or it runs from /dev/shm, which holds shared memory, not programs;
 *  - or it is named like a known Linux backdoor (data/indicators/linux-backdoors.yaml).
 * The difference with DownloadAndRunCombo: that type reports the download→run pattern for any file
 * anywhere (an installer piped into sh, a tool saved to /opt and started); this one reports the
 * payload itself — a binary hidden where payloads hide, fileless, or a known backdoor. A hidden
 * binary downloaded and run raises both, because both are true.
 * Exec events describe programs that started; there is no denied form.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import type { StateTable } from '../../engine/state/store.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { nameMatcher, toolsRun, viewOf, nameScreens } from './lib/tools.js';
import { downloadsRun, isDropLocation, recordChmod, recordDownloads, runOfRecordedDownload, scopeOf, windowMsOf, type DropRecord, DOWNLOAD_SCREEN, mayRunRememberedDownload } from './lib/download.js';

const SHM_DIRS = ['/dev/shm/', '/run/shm/'];

/** The downloads this detection remembers: the one table `detect` and the screen both read. */
function downloadsTable(ctx: DetectionContext): StateTable<DropRecord> {
  return ctx.state.table<DropRecord>('linux-backdoor-artifact.downloads', { maxEntries: Number(ctx.settings.maxTrackedDownloads) || 10_000 });
}

export default defineDetection({
  type: 'K8S.NODE_LinuxBackdoorArtifact',
  kinds: ['process.exec'],
  summary: '{path} ran in {place}: {why}.',
  defaults: { windowSeconds: 300, maxTrackedDownloads: 10_000 },
  screen: {
    anyOf: (indicators) => [
      // a chmod of a recorded download
      'chmod',
      // a program run from a memfd, a deleted file, /dev/shm or /run/shm (prefixes of the raw executable)
      'memfd:',
      '(deleted)',
      '/shm/',
      // a program named like a known backdoor
      ...nameScreens(indicators.list('linux-backdoors').entries),
    ],
    // a download (recorded, or run in the same command line)
    words: DOWNLOAD_SCREEN.words,
    allOf: DOWNLOAD_SCREEN.allOf,
    // a later process running a recorded download
    also: (event, ctx) => mayRunRememberedDownload(event, downloadsTable(ctx)),
  },
  detect(event, ctx) {
    const view = viewOf(event.process);
    const table = downloadsTable(ctx);
    const windowMs = windowMsOf(ctx.settings);
    const earlier = runOfRecordedDownload(event, view, table, windowMs);
    recordChmod(event, view, table, windowMs);
    recordDownloads(event, view, table, (d) => isDropLocation(d.output));
    const scope = scopeOf(event);
    const exe = event.process.executable;
    const finding = (path: string, why: string, related?: DropRecord) => ({
      entities: entitiesOf(event),
      facts: { path, why, place: placeOf(event) },
      key: `${scope}|${path}`,
      related: related ? (related.chmod ? [related.download, related.chmod] : [related.download]) : undefined,
    });
    if (earlier) return finding(exe, `downloaded from ${earlier.url} to ${earlier.path}${earlier.chmod ? ', made executable' : ''} and run from there`, earlier);
    if (exe.startsWith('/memfd:') || exe.endsWith(' (deleted)')) return finding(exe, 'the program runs without a file on disk (memfd or deleted)');
    if (SHM_DIRS.some((d) => exe.startsWith(d))) return finding(exe, 'the program runs from shared memory');
    const inline = downloadsRun(view, event.process).find((r) => r.how === 'file' && r.path && isDropLocation(r.path));
    if (inline) return finding(inline.path!, `downloaded from ${inline.download.urls[0]!.text} and run from there in one command line`);
    const known = toolsRun(view, nameMatcher(ctx.indicators.list('linux-backdoors')))[0];
    if (known) return finding(known.command.program, `named like the ${String(known.entry.family ?? known.entry.value)} backdoor`);
    return undefined;
  },
});
