/**
 * K8S.NODE_SuspectDownload — a file is downloaded from a source commonly used to distribute
 * malware: a public IP address instead of a name (dotted, or hidden as one decimal/hex number), a
 * paste or anonymous file-sharing site, a tunnelling service (ngrok, trycloudflare…), a free
 * dynamic-DNS zone or a Tor address (data/indicators/malicious-download-hosts.yaml, suffix match on
 * label boundaries). Private, loopback and link-local addresses are the cluster talking to itself
 * and are not reported; GitHub hosts are not listed (see the data file).
 * Exec events describe programs that started; there is no denied form.
 */
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, viewOf } from './lib/tools.js';
import { downloadsOf, hostInList, isExternalIp, scopeOf, DOWNLOAD_SCREEN } from './lib/download.js';

export default defineDetection({
  type: 'K8S.NODE_SuspectDownload',
  kinds: ['process.exec'],
  summary: 'A file was downloaded from {url} ({why}) in {place}: {command}.',
  screen: {
    // a download (lib/download)
    ...DOWNLOAD_SCREEN,
  },
  detect(event, ctx) {
    const downloads = downloadsOf(viewOf(event.process), event.process);
    if (!downloads.length) return undefined;
    const hosts = ctx.indicators.list('malicious-download-hosts');
    for (const d of downloads) {
      for (const url of d.urls) {
        const why = isExternalIp(url.host) ? 'a public IP address' : hostInList(url.host, hosts) ? 'a host commonly used to distribute malware' : undefined;
        if (!why) continue;
        return {
          entities: entitiesOf(event),
          facts: { url: url.text, why, place: placeOf(event), command: commandText(d.command) },
          key: `${scopeOf(event)}|${url.host}`,
        };
      }
    }
    return undefined;
  },
});
