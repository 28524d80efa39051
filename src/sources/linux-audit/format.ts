/**
 * @module sources/linux-audit/format
 * The `linux-audit` source format: auditd's text records (log file or af_unix plugin, RAW or
 * ENRICHED, with or without `node=`) → process.exec, net.connect, file.access, process.namespace
 * and pipeline.loss events.
 */
import type { SourceFormat } from '../format.js';
import { LinuxAuditDecoder } from './decoder.js';

const RECORD_START = /^(?:node=\S* )?type=[A-Z0-9_[\]]+ msg=audit\(\d+\.\d+:\d+\):/;

const linuxAudit: SourceFormat = {
  name: 'linux-audit',
  description: 'Linux kernel audit records as auditd writes them (audit.log or the af_unix plugin)',
  kinds: ['process.exec', 'net.connect', 'file.access', 'process.namespace', 'pipeline.loss'],
  sniff(head: string): number {
    const lines = head.split('\n', 20).filter((l) => l.trim() !== '');
    if (lines.length === 0) return 0;
    // The last line may be cut mid-way; judge on the complete ones when there are several.
    const complete = lines.length > 1 ? lines.slice(0, -1) : lines;
    const hits = complete.filter((l) => RECORD_START.test(l)).length;
    if (hits === 0) return 0;
    return hits === complete.length ? 0.95 : 0.5 + (0.4 * hits) / complete.length;
  },
  open(sink, options) {
    return new LinuxAuditDecoder(sink, options);
  },
};

export default linuxAudit;
