/**
 * @module sources/k8s-objects/format
 * Kubernetes objects as they stand, for a posture check without audit logging: `kubectl get … -o
 * json` (a List, a typed list such as PodList whose items carry no kind, or one object), JSON lines
 * of objects, and YAML — `kubectl get -o yaml` and multi-document manifests (`---`). Each object
 * becomes a `k8s.object` event of change `snapshot`; lists are flattened.
 *
 * A snapshot has no event time: the object's last known change stands in (the latest of
 * `creationTimestamp` and `managedFields[].time`), else the time the file was read. The evidence id
 * is the object's uid, else `Kind/namespace/name`.
 * A YAML document that does not parse is reported with the line it starts on and the parser's
 * line; the documents around it are still read.
 */
import { parseDocument } from 'yaml';
import type { K8sObject, K8sObjectEvent } from '../../events/model.js';
import type { DecoderOptions, DecoderSink, Origin, SourceFormat } from '../format.js';
import { NOT_JSON, parseJsonLine } from '../format.js';
import { issueAt, originOf } from '../wrapped/audit.js';
import { isObject, typeName, type JsonObject } from '../wrapped/json.js';

/** A YAML document larger than this is refused (manifests are kilobytes; this is a bad file). */
const MAX_YAML_DOCUMENT_CHARS = 16 * 1024 * 1024;
const MAX_ALIASES = 100;

function lastChange(metadata: JsonObject, fallback: number): number {
  let latest = Number.NaN;
  const consider = (value: unknown) => {
    const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isNaN(t) && !(t <= latest)) latest = t;
  };
  consider(metadata.creationTimestamp);
  if (Array.isArray(metadata.managedFields)) for (const f of metadata.managedFields) if (isObject(f)) consider(f.time);
  return Number.isNaN(latest) ? fallback : latest;
}

/** Emits the object(s) in one JSON/YAML value: a List is flattened, an item inherits the list's kind. */
export function objectEvents(
  value: unknown,
  context: { origin: Origin; path: string; source: string; cluster?: string; readTime: number; change?: K8sObjectEvent['change'] },
  sink: DecoderSink,
  inherited?: { kind?: string; apiVersion?: string },
): void {
  const { origin, path } = context;
  if (value === null || value === undefined) return;
  if (!isObject(value)) return issueAt(sink, origin, path, `expected a Kubernetes object, got ${typeName(value)}`);
  const kind = typeof value.kind === 'string' ? value.kind : inherited?.kind;
  if (Array.isArray(value.items) && (kind === undefined || kind.endsWith('List'))) {
    const itemKind = kind && kind !== 'List' ? kind.slice(0, -'List'.length) : undefined;
    const apiVersion = typeof value.apiVersion === 'string' && itemKind ? value.apiVersion : undefined;
    value.items.forEach((item, i) => objectEvents(item, { ...context, path: `${path ? path + '.' : ''}items[${i}]` }, sink, { kind: itemKind, apiVersion }));
    return;
  }
  if (!kind) return issueAt(sink, origin, path, "object without a 'kind'");
  if (kind === 'Event' && typeof value.apiVersion === 'string' && value.apiVersion.startsWith('audit.k8s.io/')) {
    return issueAt(sink, origin, path, 'an audit event, not a cluster object (read it with --format k8s-audit)');
  }
  if (!isObject(value.metadata)) return issueAt(sink, origin, path, `${kind} without a 'metadata' object`);
  const metadata = value.metadata;
  if (typeof metadata.name !== 'string' || !metadata.name) return issueAt(sink, origin, path, `${kind} without 'metadata.name'`);
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') return issueAt(sink, origin, path, `${kind} ${metadata.name}: 'metadata.namespace' must be a string`);
  const object = { ...value, kind, apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : inherited?.apiVersion } as K8sObject;
  const uid = typeof metadata.uid === 'string' && metadata.uid ? metadata.uid : undefined;
  sink.event({
    kind: 'k8s.object',
    id: uid ?? `${kind}/${metadata.namespace ?? ''}/${metadata.name}`,
    time: lastChange(metadata, context.readTime),
    source: context.source,
    cluster: context.cluster,
    origin: originOf(origin, path),
    change: context.change ?? 'snapshot',
    object,
  });
}

