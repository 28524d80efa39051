/**
 * @module sources/wrapped/audit
 * Emitting an audit event found inside a cloud wrapper (AKS diagnostic record, CloudWatch log
 * event, GKE LogEntry): the one native normaliser, plus the cluster identity the wrapper carries.
 * Evidence origins name the element inside a document (`export.json:1#records[3]`).
 */
import type { ClusterInfo } from '../../events/model.js';
import type { DecoderSink, Origin } from '../format.js';
import { originText } from '../format.js';
import { normaliseAuditEvent } from '../k8s-audit/normalise.js';

export interface WrappedContext {
  source: string;
  origin: Origin;
  /** Where inside the line or document: 'records[3]', 'logEvents[0]' ('' for a whole line). */
  path: string;
  /** Cluster name from the wrapper, else the --cluster fallback. */
  cluster?: string;
  clusterInfo?: ClusterInfo;
}

export function originOf(origin: Origin, path: string): string {
  return path ? `${originText(origin)}#${path}` : originText(origin);
}

export function issueAt(sink: DecoderSink, origin: Origin, path: string, reason: string): void {
  sink.issue({ origin, reason: path ? `${path}: ${reason}` : reason });
}

/** Normalises one native audit Event and hands it on with the wrapper's cluster identity. */
export function emitAuditEvent(raw: unknown, context: WrappedContext, sink: DecoderSink): void {
  const result = normaliseAuditEvent(raw, { source: context.source, origin: originOf(context.origin, context.path), cluster: context.cluster });
  if ('error' in result) {
    issueAt(sink, context.origin, context.path, result.error);
    return;
  }
  if (context.clusterInfo) result.clusterInfo = context.clusterInfo;
  sink.event(result);
}
