/**
 * @module dashboard/list-view
 * The dashboard's home (`/`): filters, the overview (new alerts over time, by severity, the MITRE
 * tactic matrix) of the alerts that match them, and the alert list itself — sortable columns,
 * pages through the API's cursor. Filters live in the page's address.
 */
import { listAlerts } from './api.js';
import { severityBars, tacticMatrix, timeline, timeWindow } from './charts.js';
import { fill, h } from './dom.js';
import { apiQuery, filtersToSearch, hasFilters, readFilters, sinceTime, SINCE_PRESETS, type Filters } from './filters.js';
import { SEVERITIES, SEVERITY_RANK, STATUSES, mainEntity, severityBadge, statusBadge, tacticLabel, timeCell } from './format.js';
import type { Alert, AlertPage, CatalogSummary, Severity } from './types.js';

const PAGE_SIZE = 50;
/** The overview reads at most this many alerts (the newest); it says so when there are more. */
const OVERVIEW_MAX = 5000;
const API_MAX_LIMIT = 1000;
/** The overview is heavier (thousands of alerts): polled this often, the list every time. */
const OVERVIEW_EVERY_MS = 30_000;
export const LIST_QUERY_KEY = 'vigil.listQuery';

type SortKey = 'severity' | 'type' | 'title' | 'entity' | 'count' | 'lastSeen' | 'status';
const COLUMNS: readonly { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'severity', label: 'Severity' },
  { key: 'type', label: 'Type' },
  { key: 'title', label: 'Title' },
  { key: 'entity', label: 'Main entity' },
  { key: 'count', label: 'Count', numeric: true },
  { key: 'lastSeen', label: 'Last seen' },
  { key: 'status', label: 'Status' },
];

function entityText(alert: Alert): string {
  const e = mainEntity(alert);
  return e ? `${e.kind} ${e.name}` : '';
}

function compare(key: SortKey, a: Alert, b: Alert): number {
  switch (key) {
    case 'severity':
      return (SEVERITY_RANK[a.severity] ?? -1) - (SEVERITY_RANK[b.severity] ?? -1);
    case 'count':
      return a.count - b.count;
    case 'lastSeen':
      return Date.parse(a.lastSeen) - Date.parse(b.lastSeen);
    case 'entity':
      return entityText(a).localeCompare(entityText(b));
    default:
      return String(a[key]).localeCompare(String(b[key]));
  }
}

/** Every alert matching the query, newest first, up to OVERVIEW_MAX. */
async function overviewAlerts(query: URLSearchParams): Promise<{ alerts: Alert[]; truncated: boolean }> {
  const alerts: Alert[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams(query);
    q.set('limit', String(Math.min(API_MAX_LIMIT, OVERVIEW_MAX - alerts.length)));
    if (cursor) q.set('cursor', cursor);
    const page = await listAlerts(q);
    alerts.push(...page.alerts);
    cursor = page.next;
  } while (cursor && alerts.length < OVERVIEW_MAX);
  return { alerts, truncated: cursor !== null };
}

export class ListView {
  private filters: Filters;
  private sort: { key: SortKey; descending: boolean } | undefined;
  /** cursors[i] opens page i (undefined: the first page). */
  private cursors: (string | undefined)[] = [undefined];
  private page = 0;
  private next: string | null = null;
  private rows: Alert[] = [];
  private overview: { alerts: Alert[]; truncated: boolean } = { alerts: [], truncated: false };
  /** The query the overview was read for, and when. */
  private overviewRead: { query: string; at: number } | undefined;
  /** What the overview and the list were last drawn from. */
  private readonly drawn = { overview: '', list: '' };
  /** Answers to an older request (filters changed since) are dropped. */
  private generation = 0;
  private readonly form = h('form', { class: 'filters', attrs: { 'aria-label': 'Filters' }, on: { submit: (e) => e.preventDefault() } });
  private readonly overviewPanel = h('section', { class: 'overview', attrs: { 'aria-label': 'Overview' } });
  private readonly listPanel = h('section', { class: 'alert-list', attrs: { 'aria-labelledby': 'list-title' } });

  constructor(
    private readonly main: HTMLElement,
    private readonly catalog: CatalogSummary,
    /** Asks for a refresh now (the app runs it and reports failures). */
    private readonly changed: () => void,
  ) {
    this.filters = readFilters(location.search);
    fill(main, this.form, this.overviewPanel, this.listPanel);
    this.renderFilters();
  }

  /** Applies new filters: back to the first page, address updated, data fetched again. */
  private setFilters(filters: Filters): void {
    this.filters = filters;
    this.cursors = [undefined];
    this.page = 0;
    const search = filtersToSearch(filters).toString();
    history.replaceState(null, '', search ? `/?${search}` : '/');
    sessionStorage.setItem(LIST_QUERY_KEY, search);
    this.renderFilters();
    this.changed();
  }

  private toggle<K extends 'severity' | 'type'>(name: K, value: Filters[K][number]): void {
    const current = this.filters[name] as string[];
    const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
    this.setFilters({ ...this.filters, [name]: next });
  }

