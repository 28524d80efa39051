/**
 * K8S.NODE_MitreCalderaTools — a MITRE Caldera agent: its programs (sandcat/54ndc47, manx,
 * ragdoll; data/indicators/caldera.yaml) run; or a program runs with the agents' own arguments —
 * a server flag (-server/-http) with a URL plus one of the agent flags (-group, -paw, -listenP2P,
 * -c2, -contact…) — which catches the stock deployment's renamed binary (`./splunkd -server
 * http://…:8888 -group red`); or an agent is fetched from a Caldera server (`curl -X POST -H
 * "file:sandcat.go" -H "platform:linux" http://…/file/download`).
 * Exec events describe programs that started; there is no denied form.
 */
import { defineDetection } from '../../engine/detection.js';
import { entitiesOf, placeOf } from './lib/process.js';
import { commandText, nameMatcher, toolsRun, viewOf, type Command, nameCore } from './lib/tools.js';
import { downloadsOf, scopeOf } from './lib/download.js';
import type { IndicatorList } from '../../indicators/indicators.js';

const byKind = new WeakMap<IndicatorList, Map<string, Set<string>>>();

/** The list's values of one kind, computed once per loaded list. */
function valuesOf(list: IndicatorList, kind: string): Set<string> {
  let kinds = byKind.get(list);
  if (!kinds) {
    kinds = new Map();
    byKind.set(list, kinds);
  }
  let values = kinds.get(kind);
  if (!values) {
    values = new Set(list.entries.filter((e) => e.kind === kind).map((e) => e.value.toLowerCase()));
    kinds.set(kind, values);
  }
  return values;
}

/** `-server http://…` plus an agent flag: the agent's command line whatever the file's name. */
function agentArguments(command: Command, serverFlags: Set<string>, flags: Set<string>): string | undefined {
  let server: string | undefined;
  let flag: string | undefined;
  for (let i = 0; i < command.args.length && i < 256; i++) {
    const a = command.args[i]!.toLowerCase();
    if (serverFlags.has(a) && /^https?:\/\//i.test(command.args[i + 1] ?? '')) server = command.args[i + 1];
    else if (flags.has(a)) flag ??= command.args[i];
  }
  return server && flag ? `agent arguments ${flag} with server ${server}` : undefined;
}

/** The agent file asked for with a `file:NAME` header. */
function payloadHeader(command: Command, payloads: Set<string>): string | undefined {
  for (let i = 0; i < command.args.length && i < 256; i++) {
    const a = command.args[i]!.toLowerCase();
    const at = a.indexOf('file:');
    if (at < 0 || (at > 0 && a[at - 1] !== '-' && a[at - 1] !== '=')) continue;
    const name = (a.slice(at + 5).trim() || (command.args[i + 1] ?? '').toLowerCase()).trim();
    if (payloads.has(name)) return name;
  }
  return undefined;
}

export default defineDetection({
  type: 'K8S.NODE_MitreCalderaTools',
  kinds: ['process.exec'],
  summary: 'MITRE Caldera agent in {place} ({what}): {command}.',
  screen: {
    // an agent program run by name or as the script an interpreter runs; an agent file asked for by a file: header
    anyOf: (indicators) => [...indicators.list('caldera').entries.filter((e) => e.kind === 'program').map((e) => nameCore(e.value)), ...valuesOf(indicators.list('caldera'), 'payload')],
    // the agents' arguments: a server flag with an http(s) URL, and an agent flag
    allOf: [[(indicators) => [...valuesOf(indicators.list('caldera'), 'server-flag')], (indicators) => [...valuesOf(indicators.list('caldera'), 'flag')], ['://']]],
  },
  detect(event, ctx) {
    const list = ctx.indicators.list('caldera');
    const view = viewOf(event.process);
    const scope = scopeOf(event);
    const found = (what: string, command: Command) => ({
      entities: entitiesOf(event),
      facts: { what, place: placeOf(event), command: commandText(command) },
      key: `${scope}|caldera`,
    });
    const named = toolsRun(view, nameMatcher(list, 'programs', (e) => e.kind === 'program'))[0];
    if (named) return found(`agent program ${named.name}`, named.command);
    const serverFlags = valuesOf(list, 'server-flag');
    const flags = valuesOf(list, 'flag');
    for (const command of view.commands) {
      const args = agentArguments(command, serverFlags, flags);
      if (args) return found(args, command);
    }
    const payloads = valuesOf(list, 'payload');
    for (const d of downloadsOf(view, event.process)) {
      const payload = payloadHeader(d.command, payloads);
      if (payload) return found(`agent ${payload} fetched from ${d.urls[0]!.text}`, d.command);
    }
    return undefined;
  },
});
