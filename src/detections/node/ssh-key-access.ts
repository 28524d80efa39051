/**
 * K8S.NODE_SshKeyAccess — an SSH authorized_keys file (authorized_keys, authorized_keys2, in any
 * home, through host-root mounts too) was changed the way malware plants or removes keys: a key
 * appended or written by redirection or tee, a file copied, moved or downloaded (curl -o,
 * wget -O) onto it, its immutable/append-only attribute toggled with chattr, keys deleted with
 * sed -i, the file deleted or truncated; and file events that write, create, truncate, delete,
 * rename or link it.
 *
 * Not this: reading it (sshd checks it on every login; `cat`, `ssh-keygen -lf`), chmod/chown
 * (StrictModes fixes), and the cloud guest agents and provisioning tools that manage keys from
 * instance metadata (data/indicators/provisioning-agents.yaml), or package managers. Failed file
 * operations changed nothing and do not fire.
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, NodeEvent, ProcessExecEvent } from '../../events/model.js';
import { accountOf, DELETERS, destructiveOn, globMatch, hasGlob, invocationsOf, listValues, nodeFinding, normalizePath, optionValue, positionals, runBy, underPackageManager, type Invocation } from './lib/files.js';
import { basename } from './lib/process.js';

const KEY_FILES = ['authorized_keys', 'authorized_keys2'];

/**
 * What a command needs to change a key file: an output redirection, a program change() reads
 * itself, or one destructiveOn() reads (deleters, its rewriters, find).
 */
const CHANGERS = ['>', 'tee', 'chattr', 'curl', 'wget', ...DELETERS, 'truncate', 'cp', 'install', 'dd', 'mv', 'ln', 'sed', 'perl', 'find'];

function isKeyFile(path: string): boolean {
  const name = basename(path);
  return KEY_FILES.includes(name) || (hasGlob(name) && KEY_FILES.some((k) => globMatch(name, k)));
}

/** How one command changes a key file: the file and how, or undefined. */
function change(inv: Invocation, cwd: string | undefined): { file: string; how: string } | undefined {
  const { program, args } = inv;
  const path = (p: string): string => normalizePath(p, cwd).path;
  for (const r of inv.redirects) {
    if (r.op !== '<' && isKeyFile(r.target)) return { file: path(r.target), how: r.op === '>>' ? 'appended to' : 'overwritten' };
  }
  // read only by the programs that name the file as an operand
  const named = (): string[] => positionals(args).filter(isKeyFile);
  switch (program) {
    case 'tee': {
      const first = named()[0];
      return first ? { file: path(first), how: args.includes('-a') || args.includes('--append') ? 'appended to' : 'overwritten' } : undefined;
    }
    case 'chattr': {
      const first = named()[0];
      return first ? { file: path(first), how: `given attributes ${args.find((a) => a.startsWith('+') || a.startsWith('-') || a.startsWith('=')) ?? ''}`.trim() } : undefined;
    }
    case 'curl':
    case 'wget': {
      const out = program === 'curl' ? optionValue(args, ['-o'], ['--output']) : optionValue(args, ['-O'], ['--output-document']);
      return out !== undefined && isKeyFile(out) ? { file: path(out), how: `downloaded by ${program}` } : undefined;
    }
    case 'mv': {
      const first = named()[0];
      return first ? { file: path(first), how: isKeyFile(positionals(args).at(-1) ?? '') ? 'replaced' : 'moved away' } : undefined;
    }
    default: {
      const found = destructiveOn(inv, cwd, isKeyFile);
      return found && found.how === 'edited in place' ? { file: found.file, how: 'edited in place (keys removed or replaced)' } : found;
    }
  }
}

function managed(event: NodeEvent, ctx: DetectionContext): boolean {
  return runBy(event, listValues(ctx.indicators, 'provisioning-agents')) || underPackageManager(event, ctx.indicators);
}

function fromExec(event: ProcessExecEvent): Finding | undefined {
  for (const inv of invocationsOf(event.process)) {
    const found = change(inv, event.process.cwd);
    if (found) return nodeFinding(event, { ...found, user: accountOf(found.file, event.process) }, found.file, found.file);
  }
  return undefined;
}

const CHANGES: Partial<Record<FileAccessEvent['operation'], string>> = {
  write: 'written',
  create: 'created',
  truncate: 'truncated',
  unlink: 'deleted',
  rename: 'renamed',
  link: 'linked',
  symlink: 'replaced by a link',
};

function fromFile(event: FileAccessEvent): Finding | undefined {
  const how = CHANGES[event.operation];
  if (!how || !event.success) return undefined;
  const candidates = [event.path, event.targetPath].filter((p): p is string => p !== undefined && isKeyFile(p));
  if (!candidates.length) return undefined;
  const file = normalizePath(candidates[0]!, event.process.cwd).path;
  return nodeFinding(event, { file, how, user: accountOf(file, event.process) }, file, file);
}

export default defineDetection({
  type: 'K8S.NODE_SshKeyAccess',
  kinds: ['process.exec', 'file.access'],
  summary: 'SSH authorized_keys file {file} of user {user} was {how} by {process} in {place}.',
  screen: {
    // the key file by name (authorized_keys2 included), in a path or the cwd
    anyOf: ['authorized_keys'],
    // a glob standing for it (~/.ssh/auth*), given to a redirection or a changing program
    allOf: [[['*', '?', '['], CHANGERS]],
  },
  detect(event, ctx) {
    if (managed(event, ctx)) return undefined;
    return event.kind === 'process.exec' ? fromExec(event) : fromFile(event);
  },
});
