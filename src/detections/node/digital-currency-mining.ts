/**
 * K8S.NODE_DigitalCurrencyMining — the conclusion that mining is going on, which needs two
 * independent signs in one process:
 *  - identity: a known miner program, or a miner's arguments (miner-only option, wallet-shaped pool
 *    user, `-o host:port -u user`), AND
 *  - destination: a stratum URL or a known pool host in its arguments, or — on a net.connect — a
 *    connection to a non-internal address on a pool's stratum port.
 * One sign alone is the lower-severity CryptoCoinMinerArtifacts (name) or CryptoCoinMinerExecution
 * (arguments). Exec events describe programs that started; a failed connect is still an attempt.
 */
import { screenPieces } from '../../engine/screen.js';
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, viewOf } from './lib/tools.js';
import { isInternalHost, scopeOf } from './lib/download.js';
import { isStratumPort, minerIdentity, miningSignsOf, poolDestination } from './lib/mining.js';

export default defineDetection({
  type: 'K8S.NODE_DigitalCurrencyMining',
  kinds: ['process.exec', 'net.connect'],
  summary: 'Mining in {place}: {identity} working for {pool}: {command}.',
  screen: {
    // on an exec the destination must be in the arguments: a stratum URL or a known pool
    // (hosts; ports too, as hostInList reads the whole list)
    anyOf: (indicators) => ['stratum', ...screenPieces(indicators.list('mining-pools').values)],
  },
  detect(event, ctx) {
    const signs = miningSignsOf(viewOf(event.process), ctx.indicators);
    if (!signs.length) return undefined;
    const onConnect = event.kind === 'net.connect';
    if (onConnect && (event.family === 'unix' || isInternalHost(event.remoteAddress))) return undefined;
    for (const s of signs) {
      const identity = minerIdentity(s);
      if (!identity) continue;
      let pool = poolDestination(s);
      if (!pool && onConnect && isStratumPort(event.remotePort, ctx.indicators)) pool = `${event.remoteAddress}:${event.remotePort}`;
      if (!pool) continue;
      const entities = entitiesOf(event);
      if (onConnect) entities.remoteAddress = `${event.remoteAddress}:${event.remotePort ?? ''}`;
      return {
        entities,
        facts: { place: placeOf(event), identity, pool, command: commandText(s.command) },
        key: `${scopeOf(event)}|${s.command.self ? event.process.executable : s.command.program}`,
      };
    }
    return undefined;
  },
});
