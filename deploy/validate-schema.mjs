#!/usr/bin/env node
// Offline schema check of Vigil's rendered manifests (used by deploy/validate.sh).
// Kubernetes API kinds are checked twice, both from schemas generated from Kubernetes' OpenAPI
// and shipped in npm packages (nothing is fetched):
//  - types, required fields, enums and formats: the JSON-schema validators of `kubernetes-models`;
//  - unknown fields (a misspelt or misplaced key, which Kubernetes would drop or refuse): the
//    model field maps of `@kubernetes/client-node`, as `kubectl --validate=strict` would.
// Files that are not API objects get schemas written here from their Go types: the API server's
// audit Policy (audit.k8s.io/v1) and kubeconfig (v1 Config). Tetragon's TracingPolicy is a CRD
// whose schema no package ships: only its envelope is checked.
// `*.template.yaml` files are rendered with sample values first; an unknown ${VARIABLE} is an error.
// Usage: node deploy/validate-schema.mjs FILE.yaml ...   Exit 0 valid, 1 invalid, 2 usage.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

const TEMPLATE_SAMPLES = {
  VIGIL_WEBHOOK_URL: 'https://10.96.0.50:8080/v1/audit',
  VIGIL_TOKEN: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
  CONTROL_PLANE_CIDR: '10.0.0.0/28',
};

// ---- API objects ----

/** kubernetes-models module path and client-node model name of an apiVersion/kind. */
function apiModel(apiVersion, kind) {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const modulePath = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  const modelName = version[0].toUpperCase() + version.slice(1) + kind;
  return { modulePath, modelName };
}

/** Keys that client-node's OpenAPI-generated model for `type` does not know, as paths. */
function unknownFields(value, type, path, out) {
  if (value === null || value === undefined) return out;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1], `${path}[${i}]`, out));
    return out;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}.${k}`, out);
    return out;
  }
  const model = k8s[type];
  if (typeof model?.getAttributeTypeMap !== 'function' || typeof value !== 'object' || Array.isArray(value)) return out;
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const fieldType = fields.get(k);
    if (fieldType === undefined) out.push(`${path}.${k}: unknown field (not in ${type})`);
    else unknownFields(v, fieldType, `${path}.${k}`, out);
  }
  return out;
}

async function checkApiObject(doc) {
  // Newer kustomize folds long base64 values over several lines; Go's base64 decoder skips line
  // breaks, the JSON-schema "byte" format does not.
  if (doc.kind === 'Secret' && doc.data && typeof doc.data === 'object') {
    for (const [k, v] of Object.entries(doc.data)) if (typeof v === 'string') doc.data[k] = v.replace(/[\r\n]/g, '');
  }
  const { modulePath, modelName } = apiModel(doc.apiVersion, doc.kind);
  let Model;
  try {
    Model = Object.values(await import(modulePath))[0];
  } catch {
    return [`no Kubernetes schema for ${doc.apiVersion} ${doc.kind}`];
  }
  const errors = [];
  try {
    new Model(doc).validate();
  } catch (error) {
    errors.push(...String(error.message).split(', ').map((m) => m.replace(/^data\//, '').replace(/^data /, '')));
  }
  if (typeof k8s[modelName]?.getAttributeTypeMap !== 'function') errors.push(`no field map for ${modelName} in @kubernetes/client-node`);
  else errors.push(...unknownFields(doc, modelName, doc.kind, []));
  return errors;
}

// ---- files that are not API objects ----

const strings = z.array(z.string().min(1));
const stage = z.enum(['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic']);
// k8s.io/apiserver/pkg/apis/audit/v1 Policy and PolicyRule.
const auditPolicy = z.strictObject({
  apiVersion: z.literal('audit.k8s.io/v1'),
  kind: z.literal('Policy'),
  metadata: z.object({}).passthrough().optional(),
  omitStages: z.array(stage).optional(),
  omitManagedFields: z.boolean().optional(),
  rules: z
    .array(
      z
        .strictObject({
          level: z.enum(['None', 'Metadata', 'Request', 'RequestResponse']),
          users: strings.optional(),
          userGroups: strings.optional(),
          verbs: strings.optional(),
          resources: z.array(z.strictObject({ group: z.string().optional(), resources: strings.optional(), resourceNames: strings.optional() })).optional(),
          namespaces: z.array(z.string()).optional(),
          nonResourceURLs: strings.optional(),
          omitStages: z.array(stage).optional(),
          omitManagedFields: z.boolean().optional(),
        })
        // The API server refuses a rule that mixes resource and non-resource matching.
        .refine((r) => !(r.nonResourceURLs && (r.resources || r.namespaces)), 'a rule cannot have both nonResourceURLs and resources/namespaces'),
    )
    .min(1),
});
// k8s.io/client-go/tools/clientcmd/api/v1 Config, the fields an API-server webhook uses.
const named = (key, body) => z.array(z.strictObject({ name: z.string().min(1), [key]: body })).min(1);
const kubeconfig = z
  .strictObject({
    apiVersion: z.literal('v1'),
    kind: z.literal('Config'),
    preferences: z.object({}).optional(),
    clusters: named(
      'cluster',
      z.strictObject({
        server: z.url({ protocol: /^https$/ }),
        'certificate-authority': z.string().min(1).optional(),
        'certificate-authority-data': z.string().min(1).optional(),
        'tls-server-name': z.string().optional(),
      }),
    ),
    users: named(
      'user',
      z.strictObject({
        token: z.string().min(1).optional(),
        tokenFile: z.string().min(1).optional(),
        'client-certificate': z.string().optional(),
        'client-key': z.string().optional(),
        'client-certificate-data': z.string().optional(),
        'client-key-data': z.string().optional(),
      }),
    ),
    contexts: named('context', z.strictObject({ cluster: z.string().min(1), user: z.string().min(1), namespace: z.string().optional() })),
    'current-context': z.string().min(1),
  })
  .superRefine((c, ctx) => {
    const context = c.contexts.find((x) => x.name === c['current-context']);
    if (!context) return ctx.addIssue({ code: 'custom', message: `current-context ${c['current-context']} is not among contexts` });
    if (!c.clusters.some((x) => x.name === context.context.cluster)) ctx.addIssue({ code: 'custom', message: `context names cluster ${context.context.cluster}, which is not defined` });
    if (!c.users.some((x) => x.name === context.context.user)) ctx.addIssue({ code: 'custom', message: `context names user ${context.context.user}, which is not defined` });
  });
const tracingPolicy = z.object({
  apiVersion: z.literal('cilium.io/v1alpha1'),
  kind: z.enum(['TracingPolicy', 'TracingPolicyNamespaced']),
  metadata: z.object({ name: z.string().min(1) }).passthrough(),
  spec: z.object({}).passthrough(),
});

function zodErrors(schema, doc) {
  const result = schema.safeParse(doc);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`);
}

