/**
 * @module dashboard/charts
 * The overview's pictures, drawn as SVG built node by node (no charting library: three small
 * charts do not justify shipping one, and none would run under this CSP without care): new alerts
 * over time stacked by severity, alerts by severity, and the MITRE ATT&CK tactic matrix. Each
 * part that filters the list is a button with a readable label.
 */
import { h, s } from './dom.js';
import { SEVERITIES, formatTime, tacticLabel } from './format.js';
import type { Alert, CatalogSummary, Severity } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BUCKETS = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY, 30 * DAY];
const MAX_BARS = 48;

function bucketSize(span: number): number {
  return BUCKETS.find((b) => span / b <= MAX_BARS) ?? BUCKETS[BUCKETS.length - 1]!;
}

function axisLabel(time: number, size: number): string {
  const text = formatTime(new Date(time).toISOString());
  return size >= DAY ? text.slice(0, 10) : text.slice(5, 16);
}

/** Round numbers for the y axis: 0 and up to three ticks at most `max`. */
function ticks(max: number): number[] {
  if (max <= 3) return Array.from({ length: max + 1 }, (_, i) => i);
  const step = Math.ceil(max / 3);
  return [0, step, 2 * step, 3 * step].filter((v) => v <= max);
}

export interface TimeWindow {
  start: number;
  end: number;
}

/** The window to draw: from `since` (or the first alert) to now (or the last alert). */
export function timeWindow(alerts: readonly Alert[], since: string | undefined, now = Date.now()): TimeWindow {
  const firsts = alerts.map((a) => Date.parse(a.firstSeen)).filter(Number.isFinite);
  const lasts = alerts.map((a) => Date.parse(a.lastSeen)).filter(Number.isFinite);
  const start = since ? Date.parse(since) : firsts.length ? Math.min(...firsts) : now - DAY;
  const end = since || !lasts.length ? now : Math.max(...lasts);
  return end - start < HOUR ? { start: end - HOUR, end } : { start, end };
}

/** New alerts (by first seen) per time bucket, stacked by severity. */
export function timeline(alerts: readonly Alert[], window: TimeWindow): SVGSVGElement {
  const size = bucketSize(window.end - window.start);
  const first = Math.floor(window.start / size) * size;
  const count = Math.max(1, Math.ceil((window.end - first + 1) / size));
  const buckets = Array.from({ length: count }, () => ({ high: 0, medium: 0, low: 0, informational: 0 }) as Record<Severity, number>);
  for (const alert of alerts) {
    const t = Date.parse(alert.firstSeen);
    if (!(t >= first) || t > window.end) continue;
    const bucket = buckets[Math.floor((t - first) / size)];
    if (bucket && alert.severity in bucket) bucket[alert.severity] += 1;
  }
  const width = 720;
  const height = 180;
  const left = 36;
  const bottom = 24;
  const top = 8;
  const plotHeight = height - top - bottom;
  const totals = buckets.map((b) => SEVERITIES.reduce((n, sev) => n + b[sev], 0));
  const max = Math.max(1, ...totals);
  const barWidth = (width - left) / count;
  const y = (v: number) => top + plotHeight - (v / max) * plotHeight;
  const shown = totals.reduce((a, b) => a + b, 0);

  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart timeline', role: 'img', 'aria-label': `${shown} new alert(s) from ${formatTime(new Date(window.start).toISOString())} to ${formatTime(new Date(window.end).toISOString())}` });
  for (const v of ticks(max)) {
    svg.append(s('line', { x1: left, x2: width, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: left - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, v));
  }
  buckets.forEach((bucket, i) => {
    const x = left + i * barWidth;
    let stacked = 0;
    const from = first + i * size;
    const label = `${axisLabel(from, size)} – ${axisLabel(from + size, size)}: ${SEVERITIES.filter((sev) => bucket[sev]).map((sev) => `${bucket[sev]} ${sev}`).join(', ') || 'none'}`;
    const group = s('g', { class: 'bar' }, s('title', {}, label));
    for (const sev of [...SEVERITIES].reverse()) {
      if (!bucket[sev]) continue;
      group.append(s('rect', { x: x + 1, width: Math.max(1, barWidth - 2), y: y(stacked + bucket[sev]), height: y(stacked) - y(stacked + bucket[sev]), class: `fill-${sev}` }));
      stacked += bucket[sev];
    }
    svg.append(group);
  });
  const labelEvery = Math.max(1, Math.ceil(count / 6));
  // Labels start at their bar; one too close to the right edge would be cut off.
  for (let i = 0; i < count && left + i * barWidth <= width - 80; i += labelEvery) {
    svg.append(s('text', { x: left + i * barWidth, y: height - 6, class: 'axis' }, axisLabel(first + i * size, size)));
  }
  return svg;
}

/** One row per severity: label, count and a bar; choosing one filters the list. */
export function severityBars(alerts: readonly Alert[], selected: readonly Severity[], choose: (severity: Severity) => void): HTMLElement {
  const counts = Object.fromEntries(SEVERITIES.map((sev) => [sev, 0])) as Record<Severity, number>;
  for (const alert of alerts) if (alert.severity in counts) counts[alert.severity] += 1;
  const max = Math.max(1, ...Object.values(counts));
  return h(
    'ul',
    { class: 'severity-bars' },
    ...SEVERITIES.map((sev) =>
      h(
        'li',
        {},
        h(
          'button',
          { class: `sev-row${selected.includes(sev) ? ' selected' : ''}`, attrs: { type: 'button', 'aria-pressed': selected.includes(sev), title: `Show ${sev} alerts only` }, on: { click: () => choose(sev) } },
          h('span', { class: `badge sev-${sev}` }, sev),
          s('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', class: 'bar', 'aria-hidden': 'true' }, s('rect', { x: 0, y: 0, height: 10, width: (counts[sev] / max) * 100, class: `fill-${sev}` })),
          h('span', { class: 'count' }, counts[sev]),
        ),
      ),
    ),
  );
}

