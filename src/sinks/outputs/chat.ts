/**
 * @module sinks/outputs/chat
 * An alert as a Slack message (Block Kit) and as a Microsoft Teams message (an Adaptive Card, as
 * Teams workflows and incoming webhooks take it). Text from the cluster is shown as text: Slack's
 * plain_text objects do not parse links or mentions (and the fallback text is entity-escaped);
 * Teams' markdown characters are backslash-escaped.
 */
import type { Alert } from '../../alerts/alert.js';
import { escapeControl } from '../../util/escape.js';

/** Entities worth a line in a chat message, in reading order. */
function facts(alert: Alert): [string, string][] {
  const e = alert.entities;
  const out: [string, string | undefined][] = [
    ['Severity', alert.severity],
    ['Cluster', e.cluster],
    ['Namespace', e.namespace],
    ['Pod', e.pod],
    ['Container', e.container],
    ['Image', e.image],
    ['Node', e.node],
    ['User', e.user],
    ['Process', e.process?.commandLine],
    ['Resource', e.resource ? `${e.resource.kind} ${e.resource.namespace ? e.resource.namespace + '/' : ''}${e.resource.name ?? ''}` : undefined],
    ['Source IPs', e.sourceIPs?.join(', ')],
    ['Remote address', e.remoteAddress],
    ['Seen', `${alert.count}× from ${alert.firstSeen} to ${alert.lastSeen}`],
    ['Alert id', alert.id],
  ];
  return out.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '').map(([k, v]) => [k, escapeControl(v)]);
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Slack's escaping for text it would otherwise parse for links, mentions and commands. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(alert: Alert): Record<string, unknown> {
  const plain = (text: string, max: number) => ({ type: 'plain_text', text: clip(text, max), emoji: false });
  return {
    text: slackEscape(clip(`[${alert.severity}] ${escapeControl(alert.title)}`, 300)),
    blocks: [
      { type: 'header', text: plain(escapeControl(alert.title), 150) },
      { type: 'section', text: plain(escapeControl(alert.description), 3000) },
      // Slack allows 10 fields per section, 2000 characters each.
      { type: 'section', fields: facts(alert).slice(0, 10).map(([k, v]) => plain(`${k}: ${v}`, 2000)) },
      { type: 'context', elements: [plain(`${alert.type} · ${alert.tactics.join(', ')} · ${alert.id}`, 2000)] },
    ],
  };
}

const TEAMS_MARKDOWN = /[\\`*_{}[\]()#+\-.!|<>~]/g;

/** Backslash-escapes the characters Teams' markdown would interpret. */
export function teamsEscape(text: string): string {
  return text.replace(TEAMS_MARKDOWN, (c) => '\\' + c);
}

export function teamsPayload(alert: Alert): Record<string, unknown> {
  const colour = alert.severity === 'high' ? 'Attention' : alert.severity === 'medium' ? 'Warning' : 'Default';
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Large', weight: 'Bolder', color: colour, wrap: true, text: teamsEscape(escapeControl(alert.title)) },
            { type: 'TextBlock', wrap: true, text: teamsEscape(clip(escapeControl(alert.description), 4000)) },
            { type: 'FactSet', facts: facts(alert).map(([title, value]) => ({ title, value: teamsEscape(clip(value, 1000)) })) },
            { type: 'TextBlock', isSubtle: true, size: 'Small', wrap: true, text: teamsEscape(`${alert.type} · ${alert.tactics.join(', ')}`) },
          ],
        },
      },
    ],
  };
}
