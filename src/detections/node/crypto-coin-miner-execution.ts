/**
 * K8S.NODE_CryptoCoinMinerExecution — a process was started the way miners are started, whatever
 * its name: a stratum URL, a wallet-shaped pool user, `-o host:port -u user`, a known pool given
 * as the pool (-o/--url), or two miner-only options (--donate-level, --cpu-priority, -a rx/0…;
 * data/indicators/miner-options.yaml). Also a connection (net.connect) by a process whose command
 * line names a stratum URL or a known pool host, to a non-internal address: the pool reached.
 * Downloaders, grep and kill are never miners (`curl https://supportxmr.com/api`, `pkill -f
 * stratum`). Exec events describe programs that started; a failed connect is still an attempt.
 */
import { screenPieces } from '../../engine/screen.js';
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, viewOf } from './lib/tools.js';
import { isInternalHost, scopeOf } from './lib/download.js';
import { minerArgumentReasons, miningSignsOf, poolDestination, startedLikeAMiner } from './lib/mining.js';

export default defineDetection({
  type: 'K8S.NODE_CryptoCoinMinerExecution',
  kinds: ['process.exec', 'net.connect'],
  summary: 'A process in {place} was started like a miner ({reasons}): {command}.',
  screen: {
    anyOf: (indicators) => [
      // a stratum URL
      'stratum',
      // a wallet as the pool user, or `-o host:port -u user`: a user option (-u, --user, --userpass, -O, --wallet, -w)
      '-u',
      '-o',
      '-w',
      // a known pool given as the pool (hosts; ports too, as hostInList reads the whole list)
      ...screenPieces(indicators.list('mining-pools').values),
      // miner-only options and algorithms
      ...screenPieces(indicators.list('miner-options').values),
    ],
  },
  detect(event, ctx) {
    const signs = miningSignsOf(viewOf(event.process), ctx.indicators);
    if (!signs.length) return undefined;
    if (event.kind === 'net.connect') {
      if (event.family === 'unix' || isInternalHost(event.remoteAddress)) return undefined;
      const s = signs.find((x) => poolDestination(x) !== undefined && (x.poolIsTarget || x.stratum));
      if (!s) return undefined;
      return {
        entities: { ...entitiesOf(event), remoteAddress: `${event.remoteAddress}:${event.remotePort ?? ''}` },
        facts: { place: placeOf(event), reasons: `connects to ${event.remoteAddress}:${event.remotePort ?? '?'} with pool ${poolDestination(s)} in its arguments`, command: commandText(s.command) },
        key: `${scopeOf(event)}|${event.process.executable}`,
      };
    }
    const s = signs.find(startedLikeAMiner);
    if (!s) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { place: placeOf(event), reasons: minerArgumentReasons(s), command: commandText(s.command) },
      key: `${scopeOf(event)}|${s.command.self ? event.process.executable : s.command.program}`,
    };
  },
});
