/**
 * @module sources/kubernetes-api/resources
 * The kinds Vigil reads from a live cluster, with the typed list call and the watch path of each:
 * what the object detections and the inventory judge (workloads, Services, RBAC, admission
 * webhooks, ConfigMaps of kube-system for the cluster DNS, Namespaces). Everything here is read
 * with get/list/watch only — the read-only ClusterRole in docs/clouds.md grants exactly these.
 */
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';

export interface ListPage {
  metadata?: { resourceVersion?: string; _continue?: string };
  items: object[];
}

export interface PageRequest {
  _continue?: string;
  limit: number;
}

export interface LiveResource {
  kind: string;
  apiVersion: string;
  /** The collection across all namespaces, as the watch requests it. */
  path: string;
  list(kc: KubeConfig, page: PageRequest): Promise<ListPage>;
}

const core = (kc: KubeConfig) => kc.makeApiClient(CoreV1Api);
const apps = (kc: KubeConfig) => kc.makeApiClient(AppsV1Api);
const batch = (kc: KubeConfig) => kc.makeApiClient(BatchV1Api);
const rbac = (kc: KubeConfig) => kc.makeApiClient(RbacAuthorizationV1Api);
const admission = (kc: KubeConfig) => kc.makeApiClient(AdmissionregistrationV1Api);

/** ConfigMaps only of kube-system: the DNS configuration lives there, and other namespaces' data is none of our business. */
export const CONFIGMAP_NAMESPACE = 'kube-system';

export const LIVE_RESOURCES: readonly LiveResource[] = [
  { kind: 'Namespace', apiVersion: 'v1', path: '/api/v1/namespaces', list: (kc, p) => core(kc).listNamespace(p) },
  { kind: 'Pod', apiVersion: 'v1', path: '/api/v1/pods', list: (kc, p) => core(kc).listPodForAllNamespaces(p) },
  { kind: 'Service', apiVersion: 'v1', path: '/api/v1/services', list: (kc, p) => core(kc).listServiceForAllNamespaces(p) },
  {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    path: `/api/v1/namespaces/${CONFIGMAP_NAMESPACE}/configmaps`,
    list: (kc, p) => core(kc).listNamespacedConfigMap({ namespace: CONFIGMAP_NAMESPACE, ...p }),
  },
  { kind: 'Deployment', apiVersion: 'apps/v1', path: '/apis/apps/v1/deployments', list: (kc, p) => apps(kc).listDeploymentForAllNamespaces(p) },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', path: '/apis/apps/v1/daemonsets', list: (kc, p) => apps(kc).listDaemonSetForAllNamespaces(p) },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', path: '/apis/apps/v1/statefulsets', list: (kc, p) => apps(kc).listStatefulSetForAllNamespaces(p) },
  { kind: 'ReplicaSet', apiVersion: 'apps/v1', path: '/apis/apps/v1/replicasets', list: (kc, p) => apps(kc).listReplicaSetForAllNamespaces(p) },
  { kind: 'Job', apiVersion: 'batch/v1', path: '/apis/batch/v1/jobs', list: (kc, p) => batch(kc).listJobForAllNamespaces(p) },
  { kind: 'CronJob', apiVersion: 'batch/v1', path: '/apis/batch/v1/cronjobs', list: (kc, p) => batch(kc).listCronJobForAllNamespaces(p) },
  { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', list: (kc, p) => rbac(kc).listClusterRole(p) },
  { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', list: (kc, p) => rbac(kc).listClusterRoleBinding(p) },
  { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', path: '/apis/rbac.authorization.k8s.io/v1/roles', list: (kc, p) => rbac(kc).listRoleForAllNamespaces(p) },
  { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings', list: (kc, p) => rbac(kc).listRoleBindingForAllNamespaces(p) },
  {
    kind: 'ValidatingWebhookConfiguration',
    apiVersion: 'admissionregistration.k8s.io/v1',
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    list: (kc, p) => admission(kc).listValidatingWebhookConfiguration(p),
  },
  {
    kind: 'MutatingWebhookConfiguration',
    apiVersion: 'admissionregistration.k8s.io/v1',
    path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    list: (kc, p) => admission(kc).listMutatingWebhookConfiguration(p),
  },
];
