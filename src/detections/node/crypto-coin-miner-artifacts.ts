/**
 * K8S.NODE_CryptoCoinMinerArtifacts — a known miner program runs: the executed program, or a
 * command of the shell script it was given, is named like a public miner or a campaign's miner
 * build (data/indicators/miner-binaries.yaml), whatever its arguments. A miner name that is only an
 * argument (`pkill xmrig`, `grep xmrig`, `apt-get install …`) is not a run. Reporting the name alone
 * is this type's job; how it was started (CryptoCoinMinerExecution) and the full conclusion
 * (DigitalCurrencyMining: miner + pool) are the other two types'.
 * Exec events describe programs that did start; there is no denied form.
 */
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, nameMatcher, toolsRun, viewOf, nameScreens } from './lib/tools.js';
import { scopeOf } from './lib/download.js';

export default defineDetection({
  type: 'K8S.NODE_CryptoCoinMinerArtifacts',
  kinds: ['process.exec'],
  summary: 'Miner program {miner} ({family}) ran in {place}: {command}.',
  screen: {
    // a program named like a miner (installers too: a wider screen is still sound)
    anyOf: (indicators) => nameScreens(indicators.list('miner-binaries').entries),
  },
  detect(event, ctx) {
    const matcher = nameMatcher(ctx.indicators.list('miner-binaries'), 'programs', (e) => e.kind !== 'installer');
    const hit = toolsRun(viewOf(event.process), matcher)[0];
    if (!hit) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { miner: hit.name, family: String(hit.entry.family ?? hit.entry.value), place: placeOf(event), command: commandText(hit.command) },
      key: `${scopeOf(event)}|miner|${hit.entry.value}`,
    };
  },
});