/**
 * Tactic columns in kill-chain order, each headed by its alert count, listing the alert types
 * seen under it. Choosing a tactic or a type filters the list.
 */
export function tacticMatrix(
  alerts: readonly Alert[],
  catalog: CatalogSummary,
  selected: { tactic: string; types: readonly string[] },
  choose: { tactic: (tactic: string) => void; type: (type: string) => void },
): HTMLElement {
  const titles = new Map(catalog.types.map((t) => [t.type, t.title]));
  const byTactic = new Map<string, Map<string, number>>(catalog.tactics.map((t) => [t, new Map()]));
  for (const alert of alerts) {
    for (const tactic of alert.tactics ?? []) {
      if (!byTactic.has(tactic)) byTactic.set(tactic, new Map());
      const types = byTactic.get(tactic)!;
      types.set(alert.type, (types.get(alert.type) ?? 0) + 1);
    }
  }
  const columns = [...byTactic].map(([tactic, types]) => {
    const total = [...types.values()].reduce((a, b) => a + b, 0);
    const rows = [...types].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return h(
      'div',
      { class: `tactic${total ? '' : ' empty'}${selected.tactic === tactic ? ' selected' : ''}`, attrs: { role: 'listitem' } },
      h(
        'button',
        { class: 'tactic-head', attrs: { type: 'button', 'aria-pressed': selected.tactic === tactic, title: `Show alerts of tactic ${tacticLabel(tactic)}` }, on: { click: () => choose.tactic(tactic) } },
        h('span', { class: 'tactic-name' }, tacticLabel(tactic)),
        h('span', { class: 'tactic-count' }, total),
      ),
      h(
        'ul',
        { class: 'tactic-types' },
        ...rows.map(([type, n]) =>
          h(
            'li',
            {},
            h(
              'button',
              { class: `tactic-type${selected.types.includes(type) ? ' selected' : ''}`, attrs: { type: 'button', title: type }, on: { click: () => choose.type(type) } },
              h('span', { class: 'type-title' }, titles.get(type) ?? type),
              h('span', { class: 'type-count' }, n),
            ),
          ),
        ),
      ),
    );
  });
  return h('div', { class: 'matrix', attrs: { role: 'list', 'aria-label': 'Alerts by MITRE ATT&CK tactic' } }, ...columns);
}
