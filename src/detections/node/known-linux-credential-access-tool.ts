/**
 * K8S.NODE_KnownLinuxCredentialAccessTool — a credential access tool runs: memory dumpers and
 * harvesters (mimipenguin, LaZagne, linikatz, 3snake, gcore…), password crackers (john, unshadow,
 * hashcat), secret scanners pointed at the filesystem root or credential stores rather than at a
 * repository (data/indicators/credential-access-tools.yaml); and the same behaviours without a
 * named tool: gdb attached to a process to dump its memory (generate-core-file, dump memory),
 * reading other processes' memory (/proc/PID/mem), or sweeping every process's environment
 * (a /proc/PID/environ glob over every PID, or three processes' environ files in one command).
 * Version/help runs are not reported.
 * Exec events describe programs that started; there is no denied form.
 */
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, nameMatcher, viewOf, type Command, nameCore } from './lib/tools.js';
import { scopeOf, toolsRunOrPiped } from './lib/download.js';

const GDB_DUMPS = ['generate-core-file', 'gcore', 'dump memory', 'dump binary memory'];

/** The credential-dumping behaviour of a command that is not a named tool, if any. */
function dumpingBehaviour(command: Command): string | undefined {
  if (command.name === 'gdb') {
    const text = command.args.join(' ').toLowerCase();
    const attached = command.args.some((a) => a === '-p' || a.startsWith('--pid') || a === 'attach') || text.includes('attach ');
    if (attached && GDB_DUMPS.some((d) => text.includes(d))) return 'gdb attached to a process to dump its memory';
  }
  let environs = 0;
  for (const a of command.args) {
    if (!a.startsWith('/proc/') && !a.includes('=/proc/')) continue;
    const path = a.slice(a.indexOf('/proc/'));
    if (path.startsWith('/proc/*/environ')) return 'every process environment read at once (/proc/*/environ)';
    if (path.endsWith('/mem') && path !== '/proc/self/mem') return `another process's memory read (${path})`;
    if (path.endsWith('/environ') && path !== '/proc/self/environ') environs++;
  }
  return environs >= 3 ? `${environs} processes' environments read at once` : undefined;
}

export default defineDetection({
  type: 'K8S.NODE_KnownLinuxCredentialAccessTool',
  kinds: ['process.exec'],
  summary: 'Credential access tool {tool} ran in {place}: {command}.',
  screen: {
    // a tool of the list run by name, as the script an interpreter runs, or as the file fetched and piped to a shell;
    // gdb dumping a process; another process's /proc/PID/mem or environ files read
    anyOf: (indicators) => [...indicators.list('credential-access-tools').entries.map((e) => nameCore(e.value)), 'gdb', '/mem', 'environ'],
  },
  detect(event, ctx) {
    const view = viewOf(event.process);
    const hit = toolsRunOrPiped(view, event.process, nameMatcher(ctx.indicators.list('credential-access-tools')))[0];
    if (hit) {
      return {
        entities: entitiesOf(event),
        facts: { tool: `${hit.name} (${String(hit.entry.category ?? 'credential access')})`, place: placeOf(event), command: commandText(hit.command) },
        key: `${scopeOf(event)}|${hit.entry.value}`,
      };
    }
    for (const command of view.commands) {
      const behaviour = dumpingBehaviour(command);
      if (!behaviour) continue;
      return {
        entities: entitiesOf(event),
        facts: { tool: `${command.name}: ${behaviour}`, place: placeOf(event), command: commandText(command) },
        key: `${scopeOf(event)}|${command.name}|dump`,
      };
    }
    return undefined;
  },
});
