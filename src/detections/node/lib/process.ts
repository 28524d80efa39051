/**
 * @module detections/node/lib/process
 * Reading a process the way node detections need to: its program name whatever path or argv[0]
 * it was started with, the script a shell was given with -c, and the arguments as a string that is
 * safe to match patterns against (bounded length, so a 1 MB command line costs what 64 KiB does).
 */
import type { NodeEvent, ProcessInfo } from '../../../events/model.js';
import { nodeEntities } from '../../../alerts/entities.js';
import type { AlertEntities } from '../../../alerts/alert.js';
import { analysisOf } from './analysis.js';

/** Longest command line a pattern is run over; longer ones are cut (the head carries the intent). */
export const MAX_MATCH_CHARS = 64 * 1024;

export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** The program's name: the executable's file name (argv[0]'s when the executable is unknown). */
export function programName(process: ProcessInfo): string {
  const analysis = analysisOf(process);
  return (analysis.program ??= basename(process.executable || process.args[0] || ''));
}

/** programName() lower-cased. */
export function lowerProgramName(process: ProcessInfo): string {
  const analysis = analysisOf(process);
  return (analysis.lowerProgram ??= programName(process).toLowerCase());
}

/** The command line cut to MAX_MATCH_CHARS for pattern matching. */
export function matchText(process: ProcessInfo): string {
  const text = process.commandLine;
  return text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text;
}

/** matchText() lower-cased. */
export function lowerMatchText(process: ProcessInfo): string {
  const analysis = analysisOf(process);
  return (analysis.lowerText ??= matchText(process).toLowerCase());
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox', 'fish', 'tcsh', 'csh']);

export function isShell(process: ProcessInfo): boolean {
  const name = programName(process);
  return SHELLS.has(name) || (name === 'busybox' && SHELLS.has(process.args[1] ?? ''));
}

/** The script of `sh -c SCRIPT` (any shell, -c possibly combined as -ec/-xc), else undefined. */
export function shellScript(process: ProcessInfo): string | undefined {
  const analysis = analysisOf(process);
  if (analysis.script === undefined) analysis.script = readShellScript(process) ?? null;
  return analysis.script ?? undefined;
}

function readShellScript(process: ProcessInfo): string | undefined {
  if (!isShell(process)) return undefined;
  const args = process.args;
  for (let i = 1; i < args.length - 1; i++) {
    const a = args[i]!;
    if (a.startsWith('-') && !a.startsWith('--') && a.includes('c')) {
      const script = args[i + 1]!;
      return script.length > MAX_MATCH_CHARS ? script.slice(0, MAX_MATCH_CHARS) : script;
    }
  }
  return undefined;
}

/** True when the event happened in a container (false: on the node itself). */
export function inContainer(event: NodeEvent): boolean {
  return event.container !== undefined;
}

/** Entities of a node event (node, pod, container, image, process with parents). */
export function entitiesOf(event: NodeEvent): AlertEntities {
  return nodeEntities(event);
}

/** Where the event happened, for descriptions: 'container api of pod payments/api-…' or 'node n1'. */
export function placeOf(event: NodeEvent): string {
  const c = event.container;
  if (!c) return `node ${event.node || '(unknown)'}`;
  const pod = c.pod ? ` of pod ${c.namespace ? c.namespace + '/' : ''}${c.pod}` : '';
  return `container ${c.name ?? c.id.slice(0, 12)}${pod}`;
}
