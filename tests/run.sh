#!/usr/bin/env bash
# The whole test suite of KubeCloud, from a fresh Debian machine: installs what the tests need
# (Debian packages for libvirt/QEMU/tgt/dnsmasq, the real kubectl and helm), checks formatting,
# builds the solution with warnings as errors, runs every test project, and ends with one line:
#   N passed, N failed
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

step() { printf '\n== %s\n' "$*"; }
fail_setup() { echo "setup failed: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

step "installing test dependencies"
if [[ -f tests/setup/node-deps.sh ]]; then
  bash tests/setup/node-deps.sh || fail_setup "tests/setup/node-deps.sh"
fi
bash tests/setup/kube-clients.sh || fail_setup "tests/setup/kube-clients.sh"

step "building (warnings are errors)"
dotnet build KubeCloud.sln -c Release -nologo -clp:ErrorsOnly || fail_setup "dotnet build"

step "checking formatting"
dotnet format KubeCloud.sln --verify-no-changes --no-restore -v quiet || fail_setup "dotnet format found unformatted code (run: dotnet format KubeCloud.sln)"

step "running tests"
dotnet test KubeCloud.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results"
rc=$?

passed=0; failed=0; trx_count=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  trx_count=$((trx_count + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [[ $rc -ne 0 && $failed -eq 0 ]]; then
  # A test host that crashed or a project that did not run counts as a failure.
  failed=1
fi
if [[ $trx_count -eq 0 || $passed -eq 0 ]]; then
  echo "no test results were produced" >&2
  failed=$((failed > 0 ? failed : 1))
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
