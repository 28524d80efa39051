/**
 * @module sources/tetragon/format
 * Cilium Tetragon's JSON export (one GetEventsResponse per line, proto field names, 64-bit
 * integers as strings, zero fields omitted) → process.exec, file.access, net.connect,
 * process.namespace and pipeline.loss events. See docs/tetragon.md for the Tetragon side.
 *
 * Processes that pre-date Tetragon (flag `procFS`) and exec events that Tetragon marks as probable
 * liveness/readiness exec probes are not emitted, only remembered for ancestry and counted.
 * `process_exit` only makes the decoder forget a process.
 */
import type { ContainerContext, NodeEvent, PipelineLossEvent, ProcessInfo } from '../../events/model.js';
import { BoundedCache } from '../../util/bounded-cache.js';
import type { Decoder, DecoderOptions, DecoderSink, Origin, SourceFormat } from '../format.js';
import { originText } from '../format.js';
import { kprobeMeaning } from './kprobe.js';
import { isExecProbe, isRecord, num, parseTime, ProcessTable, record, str, toContainer, toProcessInfo } from './process.js';

/** What a decoder did with its input, beyond the events and issues it reported. */
export interface TetragonStats {
  lines: number;
  events: number;
  issues: number;
  /** procFS inventory of processes that pre-date Tetragon: remembered, not emitted. */
  preExisting: number;
  /** Exec events Tetragon marked `maybe_exec_probe`: remembered, not emitted. */
  execProbesSkipped: number;
  exits: number;
  /** sendmsg-style events of a socket already reported. */
  repeatedSends: number;
  /** Events of known kinds Vigil does not use (tracepoints, uprobes, unmapped kprobes), by key. */
  ignored: Record<string, number>;
  /** Processes currently remembered for ancestry. */
  processes: number;
}

export interface TetragonDecoderOptions extends DecoderOptions {
  /** Processes remembered for ancestry (default 65,536). */
  maxProcesses?: number;
}

export interface TetragonDecoder extends Decoder {
  stats(): TetragonStats;
}

const ENVELOPE = new Set(['node_name', 'time', 'cluster_name', 'node_labels', 'aggregation_info']);
/** Event keys Tetragon defines that carry nothing Vigil detects on. */
const UNUSED = new Set(['process_tracepoint', 'process_uprobe', 'process_usdt', 'process_loader', 'test']);
const MAX_SOCKETS = 16_384;

export function openTetragon(sink: DecoderSink, options: TetragonDecoderOptions = {}): TetragonDecoder {
  const processes = new ProcessTable(options.maxProcesses ?? 65_536);
  const sockets = new BoundedCache<string, true>(MAX_SOCKETS);
  const reported = new Set<string>();
  const stats: TetragonStats = {
    lines: 0,
    events: 0,
    issues: 0,
    preExisting: 0,
    execProbesSkipped: 0,
    exits: 0,
    repeatedSends: 0,
    ignored: {},
    processes: 0,
  };

  const issue = (origin: Origin, reason: string): void => {
    stats.issues++;
    sink.issue({ origin, reason });
  };
  /** Reports a thing once per input, not once per line (an unknown event key, an unmapped hook). */
  const issueOnce = (key: string, origin: Origin, reason: string): void => {
    if (reported.has(key)) return;
    reported.add(key);
    issue(origin, reason + ' (reported once)');
  };
  const ignore = (key: string): void => {
    stats.ignored[key] = (stats.ignored[key] ?? 0) + 1;
  };
  const emit = (event: NodeEvent | PipelineLossEvent): void => {
    stats.events++;
    sink.event(event);
  };

  const decode = (value: unknown, origin: Origin): void => {
    if (!isRecord(value)) {
      issue(origin, 'not a JSON object (expected one Tetragon GetEventsResponse per line)');
      return;
    }
    const eventKeys = Object.keys(value).filter((key) => !ENVELOPE.has(key));
    if (eventKeys.length === 0) {
      issue(origin, 'no event key (process_exec, process_kprobe…) beside the envelope');
      return;
    }
    const key = eventKeys[0];
    const payload = value[key];
    const envelopeTime = parseTime(value.time);
    const node = str(value.node_name) ?? options.node ?? '';
    const cluster = str(value.cluster_name) ?? options.cluster;
    const where = originText(origin);

    if (key === 'rate_limit_info' || key === 'process_throttle') {
      if (!isRecord(payload)) {
        issue(origin, `${key} is not an object`);
        return;
      }
      const time = envelopeTime ?? parseTime(payload.time);
      if (time === undefined) {
        issue(origin, `${key} without a valid 'time'`);
        return;
      }
      let loss: PipelineLossEvent;
      if (key === 'rate_limit_info') {
        loss = { kind: 'pipeline.loss', id: `${node}:${time}`, time, source: 'tetragon', origin: where, reason: 'tetragon-rate-limit', count: num(payload.number_of_dropped_process_events) ?? 0 };
      } else {
        // Only the start of throttling is loss: from then until THROTTLE_STOP the cgroup's events are dropped.
        if (str(payload.type) !== 'THROTTLE_START') {
          ignore('process_throttle:stop');
          return;
        }
        const cgroup = str(payload.cgroup) ?? '?';
        loss = { kind: 'pipeline.loss', id: `${node}:${time}`, time, source: 'tetragon', origin: where, reason: 'tetragon-throttle', count: 0, detail: `events of cgroup ${cgroup} dropped until THROTTLE_STOP` };
      }
      if (node) loss.node = node;
      if (cluster) loss.cluster = cluster;
      emit(loss);
      return;
    }

    if (UNUSED.has(key)) {
      ignore(key);
      return;
    }
    if (key !== 'process_exec' && key !== 'process_exit' && key !== 'process_kprobe' && key !== 'process_lsm') {
      issueOnce(`key:${key}`, origin, `unknown Tetragon event '${key.slice(0, 64)}'`);
      return;
    }
    if (!isRecord(payload)) {
      issue(origin, `${key} is not an object`);
      return;
    }
    const process = record(payload.process);
    if (key === 'process_exit') {
      stats.exits++;
      const execId = str(process?.exec_id);
      if (execId) processes.forget(execId);
      return;
    }
    const time = envelopeTime ?? parseTime(process?.start_time);
    if (time === undefined) {
      issue(origin, `${key} without a valid 'time'`);
      return;
    }

    if (key === 'process_exec') {
      if (!process) {
        issue(origin, 'process_exec without a process');
        return;
      }
      const info = toProcessInfo(process);
      const container = toContainer(process);
      processes.remember(process, info, container);
      if (/(?:^| )procFS(?: |$)/.test(str(process.flags) ?? '')) {
        stats.preExisting++;
        return;
      }
      if (isExecProbe(process)) {
        stats.execProbesSkipped++;
        return;
      }
      const ancestors = processes.ancestry(process, record(payload.parent), payload.ancestors);
      emit(nodeEvent({ kind: 'process.exec' }, { time, node, cluster, where }, info, ancestors, container));
      return;
    }

    // process_kprobe / process_lsm
    const meaning = kprobeMeaning(payload, key === 'process_lsm');
    const fn = (str(payload.function_name) ?? '').slice(0, 64);
    if (meaning.kind === 'unmapped') {
      ignore(`${key}:${fn}`);
      issueOnce(`fn:${fn}`, origin, `${key} hook '${fn}' has no meaning in Vigil's event model; its events are ignored`);
      return;
    }
    if (meaning.kind === 'invalid') {
      issue(origin, meaning.reason);
      return;
    }
    const info = process ? toProcessInfo(process) : { pid: 0, executable: '', args: [], commandLine: '' };
    const known = info.execId ? processes.get(info.execId) : undefined;
    if (known && process) fillFromExec(info, process, known.info);
    const container = (process && toContainer(process)) ?? known?.container;
    const ancestors = process ? processes.ancestry(process, record(payload.parent), payload.ancestors) : [];

    if (meaning.kind === 'net.connect') {
      const { socket, ...connect } = meaning;
      if (socket !== undefined) {
        // Hooks on sendmsg fire per write: one connection is reported once.
        if (sockets.has(socket)) {
          stats.repeatedSends++;
          return;
        }
        sockets.set(socket, true);
      }
      emit(nodeEvent(connect, { time, node, cluster, where }, info, ancestors, container));
      return;
    }
    emit(nodeEvent(meaning, { time, node, cluster, where }, info, ancestors, container));

  };

  return {
    line(text, origin) {
      stats.lines++;
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        issue(origin, `not valid JSON (${(error as Error).message})`);
        return;
      }
      decode(value, origin);
    },
    value(value, origin) {
      stats.lines++;
      decode(value, origin);
    },
    end() {},
    stats() {
      return { ...stats, ignored: { ...stats.ignored }, processes: processes.size };
    },
  };
}

