/**
 * K8S_TI_Proxy — an API request came from an address of an anonymising proxy service: a Tor exit
 * relay (data/indicators/tor-exit-nodes.txt, compared in canonical form, so fully expanded IPv6
 * and IPv4-mapped IPv6 addresses meet). Requests from one address by one identity within the
 * aggregation window are one alert with a count.
 *
 * Every `sourceIPs` entry is checked, not only the TCP peer (the last one): X-Forwarded-For
 * entries are client-controlled, but nobody hiding behind Tor forges a Tor exit into them, and a
 * proxy in front of the API server puts the real client there.
 *
 * It must see every audit event (any verb, any resource), so it has no audit index and its cost
 * per event is a set lookup per address; events without addresses are skipped at once. Refused
 * requests fire too: the source is the signal, whatever RBAC answered. Every stage is judged (a
 * log may hold only one), and stages of one request share an id, so they count once.
 */
import { auditEntities } from '../../alerts/entities.js';
import { defineDetection } from '../../engine/detection.js';
import { canonicalIp } from '../../indicators/ip.js';
import { actingUser, outcomeText } from './lib/audit-request.js';

export default defineDetection({
  type: 'K8S_TI_Proxy',
  kinds: ['k8s.audit'],
  summary: '{user} sent API requests from {ip}, a Tor exit relay ({position}); first: {verb} {target}, {outcome}.',
  detect(event, ctx) {
    const ips = event.sourceIPs;
    if (ips.length === 0) return undefined;
    const tor = ctx.indicators.ipSet('tor-exit-nodes');
    const index = ips.findIndex((ip) => tor.has(ip));
    if (index < 0) return undefined;
    // One source, however it was written (an IPv4-mapped IPv6 address is its IPv4 address).
    const ip = canonicalIp(ips[index]!) ?? ips[index]!;
    const entities = auditEntities(event);
    const ref = event.objectRef;
    const target = ref ? `${ref.resource}${ref.subresource ? '/' + ref.subresource : ''}${ref.namespace ? ` in ${ref.namespace}` : ''}${ref.name ? ` (${ref.name})` : ''}` : event.requestURI;
    return {
      entities: { ...entities, remoteAddress: ip },
      facts: {
        user: entities.user,
        ip,
        position: index === ips.length - 1 ? 'the TCP peer' : 'an X-Forwarded-For entry',
        verb: event.verb,
        target,
        outcome: outcomeText(event),
      },
      key: `${ip}|${actingUser(event)}`,
    };
  },
});
