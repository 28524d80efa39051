/**
 * @module sinks/format/cef
 * An alert as one ArcSight CEF line (the format syslog-fed SIEMs parse), escaped per the CEF
 * spec: `|` and `\` in header fields, `=` and `\` and newlines in extension values.
 */
import type { Alert } from '../../alerts/alert.js';
import { escapeControl } from '../../util/escape.js';

const CEF_SEVERITY = { informational: 1, low: 3, medium: 6, high: 8 } as const;

function header(text: string): string {
  return escapeControl(text).replace(/\\(?![xnrtu])/g, '\\\\').replace(/\|/g, '\\|');
}

function ext(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r?\n/g, '\\n').replace(/[\u0000-\u001f\u007f]/g, ' ');
}

export function toCef(alert: Alert, productVersion: string): string {
  const e = alert.entities;
  const fields: [string, string | number | undefined][] = [
    ['rt', Date.parse(alert.lastSeen)],
    ['start', Date.parse(alert.firstSeen)],
    ['cnt', alert.count],
    ['externalId', alert.id],
    ['msg', alert.description],
    ['suser', e.user],
    ['src', e.sourceIPs?.[e.sourceIPs.length - 1]],
    ['dst', e.remoteAddress],
    ['dhost', e.node],
    ['sproc', e.process?.executable],
    ['spid', e.process?.pid],
    ['cs1Label', 'namespace'],
    ['cs1', e.namespace],
    ['cs2Label', 'pod'],
    ['cs2', e.pod],
    ['cs3Label', 'image'],
    ['cs3', e.image],
    ['cs4Label', 'commandLine'],
    ['cs4', e.process?.commandLine],
    ['cs5Label', 'resource'],
    ['cs5', e.resource ? `${e.resource.kind} ${e.resource.namespace ? e.resource.namespace + '/' : ''}${e.resource.name ?? ''}` : undefined],
    ['cs6Label', 'cluster'],
    ['cs6', e.cluster],
    ['cat', alert.tactics.join(',')],
  ];
  const extension = fields
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${ext(String(v))}`)
    .join(' ');
  return `CEF:0|Vigil|Vigil|${header(productVersion)}|${header(alert.type)}|${header(alert.title)}|${CEF_SEVERITY[alert.severity]}|${extension}`;
}
