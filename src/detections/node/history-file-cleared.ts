/**
 * K8S.NODE_HistoryFileCleared — a command-history file (.bash_history, .zsh_history,
 * .python_history, .mysql_history… — data/indicators/history-files.yaml) was deleted, shredded,
 * truncated, overwritten, replaced by a link to /dev/null or moved away; or a shell's history was
 * cleared with `history -c` or by setting HISTFILESIZE=0 (bash truncates the file to that size).
 * Seen from exec command lines (argv or `sh -c` scripts, globs such as ~/.*_history included)
 * and from file events (unlink, truncate, rename, link/symlink on a history path).
 *
 * Decided: `unset HISTFILE`, `HISTFILE=/dev/null`, `HISTSIZE=0` and `set +o history` only stop
 * recording (T1562.003, impair command-history logging); nothing is cleared, so they do not fire.
 * A program rewriting its own history file (bash truncating to HISTFILESIZE, zsh renaming
 * .zsh_history.new into place) is normal, unless it is a shell running a `-c` script.
 * Failed file operations cleared nothing and do not fire.
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, ProcessExecEvent } from '../../events/model.js';
import { accountOf, DELETERS, destructiveOn, globMatch, hasGlob, invocationsOf, nodeFinding, normalizePath, type Invocation } from './lib/files.js';
import { basename, programName, shellScript } from './lib/process.js';

/** The history-file entry a path names (a glob counts when it can match one), else undefined. */
function historyName(path: string, ctx: DetectionContext): string | undefined {
  const name = basename(path).toLowerCase();
  const names = ctx.indicators.list('history-files').values;
  if (names.has(name)) return name;
  if (hasGlob(name)) for (const candidate of names) if (globMatch(name, candidate)) return candidate;
  return undefined;
}

/** How one command clears history: the file and how, or undefined. */
function clearing(inv: Invocation, cwd: string | undefined, ctx: DetectionContext): { file: string; how: string } | undefined {
  const { program, args } = inv;
  if (program === 'history' && args.some((a) => a.startsWith('-') && !a.startsWith('--') && a.includes('c'))) return { file: '~/.bash_history', how: 'history -c' };
  const settings = program === 'export' || program === 'declare' || program === 'typeset' ? [...inv.assignments, ...args] : inv.assignments;
  if (settings.some((s) => s.startsWith('HISTFILESIZE=') && /^0+$/.test(s.slice(13, 40)))) return { file: '~/.bash_history', how: 'HISTFILESIZE=0' };
  return destructiveOn(inv, cwd, (path) => historyName(path, ctx) !== undefined);
}

function fromExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  for (const inv of invocationsOf(event.process)) {
    const found = clearing(inv, event.process.cwd, ctx);
    if (found) {
      const { file, how } = found;
      return nodeFinding(event, { file, how, user: accountOf(file, event.process) }, file, file);
    }
  }
  return undefined;
}

function fromFile(event: FileAccessEvent, ctx: DetectionContext): Finding | undefined {
  if (!event.success) return undefined;
  const op = event.operation;
  if (op !== 'unlink' && op !== 'truncate' && op !== 'rename' && op !== 'link' && op !== 'symlink') return undefined;
  const path = normalizePath(event.path, event.process.cwd).path;
  const target = event.targetPath ? normalizePath(event.targetPath, event.process.cwd).path : undefined;
  const onPath = historyName(path, ctx);
  const onTarget = target ? historyName(target, ctx) : undefined;
  const file = onPath ? path : onTarget ? target! : undefined;
  if (!file) return undefined;
  // rename of a history file within its own name family (.zsh_history.new → .zsh_history) by its owner
  const owners = ctx.indicators.list('history-files').entries.find((e) => e.value.toLowerCase() === (onPath ?? onTarget))?.owners;
  const own = Array.isArray(owners) && owners.includes(programName(event.process)) && shellScript(event.process) === undefined;
  if (own && op !== 'unlink') return undefined;
  const how = op === 'unlink' ? 'deleted' : op === 'truncate' ? 'truncated' : op === 'rename' ? (onPath ? 'moved away' : 'replaced') : 'replaced by a link';
  return nodeFinding(event, { file, how, user: accountOf(file, event.process) }, file, file);
}

/**
 * What a command needs to destroy a file through destructiveOn(): an output redirection, or one
 * of the programs it reads (deleters, its rewriters, find).
 */
const DESTROYERS = ['>', ...DELETERS, 'truncate', 'cp', 'install', 'dd', 'mv', 'ln', 'sed', 'perl', 'find'];

export default defineDetection({
  type: 'K8S.NODE_HistoryFileCleared',
  kinds: ['process.exec', 'file.access'],
  summary: 'History file {file} of user {user} was cleared ({how}) by {process} in {place}.',
  screen: {
    // a history file by name (a path's file name, or the cwd's); `history -c`; HISTFILESIZE=0
    anyOf: (indicators) => [...indicators.list('history-files').values, 'history', 'histfilesize'],
    // a glob standing for a history file (rm ~/.*), given to a redirection or a destroying program
    allOf: [[['*', '?', '['], DESTROYERS]],
  },
  detect(event, ctx) {
    return event.kind === 'process.exec' ? fromExec(event, ctx) : fromFile(event, ctx);
  },
});
