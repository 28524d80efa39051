/**
 * K8S.NODE_SystemLogRemoval — files that record user and system activity (syslog, auth.log,
 * secure, messages, kern.log, audit logs, wtmp/btmp/lastlog, the journal —
 * data/indicators/system-logs.yaml) were deleted, shredded, truncated, overwritten, edited in place
 * or moved away; or the journal was vacuumed/rotated away with journalctl. Seen in exec command
 * lines (`rm -rf /var/log/*`, `> /var/log/wtmp`, `utmpdump -r < x > /var/log/wtmp`,
 * `find /var/log -type f -delete`, `journalctl --vacuum-time=1s`) and in file events (unlink,
 * truncate, rename of a live system log), through host-root mounts (/host/var/log/…) too.
 *
 * Not this: log housekeeping — logrotate, savelog, the log daemons themselves (journald vacuuming
 * to its size limit, auditd rotating audit.log) and anything they run (postrotate scripts);
 * package managers; rotated archives (auth.log.1, syslog.2.gz) and age-based clean-ups
 * (`find /var/log -mtime +30 -delete`); applications' own logs (/var/log/nginx/…); reading
 * (`journalctl -f`, `tail`). Failed file operations removed nothing and do not fire.
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, NodeEvent, ProcessExecEvent } from '../../events/model.js';
import { coversPathList, DELETERS, destructiveOn, inPathList, invocationsOf, isRotatedArchive, listValues, nodeFinding, normalizePath, runBy, underPackageManager } from './lib/files.js';

const LIST = 'system-logs';

function isLiveSystemLog(path: string, ctx: DetectionContext): boolean {
  return inPathList(path, ctx.indicators, LIST) && !isRotatedArchive(path);
}

function housekeeping(event: NodeEvent, ctx: DetectionContext): boolean {
  return runBy(event, listValues(ctx.indicators, 'log-housekeepers')) || underPackageManager(event, ctx.indicators);
}

const JOURNAL_REMOVAL = ['--vacuum-time', '--vacuum-size', '--vacuum-files', '--rotate'];

/**
 * What a command needs to destroy a file through destructiveOn(): an output redirection, or one
 * of the programs it reads (deleters, its rewriters, find).
 */
const DESTROYERS = ['>', ...DELETERS, 'truncate', 'cp', 'install', 'dd', 'mv', 'ln', 'sed', 'perl', 'find'];

/**
 * The first folders of the listed logs (var, run): a path that is, holds or lies below a listed
 * log starts with one, written out in the command or its cwd unless a glob stands for it.
 */
function topFolders(list: ReadonlySet<string>): string[] {
  return [...new Set([...list].map((path) => path.split('/').find(Boolean) ?? path))];
}

function fromExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  const cwd = event.process.cwd;
  for (const inv of invocationsOf(event.process)) {
    if (inv.program === 'journalctl') {
      const option = inv.args.find((a) => JOURNAL_REMOVAL.some((o) => a === o || a.startsWith(o + '=')));
      if (option) return nodeFinding(event, { file: '/var/log/journal', how: `removed with journalctl ${option}` }, 'journal', '/var/log/journal');
      continue;
    }
    const found = destructiveOn(
      inv,
      cwd,
      (path) => isLiveSystemLog(path, ctx),
      (path) => coversPathList(path, ctx.indicators, LIST),
    );
    if (found) return nodeFinding(event, found, found.file, found.file);
  }
  return undefined;
}

function fromFile(event: FileAccessEvent, ctx: DetectionContext): Finding | undefined {
  if (!event.success) return undefined;
  const op = event.operation;
  if (op !== 'unlink' && op !== 'truncate' && op !== 'rename') return undefined;
  const path = normalizePath(event.path, event.process.cwd).path;
  if (!isLiveSystemLog(path, ctx)) return undefined;
  const how = op === 'unlink' ? 'deleted' : op === 'truncate' ? 'truncated' : `renamed to ${event.targetPath ?? '(unknown)'}`;
  return nodeFinding(event, { file: path, how }, path, path);
}

export default defineDetection({
  type: 'K8S.NODE_SystemLogRemoval',
  kinds: ['process.exec', 'file.access'],
  summary: 'System log {file} was {how} by {process} in {place}.',
  screen: {
    // journalctl --vacuum-*/--rotate
    anyOf: ['journalctl'],
    // a redirection or destroying program on a listed log, a folder above one (rm -rf /var) or a glob
    allOf: [[DESTROYERS, (indicators) => [...topFolders(indicators.list(LIST).values), '*', '?', '[']]],
  },
  detect(event, ctx) {
    if (housekeeping(event, ctx)) return undefined;
    return event.kind === 'process.exec' ? fromExec(event, ctx) : fromFile(event, ctx);
  },
});
