/**
 * @module config/config
 * vigil.yaml: settings for detections (learning periods, windows), indicator extensions,
 * exceptions, and for the analyser its server, outputs and suppressions. Every setting can also
 * come from the environment (VIGIL_*: see ENV below), which wins over the file. Validated with a
 * clear message naming the file or variable and the setting at fault.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { exceptionSchema } from '../alerts/exceptions.js';
import { outputSchema } from '../sinks/outputs/schema.js';

/** `vigil serve`: the command-line flags of the same names win over these. */
export const serverSchema = z
  .object({
    listen: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:]+):\d{1,5}$/, 'HOST:PORT').default('127.0.0.1:8080'),
    dataDir: z.string().min(1).default('./vigil-data'),
    token: z.string().min(16, 'at least 16 characters').optional(),
    store: z.string().default('sqlite'),
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    /** Serve without a token: refused unless listening on loopback. */
    noAuth: z.boolean().default(false),
    /** Alerts last seen longer ago are deleted. */
    retentionDays: z.number().int().min(1).default(30),
    /** Events accepted but not yet through detection; beyond it ingest answers 429. */
    queueEvents: z.number().int().min(1000).default(100_000),
    /** Request body limit of the ingest endpoints. */
    maxBodyMiB: z.number().int().min(1).max(1024).default(64),
  })
  .strict();

export const configSchema = z
  .object({
    /** Per alert type: settings for its detection, e.g. K8S_ServiceAccountRareOperation: {learningHours: 48}. */
    detections: z.record(z.string().regex(/^K8S(\.NODE)?_[A-Za-z_]+$/, 'an alert type such as K8S_PrivilegedContainer'), z.record(z.string(), z.unknown())).default({}),
    /** Extra indicator entries, by list name (data/indicators/NAME.yaml or NAME.txt). */
    indicators: z
      .object({
        lists: z.record(z.string(), z.array(z.union([z.string(), z.object({ value: z.string() }).passthrough()]))).optional(),
        addresses: z.record(z.string(), z.array(z.string())).optional(),
      })
      .default({}),
    /** Findings that are benign here: type, fields to match, reason, optional expiry. */
    exceptions: z.array(exceptionSchema).default([]),
    server: serverSchema.default(serverSchema.parse({})),
    /** Where the analyser sends alerts. */
    outputs: z.array(outputSchema).default([]),
    /** The analyser's suppressions: like exceptions, but the alert is kept, dismissed, and counted. */
    suppressions: z.array(exceptionSchema).default([]),
  })
  .passthrough();

export type VigilConfig = z.infer<typeof configSchema>;

type ServerKey = keyof z.infer<typeof serverSchema>;

/** The environment variable of each server setting. */
const SERVER_ENV: Record<ServerKey, string> = {
  listen: 'VIGIL_LISTEN',
  dataDir: 'VIGIL_DATA_DIR',
  token: 'VIGIL_TOKEN',
  store: 'VIGIL_STORE',
  tlsCert: 'VIGIL_TLS_CERT',
  tlsKey: 'VIGIL_TLS_KEY',
  noAuth: 'VIGIL_NO_AUTH',
  retentionDays: 'VIGIL_RETENTION_DAYS',
  queueEvents: 'VIGIL_QUEUE_EVENTS',
  maxBodyMiB: 'VIGIL_MAX_BODY_MIB',
};

/** Sections given whole in one variable, as YAML or JSON text. */
const SECTION_ENV = {
  detections: 'VIGIL_DETECTIONS',
  indicators: 'VIGIL_INDICATORS',
  exceptions: 'VIGIL_EXCEPTIONS',
  outputs: 'VIGIL_OUTPUTS',
  suppressions: 'VIGIL_SUPPRESSIONS',
} as const;

export const ENV_VARIABLES: readonly string[] = [...Object.values(SERVER_ENV), ...Object.values(SECTION_ENV)];

/** A variable's text as the type its setting wants (numbers and booleans are written as text). */
function envValue(name: string, text: string, sample: unknown): unknown {
  if (typeof sample === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${name}: '${text}' is not a number`);
    return n;
  }
  if (typeof sample === 'boolean') {
    if (/^(1|true|yes)$/i.test(text)) return true;
    if (/^(0|false|no)$/i.test(text)) return false;
    throw new Error(`${name}: '${text}' is not true or false`);
  }
  return text;
}

/** Overlays the VIGIL_* variables on the file's settings; returns which paths they set. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const from = new Map<string, string>();
  const defaults = serverSchema.parse({});
  const server = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };
  for (const [key, name] of Object.entries(SERVER_ENV) as [ServerKey, string][]) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    server[key] = envValue(name, text, defaults[key]);
    from.set(`server.${key}`, name);
  }
  if (Object.keys(server).length) raw.server = server;
  for (const [section, name] of Object.entries(SECTION_ENV)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    try {
      raw[section] = parseYaml(text);
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
    }
    from.set(section, name);
  }
  return from;
}

/**
 * Reads and validates a config file (none: the defaults) with the VIGIL_* environment on top.
 * Errors name the file or the variable, and the setting.
 */
export function loadConfig(path?: string, env: NodeJS.ProcessEnv = {}): VigilConfig {
  let raw: unknown = {};
  if (path) {
    try {
      raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: expected a mapping of settings at the top`);
  }
  const from = applyEnv(raw as Record<string, unknown>, env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map((i) => {
          const where = i.path.join('.') || '(top)';
          const variable = from.get(where) ?? from.get(i.path.slice(0, 2).join('.')) ?? from.get(String(i.path[0]));
          return `${variable ?? path ?? 'settings'}: ${where}: ${i.message}`;
        })
        .join('; '),
    );
  }
  return parsed.data;
}
