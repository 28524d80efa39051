/**
 * K8S.NODE_SuspectDownloadArtifacts — a file is downloaded in a way that hides it or avoids the
 * usual tools: saved into temporary or shared-memory space or a hidden path (/tmp, /var/tmp,
 * /dev/shm, /tmp/.x/…, a dot-file), fetched with `busybox wget|tftp|ftpget` called explicitly,
 * with TLS verification off from a bare IP address, or fetched by an interpreter's inline code
 * (python -c urllib, perl -e LWP, php -r file_get_contents…) or bash's /dev/tcp.
 * https downloads from the vendors' official hosts (trusted-download-hosts) saved under /tmp are
 * the documented installs and are not reported; a hidden file name is reported whatever the host.
 * Standard output and /dev/null are not files. Exec events describe programs that started.
 */
import { defineDetection } from '../../engine/detection.js';
import { basename, entitiesOf, placeOf } from './lib/process.js';
import { commandText, viewOf } from './lib/tools.js';
import { downloadsOf, fromTrustedHosts, isDropLocation, isExternalIp, isHiddenPath, scopeOf, type Download, DOWNLOAD_SCREEN } from './lib/download.js';
import type { IndicatorList } from '../../indicators/indicators.js';

function suspiciousWay(d: Download, trusted: IndicatorList): string | undefined {
  if (d.unusualClient) return d.tool === 'dev-tcp' ? "bash's /dev/tcp used as an HTTP client" : `inline ${d.tool} code used as a downloader`;
  if (d.viaBusybox) return `busybox ${d.command.name} called explicitly`;
  if (d.insecure && d.urls.some((u) => isExternalIp(u.host))) return 'TLS verification turned off for a bare IP address';
  if (d.output === '-' || d.output === '/dev/null') return undefined;
  if (basename(d.output).startsWith('.') || isHiddenPath(d.output)) return `saved to the hidden path ${d.output}`;
  if (isDropLocation(d.output) && !fromTrustedHosts(d, trusted)) return `saved to ${d.output} in temporary space`;
  return undefined;
}

export default defineDetection({
  type: 'K8S.NODE_SuspectDownloadArtifacts',
  kinds: ['process.exec'],
  summary: 'A file was downloaded from {url} in a suspicious way ({how}) in {place}: {command}.',
  screen: {
    // a download (lib/download)
    ...DOWNLOAD_SCREEN,
  },
  detect(event, ctx) {
    const downloads = downloadsOf(viewOf(event.process), event.process);
    if (!downloads.length) return undefined;
    const trusted = ctx.indicators.list('trusted-download-hosts');
    for (const d of downloads) {
      const how = suspiciousWay(d, trusted);
      if (!how) continue;
      return {
        entities: entitiesOf(event),
        facts: { url: d.urls[0]!.text, how, place: placeOf(event), command: commandText(d.command) },
        key: `${scopeOf(event)}|${d.output}|${d.urls[0]!.host}`,
      };
    }
    return undefined;
  },
});