  private renderFilters(): void {
    const f = this.filters;
    const field = (label: string, control: HTMLElement) => h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
    const option = (value: string, label: string, selected: boolean) => h('option', { attrs: { value, selected } }, label);

    const severity = h(
      'fieldset',
      { class: 'field severities' },
      h('legend', { class: 'field-label' }, 'Severity'),
      ...SEVERITIES.map((sev) =>
        h(
          'label',
          { class: `chip sev-${sev}` },
          h('input', { attrs: { type: 'checkbox', name: 'severity', value: sev, checked: f.severity.includes(sev) }, on: { change: () => this.toggle('severity', sev) } }),
          sev,
        ),
      ),
    );
    const type = h(
      'select',
      { attrs: { name: 'type' }, on: { change: (e) => this.setFilters({ ...f, type: (e.target as HTMLSelectElement).value ? [(e.target as HTMLSelectElement).value] : [] }) } },
      option('', 'Any type', f.type.length === 0),
      // A type chosen in the address but absent from the catalogue is still shown, as chosen.
      ...f.type.filter((t) => !this.catalog.types.some((c) => c.type === t)).map((t) => option(t, t, true)),
      ...[...this.catalog.types].sort((a, b) => a.title.localeCompare(b.title)).map((t) => option(t.type, `${t.title} (${t.type})`, f.type.length === 1 && f.type[0] === t.type)),
    );
    if (f.type.length > 1) type.prepend(option(f.type.join(','), `${f.type.length} types`, true));
    const namespace = h('input', {
      attrs: { type: 'search', name: 'namespace', value: f.namespace.join(', '), placeholder: 'any (comma-separated)', autocomplete: 'off', spellcheck: 'false' },
      on: {
        change: (e) =>
          this.setFilters({
            ...f,
            namespace: (e.target as HTMLInputElement).value
              .split(',')
              .map((v) => v.trim())
              .filter(Boolean),
          }),
      },
    });
    const status = h(
      'select',
      { attrs: { name: 'status' }, on: { change: (e) => this.setFilters({ ...f, status: (e.target as HTMLSelectElement).value ? [(e.target as HTMLSelectElement).value as Filters['status'][number]] : [] }) } },
      option('', 'Any status', f.status.length !== 1),
      ...STATUSES.map((st) => option(st, st, f.status.length === 1 && f.status[0] === st)),
    );
    const since = h(
      'select',
      { attrs: { name: 'since' }, on: { change: (e) => this.setFilters({ ...f, since: (e.target as HTMLSelectElement).value }) } },
      option('', 'Any time', !f.since),
      ...SINCE_PRESETS.map((p) => option(p.value, p.label, f.since === p.value)),
      ...(f.since && !SINCE_PRESETS.some((p) => p.value === f.since) ? [option(f.since, `Since ${f.since}`, true)] : []),
    );
    fill(
      this.form,
      severity,
      field('Type', type),
      field('Namespace', namespace),
      field('Status', status),
      field('Since', since),
      f.tactic
        ? h(
            'div',
            { class: 'field' },
            h('span', { class: 'field-label' }, 'Tactic'),
            h('button', { class: 'chip removable', attrs: { type: 'button', title: 'Remove the tactic filter' }, on: { click: () => this.setFilters({ ...f, tactic: '' }) } }, tacticLabel(f.tactic), h('span', { attrs: { 'aria-hidden': 'true' } }, ' ×')),
          )
        : null,
      hasFilters(f) ? h('button', { class: 'link-button', attrs: { type: 'button' }, on: { click: () => this.setFilters(readFilters('')) } }, 'Clear filters') : null,
    );
  }

