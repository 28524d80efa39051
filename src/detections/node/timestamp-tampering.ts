/**
 * K8S.NODE_TimestampTampering — a file's times were set to something other than now on a path
 * where an old timestamp hides a planted file (system binaries and libraries, /etc, /boot, /root,
 * /tmp-like folders — data/indicators/timestamp-sensitive-paths.yaml — and hidden files anywhere):
 * `touch -r REFERENCE TARGET` (copying a legitimate file's times), `touch -d/--date/-t …`; and
 * file events of operation `utimes` on such paths by a program that is not expected to set times.
 *
 * Decided benign: package managers and what they run, archivers restoring packed times (tar,
 * cpio, unzip), copiers and sync tools preserving times (cp -p, rsync -t, install -p), make,
 * the container runtime unpacking layers (data/indicators/timestamp-preservers.yaml); plain
 * `touch FILE` and `touch -d now` (times set to now, nothing hidden). Failed operations changed
 * nothing and do not fire.
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, ProcessExecEvent } from '../../events/model.js';
import { inPathList, invocationsOf, listValues, nodeFinding, normalizePath, optionValue, positionals, runBy, underPackageManager, type Invocation } from './lib/files.js';
import { programName } from './lib/process.js';

const TOUCH_VALUE_OPTIONS = new Set(['-r', '-d', '-t', '--reference', '--date']);

/** The times a touch sets, when not now: 'copied from /bin/ls', 'set to 2019-01-01'. */
function explicitTimes(args: readonly string[]): string | undefined {
  const reference = optionValue(args, ['-r'], ['--reference']);
  if (reference !== undefined) return `copied from ${reference}`;
  const date = optionValue(args, ['-d', '-t'], ['--date']);
  if (date === undefined || /^(?:now|today)$/i.test(date.trim())) return undefined;
  return `set to ${date.slice(0, 80)}`;
}

function sensitive(path: string, ctx: DetectionContext): boolean {
  if (inPathList(path, ctx.indicators, 'timestamp-sensitive-paths')) return true;
  // a hidden file, or a file in a hidden folder (/tmp/.x/kworkerd, ~/.ssh/…)
  return path.split('/').some((part) => part.length > 1 && part.startsWith('.') && part !== '..');
}

function touchTargets(inv: Invocation, cwd: string | undefined): string[] {
  return positionals(inv.args, TOUCH_VALUE_OPTIONS).map((p) => normalizePath(p, cwd).path);
}

function fromExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  for (const inv of invocationsOf(event.process)) {
    if (inv.program !== 'touch') continue;
    const how = explicitTimes(inv.args);
    if (!how) continue;
    const file = touchTargets(inv, event.process.cwd).find((p) => sensitive(p, ctx));
    if (file) return nodeFinding(event, { file, how }, file, file);
  }
  return undefined;
}

function fromFile(event: FileAccessEvent, ctx: DetectionContext): Finding | undefined {
  if (event.operation !== 'utimes' || !event.success) return undefined;
  const file = normalizePath(event.path, event.process.cwd).path;
  if (!sensitive(file, ctx)) return undefined;
  let how = 'changed by a program that does not normally set file times';
  if (programName(event.process) === 'touch') {
    // touch sets times to now unless told otherwise; its command line says which
    const told = explicitTimes(event.process.args.slice(1));
    if (!told) return undefined;
    how = told;
  } else if (runBy(event, listValues(ctx.indicators, 'timestamp-preservers')) || underPackageManager(event, ctx.indicators)) {
    return undefined;
  }
  return nodeFinding(event, { file, how }, file, file);
}

export default defineDetection({
  type: 'K8S.NODE_TimestampTampering',
  kinds: ['process.exec', 'file.access'],
  summary: 'Times of {file} were {how} by {process} in {place}.',
  screen: {
    // only touch -r/-d/-t is judged on exec
    anyOf: ['touch'],
  },
  detect(event, ctx) {
    if (event.kind === 'process.exec' && underPackageManager(event, ctx.indicators)) return undefined;
    return event.kind === 'process.exec' ? fromExec(event, ctx) : fromFile(event, ctx);
  },
});