async function checkDocument(doc) {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['not a YAML mapping'];
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') return ['apiVersion and kind are required'];
  if (doc.apiVersion === 'audit.k8s.io/v1') return zodErrors(auditPolicy, doc);
  if (doc.apiVersion === 'v1' && doc.kind === 'Config') return zodErrors(kubeconfig, doc);
  if (doc.apiVersion.startsWith('cilium.io/')) return zodErrors(tracingPolicy, doc);
  return checkApiObject(doc);
}

function render(file, text) {
  if (!file.endsWith('.template.yaml')) return { text, errors: [] };
  const errors = [];
  // Only ${NAME} outside comments is a variable: the header comments show shell usage.
  const rendered = text
    .split('\n')
    .map((line) =>
      line.trimStart().startsWith('#')
        ? line
        : line.replace(/\$\{([A-Z_]+)\}/g, (_, name) => {
            if (name in TEMPLATE_SAMPLES) return TEMPLATE_SAMPLES[name];
            errors.push(`unknown template variable \${${name}}`);
            return '';
          }),
    )
    .join('\n');
  return { text: rendered, errors };
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write('usage: node deploy/validate-schema.mjs FILE.yaml ...\n');
    return 2;
  }
  let bad = 0;
  let count = 0;
  for (const file of files) {
    const { text, errors: templateErrors } = render(file, readFileSync(file, 'utf8'));
    for (const e of templateErrors) {
      bad++;
      process.stderr.write(`${file}: ${e}\n`);
    }
    for (const [index, parsed] of parseAllDocuments(text).entries()) {
      if (parsed.errors.length) {
        bad++;
        process.stderr.write(`${file} document ${index + 1}: ${parsed.errors.map((e) => e.message).join('; ')}\n`);
        continue;
      }
      const doc = parsed.toJS();
      if (doc === null) continue;
      count++;
      const name = `${doc.kind ?? '?'}/${doc.metadata?.name ?? basename(file)}`;
      for (const e of await checkDocument(doc)) {
        bad++;
        process.stderr.write(`${file}: ${name}: ${e}\n`);
      }
    }
  }
  process.stdout.write(`validate-schema: ${count} documents in ${files.length} files, ${bad} problem(s)\n`);
  return bad ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
