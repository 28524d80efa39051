/**
 * @module dashboard/filters
 * The list's filters: read from and written to the page's address (so a filtered view can be
 * bookmarked and shared), and turned into the API's query. A MITRE tactic is not an API filter:
 * it becomes the list of catalogue types that carry it.
 */
import { SEVERITIES, STATUSES } from './format.js';
import type { AlertStatus, CatalogSummary, Severity } from './types.js';

export interface Filters {
  type: string[];
  severity: Severity[];
  namespace: string[];
  status: AlertStatus[];
  /** '' (any time), a preset ('1h', '24h', '7d', '30d') or an ISO time. */
  since: string;
  tactic: string;
}

export const SINCE_PRESETS: readonly { value: string; label: string; ms: number }[] = [
  { value: '1h', label: 'Last hour', ms: 3600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

const MAX_VALUES = 100;
const MAX_VALUE_CHARS = 253;

function listParam(params: URLSearchParams, name: string): string[] {
  const raw = params.get(name) ?? '';
  return [...new Set(raw.split(',').map((v) => v.trim()).filter((v) => v && v.length <= MAX_VALUE_CHARS))].slice(0, MAX_VALUES);
}

export function readFilters(search: string): Filters {
  const params = new URLSearchParams(search);
  const since = params.get('since') ?? '';
  return {
    type: listParam(params, 'type'),
    severity: listParam(params, 'severity').filter((v): v is Severity => (SEVERITIES as readonly string[]).includes(v)),
    namespace: listParam(params, 'namespace'),
    status: listParam(params, 'status').filter((v): v is AlertStatus => (STATUSES as readonly string[]).includes(v)),
    since: SINCE_PRESETS.some((p) => p.value === since) || !Number.isNaN(Date.parse(since)) ? since : '',
    tactic: (params.get('tactic') ?? '').slice(0, MAX_VALUE_CHARS),
  };
}

/** The page address's query for these filters (empty ones left out). */
export function filtersToSearch(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of ['type', 'severity', 'namespace', 'status'] as const) if (filters[name].length) params.set(name, filters[name].join(','));
  if (filters.since) params.set('since', filters.since);
  if (filters.tactic) params.set('tactic', filters.tactic);
  return params;
}

export function sinceTime(since: string, now = Date.now()): string | undefined {
  if (!since) return undefined;
  const preset = SINCE_PRESETS.find((p) => p.value === since);
  return new Date(preset ? now - preset.ms : Date.parse(since)).toISOString();
}

/**
 * The API query for these filters, or null when no alert can match (a tactic none of the chosen
 * types carries).
 */
export function apiQuery(filters: Filters, catalog: CatalogSummary | undefined, now = Date.now()): URLSearchParams | null {
  const params = new URLSearchParams();
  let types = filters.type;
  if (filters.tactic) {
    const ofTactic = new Set((catalog?.types ?? []).filter((t) => t.tactics.includes(filters.tactic)).map((t) => t.type));
    types = types.length ? types.filter((t) => ofTactic.has(t)) : [...ofTactic];
    if (!types.length) return null;
  }
  if (types.length) params.set('type', types.join(','));
  if (filters.severity.length) params.set('severity', filters.severity.join(','));
  if (filters.namespace.length) params.set('namespace', filters.namespace.join(','));
  if (filters.status.length) params.set('status', filters.status.join(','));
  const since = sinceTime(filters.since, now);
  if (since) params.set('since', since);
  return params;
}

export function hasFilters(filters: Filters): boolean {
  return filtersToSearch(filters).toString() !== '';
}
