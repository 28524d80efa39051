/**
 * @module dashboard/alert-view
 * One alert (`/alerts/:id`): every field of the alert contract — the filled-in description,
 * entities (with the process tree), evidence events, tactics and techniques, remediation — and
 * the status actions (resolve or dismiss, saying who and why), with who did it, when and why.
 */
import { ApiError, changeStatus, getAlert } from './api.js';
import { fill, h, type Child } from './dom.js';
import { formatTime, severityBadge, statusBadge, tacticLabel } from './format.js';
import { LIST_QUERY_KEY } from './list-view.js';
import type { Alert, AlertEntities, AlertProcess, AlertStatus } from './types.js';

const BY_KEY = 'vigil.by';
const TECHNIQUE = /^T(\d{4})(?:\.(\d{3}))?$/;

/** Inline `code` in the catalogue's remediation text, as code elements. */
function withCode(text: string): Child[] {
  return text.split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

/** The remediation's numbered steps as a list; other lines as paragraphs. */
function remediation(text: string): HTMLElement {
  const container = h('div', { class: 'remediation' });
  let list: HTMLOListElement | undefined;
  for (const line of text.split('\n')) {
    const step = /^\s*\d+\.\s+(.*)$/.exec(line);
    if (step) {
      list ??= container.appendChild(h('ol'));
      list.append(h('li', {}, ...withCode(step[1]!)));
    } else if (line.trim()) {
      list = undefined;
      container.append(h('p', {}, ...withCode(line.trim())));
    }
  }
  return container;
}

function techniqueLink(technique: string): HTMLElement {
  const m = TECHNIQUE.exec(technique);
  if (!m) return h('span', { class: 'chip' }, technique);
  const path = m[2] ? `${m[1]}/${m[2]}` : m[1];
  return h('a', { class: 'chip', attrs: { href: `https://attack.mitre.org/techniques/T${path}/`, rel: 'noopener noreferrer', target: '_blank' } }, technique);
}

function processTree(process: AlertProcess, depth = 0): HTMLElement {
  return h(
    'div',
    { class: 'process' },
    h(
      'dl',
      { class: 'pairs' },
      h('dt', {}, depth ? 'parent' : 'process'),
      h('dd', {}, h('code', {}, process.executable), ` (pid ${process.pid})`),
      h('dt', {}, 'command line'),
      h('dd', {}, h('code', { class: 'command-line' }, process.commandLine)),
    ),
    process.parent ? processTree(process.parent, depth + 1) : null,
  );
}

function entities(e: AlertEntities): HTMLElement {
  const rows: [string, Child][] = [];
  const text = (label: string, value: string | undefined) => {
    if (value) rows.push([label, h('code', {}, value)]);
  };
  text('cluster', e.cluster);
  text('namespace', e.namespace);
  text('pod', e.pod);
  text('container', e.container);
  text('image', e.image);
  text('node', e.node);
  text('user', e.user);
  text('service account', e.serviceAccount);
  if (e.sourceIPs?.length) rows.push(['source IPs', h('span', {}, ...e.sourceIPs.flatMap((ip, i) => [i ? ', ' : '', h('code', {}, ip)]))]);
  text('user agent', e.userAgent);
  text('file', e.file);
  text('remote address', e.remoteAddress);
  if (e.resource) rows.push(['resource', h('code', {}, [e.resource.kind, e.resource.namespace, e.resource.name].filter(Boolean).join(' / '))]);
  if (e.identity) rows.push(['identity', h('code', {}, [e.identity.name, e.identity.type, e.identity.addon, e.identity.id].filter(Boolean).join(' · '))]);
  return h(
    'div',
    {},
    rows.length ? h('dl', { class: 'pairs entities' }, ...rows.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)])) : h('p', { class: 'empty' }, 'No entities.'),
    e.process ? processTree(e.process) : null,
  );
}

function evidence(alert: Alert): HTMLElement {
  if (!alert.evidence?.length) return h('p', { class: 'empty' }, 'No evidence kept.');
  return h(
    'table',
    { class: 'evidence' },
    h('thead', {}, h('tr', {}, ...['Time', 'Source', 'Kind', 'Event id', 'What happened'].map((label) => h('th', { attrs: { scope: 'col' } }, label)))),
    h(
      'tbody',
      {},
      ...alert.evidence.map((item) =>
        h(
          'tr',
          {},
          h('td', { class: 'nowrap' }, h('time', { attrs: { datetime: item.time } }, formatTime(item.time))),
          h('td', {}, item.origin ? `${item.source} (${item.origin})` : item.source),
          h('td', { class: 'nowrap' }, h('code', {}, item.kind)),
          h('td', {}, h('code', { class: 'event-id' }, item.id)),
          h('td', { class: 'summary' }, item.summary),
        ),
      ),
    ),
  );
}

function statusChangeText(alert: Alert): HTMLElement | null {
  const change = alert.statusChange;
  if (!change) return null;
  return h(
    'p',
    { class: `status-change status-${change.status}` },
    h('strong', {}, change.status === 'active' ? 'Reopened' : change.status[0]!.toUpperCase() + change.status.slice(1)),
    ' by ',
    h('span', { class: 'who' }, change.by),
    ' on ',
    h('time', { attrs: { datetime: change.at } }, formatTime(change.at)),
    ': ',
    h('q', { class: 'why' }, change.reason),
  );
}

