/**
 * K8S.NODE_ReconnaissanceArtifactsBurst — several DISTINCT discovery commands
 * (data/indicators/recon-commands.yaml) in one container, or one login session on the node,
 * within a window (settings `windowSeconds`, `minDistinctCommands`). A script running them in one
 * go (`sh -c "id; whoami; uname -a; …"`) counts each of its commands. What keeps it quiet:
 * monitoring agents that run the same few commands (ps, df) over and over — repeats do not add
 * to the distinct count; an entrypoint that runs `id` and `uname` once stays under the threshold.
 * State: one entry per container/session in a bounded table, each holding at most
 * MAX_NAMES command names and MAX_EVENTS compact events for the evidence; all in event time.
 * Every finding of one burst has the same key, so a burst is one alert whose count grows.
 */
import { defineDetection } from '../../engine/detection.js';
import type { ProcessExecEvent } from '../../events/model.js';
import type { IndicatorList } from '../../indicators/indicators.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandsOf, reconNameOf } from './lib/shells.js';

const MAX_ENTRIES = 20_000;
const MAX_NAMES = 64;
const MAX_EVENTS = 16;
const MAX_EVIDENCE_LINE = 512;

interface CompactExec {
  id: string;
  time: number;
  source: string;
  origin?: string;
  node: string;
  pid: number;
  executable: string;
  commandLine: string;
}

interface Burst {
  /** command name → last time seen (ms) */
  names: Record<string, number>;
  events: CompactExec[];
}

function compact(event: ProcessExecEvent): CompactExec {
  const p = event.process;
  return { id: event.id, time: event.time, source: event.source, origin: event.origin, node: event.node, pid: p.pid, executable: p.executable, commandLine: p.commandLine.slice(0, MAX_EVIDENCE_LINE) };
}

function expand(c: CompactExec, like: ProcessExecEvent): ProcessExecEvent {
  return {
    kind: 'process.exec',
    id: c.id,
    time: c.time,
    source: c.source,
    origin: c.origin,
    cluster: like.cluster,
    node: c.node,
    container: like.container,
    process: { pid: c.pid, executable: c.executable, args: [], commandLine: c.commandLine },
    ancestors: [],
  };
}

interface ReconScreen {
  /** Names of entries that count whatever their arguments. */
  names: string[];
  /** Names of entries that need one of their arguments, and those arguments. */
  namesWithArgs: string[];
  args: string[];
}

/**
 * The recon list as whole-word screen strings, read once per loaded list: reconNameOf compares a
 * command's file name and its arguments whole (an argument without its trailing slashes, which end
 * a word anyway). A value no scan can find as one word (spaces, quotes) leaves its group open.
 */
function reconScreen(list: IndicatorList): ReconScreen {
  const screen: ReconScreen = { names: [], namesWithArgs: [], args: [] };
  for (const entry of list.entries) {
    if (!Array.isArray(entry.anyArg)) {
      screen.names.push(entry.value);
      continue;
    }
    screen.namesWithArgs.push(entry.value);
    // reconNameOf compares arguments with includes(): only strings can be equal to one
    for (const arg of entry.anyArg as unknown[]) if (typeof arg === 'string') screen.args.push(arg);
  }
  return screen;
}

function sessionOf(event: ProcessExecEvent): string {
  if (event.container) return `container|${event.container.id}`;
  return `node|${event.node}|${event.process.auid ?? 'none'}|${event.process.tty ?? 'none'}`;
}

export default defineDetection({
  type: 'K8S.NODE_ReconnaissanceArtifactsBurst',
  kinds: ['process.exec'],
  summary: '{count} distinct reconnaissance commands within {window}s in {place}: {commands}',
  defaults: { windowSeconds: 60, minDistinctCommands: 5 },
  // Counts only commands reconNameOf names, so the screen passes every event it learns from.
  screen: {
    // a command whose file name (after wrappers) is a recon name that counts with any arguments,
    // as a whole word (`w` must not pass every `wget`)
    words: (indicators) => indicators.compiled('recon-commands', reconScreen).names,
    // a recon name that counts only with one of its arguments (cat /etc/passwd, ip addr), and such an argument
    allOf: [[{ words: (indicators) => indicators.compiled('recon-commands', reconScreen).namesWithArgs }, { words: (indicators) => indicators.compiled('recon-commands', reconScreen).args }]],
  },
  detect(event, ctx) {
    const recon = ctx.indicators.list('recon-commands').entries;
    const names = new Set<string>();
    for (const c of commandsOf(event.process)) {
      const name = reconNameOf(c.words, recon);
      if (name) names.add(name);
    }
    if (!names.size) return undefined;
    const windowMs = Number(ctx.settings.windowSeconds) * 1000;
    const minDistinct = Number(ctx.settings.minDistinctCommands);
    const table = ctx.state.table<Burst>('recon-burst', { maxEntries: MAX_ENTRIES });
    const session = sessionOf(event);
    const burst = table.get(session) ?? { names: {}, events: [] };
    const since = event.time - windowMs;
    const kept: Record<string, number> = {};
    for (const [name, time] of Object.entries(burst.names)) if (time >= since) kept[name] = time;
    for (const name of names) if (Object.keys(kept).length < MAX_NAMES || name in kept) kept[name] = Math.max(kept[name] ?? 0, event.time);
    const earlier = burst.events.filter((e) => e.time >= since && e.id !== event.id);
    table.set(session, { names: kept, events: [...earlier, compact(event)].slice(-MAX_EVENTS) });
    const distinct = Object.keys(kept);
    if (distinct.length < minDistinct) return undefined;
    return {
      entities: entitiesOf(event),
      facts: { count: distinct.length, window: windowMs / 1000, place: placeOf(event), commands: distinct.sort().join(', ') },
      key: `recon-burst|${event.cluster ?? ''}|${session}`,
      related: earlier.map((e) => expand(e, event)),
    };
  },
});