/**
 * Kprobe events often carry an abbreviated process (field filters, or policies that trim it):
 * what is missing comes from the process's exec event, when it was seen.
 */
function fillFromExec(info: ProcessInfo, raw: Record<string, unknown>, exec: ProcessInfo): void {
  if (raw.arguments === undefined && (!info.executable || info.executable === exec.executable)) {
    info.executable = exec.executable;
    info.args = exec.args;
    info.commandLine = exec.commandLine;
  }
  info.cwd ??= exec.cwd;
  info.uid ??= exec.uid;
  info.euid ??= exec.euid;
  info.gid ??= exec.gid;
  info.auid ??= exec.auid;
  info.startTime ??= exec.startTime;
  info.inInitTree ??= exec.inInitTree;
  info.ppid ??= exec.ppid;
  for (const key of Object.keys(info) as (keyof ProcessInfo)[]) if (info[key] === undefined) delete info[key];
}

interface Common {
  time: number;
  node: string;
  cluster: string | undefined;
  where: string;
}

function nodeEvent(
  fields: { kind: NodeEvent['kind'] },
  common: Common,
  process: ProcessInfo,
  ancestors: ProcessInfo[],
  container: ContainerContext | undefined,
): NodeEvent {
  if (ancestors.length > 0 && process.ppid === undefined) process.ppid = ancestors[0].pid;
  const event = Object.assign(
    {
      kind: fields.kind,
      id: process.execId ?? `${common.node}:${common.time}`,
      time: common.time,
      source: 'tetragon',
      origin: common.where,
      node: common.node,
      process,
      ancestors,
    },
    fields,
  ) as NodeEvent;
  if (common.cluster) event.cluster = common.cluster;
  if (container) event.container = container;
  return event;
}

const tetragon: SourceFormat = {
  name: 'tetragon',
  description: "Cilium Tetragon's JSON export: one GetEventsResponse per line (process_exec, process_kprobe…)",
  kinds: ['process.exec', 'file.access', 'net.connect', 'process.namespace', 'pipeline.loss'],
  documentArrayKeys: [''],
  sniff(head) {
    if (/^\s*\{\s*"(?:process_exec|process_exit|process_kprobe|process_lsm|process_tracepoint|rate_limit_info|process_throttle)"\s*:/m.test(head)) return 0.95;
    if (/"(?:process_exec|process_kprobe)"\s*:/.test(head) && head.includes('"node_name"')) return 0.8;
    return 0;
  },
  open(sink, options) {
    return openTetragon(sink, options);
  },
};

export default tetragon;
