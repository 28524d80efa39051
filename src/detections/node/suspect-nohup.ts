/**
 * K8S.NODE_SuspectNohup — nohup runs, in the background, a hidden file or a file from a temporary
 * directory (/tmp, /var/tmp, /dev/shm, /run/shm, /run/lock, /var/run/lock): the program itself, or
 * the script an interpreter is given (`nohup sh /var/tmp/x`, `nohup python3 /dev/shm/.p`), or the
 * programs of a script nohup runs (`nohup bash -c 'sh /var/tmp/…'`). Relative paths are resolved
 * against the process's working directory. A hidden file is one whose path has a component
 * starting with a dot (`./.kworker`, `/opt/.cache/x`). `nohup java -jar /app/app.jar` or a binary
 * under /usr or /opt is not this.
 */
import { defineDetection } from '../../engine/detection.js';
import { basename, entitiesOf, placeOf } from './lib/process.js';
import { commandName, commandsOf, SHELL_NAMES, splitCommands, unwrap, wrappersOf } from './lib/shells.js';

const TEMP_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/', '/run/lock/', '/var/run/lock/'];
const INTERPRETERS = ['python', 'perl', 'ruby', 'php', 'node', 'lua', 'java'];

function resolve(path: string, cwd: string | undefined): string {
  if (path.startsWith('/')) return path;
  const base = cwd && cwd.startsWith('/') ? cwd : '/';
  return (base.endsWith('/') ? base : base + '/') + path.replace(/^\.\//, '');
}

function suspectPath(path: string, cwd: string | undefined): string | undefined {
  if (!path || path.startsWith('-')) return undefined;
  const full = resolve(path, cwd);
  if (TEMP_DIRS.some((d) => full.startsWith(d))) return full;
  const hidden = full.split('/').some((part) => part.length > 1 && part.startsWith('.') && part !== '..');
  return hidden ? full : undefined;
}

function isInterpreter(name: string): boolean {
  return SHELL_NAMES.has(name) || INTERPRETERS.some((p) => name === p || (name.startsWith(p) && /^[0-9.]+$/.test(name.slice(p.length))));
}

/** The suspect file a command (after nohup) runs, if any. */
function runsSuspectFile(words: readonly string[], cwd: string | undefined, depth = 0): string | undefined {
  const real = unwrap(words);
  if (!real.length) return undefined;
  const direct = suspectPath(real[0]!, cwd);
  if (direct) return direct;
  const name = commandName(real);
  if (!isInterpreter(name)) return undefined;
  for (let i = 1; i < real.length; i++) {
    const w = real[i]!;
    if (SHELL_NAMES.has(name) && w.startsWith('-') && !w.startsWith('--') && w.includes('c') && depth < 2) {
      for (const inner of splitCommands(real[i + 1] ?? '')) {
        const found = runsSuspectFile(inner.words, cwd, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    if (w === '-jar' || w === '-m') return suspectPath(real[i + 1] ?? '', cwd);
    if (w.startsWith('-')) continue;
    return suspectPath(w, cwd);
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S.NODE_SuspectNohup',
  kinds: ['process.exec'],
  summary: 'nohup runs {file} in the background in {place}: {commandLine}',
  screen: {
    // every branch: a word of the process's commands whose file name is nohup
    anyOf: ['nohup'],
  },
  detect(event) {
    for (const c of commandsOf(event.process)) {
      const words = c.words;
      // nohup must be a wrapper of the command run, not an argument (`grep nohup …`).
      if (!wrappersOf(words).includes('nohup')) continue;
      const at = words.findIndex((w) => basename(w) === 'nohup');
      const file = runsSuspectFile(words.slice(at + 1), event.process.cwd);
      if (!file) continue;
      return {
        entities: { ...entitiesOf(event), file },
        facts: { file, place: placeOf(event), commandLine: event.process.commandLine },
        key: [event.cluster, event.node, event.container?.id, 'nohup', file].join('|'),
      };
    }
    return undefined;
  },
});
