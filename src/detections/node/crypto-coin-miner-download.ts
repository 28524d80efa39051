/**
 * K8S.NODE_CryptoCoinMinerDownload — a miner is downloaded: a download (curl, wget, busybox
 * wget/tftp, interpreters' HTTP libraries…) whose fetched file or saved file is named like a miner
 * or a miner installer (xmrig-6.21.0-linux-static-x64.tar.gz, kdevtmpfsi,
 * setup_moneroocean_miner.sh; data/indicators/miner-binaries.yaml), or a GitHub release download
 * of a miner's repository (/xmrig/xmrig/releases/download/…). From any host: the vendor's release
 * page is where most miners come from. `git clone` of a miner's source is not a download of a
 * miner program; nor is asking the GitHub API about a release.
 * Exec events describe programs that started; there is no denied form.
 */
import { defineDetection } from '../../engine/detection.js';
import { basename, entitiesOf, placeOf } from './lib/process.js';
import { commandText, nameMatcher, viewOf, type NameMatcher, nameScreens } from './lib/tools.js';
import { downloadsOf, scopeOf, type Url } from './lib/download.js';

function minerInUrl(url: Url, matcher: NameMatcher): string | undefined {
  if (url.file && matcher.match(url.file)) return url.file;
  const release = url.path.indexOf('/releases/download/');
  if (release > 0) {
    const repo = url.path.slice(0, release).toLowerCase().split('/').filter(Boolean);
    const hit = repo.find((segment) => matcher.match(segment));
    if (hit) return `${repo.join('/')} release`;
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S.NODE_CryptoCoinMinerDownload',
  kinds: ['process.exec'],
  summary: 'A miner ({what}) was downloaded from {url} in {place}: {command}.',
  screen: {
    // a miner's name in the URL's file, its release path or the file saved: a download's text
    anyOf: (indicators) => nameScreens(indicators.list('miner-binaries').entries),
  },
  detect(event, ctx) {
    const view = viewOf(event.process);
    const downloads = downloadsOf(view, event.process);
    if (!downloads.length) return undefined;
    const matcher = nameMatcher(ctx.indicators.list('miner-binaries'));
    for (const d of downloads) {
      for (const url of d.urls) {
        const what = minerInUrl(url, matcher) ?? (d.output !== '-' && matcher.match(basename(d.output).toLowerCase()) ? basename(d.output) : undefined);
        if (!what) continue;
        return {
          entities: entitiesOf(event),
          facts: { what, url: url.text, place: placeOf(event), command: commandText(d.command) },
          key: `${scopeOf(event)}|${url.host}${url.path}`,
        };
      }
    }
    return undefined;
  },
});
