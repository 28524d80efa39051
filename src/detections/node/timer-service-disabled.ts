/**
 * K8S.NODE_TimerServiceDisabled — the automatic-update timers (apt-daily-upgrade.timer, and
 * apt-daily.timer with the same effect — data/indicators/update-timers.yaml) were stopped,
 * disabled, masked or killed: `systemctl stop|disable|mask|kill …` (with --now, several units,
 * globs such as apt-daily*), `service apt-daily-upgrade stop`, or their unit files and
 * timers.target.wants links deleted or replaced by /dev/null (by command or file event).
 *
 * Not this: status, start, enable, list-timers; package managers (upgrading or removing the apt
 * package stops its own timers). Informational: administrators do this too.
 */
import { defineDetection, type DetectionContext, type Finding } from '../../engine/detection.js';
import type { FileAccessEvent, ProcessExecEvent } from '../../events/model.js';
import { DELETERS, globMatch, hasGlob, invocationsOf, nodeFinding, normalizePath, positionals, underPackageManager, type Invocation } from './lib/files.js';
import { basename } from './lib/process.js';

const STOPPING_VERBS = new Set(['stop', 'disable', 'mask', 'kill']);
const SYSTEMCTL_VALUE_OPTIONS = new Set(['-t', '--type', '-s', '--signal', '-p', '--property', '-H', '--host', '-M', '--machine', '--root', '-n', '--lines', '-o', '--output', '--kill-whom', '--state', '--job-mode', '--what', '--timestamp']);
/**
 * What a command needs to stop or remove a unit named by a glob: the programs stopping() reads.
 */
const UNIT_STOPPERS = ['systemctl', 'service', ...DELETERS, 'ln', 'mv'];

/**
 * The units' names up to their first dot (apt-daily-upgrade): updateUnit() matches a name as it
 * is, or with '.service' added when it has no dot, unless a glob stands for it.
 */
function unitStems(units: ReadonlySet<string>): string[] {
  return [...new Set([...units].map((unit) => (unit.includes('.') ? unit.slice(0, unit.indexOf('.')) : unit) || unit))];
}

const UNIT_FOLDERS = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system', '/run/systemd/system'];

/** The update unit a unit argument names ('apt-daily-upgrade' → its .service; globs count). */
function updateUnit(arg: string, ctx: DetectionContext): string | undefined {
  const units = ctx.indicators.list('update-timers').values;
  const name = arg.toLowerCase();
  const full = name.includes('.') && !hasGlob(name) ? name : hasGlob(name) ? name : `${name}.service`;
  if (units.has(full)) return full;
  if (hasGlob(name)) for (const u of units) if (globMatch(name, u)) return u;
  return undefined;
}

function unitFile(path: string, ctx: DetectionContext): string | undefined {
  const dir = path.slice(0, path.lastIndexOf('/'));
  const inUnitFolder = UNIT_FOLDERS.some((f) => dir === f || (dir.startsWith(f + '/') && dir.endsWith('.wants')));
  return inUnitFolder ? updateUnit(basename(path), ctx) : undefined;
}

function stopping(inv: Invocation, cwd: string | undefined, ctx: DetectionContext): { unit: string; how: string } | undefined {
  const { program, args } = inv;
  if (program === 'systemctl') {
    const [verb, ...units] = positionals(args, SYSTEMCTL_VALUE_OPTIONS);
    if (!verb || !STOPPING_VERBS.has(verb)) return undefined;
    const unit = units.map((u) => updateUnit(u, ctx)).find(Boolean);
    return unit ? { unit, how: `systemctl ${verb}${args.includes('--now') ? ' --now' : ''}` } : undefined;
  }
  if (program === 'service') {
    const [name, action] = positionals(args);
    const unit = name ? updateUnit(name, ctx) : undefined;
    return unit && action === 'stop' ? { unit, how: 'service stop' } : undefined;
  }
  if (DELETERS.has(program) || program === 'ln' || program === 'mv') {
    const targets = program === 'ln' ? positionals(args).slice(-1) : positionals(args);
    for (const t of targets) {
      const unit = unitFile(normalizePath(t, cwd).path, ctx);
      if (unit) return { unit, how: program === 'ln' ? 'unit replaced by a link' : 'unit file removed' };
    }
  }
  return undefined;
}

function fromExec(event: ProcessExecEvent, ctx: DetectionContext): Finding | undefined {
  for (const inv of invocationsOf(event.process)) {
    const found = stopping(inv, event.process.cwd, ctx);
    if (found) return nodeFinding(event, found, found.unit);
  }
  return undefined;
}

function fromFile(event: FileAccessEvent, ctx: DetectionContext): Finding | undefined {
  const op = event.operation;
  if (!event.success || (op !== 'unlink' && op !== 'symlink' && op !== 'rename')) return undefined;
  // a symlink event names the link and what it points to; sources differ in which is which
  const candidates = op === 'symlink' ? [event.path, event.targetPath] : [event.path];
  const path = candidates.map((p) => (p ? normalizePath(p, event.process.cwd).path : '')).find((p) => unitFile(p, ctx));
  const unit = path ? unitFile(path, ctx) : undefined;
  if (!path || !unit) return undefined;
  // systemctl enable creates the wants/ symlink; only a link to /dev/null (a mask) disables
  if (op === 'symlink' && !(event.path === '/dev/null' || event.targetPath === '/dev/null')) return undefined;
  return nodeFinding(event, { unit, how: op === 'unlink' ? 'unit file or link removed' : op === 'rename' ? 'unit file moved away' : 'masked (linked to /dev/null)' }, unit, path);
}

export default defineDetection({
  type: 'K8S.NODE_TimerServiceDisabled',
  kinds: ['process.exec', 'file.access'],
  summary: 'Automatic-update unit {unit} was stopped or disabled ({how}) by {process} in {place}.',
  screen: {
    // an update unit by name, as a systemctl/service argument or a unit file's name (or the cwd)
    anyOf: (indicators) => unitStems(indicators.list('update-timers').values),
    // a glob standing for one (systemctl mask 'apt*'), given to systemctl, service or a remover
    allOf: [[['*', '?', '['], UNIT_STOPPERS]],
  },
  detect(event, ctx) {
    if (underPackageManager(event, ctx.indicators)) return undefined;
    return event.kind === 'process.exec' ? fromExec(event, ctx) : fromFile(event, ctx);
  },
});
