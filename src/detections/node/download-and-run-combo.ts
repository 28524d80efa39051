/**
 * K8S.NODE_DownloadAndRunCombo — a file is downloaded and then run:
 *  - in one command line: the download piped into an interpreter (`curl … | sh`, `wget -qO- … |
 *    python3`), substituted into one (`bash -c "$(curl …)"`, `bash <(curl …)`, `eval "$(wget …)"`),
 *    or saved to a path that a later command of the same line runs (`wget -O x && chmod +x x &&
 *    ./x`, `curl -o /tmp/a; sh /tmp/a`);
 *  - or as a sequence of processes in one container (or on one node): a download to path P, then an
 *    execution of P (directly or by an interpreter) within `windowSeconds` of event time; the
 *    download and any `chmod +x P` between are carried as related evidence. State: one bounded
 *    table of recent downloads per cluster, keyed by container and path.
 * What is run does not matter here — where it lands and what it looks like is LinuxBackdoorArtifact's
 * question. https downloads from the vendors' official hosts (trusted-download-hosts: NodeSource,
 * get.docker.com, rustup…) are their documented installers and are not reported, at build time or
 * at run time alike (the two cannot be told apart from the node). Exec events describe programs
 * that started; there is no denied form.
 */
import { defineDetection, type DetectionContext } from '../../engine/detection.js';
import type { StateTable } from '../../engine/state/store.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, viewOf } from './lib/tools.js';
import { DOWNLOAD_SCREEN, downloadsRun, fromTrustedHosts, recordChmod, recordDownloads, runOfRecordedDownload, scopeOf, windowMsOf, type DropRecord, mayRunRememberedDownload } from './lib/download.js';

/** The downloads this detection remembers: the one table `detect` and the screen both read. */
function downloadsTable(ctx: DetectionContext): StateTable<DropRecord> {
  return ctx.state.table<DropRecord>('download-and-run-combo.downloads', { maxEntries: Number(ctx.settings.maxTrackedDownloads) || 10_000 });
}

export default defineDetection({
  type: 'K8S.NODE_DownloadAndRunCombo',
  kinds: ['process.exec'],
  summary: '{url} was downloaded and run ({how}) in {place}: {command}.',
  defaults: { windowSeconds: 300, maxTrackedDownloads: 10_000 },
  screen: {
    // a download (in one command line with its run, or recorded for a later one)
    ...DOWNLOAD_SCREEN,
    // a chmod of a recorded one
    anyOf: ['chmod'],
    // a later process running a recorded download
    also: (event, ctx) => mayRunRememberedDownload(event, downloadsTable(ctx)),
  },
  detect(event, ctx) {
    const view = viewOf(event.process);
    const trusted = ctx.indicators.list('trusted-download-hosts');
    const table = downloadsTable(ctx);
    const windowMs = windowMsOf(ctx.settings);
    const scope = scopeOf(event);
    const run = downloadsRun(view, event.process).find((r) => !fromTrustedHosts(r.download, trusted));
    const earlier = run ? undefined : runOfRecordedDownload(event, view, table, windowMs);
    recordChmod(event, view, table, windowMs);
    recordDownloads(event, view, table, (d) => !fromTrustedHosts(d, trusted));
    if (run) {
      const how = run.how === 'pipe' ? `piped into ${run.runner.name}` : run.how === 'substitution' ? `substituted into ${run.runner.name}` : `saved to ${run.path} and run`;
      return {
        entities: entitiesOf(event),
        facts: { url: run.download.urls[0]!.text, how, place: placeOf(event), command: commandText(run.download.command) },
        key: `${scope}|${run.path ?? run.download.urls[0]!.text}`,
      };
    }
    if (!earlier) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { url: earlier.url, how: `saved to ${earlier.path}${earlier.chmod ? ', made executable' : ''} and run by a later process`, place: placeOf(event), command: event.process.commandLine.slice(0, 300) },
      key: `${scope}|${earlier.path}`,
      related: earlier.chmod ? [earlier.download, earlier.chmod] : [earlier.download],
    };
  },
});
