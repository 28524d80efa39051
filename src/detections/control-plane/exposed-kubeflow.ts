/**
 * K8S_ExposedKubeflow — the Istio ingress gateway of a cluster that runs Kubeflow became reachable
 * from the Internet through a load balancer, which puts the Kubeflow central dashboard (notebooks,
 * pipelines: code and container execution) on the Internet.
 *
 * The gateway is a LoadBalancer Service (not internal, not limited to private ranges) that selects
 * `istio: ingressgateway` (the label Kubeflow's manifests route through), or is
 * istio-system/istio-ingressgateway, or whose selected pods run Istio's proxy as a gateway (image
 * …/proxyv2 with the `router` argument; sidecars run `sidecar`). Kubeflow runs when namespace
 * `kubeflow` exists. A gateway whose load balancer carries only Istio's own ports (an east-west
 * gateway: 15443, 15021…) serves no dashboard and does not count.
 *
 * Decision: the alert fires on whichever comes last — the gateway becoming a load balancer while
 * `kubeflow` exists, or `kubeflow` appearing (Kubeflow installed) while the gateway already is one:
 * the dashboard is exposed from that moment either way. Audit requests and snapshots alike.
 * Refused requests changed nothing and do not fire.
 */
import { defineDetection } from '../../engine/detection.js';
import type { K8sObject } from '../../events/model.js';
import { endsWithSegments, parseImageRef } from '../../inventory/image-ref.js';
import { isRecord } from '../../inventory/pod-spec.js';
import { argWords, exposureAuditIndex, exposureChanges, exposureFinding, targetsOf, type ClusterView, type Exposure, type Target } from './lib/exposure.js';

const KUBEFLOW_NAMESPACE = 'kubeflow';
/**
 * Istio's own ports on a gateway: status (15021), cross-network mTLS (15443), istiod (15012, 15017),
 * telemetry (15090). An east-west gateway exposes only these; the dashboard is served on the others.
 */
const MESH_PORTS = new Set([15021, 15443, 15012, 15017, 15090]);

function isGatewayTarget(target: Target): boolean {
  const image = parseImageRef(target.container.image);
  return image !== undefined && endsWithSegments(image.path, 'proxyv2') && argWords(target.container).includes('router');
}

/** How the Service is recognised as the Istio ingress gateway, or undefined. */
export function istioGateway(service: K8sObject, exposure: Exposure, view: ClusterView): { how: string; target?: Target } | undefined {
  if (!exposure.ports.some((p) => !MESH_PORTS.has(p.port))) return undefined;
  const spec = isRecord(service.spec) ? service.spec : {};
  const selector = isRecord(spec.selector) ? spec.selector : {};
  const targets = targetsOf(service, exposure, view);
  const proxy = targets.find(isGatewayTarget);
  if (selector.istio === 'ingressgateway') return { how: 'selector istio=ingressgateway', target: proxy };
  if (service.metadata.namespace === 'istio-system' && service.metadata.name === 'istio-ingressgateway') return { how: 'name istio-system/istio-ingressgateway', target: proxy };
  return proxy ? { how: `Istio gateway pods (${proxy.container.image}, router)`, target: proxy } : undefined;
}

export default defineDetection({
  type: 'K8S_ExposedKubeflow',
  kinds: ['k8s.audit', 'k8s.object'],
  audit: exposureAuditIndex(['namespaces']),
  summary: 'Service {service}, the Istio ingress gateway ({gateway}) of a cluster running Kubeflow (namespace kubeflow), is exposed through {exposure} on ports {ports}; made so by {trigger}.',
  detect(event, ctx) {
    const changes = exposureChanges(event, ctx, {
      namespaces: [KUBEFLOW_NAMESPACE],
      judge: (service, exposure, view) => (view.namespaceExists(KUBEFLOW_NAMESPACE) ? istioGateway(service, exposure, view) : undefined),
    });
    return changes.map((change) => exposureFinding(event, change, change.verdict.target, { gateway: change.verdict.how }));
  },
});
