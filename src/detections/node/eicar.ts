/**
 * K8S.NODE_EICAR — the test alert: an executable named `asc_alerttest_662jfi039n` run with exactly
 * the arguments `testing eicar pipe` (Defender for Containers' documented trigger, and what
 * `vigil test-alert` runs), from any directory, in a container or on the node. Anything else that
 * merely mentions the name (cat, grep, other arguments) is not the test.
 */
import { defineDetection } from '../../engine/detection.js';
import { basename, entitiesOf, placeOf } from './lib/process.js';

const TEST_PROGRAM = 'asc_alerttest_662jfi039n';
const TEST_ARGS = ['testing', 'eicar', 'pipe'];

export default defineDetection({
  type: 'K8S.NODE_EICAR',
  kinds: ['process.exec'],
  summary: 'Test alert triggered in {place} by {commandLine}.',
  screen: {
    // the test program's name, as the executable or argv[0]
    anyOf: [TEST_PROGRAM],
  },
  detect(event) {
    const p = event.process;
    if (basename(p.executable) !== TEST_PROGRAM && basename(p.args[0] ?? '') !== TEST_PROGRAM) return undefined;
    // Tetragon's argv is re-split from one string: compare words, not array slots.
    const words = p.commandLine.trim().split(/\s+/).slice(1);
    if (words.length !== TEST_ARGS.length || words.some((w, i) => w !== TEST_ARGS[i])) return undefined;
    return { entities: entitiesOf(event), facts: { place: placeOf(event), commandLine: p.commandLine } };
  },
});