function openDecoder(sink: DecoderSink, options: DecoderOptions) {
  const readTime = Date.now();
  let mode: 'json' | 'yaml' | undefined;
  let yamlLines: string[] = [];
  let yamlChars = 0;
  let yamlStart: Origin | undefined;
  let yamlTooBig = false;
  const context = (origin: Origin, path: string) => ({ origin, path, source: 'k8s-objects', cluster: options.cluster, readTime });

  const flushYaml = () => {
    const start = yamlStart;
    const lines = yamlLines;
    yamlLines = [];
    yamlChars = 0;
    yamlStart = undefined;
    if (!start) return;
    if (yamlTooBig) {
      yamlTooBig = false;
      return issueAt(sink, start, '', `YAML document over ${MAX_YAML_DOCUMENT_CHARS >> 20} MiB; skipped`);
    }
    const doc = parseDocument(lines.join('\n'), { prettyErrors: true });
    if (doc.errors.length) {
      const first = doc.errors[0]!;
      const line = first.linePos ? start.line + first.linePos[0].line - 1 : start.line;
      const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return issueAt(sink, { file: start.file, line }, '', `YAML document starting at line ${start.line} does not parse (${message}); skipped`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      return issueAt(sink, start, '', `YAML document does not resolve (${(error as Error).message}); skipped`);
    }
    objectEvents(value, context(start, ''), sink);
  };

  return {
    line(text: string, origin: Origin) {
      if (mode === undefined) {
        const trimmed = text.trim();
        if (!trimmed || trimmed.startsWith('#')) return;
        mode = trimmed.startsWith('{') ? 'json' : 'yaml';
      }
      if (mode === 'json') {
        const value = parseJsonLine(text, origin, sink);
        if (value !== NOT_JSON) objectEvents(value, context(origin, ''), sink);
        return;
      }
      if (/^---(\s|$)/.test(text)) {
        flushYaml();
        return;
      }
      if (text === '...') return;
      if (yamlStart === undefined) {
        if (!text.trim() || text.trimStart().startsWith('#')) return;
        yamlStart = origin;
      }
      yamlChars += text.length + 1;
      if (yamlChars > MAX_YAML_DOCUMENT_CHARS) yamlTooBig = true;
      else yamlLines.push(text);
    },
    value(value: unknown, origin: Origin) {
      if (Array.isArray(value)) value.forEach((v, i) => objectEvents(v, context(origin, `[${i}]`), sink));
      else objectEvents(value, context(origin, ''), sink);
    },
    end() {
      if (mode === 'yaml') flushYaml();
    },
  };
}

const k8sObjects: SourceFormat = {
  name: 'k8s-objects',
  description: 'Kubernetes objects as they stand: kubectl get -o json Lists, JSON lines of objects, YAML manifests (multi-document)',
  kinds: ['k8s.object'],
  documentArrayKeys: ['items', ''],
  sniff(head) {
    if (/"kind"\s*:\s*"[A-Za-z]*List"/.test(head) && head.includes('"items"') && !head.includes('audit.k8s.io')) return 0.85;
    if (/^(---\s*\n)?(#[^\n]*\n)*(apiVersion|kind):\s*\S/m.test(head.slice(0, 4096)) && /^metadata:\s*$/m.test(head)) return 0.8;
    if (/"apiVersion"\s*:/.test(head) && /"metadata"\s*:\s*\{/.test(head) && !head.includes('audit.k8s.io')) return 0.6;
    return 0;
  },
  open: openDecoder,
};

export default k8sObjects;