  /**
   * Fetches the current page again, and the overview when its filters changed or it is due.
   * Parts whose data did not change are not redrawn, so that focus and hover stay put.
   */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const query = apiQuery(this.filters, this.catalog);
    let overview: { alerts: Alert[]; truncated: boolean } | undefined = { alerts: [], truncated: false };
    let page: AlertPage = { alerts: [], next: null };
    // Keyed by the filters as chosen: a relative `since` gives another query at every poll.
    const key = filtersToSearch(this.filters).toString();
    if (query) {
      const pageQuery = new URLSearchParams(query);
      pageQuery.set('limit', String(PAGE_SIZE));
      const cursor = this.cursors[this.page];
      if (cursor) pageQuery.set('cursor', cursor);
      const due = this.overviewRead?.query !== key || Date.now() - this.overviewRead.at >= OVERVIEW_EVERY_MS;
      [overview, page] = await Promise.all([due ? overviewAlerts(query) : undefined, listAlerts(pageQuery)]);
      if (generation !== this.generation) return;
    }
    if (overview) {
      this.overviewRead = { query: key, at: Date.now() };
      const drawn = JSON.stringify([key, overview]);
      if (drawn !== this.drawn.overview) {
        this.overview = overview;
        this.drawn.overview = drawn;
        this.renderOverview();
      }
    }
    // The minute is part of it: the list's "5 min ago" must move on.
    const drawn = JSON.stringify([key, this.page, page, Math.floor(Date.now() / 60_000)]);
    if (drawn !== this.drawn.list) {
      this.rows = page.alerts;
      this.next = page.next;
      this.drawn.list = drawn;
      this.renderList();
    }
  }

  private renderOverview(): void {
    const { alerts, truncated } = this.overview;
    const f = this.filters;
    const window = timeWindow(alerts, sinceTime(f.since));
    const panel = (title: string, cls: string, ...body: (HTMLElement | SVGElement)[]) => h('div', { class: `panel ${cls}` }, h('h2', {}, title), ...body);
    fill(
      this.overviewPanel,
      h(
        'div',
        { class: 'overview-row' },
        panel('New alerts over time', 'panel-timeline', timeline(alerts, window)),
        panel('By severity', 'panel-severity', severityBars(alerts, f.severity, (sev: Severity) => this.toggle('severity', sev))),
      ),
      panel(
        'MITRE ATT&CK tactics',
        'panel-matrix',
        tacticMatrix(alerts, this.catalog, { tactic: f.tactic, types: f.type }, {
          tactic: (tactic) => this.setFilters({ ...f, tactic: f.tactic === tactic ? '' : tactic }),
          type: (type) => this.setFilters({ ...f, type: f.type.length === 1 && f.type[0] === type ? [] : [type] }),
        }),
      ),
      truncated ? h('p', { class: 'note' }, `The overview shows the ${alerts.length} most recent matching alerts.`) : h('p', { class: 'note' }, `${alerts.length} matching alert(s).`),
    );
  }

  private renderList(): void {
    const rows = [...this.rows];
    if (this.sort) {
      const { key, descending } = this.sort;
      rows.sort((a, b) => (descending ? -1 : 1) * compare(key, a, b));
    }
    const header = h(
      'tr',
      {},
      ...COLUMNS.map((col) => {
        const active = this.sort?.key === col.key;
        return h(
          'th',
          { class: col.numeric ? 'numeric' : undefined, attrs: { scope: 'col', 'aria-sort': active ? (this.sort!.descending ? 'descending' : 'ascending') : 'none' } },
          h(
            'button',
            {
              class: 'sort',
              attrs: { type: 'button', 'data-sort': col.key },
              on: { click: () => this.sortBy(col.key) },
            },
            col.label,
            h('span', { class: 'sort-mark', attrs: { 'aria-hidden': 'true' } }, active ? (this.sort!.descending ? ' ▼' : ' ▲') : ''),
          ),
        );
      }),
    );
    const body = rows.map((alert) => {
      const entity = mainEntity(alert);
      return h(
        'tr',
        { class: `row-${alert.status}`, attrs: { 'data-id': alert.id } },
        h('td', {}, severityBadge(alert.severity)),
        h('td', { class: 'type' }, h('code', {}, alert.type)),
        h('td', { class: 'title' }, h('a', { attrs: { href: `/alerts/${encodeURIComponent(alert.id)}` } }, alert.title)),
        h('td', { class: 'entity' }, entity ? h('span', {}, h('span', { class: 'entity-kind' }, entity.kind), ' ', h('span', { class: 'entity-name' }, entity.name)) : '—'),
        h('td', { class: 'numeric' }, alert.count),
        h('td', {}, timeCell(alert.lastSeen)),
        h('td', {}, statusBadge(alert.status)),
      );
    });
    const table = h(
      'table',
      { class: 'alerts' },
      h('caption', { class: 'visually-hidden' }, 'Alerts, newest first; column headers sort this page'),
      h('thead', {}, header),
      h('tbody', {}, ...body),
    );
    const pager = h(
      'nav',
      { class: 'pager', attrs: { 'aria-label': 'Pages' } },
      h('button', { attrs: { type: 'button', disabled: this.page === 0 }, on: { click: () => this.goTo(this.page - 1) } }, '← Newer'),
      h('span', { class: 'page-number' }, `Page ${this.page + 1}`),
      h('button', { attrs: { type: 'button', disabled: !this.next }, on: { click: () => this.goTo(this.page + 1) } }, 'Older →'),
    );
    fill(
      this.listPanel,
      h('h2', { attrs: { id: 'list-title' } }, 'Alerts'),
      rows.length ? table : h('p', { class: 'empty' }, hasFilters(this.filters) ? 'No alert matches these filters.' : 'No alerts yet.'),
      this.page > 0 || this.next ? pager : null,
    );
  }

  private sortBy(key: SortKey): void {
    // First click: the natural order of the column (most severe, largest, latest first for those).
    const descendingFirst = key === 'severity' || key === 'count' || key === 'lastSeen';
    this.sort = this.sort?.key === key ? { key, descending: !this.sort.descending } : { key, descending: descendingFirst };
    this.renderList();
  }

  private goTo(page: number): void {
    if (page < 0) return;
    if (page > this.page) {
      if (!this.next) return;
      this.cursors[page] = this.next;
    }
    this.page = page;
    this.changed();
  }
}
