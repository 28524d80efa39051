/**
 * K8S.NODE_SuspectPasswordFileAccess — a password-hash file (/etc/shadow, /etc/gshadow, their
 * backups, /etc/security/opasswd, BSD master.passwd — data/indicators/password-hash-files.yaml)
 * was read by something other than the authentication stack: `cat /etc/shadow`, `cp`, `base64`,
 * `tar`, `grep`, `unshadow`, `getent shadow`, `< /etc/shadow` redirections, through a host-root
 * mount or chroot (`chroot /host cat /etc/shadow`, `/host/etc/shadow`); and file events on those
 * files by a program outside data/indicators/authentication-components.yaml (sshd, su, sudo,
 * passwd, PAM's unix_chkpwd, shadow-utils, sssd, nscd, cron…).
 *
 * Not this: /etc/passwd (world-readable, no hashes); metadata-only commands (ls -l, stat, chmod
 * 640 — hardening scripts do those); package managers and their maintainer scripts. The
 * authentication stack is judged by the process itself, not its ancestors: every admin shell
 * descends from sshd. Failed opens read nothing, but a denied attempt by `cat` is still an
 * attempt: file events fire whatever their success (exec events carry no outcome anyway).
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, ProcessExecEvent } from '../../events/model.js';
import { contentPathsIn, inPathList, invocationsOf, listValues, nodeFinding, normalizePath, positionals, underPackageManager } from './lib/files.js';
import { programName } from './lib/process.js';

const LIST = 'password-hash-files';

/**
 * The file names of a path list (shadow, opasswd, tcb for the folder /etc/tcb): a path that is or
 * lies below an entry holds its last segment, written out in the command or its cwd.
 */
function fileNames(list: ReadonlySet<string>): string[] {
  return [...new Set([...list].map((path) => path.slice(path.lastIndexOf('/') + 1) || path))];
}

function fromExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  const auth = listValues(ctx.indicators, 'authentication-components');
  for (const inv of invocationsOf(event.process)) {
    if (auth.has(inv.program)) continue;
    if (inv.program === 'getent') {
      const db = positionals(inv.args, new Set(['-s', '--service']))[0];
      if (db === 'shadow' || db === 'gshadow') return nodeFinding(event, { file: `the ${db} database`, how: 'getent' }, db, `/etc/${db}`);
      continue;
    }
    const file = contentPathsIn(inv, event.process.cwd, (p) => inPathList(p, ctx.indicators, LIST), ctx.indicators.list(LIST).values)[0];
    if (file) return nodeFinding(event, { file, how: inv.program || 'redirection' }, file, file);
    if (inv.program === 'unshadow') return nodeFinding(event, { file: '/etc/shadow', how: 'unshadow' }, '/etc/shadow', '/etc/shadow');
  }
  return undefined;
}

function fromFile(event: FileAccessEvent, ctx: DetectionContext): Finding | undefined {
  const file = normalizePath(event.path, event.process.cwd).path;
  if (!inPathList(file, ctx.indicators, LIST)) return undefined;
  if (event.operation === 'chmod' || event.operation === 'chown' || event.operation === 'utimes') return undefined;
  if (listValues(ctx.indicators, 'authentication-components').has(programName(event.process))) return undefined;
  return nodeFinding(event, { file, how: `${event.operation}${event.success ? '' : ' (denied)'} by ${programName(event.process)}` }, file, file);
}

export default defineDetection({
  type: 'K8S.NODE_SuspectPasswordFileAccess',
  kinds: ['process.exec', 'file.access'],
  summary: 'Password-hash file {file} was accessed ({how}) by {process} in {place}.',
  screen: {
    // a listed file named by path, redirection, assignment or inside interpreter code;
    // getent shadow|gshadow and unshadow
    anyOf: (indicators) => [...fileNames(indicators.list(LIST).values), 'shadow'],
  },
  detect(event, ctx) {
    if (underPackageManager(event, ctx.indicators)) return undefined;
    return event.kind === 'process.exec' ? fromExec(event, ctx) : fromFile(event, ctx);
  },
});
