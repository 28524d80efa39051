/**
 * @module sources/vigil/format
 * Vigil's own JSON lines: events already in the model, one per line, as agents ship them to the
 * analyser and as tests and users write node telemetry by hand. Checked field by field against
 * the model (src/events/schema.ts), so a wrong type is an error with its path, not a crash later.
 */
import { parseVigilEvent } from '../../events/schema.js';
import type { SourceFormat } from '../format.js';
import { NOT_JSON, originText, parseJsonLine } from '../format.js';

const vigil: SourceFormat = {
  name: 'vigil',
  description: "Vigil's normalised events as JSON lines (what agents send to POST /v1/events)",
  kinds: ['process.exec', 'file.access', 'net.connect', 'process.namespace', 'k8s.audit', 'k8s.object', 'cloud.activity', 'pipeline.loss'],
  sniff(head) {
    return /^\s*\{\s*"kind"\s*:\s*"(process\.exec|file\.access|net\.connect|process\.namespace|k8s\.audit|k8s\.object|cloud\.activity|pipeline\.loss)"/.test(head)
      ? 0.95
      : 0;
  },
  open(sink, options) {
    const decode = (value: unknown, origin: { file: string; line: number }) => {
      const result = parseVigilEvent(value, originText(origin));
      if ('error' in result) sink.issue({ origin, reason: result.error });
      else {
        if (options.cluster && !result.cluster) result.cluster = options.cluster;
        sink.event(result);
      }
    };
    return {
      line(text, origin) {
        const value = parseJsonLine(text, origin, sink);
        if (value !== NOT_JSON) decode(value, origin);
      },
      value(value, origin) {
        if (Array.isArray(value)) value.forEach((item, i) => decode(item, { file: origin.file, line: i + 1 }));
        else decode(value, origin);
      },
      end() {},
    };
  },
};

export default vigil;
