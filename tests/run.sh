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

step "publishing kubecloud-node as NativeAOT (tests/setup/node-aot.sh)"
bash tests/setup/node-aot.sh || fail_setup "tests/setup/node-aot.sh"

step "checking formatting"
dotnet format KubeCloud.sln --verify-no-changes --no-restore -v quiet || fail_setup "dotnet format found unformatted code (run: dotnet format KubeCloud.sln)"

step "running tests"
# One TRX per test project (named after it), up to two projects at a time.
mapfile -t projects < <(dotnet sln KubeCloud.sln list | tr '\\' '/' | grep -E '^tests/.*\.(Tests|IntegrationTests)\.csproj$' | sort)
run_project() {
  local project="$1" results="$2" name
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" >"$results/$name.log" 2>&1
  local rc=$?
  local counters
  counters="$(grep -o '<Counters [^>]*>' "$results/$name.trx" 2>/dev/null | head -1 | grep -oE '(total|passed|failed)="[0-9]+"' | tr '\n' ' ')"
  printf '%-40s %s\n' "$name" "${counters:-no results}"
  [[ $rc -eq 0 ]] || { echo "---- $name failed (exit $rc); its output:"; grep -vE '^\s+Passed ' "$results/$name.log" | tail -n 150; }
  return $rc
}
export -f run_project
printf '%s\n' "${projects[@]}" | xargs -P 2 -I{} bash -c 'run_project "$1" "$2"' _ {} "$results"
rc=$?

passed=0; failed=0
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  trx="$results/$name.trx"
  if [[ ! -f "$trx" ]]; then
    echo "no results from $name (the test host did not run or crashed)" >&2
    failed=$((failed + 1))
    continue
  fi
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [[ $rc -ne 0 && $failed -eq 0 ]]; then
  failed=1  # a project failed without a failed test: count it
fi
if [[ ${#projects[@]} -eq 0 || $passed -eq 0 ]]; then
  echo "no test results were produced" >&2
  [[ $failed -gt 0 ]] || failed=1
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
