#!/usr/bin/env bash
# Validates deploy/ offline, as CI runs it (test/deploy/deploy.test.ts):
#  1. renders every kustomization (base, each overlay, the optional Tetragon policies) with
#     `kubectl kustomize` — Debian bookworm's kubectl (package kubernetes-client, 1.20, with
#     kustomize v2.0.3) or any newer one;
#  2. checks the rendered objects, the audit policy and the rendered templates against Kubernetes'
#     schemas (deploy/validate-schema.mjs).
# `kubectl apply --dry-run=client` is not used: kubectl resolves kinds through the API server's
# discovery even in client dry-run, so without a cluster it cannot run; step 2 is the schema check.
# Installs nothing. Writes the rendered YAML to $VIGIL_DEPLOY_OUT if set (kept), else a temp dir.
# Exit 0 valid, 1 invalid, 2 a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v kubectl >/dev/null 2>&1; then
  echo "deploy/validate.sh: kubectl not found; install Debian's kubernetes-client (apt-get install kubernetes-client)" >&2
  exit 2
fi
if ! command -v node >/dev/null 2>&1; then
  echo "deploy/validate.sh: node not found" >&2
  exit 2
fi

out="${VIGIL_DEPLOY_OUT:-}"
cleanup=()
if [ -z "$out" ]; then
  out="$(mktemp -d)"
  cleanup+=("$out")
fi
mkdir -p "$out"

# The token Secret is generated from the git-ignored deploy/base/token.txt; a checkout has none.
# Make a throwaway one for rendering and remove it afterwards (an operator's own file is left alone).
token=deploy/base/token.txt
if [ ! -f "$token" ]; then
  node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))' > "$token"
  cleanup+=("$token")
fi
trap 'rm -rf "${cleanup[@]}"' EXIT

echo "kubectl: $(kubectl version --client --short 2>/dev/null || kubectl version --client 2>/dev/null | head -n 1)"
targets=(base overlays/kernel-audit overlays/procfs overlays/tetragon tetragon)
rendered=()
for target in "${targets[@]}"; do
  file="$out/$(echo "$target" | tr '/' '-').yaml"
  # Newer kubectl warns that `bases` is deprecated; the warning is not a failure.
  if ! kubectl kustomize "deploy/$target" > "$file" 2> "$file.err"; then
    echo "deploy/validate.sh: kubectl kustomize deploy/$target failed:" >&2
    cat "$file.err" >&2
    exit 1
  fi
  rm -f "$file.err"
  echo "rendered deploy/$target ($(grep -c '^kind:' "$file") objects)"
  rendered+=("$file")
done

node deploy/validate-schema.mjs "${rendered[@]}" deploy/audit/policy.yaml deploy/audit/*.template.yaml