export class AlertView {
  private alert: Alert | undefined;
  /** The alert as last drawn: an unchanged one is not redrawn, so that focus stays put. */
  private drawn = '';
  private readonly head = h('div', { class: 'alert-head' });
  private readonly details = h('div', { class: 'alert-details' });
  private readonly actions = h('section', { class: 'panel actions', attrs: { 'aria-labelledby': 'actions-title' } });
  /** The status the action panel was drawn for: it is redrawn only when that changes, keeping what the user typed. */
  private actionsFor: AlertStatus | undefined;

  constructor(
    main: HTMLElement,
    private readonly id: string,
  ) {
    const query = sessionStorage.getItem(LIST_QUERY_KEY);
    fill(main, h('a', { class: 'back', attrs: { href: query ? `/?${query}` : '/' } }, '← All alerts'), this.head, this.actions, this.details);
  }

  async refresh(): Promise<void> {
    try {
      this.alert = await getAlert(this.id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        fill(this.head, h('h1', {}, 'No such alert'), h('p', {}, 'It may have been deleted by retention.'));
        fill(this.details);
        fill(this.actions);
        this.drawn = '';
        this.actionsFor = undefined;
        return;
      }
      throw error;
    }
    this.render(this.alert);
  }

  private render(alert: Alert): void {
    const drawn = JSON.stringify(alert);
    if (drawn === this.drawn) return;
    this.drawn = drawn;
    document.title = `${alert.title} · Vigil`;
    const section = (title: string, ...body: Child[]) => h('section', { class: 'panel' }, h('h2', {}, title), ...body);
    fill(
      this.head,
      h('header', {}, h('div', { class: 'badges' }, severityBadge(alert.severity), statusBadge(alert.status)), h('h1', {}, alert.title), h('p', { class: 'type' }, h('code', {}, alert.type), ' · id ', h('code', {}, alert.id))),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'First seen'),
        h('dd', {}, h('time', { attrs: { datetime: alert.firstSeen } }, formatTime(alert.firstSeen))),
        h('dt', {}, 'Last seen'),
        h('dd', {}, h('time', { attrs: { datetime: alert.lastSeen } }, formatTime(alert.lastSeen))),
        h('dt', {}, 'Count'),
        h('dd', { class: 'count' }, alert.count),
        h('dt', {}, 'Status'),
        h('dd', {}, alert.status),
      ),
    );
    fill(
      this.details,
      section('Description', h('p', { class: 'description' }, alert.description)),
      h(
        'div',
        { class: 'two-columns' },
        section('Entities', entities(alert.entities ?? {})),
        section(
          'MITRE ATT&CK',
          h('h3', {}, 'Tactics'),
          h('p', { class: 'chips' }, ...(alert.tactics ?? []).map((t) => h('span', { class: 'chip' }, tacticLabel(t)))),
          h('h3', {}, 'Techniques'),
          alert.techniques?.length ? h('p', { class: 'chips' }, ...alert.techniques.map(techniqueLink)) : h('p', { class: 'empty' }, 'None suggested.'),
        ),
      ),
      section(`Evidence (${alert.evidence?.length ?? 0} event${alert.evidence?.length === 1 ? '' : 's'})`, evidence(alert)),
      section('Remediation', remediation(alert.remediation ?? '')),
    );
    if (this.actionsFor !== alert.status) this.renderActions(alert);
  }

  private renderActions(alert: Alert): void {
    this.actionsFor = alert.status;
    const title = h('h2', { attrs: { id: 'actions-title' } }, 'Status');
    if (alert.status !== 'active') {
      fill(this.actions, title, statusChangeText(alert) ?? h('p', {}, `This alert is ${alert.status}.`));
      return;
    }
    const by = h('input', { attrs: { name: 'by', required: true, maxlength: 200, autocomplete: 'name', value: localStorage.getItem(BY_KEY) ?? '' } });
    const reason = h('textarea', { attrs: { name: 'reason', required: true, minlength: 3, maxlength: 2000, rows: 3 } });
    const message = h('p', { class: 'form-message', attrs: { role: 'alert' } });
    const submit = async (status: 'resolved' | 'dismissed', form: HTMLFormElement) => {
      if (!form.reportValidity()) return;
      message.textContent = '';
      for (const b of form.querySelectorAll('button')) b.disabled = true;
      try {
        localStorage.setItem(BY_KEY, by.value.trim());
        this.alert = await changeStatus(this.id, { status, by: by.value.trim(), reason: reason.value.trim() });
        this.render(this.alert);
      } catch (error) {
        message.textContent = error instanceof Error ? error.message : String(error);
        for (const b of form.querySelectorAll('button')) b.disabled = false;
        if (error instanceof ApiError && error.status === 409) await this.refresh().catch(() => undefined);
      }
    };
    const form: HTMLFormElement = h(
      'form',
      { class: 'status-form', on: { submit: (e) => e.preventDefault() } },
      h('p', {}, 'Resolve the alert once it is handled, or dismiss it as benign. Say who you are and why.'),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Your name'), by),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Reason'), reason),
      h(
        'div',
        { class: 'buttons' },
        h('button', { class: 'primary', attrs: { type: 'button', 'data-action': 'resolved' }, on: { click: () => void submit('resolved', form) } }, 'Resolve'),
        h('button', { attrs: { type: 'button', 'data-action': 'dismissed' }, on: { click: () => void submit('dismissed', form) } }, 'Dismiss'),
      ),
      message,
    );
    fill(this.actions, title, form);
  }
}
