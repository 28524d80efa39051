/**
 * K8S.NODE_SuspectPasswordChange — a password was set from a ready-made hash (crypt method):
 * `chpasswd -e` / `chgpasswd -e` (`echo 'root:$6$…' | chpasswd -e`), `usermod -p HASH`,
 * `useradd -p HASH` (the account's first password), the hash usually made by `openssl passwd -6`
 * in the same one-liner; or the shadow file rewritten behind the tools' back (`sed -i` on
 * /etc/shadow, a redirection or `tee` into it, a file copied or moved onto it) — seen in exec
 * command lines and in file events that write, truncate, create or rename onto /etc/shadow by a
 * program outside the authentication stack.
 *
 * Decided: `echo pw | passwd --stdin` and `chpasswd` without -e take a clear-text password and
 * hash it themselves — ordinary administration, not this. `usermod -p '!'`/`'*'` lock an
 * account rather than set a password. Package managers and cloud provisioning agents (cloud-init
 * sets hashed passwords from user data) are not this. Failed writes changed nothing.
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, ProcessExecEvent } from '../../events/model.js';
import { accountName, destructiveOn, hasFlag, inPathList, invocationsOf, listValues, nodeFinding, normalizePath, optionValue, positionals, underProvisioning, type Invocation } from './lib/files.js';
import { programName } from './lib/process.js';

const SHADOW = 'password-hash-files';
/** Values of -p that lock or disable a password instead of setting one. */
const LOCK_MARKERS = new Set(['', '!', '!!', '*', '!*', 'x']);

/**
 * The file names of a path list (shadow, tcb for the folder /etc/tcb): a path that is or lies
 * below an entry holds its last segment, written out in the command or its cwd.
 */
function fileNames(list: ReadonlySet<string>): string[] {
  return [...new Set([...list].map((path) => path.slice(path.lastIndexOf('/') + 1) || path))];
}

function change(inv: Invocation, cwd: string | undefined, ctx: DetectionContext): { account: string; how: string; file?: string } | undefined {
  const { program, args } = inv;
  if ((program === 'chpasswd' || program === 'chgpasswd') && hasFlag(args, 'e', ['--encrypted'])) {
    return { account: 'accounts read from standard input', how: `${program} -e (pre-hashed password)` };
  }
  if (program === 'usermod' || program === 'useradd') {
    const hash = optionValue(args, ['-p'], ['--password']);
    if (hash !== undefined && !LOCK_MARKERS.has(hash)) return { account: accountName(args) ?? '(unknown)', how: `${program} -p with a pre-hashed password` };
    return undefined;
  }
  const isShadow = (p: string): boolean => inPathList(p, ctx.indicators, SHADOW) && !p.endsWith('-');
  const appended = inv.redirects.find((r) => r.op === '>>' && isShadow(normalizePath(r.target, cwd).path));
  if (appended) return { account: 'entries written directly', how: 'appended to by redirection', file: normalizePath(appended.target, cwd).path };
  if (program === 'tee') {
    const file = positionals(args).map((p) => normalizePath(p, cwd).path).find(isShadow);
    if (file) return { account: 'entries written directly', how: 'written by tee', file };
  }
  const found = destructiveOn(inv, cwd, isShadow);
  if (found && found.how !== 'deleted' && found.how !== 'shredded' && found.how !== 'moved away') return { account: 'entries edited directly', how: found.how, file: found.file };
  return undefined;
}

function fromExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  for (const inv of invocationsOf(event.process)) {
    const found = change(inv, event.process.cwd, ctx);
    if (found) return nodeFinding(event, { account: found.account, how: found.how + (found.file ? ` on ${found.file}` : '') }, `${found.account}|${found.file ?? ''}`, found.file);
  }
  return undefined;
}

function fromFile(event: FileAccessEvent, ctx: DetectionContext): Finding | undefined {
  const op = event.operation;
  if (!event.success || (op !== 'write' && op !== 'truncate' && op !== 'create' && op !== 'rename' && op !== 'link')) return undefined;
  const target = normalizePath(op === 'rename' || op === 'link' ? (event.targetPath ?? '') : event.path, event.process.cwd).path;
  if (!inPathList(target, ctx.indicators, SHADOW) || target.endsWith('-')) return undefined;
  if (listValues(ctx.indicators, 'authentication-components').has(programName(event.process))) return undefined;
  return nodeFinding(event, { account: 'entries written directly', how: `${op} on ${target}` }, `direct|${target}`, target);
}

export default defineDetection({
  type: 'K8S.NODE_SuspectPasswordChange',
  kinds: ['process.exec', 'file.access'],
  summary: 'A password was set from a pre-hashed value for {account} ({how}) by {process} in {place}.',
  screen: {
    // chpasswd/chgpasswd -e and usermod/useradd -p HASH by name; a redirection, tee or rewriting
    // program on a listed file by its file name (in a path or the cwd)
    anyOf: (indicators) => ['chpasswd', 'chgpasswd', 'usermod', 'useradd', ...fileNames(indicators.list(SHADOW).values)],
  },
  detect(event, ctx) {
    if (underProvisioning(event, ctx.indicators)) return undefined;
    return event.kind === 'process.exec' ? fromExec(event, ctx) : fromFile(event, ctx);
  },
});
