/**
 * @module sinks/outputs/schema
 * The `outputs:` section of vigil.yaml: where the analyser sends alerts. Each entry names its type
 * (file, webhook, slack, teams, syslog); remote ones deliver through a bounded queue with retries.
 */
import { z } from 'zod';
import { SEVERITIES } from '../../events/model.js';

const httpUrl = z.string().refine((s) => /^https?:\/\/[^\s]+$/i.test(s) && URL.canParse(s), 'an http:// or https:// URL');

/** Alert JSON as the API shows it, or an OCSF Detection Finding. */
const jsonFormat = z.enum(['alert', 'ocsf']).default('alert');

const common = {
  /** A name for metrics and logs; default `type` and position ("webhook#2"). */
  name: z.string().min(1).max(64).optional(),
  /** Alerts below are not sent. */
  minSeverity: z.enum(SEVERITIES as unknown as ['informational', 'low', 'medium', 'high']).default('informational'),
};

const delivery = {
  /** Alerts waiting for delivery; when full the oldest is dropped and counted. */
  queueSize: z.number().int().min(1).max(1_000_000).default(1000),
  /** Attempts per alert before it is counted as failed. */
  maxAttempts: z.number().int().min(1).max(100).default(6),
  /** First retry delay; doubled on each attempt (with jitter) up to maxBackoffMs. */
  backoffMs: z.number().int().min(1).default(1000),
  maxBackoffMs: z.number().int().min(1).default(60_000),
  timeoutMs: z.number().int().min(1).default(10_000),
};

export const outputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), path: z.string().min(1), format: jsonFormat, ...common }).strict(),
  z.object({ type: z.literal('webhook'), url: httpUrl, headers: z.record(z.string(), z.string()).default({}), format: jsonFormat, ...common, ...delivery }).strict(),
  z.object({ type: z.literal('slack'), url: httpUrl, ...common, ...delivery }).strict(),
  z.object({ type: z.literal('teams'), url: httpUrl, ...common, ...delivery }).strict(),
  z
    .object({
      type: z.literal('syslog'),
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(514),
      protocol: z.enum(['udp', 'tcp']).default('udp'),
      /** RFC 5424 facility number; default 10 (security/authorization, private). */
      facility: z.number().int().min(0).max(23).default(10),
      appName: z.string().regex(/^[!-~]{1,48}$/, 'printable ASCII without spaces, at most 48 characters').default('vigil'),
      /** The message: a CEF line (default), or alert / OCSF JSON. */
      format: z.enum(['cef', 'alert', 'ocsf']).default('cef'),
      ...common,
      ...delivery,
    })
    .strict(),
]);

export type OutputSpec = z.infer<typeof outputSchema>;
export type OutputType = OutputSpec['type'];
