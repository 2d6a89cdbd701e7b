#!/usr/bin/env bash
# Publishes kubecloud-node as NativeAOT into artifacts/node-aot (CliTests runs it on the fake driver beside the JIT
# build). ILC links with the platform's clang and needs zlib's headers: Debian's clang and zlib1g-dev, installed here
# when missing (as root). Warnings are errors, as in every build of the product.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v clang >/dev/null || ! dpkg -s zlib1g-dev >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null
fi
cd "$root"
dotnet publish node-daemon/KubeCloud.Node.Cli -c Release -r linux-x64 -p:PublishAot=true -nologo -clp:ErrorsOnly -o artifacts/node-aot
