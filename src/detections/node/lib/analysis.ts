/**
 * @module detections/node/lib/analysis
 * One reading of a process per event, shared by every node detection. The engine hands the same
 * event object to each detection in turn, so what the libs derive from a process — its program
 * name, its `sh -c` script, the commands each parser reads from it, its lower-cased command line —
 * is computed by the first detection that asks and kept here, keyed by the ProcessInfo object.
 *
 * The slots are the memo of pure functions of those objects, not detection state: they hold nothing
 * another event could see, and a few recent processes only (the event's own and its ancestors),
 * so memory stays flat whatever keeps events alive elsewhere. Each lib still owns its reading
 * (lib/files, lib/shells, lib/tools…); this module only holds the slots. Readings are shared:
 * callers must not change what they are given.
 */
import type { ProcessInfo } from '../../../events/model.js';
import type { Invocation } from './files.js';
import type { SimpleCommand } from './shells.js';
import type { ProcessView } from './tools.js';

/** The readings of one process, each filled on first use (undefined: not read yet). */
export class Analysis {
  /** programName(): the executable's file name. */
  program: string | undefined = undefined;
  /** programName() lower-cased. */
  lowerProgram: string | undefined = undefined;
  /** shellScript(): the `sh -c` script, null when there is none. */
  script: string | null | undefined = undefined;
  /** The command line cut to MAX_MATCH_CHARS, lower-cased. */
  lowerText: string | undefined = undefined;
  /** lib/files scriptName(): the script an interpreter runs, lower-cased, or ''. */
  scriptName: string | undefined = undefined;
  /** lib/files invocationsOf(). */
  invocations: readonly Invocation[] | undefined = undefined;
  /** lib/shells commandsOf(). */
  commands: readonly SimpleCommand[] | undefined = undefined;
  /** lib/tools viewOf(). */
  view: ProcessView | undefined = undefined;
  /** lib/files runBy() answers for an event of this process, by program set (for these ancestors only). */
  runBy: { ancestors: readonly ProcessInfo[]; answers: Map<ReadonlySet<string>, boolean> } | undefined = undefined;
}

/**
 * A memo of a pure function of an object (a command's words, an invocation), by identity. It is
 * emptied when full: readings are of the event at hand, so older ones are rarely asked again.
 */
export class IdentityMemo<K extends object, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly maxEntries = 32) {}

  get(key: K, compute: (key: K) => V): V {
    let value = this.map.get(key);
    if (value === undefined) {
      value = compute(key);
      if (this.map.size >= this.maxEntries) this.map.clear();
      this.map.set(key, value);
    }
    return value;
  }
}

/**
 * How many processes' readings are kept: an event's process and its ancestors. A miss only costs
 * a new reading, so the bound need not cover the longest ancestry.
 */
const SLOTS = 16;
const keys: (ProcessInfo | undefined)[] = new Array<ProcessInfo | undefined>(SLOTS).fill(undefined);
const values: Analysis[] = Array.from({ length: SLOTS }, () => new Analysis());
let last = 0;
let next = 0;

/** The readings of `process` so far (an empty record the first time it is asked about). */
export function analysisOf(process: ProcessInfo): Analysis {
  if (keys[last] === process) return values[last]!;
  for (let i = 0; i < SLOTS; i++) {
    if (keys[i] === process) {
      last = i;
      return values[i]!;
    }
  }
  const analysis = new Analysis();
  keys[next] = process;
  values[next] = analysis;
  last = next;
  next = (next + 1) % SLOTS;
  return analysis;
}
